package fc

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// roundTripFunc lets a test stand in for the network: requests built and
// signed by the real SDK arrive here instead of at a server.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// recorded is what a fake transport saw of one request.
type recorded struct {
	Method string
	URL    string
	Path   string // escaped path as sent
	Host   string
	Header http.Header
	Body   string
}

// script answers requests in order with the given responders and records
// every request; the last responder repeats once the script runs out.
type script struct {
	mu        sync.Mutex
	responses []func(*http.Request) (*http.Response, error)
	seen      []recorded
}

func (s *script) RoundTrip(r *http.Request) (*http.Response, error) {
	var body string
	if r.Body != nil {
		data, _ := io.ReadAll(r.Body)
		body = string(data)
	}
	s.mu.Lock()
	n := len(s.seen)
	s.seen = append(s.seen, recorded{
		Method: r.Method, URL: r.URL.String(), Path: r.URL.EscapedPath(), Host: r.Host,
		Header: r.Header.Clone(), Body: body,
	})
	respond := s.responses[min(n, len(s.responses)-1)]
	s.mu.Unlock()
	return respond(r)
}

func (s *script) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.seen...)
}

// reply builds a responder returning status and body.
func reply(status int, body string, header ...string) func(*http.Request) (*http.Response, error) {
	return func(r *http.Request) (*http.Response, error) {
		h := http.Header{"Content-Type": {"application/json"}}
		for i := 0; i+1 < len(header); i += 2 {
			h.Set(header[i], header[i+1])
		}
		return &http.Response{
			StatusCode: status, Status: http.StatusText(status), Header: h,
			Body: io.NopCloser(strings.NewReader(body)), Request: r,
			ProtoMajor: 1, ProtoMinor: 1, Proto: "HTTP/1.1",
		}, nil
	}
}

// fail builds a responder failing with a transport error.
func fail(err error) func(*http.Request) (*http.Response, error) {
	return func(*http.Request) (*http.Response, error) { return nil, err }
}

// sleepLog records the backoff delays a client asked for instead of waiting.
type sleepLog struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (l *sleepLog) sleep(ctx context.Context, d time.Duration) error {
	l.mu.Lock()
	l.delays = append(l.delays, d)
	l.mu.Unlock()
	return ctx.Err()
}

func (l *sleepLog) all() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Duration(nil), l.delays...)
}

// newScriptedClient returns a client whose requests go to s and whose
// backoff sleeps are recorded, with jitter pinned to the ceiling so delays
// are predictable.
func newScriptedClient(t *testing.T, s http.RoundTripper, retry RetryPolicy) (*Client, *sleepLog) {
	t.Helper()
	c, err := New(Config{
		Region: "cn-hangzhou", Endpoint: "https://fc.example.test",
		AccessKeyID: "AK", AccessKeySecret: "SK", Transport: s, Retry: retry,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	log := &sleepLog{}
	c.sleep = log.sleep
	c.jitter = func(max time.Duration) time.Duration { return max }
	return c, log
}

const notFoundBody = `{"Code":"FunctionNotFound","Message":"function 'x' does not exist","RequestId":"REQ-1"}`

// headerValue looks a header up case-insensitively: the SDK stores some
// headers under non-canonical keys ("x-acs-version", "Content-MD5").
func headerValue(h http.Header, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}
