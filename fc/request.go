package fc

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/responses"
)

// apiVersion is FC 3.0's API version; it is also the first path segment.
const apiVersion = "2023-03-30"

// call describes one FC API operation. The path is built by the caller with
// every name already percent-encoded (see apiPath): the SDK substitutes path
// parameters verbatim.
type call struct {
	op      string // FC operation name, for errors and logs
	subject string // what the operation is applied to, for errors
	method  string
	path    string
	query   map[string]string
	body    []byte // nil = no body
	timeout time.Duration
}

// outcome is what a call learned beyond its result.
type outcome struct {
	// mayHaveApplied is set when an earlier attempt failed in a way that
	// does not rule out that FC executed it (lost response, 5xx). A create
	// that then reports "already exists" may be meeting its own first try.
	mayHaveApplied bool
}

// apiPath joins segments under /2023-03-30, percent-encoding each one.
func apiPath(segments ...string) string {
	var b strings.Builder
	b.WriteString("/" + apiVersion)
	for _, s := range segments {
		b.WriteString("/")
		b.WriteString(escapeSegment(s))
	}
	return b.String()
}

// escapeSegment percent-encodes every byte of a path segment but RFC 3986's
// unreserved characters (A-Z a-z 0-9 - . _ ~). url.PathEscape leaves the
// sub-delimiters ($ & + , ; = : @) as they are, which a path may hold; FC
// reads a function created under FC 2.0, service$function, with the '$'
// encoded, as Alibaba Cloud's SDKs send it.
func escapeSegment(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// do runs c with retries and returns the response body of the successful
// attempt. Throttling, 5xx and network failures are retried with
// exponentially growing, fully jittered delays; other errors return at once.
func (cl *Client) do(ctx context.Context, c call) ([]byte, outcome, error) {
	var out outcome
	stalls := 0
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			cl.stats.retries.Add(1)
		}
		cl.stats.requests.Add(1)
		start := time.Now()
		body, retryAfter, err := cl.attempt(ctx, c)
		cl.stats.since(start)
		if err == nil {
			return body, out, nil
		}
		if ctx.Err() != nil {
			return nil, out, cancelled(c.op, c.subject, ctx.Err())
		}
		if err.Kind == KindNetwork && hostNotFound(err) {
			// The name does not exist (NXDOMAIN): retrying cannot help, and
			// the usual cause is a mistyped region.
			err.Code = ""
			err.Message = fmt.Sprintf("cannot resolve %s (no such host): check the region %q (fcgit.toml region, --region) and the endpoint", cl.endpoint.Host, cl.region)
			return nil, out, err
		}
		if err.Kind == KindServer || (err.Kind == KindNetwork && !neverSent(err.Err)) {
			out.mayHaveApplied = true
		}
		if isStall(err) || errors.As(err, new(*attemptTimeout)) {
			// One more try for a connection that went dead; an endpoint
			// that keeps stalling is not worth a window per attempt.
			if stalls++; stalls > 1 {
				return nil, out, err
			}
		}
		if !retryable(err.Kind) || attempt >= cl.retry.MaxAttempts {
			return nil, out, err
		}
		if err := cl.sleep(ctx, cl.backoff(attempt, retryAfter)); err != nil {
			return nil, out, cancelled(c.op, c.subject, err)
		}
	}
}

// backoff is the wait before retry number n: full jitter under the policy's
// ceiling, raised to a server's Retry-After but never above MaxDelay.
func (cl *Client) backoff(n int, retryAfter time.Duration) time.Duration {
	delay := cl.jitter(cl.retry.ceiling(n))
	if retryAfter > delay {
		delay = min(retryAfter, cl.retry.MaxDelay)
	}
	return delay
}

// retryable reports whether a failure of this kind may succeed on a retry.
func retryable(k Kind) bool {
	return k == KindThrottled || k == KindServer || k == KindNetwork
}

// neverSent reports whether a network error certainly happened before the
// request left this host (the connection was never made), so FC cannot have
// acted on it.
func neverSent(err error) bool {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}

// hostNotFound reports whether a network failure is a name that does not
// resolve at all (as opposed to a temporary DNS failure).
func hostNotFound(e *Error) bool {
	var dnsErr *net.DNSError
	if errors.As(e.Err, &dnsErr) {
		return dnsErr.IsNotFound
	}
	var clientErr *sdkerrors.ClientError
	if errors.As(e.Err, &clientErr) {
		if errors.As(clientErr.OriginError(), &dnsErr) {
			return dnsErr.IsNotFound
		}
	}
	return strings.Contains(e.Error(), "no such host")
}

// attemptTimeout marks an attempt cut by its own deadline: like a stall,
// retried once only, so that an endpoint that accepts connections and never
// answers costs two attempts' time, not six.
type attemptTimeout struct{ err error }

func (e *attemptTimeout) Error() string { return "attempt timed out: " + e.err.Error() }
func (e *attemptTimeout) Unwrap() error { return e.err }

// sdkResult carries ProcessCommonRequest's results out of its goroutine.
type sdkResult struct {
	resp *responses.CommonResponse
	err  error
}

