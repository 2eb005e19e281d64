package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// functionRecord is one function as the emulator keeps it. Config holds
// every caller-settable field exactly as stored (known or not, numbers as
// json.Number so they round-trip textually); server-set values live in their
// own fields and are rendered by functionView.
type functionRecord struct {
	Config       map[string]any            `json:"config"`
	FunctionID   string                    `json:"functionId"`
	CreatedTime  time.Time                 `json:"createdTime"`
	LastModified time.Time                 `json:"lastModifiedTime"`
	CodeChecksum string                    `json:"codeChecksum,omitempty"`
	CodeSize     int64                     `json:"codeSize"`
	Tags         map[string]string         `json:"tags,omitempty"`
	SettleUntil  time.Time                 `json:"settleUntil"`
	Created      bool                      `json:"settlingCreate,omitempty"` // the pending write was the create
	Triggers     map[string]*triggerRecord `json:"triggers"`

	// Everything below is absent from state files written before versions,
	// aliases and per-function settings were served; loadState and the
	// handlers treat nil maps as empty.
	Versions    map[string]*versionRecord `json:"versions,omitempty"`
	LastVersion int                       `json:"lastVersion,omitempty"` // ids are never reused, so the counter outlives deletions
	Aliases     map[string]*aliasRecord   `json:"aliases,omitempty"`
	// Settings holds the per-function settings by kind (settingKind.key),
	// then by qualifier ("" for concurrency, which has none).
	Settings    map[string]map[string]*settingRecord `json:"settings,omitempty"`
	VpcBindings []string                             `json:"vpcBindings,omitempty"` // sorted
	Restriction *restrictionRecord                   `json:"invocationRestriction,omitempty"`

	// FCVersion is "v2" for a function created under FC 2.0 (named
	// service$function), "" for one created through this API (FC 3.0's
	// "v3").
	FCVersion string `json:"fcVersion,omitempty"`

	code *codeBlob // the zip; persisted as its own file
}

// normalize fills what a record read from disk may lack.
func (f *functionRecord) normalize() {
	if f.Triggers == nil {
		f.Triggers = map[string]*triggerRecord{}
	}
}

// versionRecord is a published version: a snapshot of the function's
// caller-settable config and code at publish time. Extra holds the publish
// body's fields other than description, returned as sent.
type versionRecord struct {
	Description          string         `json:"description"`
	Extra                map[string]any `json:"extra,omitempty"`
	CreatedTime          time.Time      `json:"createdTime"`
	LastModified         time.Time      `json:"lastModifiedTime"`
	Config               map[string]any `json:"config"`
	FunctionLastModified time.Time      `json:"functionLastModifiedTime"`
	CodeChecksum         string         `json:"codeChecksum,omitempty"`
	CodeSize             int64          `json:"codeSize"`

	code *codeBlob // shared with the function or other versions of the same checksum
}

// aliasRecord is an alias; Config holds caller-settable fields
// (versionId, description, additionalVersionWeight and unknown ones).
type aliasRecord struct {
	Config       map[string]any `json:"config"`
	CreatedTime  time.Time      `json:"createdTime"`
	LastModified time.Time      `json:"lastModifiedTime"`
}

// settingRecord is one per-function setting (async invoke config,
// concurrency, provision or scaling config) as the caller last put it.
type settingRecord struct {
	Config       map[string]any `json:"config"`
	CreatedTime  time.Time      `json:"createdTime"`
	LastModified time.Time      `json:"lastModifiedTime"`
}

// restrictionRecord is what DisableFunctionInvocation and
// EnableFunctionInvocation last set.
type restrictionRecord struct {
	Disable      bool      `json:"disable"`
	Reason       string    `json:"reason,omitempty"`
	LastModified time.Time `json:"lastModifiedTime"`
}

// customDomainRecord is a custom domain; Config holds caller-settable
// fields, including certConfig.privateKey, which is never rendered.
type customDomainRecord struct {
	Config       map[string]any `json:"config"`
	CreatedTime  time.Time      `json:"createdTime"`
	LastModified time.Time      `json:"lastModifiedTime"`
}

// codeReferenced reports whether the function or one of its versions still
// uses the package with this checksum, so that its file must be kept.
func (f *functionRecord) codeReferenced(checksum string) bool {
	if checksum == "" {
		return false
	}
	if f.CodeChecksum == checksum {
		return true
	}
	for _, v := range f.Versions {
		if v.CodeChecksum == checksum {
			return true
		}
	}
	return false
}

// settings returns the function's settings of one kind, creating the map
// when create is set.
func (f *functionRecord) settings(kind string, create bool) map[string]*settingRecord {
	m := f.Settings[kind]
	if m == nil && create {
		if f.Settings == nil {
			f.Settings = map[string]map[string]*settingRecord{}
		}
		m = map[string]*settingRecord{}
		f.Settings[kind] = m
	}
	return m
}

// triggerRecord is one trigger; Config holds caller-settable fields.
type triggerRecord struct {
	Config       map[string]any `json:"config"`
	TriggerID    string         `json:"triggerId"`
	CreatedTime  time.Time      `json:"createdTime"`
	LastModified time.Time      `json:"lastModifiedTime"`
}

// state is everything the emulator persists (persist.go).
type state struct {
	Version int `json:"version"`
	// URLSecret signs code download URLs; persisted so URLs handed out before
	// a restart stay valid until they expire, as OSS URLs would.
	URLSecret     string                         `json:"urlSecret"`
	Functions     map[string]*functionRecord     `json:"functions"`
	CustomDomains map[string]*customDomainRecord `json:"customDomains,omitempty"`
}

func newState() *state {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return &state{
		Version: stateVersion, URLSecret: hex.EncodeToString(b[:]),
		Functions: map[string]*functionRecord{}, CustomDomains: map[string]*customDomainRecord{},
	}
}
