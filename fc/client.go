package fc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
)

// Timeouts. The SDK's own defaults (10s read) are too short for a create
// carrying a 100 MB inline zip and it has no notion of a context; these bound
// each attempt, while the caller's context bounds the whole call.
const (
	connectTimeout        = 5 * time.Second
	tlsHandshakeTimeout   = 10 * time.Second
	responseHeaderTimeout = 2 * time.Minute
	apiReadTimeout        = 60 * time.Second // whole exchange of an ordinary call
	// codeUploadTimeout bounds a Create/UpdateFunction carrying a zip of up
	// to 100 MB (133 MB of base64). What ends a stalled upload is the stall
	// rule (Limits.StallWindow); this only ends one crawling along just
	// above it, and leaves a slow but honest link (40 KB/s) the time it needs.
	codeUploadTimeout = time.Hour
)

// Client calls the FC 3.0 API. It is safe for concurrent use.
type Client struct {
	endpoint    endpoint
	region      string
	credentials credentials.CredentialsProvider
	transport   http.RoundTripper
	retry       RetryPolicy
	userAgent   []uaToken
	configUA    string
	limits      Limits
	// apiTimeout bounds one attempt of an ordinary API call (calls carrying
	// code set their own); tests shorten it.
	apiTimeout time.Duration

	// sleep waits d or until ctx ends; jitter picks a delay in [0, max].
	// Tests replace them to run retries without real waiting.
	sleep  func(ctx context.Context, d time.Duration) error
	jitter func(max time.Duration) time.Duration

	stats *counters
}

// uaToken is one "name/version" pair appended to the SDK's User-Agent.
type uaToken struct{ name, version string }

// New validates cfg and builds a Client. It does no I/O: credentials from the
// default chain are resolved on the first request.
func New(cfg Config) (*Client, error) {
	ep, err := resolveEndpoint(cfg.Region, cfg.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("fc client: %w", err)
	}
	if cfg.Region != "" && !sdkRegionPattern.MatchString(cfg.Region) {
		// The SDK's own rule, checked here once rather than by the SDK on
		// every request.
		return nil, fmt.Errorf("fc client: invalid region %q", cfg.Region)
	}
	creds, err := credentialsFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("fc client: %w", err)
	}
	if cfg.Hide != nil {
		creds = hidingProvider{inner: creds, hide: cfg.Hide}
	}
	transport := cfg.Transport
	if transport == nil {
		transport = newDefaultTransport()
	}
	c := &Client{
		endpoint:    ep,
		region:      cfg.Region,
		credentials: creds,
		transport:   transport,
		retry:       cfg.Retry.withDefaults(),
		limits:      cfg.Limits.withDefaults(),
		apiTimeout:  apiReadTimeout,
		sleep:       sleepContext,
		jitter:      fullJitter,
		stats:       &counters{},
	}
	c.userAgent, c.configUA = parseUserAgent(cfg.UserAgent)
	return c, nil
}

// credentialsFor picks explicit keys when given, else the SDK's default chain
// (environment, OIDC, aliyun CLI profile, credentials file, ECS RAM role).
func credentialsFor(cfg Config) (credentials.CredentialsProvider, error) {
	switch {
	case cfg.Profile != "":
		// The CLI profile provider reads the file on first use and keeps
		// what it built in an unguarded field: serialise it.
		return &lockedProvider{inner: credentials.NewCLIProfileCredentialsProviderBuilder().WithProfileName(cfg.Profile).Build()}, nil
	case cfg.AccessKeyID == "" && cfg.AccessKeySecret == "" && cfg.SecurityToken == "":
		return &lockedProvider{inner: credentials.NewDefaultCredentialsProvider()}, nil
	case cfg.AccessKeyID == "":
		return nil, fmt.Errorf("an access key secret was given (ALIBABA_CLOUD_ACCESS_KEY_SECRET) but no access key id: set ALIBABA_CLOUD_ACCESS_KEY_ID too, or unset both to use the default credential chain")
	case cfg.AccessKeySecret == "":
		return nil, fmt.Errorf("an access key id was given (ALIBABA_CLOUD_ACCESS_KEY_ID) but no secret: set ALIBABA_CLOUD_ACCESS_KEY_SECRET too, or unset both to use the default credential chain")
	case cfg.SecurityToken != "":
		return credentials.NewStaticSTSCredentialsProvider(cfg.AccessKeyID, cfg.AccessKeySecret, cfg.SecurityToken), nil
	default:
		return credentials.NewStaticAKCredentialsProvider(cfg.AccessKeyID, cfg.AccessKeySecret), nil
	}
}