// sdkPanic is a panic inside the SDK, caught so that it fails one call
// instead of the process. The SDK asserts the types of fields in an error
// body ({"Code": 1} panics), and the body comes from the endpoint.
type sdkPanic struct{ value any }

func (p *sdkPanic) Error() string { return fmt.Sprintf("alibaba-cloud-sdk-go panicked: %v", p.value) }

// attempt sends c once through the SDK. It returns the body of a 2xx
// response, or a classified error and any Retry-After the server sent.
func (cl *Client) attempt(ctx context.Context, c call) ([]byte, time.Duration, *Error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, cancelled(c.op, c.subject, err)
	}
	timeout := c.timeout
	if timeout <= 0 {
		timeout = cl.apiTimeout
	}
	attemptCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel() // aborts the exchange if we return early on ctx

	var status atomic.Int64
	watch := newProgressWatch(cl.limits.StallWindow, cl.limits.StallMinBytes, "send", cancel)
	defer watch.stop()
	sdkClient, err := cl.sdkClient(contextTransport{
		ctx: attemptCtx, base: cl.transport, status: &status, watch: watch,
		maxBody: cl.limits.MaxResponseSize, limit: cl.limits.responseLimitText(),
	}, timeout)
	if err != nil {
		return nil, 0, &Error{Op: c.op, Subject: c.subject, Kind: KindOther, Err: err}
	}
	req := cl.commonRequest(c)

	// ProcessCommonRequest has no context; running it aside lets a
	// cancelled caller return at once, while cancel() above tears down its
	// connection so the goroutine ends soon after.
	done := make(chan sdkResult, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- sdkResult{err: &sdkPanic{v}}
			}
		}()
		resp, err := sdkClient.ProcessCommonRequest(req)
		done <- sdkResult{resp, err}
	}()
	var res sdkResult
	select {
	case res = <-done:
	case <-ctx.Done():
		return nil, 0, cancelled(c.op, c.subject, ctx.Err())
	}
	if res.err == nil {
		return res.resp.GetHttpContentBytes(), 0, nil
	}
	if ctx.Err() != nil {
		return nil, 0, cancelled(c.op, c.subject, ctx.Err())
	}
	if st := watch.err(); st != nil {
		// The watch aborted the exchange; whatever error that surfaced
		// as, the cause is the stall.
		return nil, 0, stallError(c.op, c.subject, st)
	}
	var p *sdkPanic
	if errors.As(res.err, &p) {
		st := int(status.Load())
		return nil, 0, &Error{Op: c.op, Subject: c.subject, Status: st, Kind: kindForResponse(st, ""), Err: res.err,
			Message: "malformed response: the SDK could not read it (" + firstLine(p.Error()) + ")"}
	}
	e := classify(c.op, c.subject, res.err)
	if e.Status == 0 && e.Kind != KindTooLarge && errors.Is(attemptCtx.Err(), context.DeadlineExceeded) {
		// Our own per-attempt deadline cut the exchange (a server that
		// never answers, or trickles its body): say so rather than show
		// whichever low-level error the abort surfaced as.
		e.Kind = KindNetwork
		e.Code = ""
		e.Message = fmt.Sprintf("no complete response within %v", timeout)
		e.Err = &attemptTimeout{err: cmp.Or(e.Err, context.DeadlineExceeded)}
	}
	var retryAfter time.Duration
	var serverErr *sdkerrors.ServerError
	if errors.As(res.err, &serverErr) {
		retryAfter = parseRetryAfter(http.Header(serverErr.RespHeaders).Get("Retry-After"))
	}
	return nil, retryAfter, e
}

// sdkClient builds an SDK client for one attempt. SDK clients mutate their
// http.Client on every request, so sharing one between goroutines races;
// building one is cheap (no I/O) and the connection pool lives in the shared
// transport underneath.
func (cl *Client) sdkClient(transport contextTransport, timeout time.Duration) (*sdk.Client, error) {
	cfg := sdk.NewConfig()
	cfg.AutoRetry = false // retries are ours: bounded, jittered, context-aware
	cfg.MaxRetryTime = 0
	cfg.Scheme = strings.ToUpper(cl.endpoint.Scheme)
	cfg.Transport = transport
	// Our attempt context enforces the timeout; the SDK's own timer is set
	// later so it never fires first.
	cfg.Timeout = timeout + time.Minute
	cfg.UserAgent = cl.configUA
	// The region goes on each request (commonRequest), checked once by New:
	// given here, the SDK would compile a regular expression per attempt
	// to check it again.
	client, err := sdk.NewClientWithOptions("", cfg, cl.credentials)
	if err != nil {
		return nil, fmt.Errorf("init sdk client: %w", err)
	}
	client.SetReadTimeout(timeout + time.Minute)
	client.SetConnectTimeout(connectTimeout)
	for _, t := range cl.userAgent {
		client.AppendUserAgent(t.name, t.version)
	}
	return client, nil
}

