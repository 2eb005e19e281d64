package emulator

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Options configures a Server. Zero values mean FC's or a sensible default.
type Options struct {
	Region        string            // default "cn-hangzhou"
	AccountID     string            // default "1234567890123456"; used in ARNs
	Credentials   map[string]string // AccessKeyID -> AccessKeySecret; required, at least one
	DataDir       string            // "" = in memory; else state is persisted there and reloaded by New
	Latency       time.Duration     // added to every API request and code download
	ErrorRate     float64           // 0..1: fraction of API requests answered 500/503
	ThrottleRate  float64           // 0..1: fraction of API requests answered 429 ResourceThrottled
	Seed          int64             // seeds fault injection so a run is reproducible
	Now           func() time.Time  // clock; default time.Now
	CodeURLExpiry time.Duration     // lifetime of GetFunctionCode URLs; default 10 minutes
	MaxDateSkew   time.Duration     // default 15 minutes
	SettleDelay   time.Duration     // >0: functions report Pending/InProgress this long after a write
	MaxCodeSize   int64             // max decoded inline zip size; default 100 MiB

	// MaxNonces bounds the signature nonces remembered within the skew
	// window (nonce.go); past it new signed requests are throttled.
	// Default 262,144: a benchmark making more requests than that within
	// MaxDateSkew raises it.
	MaxNonces int

	// Deny lists RAM actions ("fc:ListAliases") answered 403 AccessDenied,
	// as for a RAM user without them (deny.go); SetDenied changes it later.
	Deny []string
	// InstanceQuota is the region's instance quota; reservedConcurrency may
	// be at most 90% of it. Default 100, FC's default quota.
	InstanceQuota int
	// MaxTriggersPerFunction bounds a function's triggers; default 50, FC's
	// limit.
	MaxTriggersPerFunction int
	// SeedV2 are functions created under FC 2.0 (named service$function),
	// present from the start (v2.go). A name that already exists in the
	// data directory is left as it is.
	SeedV2 []V2Function

	// The OSS endpoint (OSSHandler, ListenAndServeOSS) and code packages
	// read from it by CreateFunction/UpdateFunction.
	Buckets        []string // buckets that exist; empty: every valid bucket name exists
	MaxObjectSize  int64    // largest object PutObject, UploadPart or CompleteMultipartUpload accepts; default 1 GiB
	MaxOSSCodeSize int64    // largest code package read from OSS; default 500 MiB, FC's limit
	OSSHost        string   // host name (no port) under which <bucket>.<OSSHost> is virtual-hosted style; default "localhost"
}

const (
	defaultRegion        = "cn-hangzhou"
	defaultAccountID     = "1234567890123456"
	defaultCodeURLExpiry = 10 * time.Minute
	defaultMaxDateSkew   = 15 * time.Minute
	defaultMaxCodeSize   = 100 << 20
	defaultInstanceQuota = 100 // FC's default instance quota per region
	defaultMaxTriggers   = 50  // FC's limit of triggers per function

	// The emulator keeps objects on local disk, so its default bound is far
	// below OSS's 5 GiB PutObject limit; it only needs to exceed FC's.
	defaultMaxObjectSize  = 1 << 30
	defaultMaxOSSCodeSize = 500 << 20
	defaultOSSHost        = "localhost"
)

// withDefaults validates o and returns a copy with defaults filled in. The
// credentials map is copied so later changes by the caller cannot race with
// request handling.
func (o Options) withDefaults() (Options, error) {
	if len(o.Credentials) == 0 {
		return o, errors.New("emulator: at least one credential (AccessKeyID -> secret) is required")
	}
	creds := make(map[string]string, len(o.Credentials))
	for id, secret := range o.Credentials {
		if id == "" || secret == "" {
			return o, errors.New("emulator: credentials need a non-empty AccessKeyID and secret")
		}
		creds[id] = secret
	}
	o.Credentials = creds
	if err := checkRate("ErrorRate", o.ErrorRate); err != nil {
		return o, err
	}
	if err := checkRate("ThrottleRate", o.ThrottleRate); err != nil {
		return o, err
	}
	if o.Region == "" {
		o.Region = defaultRegion
	}
	if o.AccountID == "" {
		o.AccountID = defaultAccountID
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CodeURLExpiry <= 0 {
		o.CodeURLExpiry = defaultCodeURLExpiry
	}
	if o.MaxDateSkew <= 0 {
		o.MaxDateSkew = defaultMaxDateSkew
	}
	if o.MaxCodeSize <= 0 {
		o.MaxCodeSize = defaultMaxCodeSize
	}
	if o.MaxNonces <= 0 {
		o.MaxNonces = defaultMaxNonces
	}
	switch {
	case o.InstanceQuota < 0:
		return o, fmt.Errorf("emulator: InstanceQuota must not be negative, got %d", o.InstanceQuota)
	case o.InstanceQuota == 0:
		o.InstanceQuota = defaultInstanceQuota
	}
	if o.MaxTriggersPerFunction <= 0 {
		o.MaxTriggersPerFunction = defaultMaxTriggers
	}
	o.Deny = append([]string(nil), o.Deny...)
	seeds := make([]V2Function, len(o.SeedV2))
	for i, fn := range o.SeedV2 {
		seeds[i] = V2Function{Name: fn.Name, Config: copyMap(fn.Config)}
	}
	o.SeedV2 = seeds
	if o.MaxObjectSize <= 0 {
		o.MaxObjectSize = defaultMaxObjectSize
	}
	if o.MaxOSSCodeSize <= 0 {
		o.MaxOSSCodeSize = defaultMaxOSSCodeSize
	}
	if o.OSSHost == "" {
		o.OSSHost = defaultOSSHost
	}
	o.OSSHost = strings.ToLower(o.OSSHost)
	buckets := make([]string, 0, len(o.Buckets))
	for _, b := range o.Buckets {
		if !validBucketName(b) {
			return o, fmt.Errorf("emulator: invalid OSS bucket name %q: 3-63 lower-case letters, digits and '-', not starting or ending with '-'", b)
		}
		buckets = append(buckets, b)
	}
	o.Buckets = buckets
	return o, nil
}

func checkRate(name string, v float64) error {
	if v < 0 || v > 1 {
		return fmt.Errorf("emulator: %s must be within 0..1, got %v", name, v)
	}
	return nil
}