// lockedProvider serialises a provider that is not safe for concurrent use:
// the SDK's DefaultCredentialsProvider remembers the last provider that
// worked in an unguarded field. It also marks its failures so they are
// reported as credential problems rather than API errors.
type lockedProvider struct {
	mu    sync.Mutex
	inner credentials.CredentialsProvider
}

func (p *lockedProvider) GetCredentials() (*credentials.Credentials, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cc, err := p.inner.GetCredentials()
	if err != nil {
		return nil, &credentialsError{err: err}
	}
	return cc, nil
}

func (p *lockedProvider) GetProviderName() string { return p.inner.GetProviderName() }

// hidingProvider hands every secret its provider returns to hide before
// the SDK signs with it.
type hidingProvider struct {
	inner credentials.CredentialsProvider
	hide  func(string)
}

func (p hidingProvider) GetCredentials() (*credentials.Credentials, error) {
	cc, err := p.inner.GetCredentials()
	if cc != nil {
		p.hide(cc.AccessKeySecret)
		p.hide(cc.SecurityToken)
	}
	return cc, err
}

func (p hidingProvider) GetProviderName() string { return p.inner.GetProviderName() }

// Credentials is an identity to sign requests with.
type Credentials struct {
	AccessKeyID, AccessKeySecret, SecurityToken string
}

// Limits returns the bounds the client applies, defaults filled in: what
// moves code packages beside it (uploads to OSS) keeps the same stall rule.
func (c *Client) Limits() Limits { return c.limits }

// Credentials resolves the identity the client signs with, for requests to
// other Alibaba Cloud services made on the same identity (code packages put
// into OSS). Credentials from the default chain may be temporary and are
// refreshed by it: call this for each use rather than keeping the result.
func (c *Client) Credentials() (Credentials, error) {
	cc, err := c.credentials.GetCredentials()
	if err != nil {
		var ce *credentialsError
		if !errors.As(err, &ce) {
			err = &credentialsError{err: err}
		}
		return Credentials{}, err
	}
	if cc == nil || cc.AccessKeyId == "" || cc.AccessKeySecret == "" {
		return Credentials{}, &credentialsError{err: errors.New("the credential provider returned no access key")}
	}
	return Credentials{AccessKeyID: cc.AccessKeyId, AccessKeySecret: cc.AccessKeySecret, SecurityToken: cc.SecurityToken}, nil
}

// credentialsError is a failure to obtain credentials (nothing was sent).
type credentialsError struct{ err error }

func (e *credentialsError) Error() string { return "resolve credentials: " + e.err.Error() }
func (e *credentialsError) Unwrap() error { return e.err }

// parseUserAgent splits "fcgit/1.2 ci/github" into tokens the SDK appends as
// " fcgit/1.2 ci/github"; anything not of that form goes through the SDK's
// "Extra/…" slot unchanged.
func parseUserAgent(ua string) ([]uaToken, string) {
	var tokens []uaToken
	var rest []string
	for _, f := range strings.Fields(ua) {
		name, version, ok := strings.Cut(f, "/")
		if ok && name != "" && version != "" && !strings.EqualFold(name, "core") && !strings.EqualFold(name, "go") {
			tokens = append(tokens, uaToken{name, version})
			continue
		}
		rest = append(rest, f)
	}
	return tokens, strings.Join(rest, " ")
}

