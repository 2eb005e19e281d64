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

	code []byte // the zip; persisted as its own file
}

// triggerRecord is one trigger; Config holds caller-settable fields.
type triggerRecord struct {
	Config       map[string]any `json:"config"`
	TriggerID    string         `json:"triggerId"`
	CreatedTime  time.Time      `json:"createdTime"`
	LastModified time.Time      `json:"lastModifiedTime"`
}

// state is everything the emulator persists.
type state struct {
	Version int `json:"version"`
	// URLSecret signs code download URLs; persisted so URLs handed out before
	// a restart stay valid until they expire, as OSS URLs would.
	URLSecret string                     `json:"urlSecret"`
	Functions map[string]*functionRecord `json:"functions"`
}

const stateVersion = 1

func newState() *state {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return &state{Version: stateVersion, URLSecret: hex.EncodeToString(b[:]), Functions: map[string]*functionRecord{}}
}
