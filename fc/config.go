package fc

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Config configures a Client.
type Config struct {
	Region          string
	Endpoint        string // "" = fcv3.<region>.aliyuncs.com (https)
	AccessKeyID     string // all three empty = Profile, else the SDK default credential chain
	AccessKeySecret string
	SecurityToken   string
	// Profile names an aliyun CLI profile (~/.aliyun/config.json) to sign
	// with, whatever the environment holds: a target's own account.
	Profile   string
	Transport http.RoundTripper // optional; default: http.DefaultTransport with bounded connect/TLS/header waits
	Retry     RetryPolicy       // zero value = defaults
	UserAgent string            // appended to the SDK's
	Limits    Limits            // bounds on what the endpoint may send; zero value = defaults
	// Hide, when set, is called with each secret the client signs with (the
	// access key secret and any STS token) whenever it obtains them, also
	// from the default chain, so the caller can keep them out of what it
	// prints: an endpoint may echo a request's headers in its answer.
	Hide func(secret string)
}

// RetryPolicy bounds the retries of throttled, 5xx and network failures.
// Zero fields take the defaults.
type RetryPolicy struct {
	MaxAttempts int           // total attempts including the first; default 6
	BaseDelay   time.Duration // first backoff ceiling; default 200ms
	MaxDelay    time.Duration // backoff ceiling cap; default 5s
}

const (
	defaultMaxAttempts = 6
	defaultBaseDelay   = 200 * time.Millisecond
	defaultMaxDelay    = 5 * time.Second
)

// withDefaults fills zero fields.
func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = defaultMaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = defaultBaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = defaultMaxDelay
	}
	if p.MaxDelay < p.BaseDelay {
		p.MaxDelay = p.BaseDelay
	}
	return p
}

// ceiling is the upper bound of the jittered delay before retry number n
// (n = 1 for the first retry): BaseDelay·2^(n-1), capped at MaxDelay.
func (p RetryPolicy) ceiling(n int) time.Duration {
	d := p.BaseDelay
	for i := 1; i < n; i++ {
		if d >= p.MaxDelay/2 {
			return p.MaxDelay
		}
		d *= 2
	}
	if d > p.MaxDelay {
		return p.MaxDelay
	}
	return d
}

// endpoint is where requests go, split the way the SDK wants it: a Domain
// holding host:port would end up as "host:port:port" in the URL. The SDK
// formats "scheme://domain:port"; with an empty Port net/url drops the
// dangling colon, so default ports stay out of the Host header.
type endpoint struct {
	Scheme string // "http" or "https"
	Host   string // host name or IP, IPv6 without brackets
	Port   string // "" = the scheme's default port
}

// String renders the endpoint as a base URL.
func (e endpoint) String() string {
	host := e.Host
	if e.Port != "" {
		host = net.JoinHostPort(e.Host, e.Port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return e.Scheme + "://" + host
}

// sdkDomain is the Domain to give the SDK: it formats "%s://%s:%s", so an
// IPv6 literal needs its brackets there.
func (e endpoint) sdkDomain() string {
	if strings.Contains(e.Host, ":") {
		return "[" + e.Host + "]"
	}
	return e.Host
}

var regionPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*[a-z0-9]$`)

// sdkRegionPattern is what the SDK accepts as a region, whatever the
// endpoint.
var sdkRegionPattern = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

// regionalHosts lists the regions whose FC 3.0 endpoint does not follow the
// fcv3.<region>.aliyuncs.com pattern.
var regionalHosts = map[string]string{
	"me-central-1":        "me-central-1.fc.aliyuncs.com",
	"cn-hangzhou-finance": "cn-hangzhou-finance.fc.aliyuncs.com",
}

// RedactEndpoint returns an endpoint URL with any user information replaced
// ("http://user:pass@host" gives "http://xxxxx@host"), for messages; other
// text is returned unchanged.
func RedactEndpoint(e string) string {
	scheme, userinfo, rest := splitUserinfo(e)
	if userinfo == "" {
		return e
	}
	return scheme + "://xxxxx@" + rest
}

// EndpointUserinfo returns the user information of an endpoint URL
// ("user:pass" of "http://user:pass@host"), "" when it has none, read the
// way net/url reads it but also from text net/url refuses.
func EndpointUserinfo(e string) string {
	_, userinfo, _ := splitUserinfo(e)
	return userinfo
}

// splitUserinfo splits an endpoint (a URL, or host[:port] meaning https)
// into its scheme, its user information and what follows the '@'.
func splitUserinfo(e string) (scheme, userinfo, rest string) {
	raw := e
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	scheme, rest, _ = strings.Cut(raw, "://")
	authority := rest
	if end := strings.IndexAny(rest, "/?#"); end >= 0 {
		authority = rest[:end]
	}
	// As net/url reads it: the user information ends at the last '@'.
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		return scheme, "", rest
	}
	return scheme, rest[:at], rest[at+1:]
}

// resolveEndpoint turns Config.Region/Endpoint into an endpoint. An override
// may be a URL ("http://127.0.0.1:9000") or host[:port] (https assumed).
func resolveEndpoint(region, override string) (endpoint, error) {
	override = strings.TrimSpace(override)
	if override == "" {
		if region == "" {
			return endpoint{}, fmt.Errorf("no region and no endpoint configured")
		}
		if !regionPattern.MatchString(region) {
			return endpoint{}, fmt.Errorf("invalid region %q", region)
		}
		host, ok := regionalHosts[region]
		if !ok {
			host = "fcv3." + region + ".aliyuncs.com"
		}
		return endpoint{Scheme: "https", Host: host}, nil
	}
	raw := override
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the whole URL, password included: keep its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return endpoint{}, fmt.Errorf("invalid endpoint %q: %w", RedactEndpoint(override), err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return endpoint{}, fmt.Errorf("invalid endpoint %q: scheme must be http or https", RedactEndpoint(override))
	}
	if u.Hostname() == "" {
		return endpoint{}, fmt.Errorf("invalid endpoint %q: no host", RedactEndpoint(override))
	}
	if u.User != nil {
		return endpoint{}, fmt.Errorf("invalid endpoint %q: it holds a user name or password before '@', which FC does not read (requests are signed with the access key) and fcgit never stores: remove that part", RedactEndpoint(override))
	}
	if u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return endpoint{}, fmt.Errorf("invalid endpoint %q: only scheme, host and port are allowed", override)
	}
	port := u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	return endpoint{Scheme: scheme, Host: u.Hostname(), Port: port}, nil
}