// newDefaultTransport is http.DefaultTransport with bounded connect, TLS
// handshake and response-header waits, so a dead endpoint fails an attempt
// instead of hanging it.
func newDefaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = tlsHandshakeTimeout
	t.ResponseHeaderTimeout = responseHeaderTimeout
	t.MaxIdleConnsPerHost = 16
	return t
}

// contextTransport binds one call's context to every HTTP request the SDK
// makes for it: the SDK's ProcessCommonRequest takes no context, so this is
// how cancellation reaches the connection. Being a distinct type (not
// *http.Transport) also stops the SDK from rewriting the shared transport's
// DialContext and TLS settings on every request, which would race.
//
// It is also where response bodies get their bound: the SDK reads a body
// whole with io.ReadAll before returning anything, so a limit applied to
// what ProcessCommonRequest returns would come too late.
type contextTransport struct {
	ctx     context.Context
	base    http.RoundTripper
	maxBody int64
	limit   string // the bound as messages name it
	// status keeps the last response status, for when the SDK fails on a
	// response without reporting it (see attempt).
	status *atomic.Int64
	// watch bounds the request body and the response body by progress
	// (Limits.StallWindow); nil = unwatched. The wait for the response in
	// between is FC's processing time, bounded by the attempt's deadline
	// and ResponseHeaderTimeout instead.
	watch *progressWatch
}

func (t contextTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.WithContext(t.ctx)
	if t.watch != nil && req.Body != nil && req.Body != http.NoBody {
		t.watch.restart("send", true)
		req.Body = &sendBody{rc: req.Body, w: t.watch}
		if get := req.GetBody; get != nil {
			// net/http may send the body again from GetBody (a reused
			// connection that was closed under it): count that one too.
			req.GetBody = func() (io.ReadCloser, error) {
				rc, err := get()
				if err != nil {
					return nil, err
				}
				t.watch.restart("send", true)
				return &sendBody{rc: rc, w: t.watch}, nil
			}
		}
	}
	resp, err := t.base.RoundTrip(req)
	if t.watch != nil {
		t.watch.pause()
	}
	if err != nil || resp == nil || resp.Body == nil {
		return resp, err
	}
	if t.status != nil {
		t.status.Store(int64(resp.StatusCode))
	}
	if t.watch != nil {
		// The SDK reads the body whole at once: the time counts throughout.
		t.watch.restart("receive", true)
		resp.Body = &receiveBody{rc: resp.Body, w: t.watch}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		resp.Body = newTruncatedBody(resp.Body, min(maxErrorBody, t.maxBody))
		return resp, nil
	}
	if resp.ContentLength > t.maxBody {
		// Refused before a byte of the body is read; closing an unread
		// body also drops the connection instead of draining it.
		resp.Body.Close()
		return nil, &limitError{fmt.Sprintf("response body is announced as %s, larger than %s", formatSize(resp.ContentLength), t.limit)}
	}
	resp.Body = newLimitedBody(resp.Body, t.maxBody, &limitError{"response body is larger than " + t.limit})
	return resp, nil
}

// sendBody counts a request body as the transport reads it to send it; at
// its end the watch pauses, for the wait for FC's answer is not a transfer.
type sendBody struct {
	rc io.ReadCloser
	w  *progressWatch
}

func (b *sendBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.w.add(n)
	if err != nil {
		b.w.pause()
	}
	return n, err
}

func (b *sendBody) Close() error { return b.rc.Close() }

// receiveBody counts a response body; its end ends the watch.
type receiveBody struct {
	rc io.ReadCloser
	w  *progressWatch
}

func (b *receiveBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.w.add(n)
	if err != nil {
		b.w.stop()
	}
	return n, err
}

func (b *receiveBody) Close() error {
	b.w.stop()
	return b.rc.Close()
}

// sleepContext waits d, returning early with ctx's error when it ends.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// fullJitter picks uniformly in [0, max] ("full jitter"), which spreads
// concurrent clients hitting the same throttle.
func fullJitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	return rand.N(max + 1)
}