// commonRequest builds a fresh signed-on-send ROA request for c. Each
// attempt carries a nonce of its own (x-acs-signature-nonce, covered by the
// ROA signature as every x-acs-* header is), so that FC can refuse a
// captured request replayed within the date's window while a retry, a new
// request, is served.
func (cl *Client) commonRequest(c call) *requests.CommonRequest {
	req := requests.NewCommonRequest()
	req.Headers["x-acs-signature-nonce"] = signatureNonce()
	req.Method = c.method
	req.Product = "FC"
	req.RegionId = cl.region
	req.Version = apiVersion
	req.ApiName = c.op
	req.Scheme = cl.endpoint.Scheme
	req.Domain = cl.endpoint.sdkDomain()
	req.Port = cl.endpoint.Port
	req.PathPattern = c.path
	for k, v := range c.query {
		req.QueryParams[k] = v
	}
	if c.body != nil {
		req.SetContent(c.body)
		req.SetContentType("application/json")
	}
	return req
}

// signatureNonce is a random value for x-acs-signature-nonce.
func signatureNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// classify maps an SDK or transport error to an *Error.
func classify(op, subject string, err error) *Error {
	var limitErr *limitError
	if errors.As(err, &limitErr) {
		// Checked first: it reaches us wrapped in a *url.Error, which
		// would otherwise pass for a (retryable) network failure.
		return &Error{Op: op, Subject: subject, Kind: KindTooLarge, Message: limitErr.msg, Err: err}
	}
	var serverErr *sdkerrors.ServerError
	if errors.As(err, &serverErr) {
		e := &Error{
			Op:        op,
			Subject:   subject,
			Status:    serverErr.HttpStatus(),
			Code:      serverErr.ErrorCode(),
			Message:   serverErr.Message(),
			RequestID: serverErr.RequestId(),
			Err:       err,
		}
		if e.RequestID == "" {
			e.RequestID = requestIDFromHeaders(http.Header(serverErr.RespHeaders))
		}
		if e.Code == "" {
			// Not FC's JSON error body (a proxy page, say): the SDK put the
			// whole body in Message. Keep the first line only.
			e.Message = firstLine(e.Message)
		}
		e.Kind = kindForResponse(e.Status, e.Code)
		return e
	}
	var credErr *credentialsError
	if errors.As(err, &credErr) {
		return &Error{Op: op, Subject: subject, Kind: KindAccessDenied, Code: "NoCredentials", Err: err,
			Message: "no usable Alibaba Cloud credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or configure a profile with `aliyun configure` (" + firstLine(credErr.err.Error()) + ")"}
	}
	var clientErr *sdkerrors.ClientError
	if errors.As(err, &clientErr) {
		e := &Error{Op: op, Subject: subject, Code: clientErr.ErrorCode(), Message: clientErr.Message(), Err: err}
		if clientErr.ErrorCode() == sdkerrors.TimeoutErrorCode || isNetworkError(clientErr.OriginError()) {
			e.Kind = KindNetwork
		}
		return e
	}
	if isNetworkError(err) {
		return &Error{Op: op, Subject: subject, Kind: KindNetwork, Err: err}
	}
	return &Error{Op: op, Subject: subject, Kind: KindOther, Err: err}
}

// isNetworkError reports whether err is a failure to exchange HTTP messages
// (as opposed to a malformed request we built).
func isNetworkError(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true // our per-attempt timeout
	}
	var urlErr *url.Error
	var netErr net.Error
	return errors.As(err, &urlErr) || errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF)
}

func requestIDFromHeaders(h http.Header) string {
	for _, k := range []string{"X-Acs-Request-Id", "X-Fc-Request-Id", "X-Oss-Request-Id"} {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	const max = 200
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

// parseRetryAfter reads a Retry-After header given in seconds.
func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// encodeJSON renders a request body. HTML escaping is off so strings reach
// FC byte for byte as the caller wrote them. InlineZip values become base64
// strings read straight into the body.
func encodeJSON(v any) ([]byte, error) {
	return encodeWithInline(v)
}

// decodeJSON decodes a response keeping numbers as json.Number, so values
// pass through fcgit with their exact text.
//
// The body is already bounded (MaxResponseSize), but decoding into generic
// maps multiplies it: a body of tiny values ("[{},{},…]") costs 30–40 times
// its size in heap. Counting the values first keeps that product bounded;
// encoding/json itself refuses nesting deeper than 10 000.
func decodeJSON(data []byte, v any) error {
	if n := countJSONValues(data, maxJSONValues); n > maxJSONValues {
		return &limitError{fmt.Sprintf("response holds more than %d JSON values", maxJSONValues)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after JSON value")
	}
	return nil
}

// decodeError reports a response that could not be decoded. One refused by
// decodeJSON's bound keeps KindTooLarge, so callers see why.
func decodeError(op, subject, what string, err error) *Error {
	kind := KindOther
	var limitErr *limitError
	if errors.As(err, &limitErr) {
		kind = KindTooLarge
	}
	return &Error{Op: op, Subject: subject, Kind: kind, Err: fmt.Errorf("decode %s: %w", what, err)}
}
