package fc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A hostile endpoint: each case below is a server that misbehaves in one
// way, reached through the real client path (Config.Endpoint, the SDK, the
// default transport), with limits shrunk through Config so every case ends
// in milliseconds.

// endless is what a hostile server offers when it offers "everything".
const endless = 3 << 30

// hostileServer serves h and counts the requests it gets. Connections are
// cut before the server closes, so a handler still streaming into a client
// that gave up ends at once.
func hostileServer(t *testing.T, h http.HandlerFunc) (string, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
	})
	return ts.URL, &n
}

// stream writes chunk over and over until total bytes are out or the client
// has gone.
func stream(w http.ResponseWriter, r *http.Request, chunk []byte, total int64) {
	for sent := int64(0); sent < total; sent += int64(len(chunk)) {
		if r.Context().Err() != nil {
			return
		}
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}

// trickle sends headers, then one byte every interval, for as long as the
// client listens.
func trickle(interval time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(interval):
			}
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}
}

// stall never answers.
func stall(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// functionsPage is a ListFunctions page of n functions pointing at next.
func functionsPage(n int, next string) string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`{"functionName":"f%d"}`, i)
	}
	return `{"functions":[` + strings.Join(items, ",") + `],"nextToken":"` + next + `"}`
}

// readAll drains a download the way fetch does, returning the bytes seen and
// the error that ended it (nil at a clean end).
func readAll(body io.ReadCloser) (int64, error) {
	defer body.Close()
	return io.Copy(io.Discard, body)
}

// hostileClient builds a client for url with the given limits, fast retries
// and a short attempt timeout.
func hostileClient(t *testing.T, url string, limits Limits, attempts int, attemptTimeout time.Duration) *Client {
	t.Helper()
	c, err := New(Config{
		Endpoint: url, AccessKeyID: "AK", AccessKeySecret: "SK", Limits: limits,
		Retry: RetryPolicy{MaxAttempts: attempts, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	c.apiTimeout = attemptTimeout
	return c
}

func TestHostileEndpoint(t *testing.T) {
	t.Parallel()
	small := Limits{
		MaxResponseSize:    64 << 10,
		MaxCodePackageSize: 256 << 10,
		MaxListPages:       20,
		StallWindow:        200 * time.Millisecond,
		StallMinBytes:      1 << 10,
	}
	const attemptTimeout = 300 * time.Millisecond
	fill := []byte(strings.Repeat("a", 32<<10))
	fnDoc := `{"functionName":"shop-api","functionArn":"acs:fc:cn-hangzhou:1:functions/shop-api"}`

	tests := []struct {
		name     string
		handler  http.HandlerFunc
		limits   Limits
		attempts int // default 3
		// run makes the call; url is the server's base URL.
		run          func(ctx context.Context, c *Client, url string) error
		wantKind     Kind
		wantMsg      []string // fragments of the error text
		wantRequests int64    // 0 = don't check
		maxTime      time.Duration
	}{
		{
			name: "huge Content-Length",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(endless))
				stream(w, r, fill, endless)
			},
			run:          getFunction,
			wantKind:     KindTooLarge,
			wantMsg:      []string{"GetFunction shop-api: response body is announced as 3 GiB, larger than the configured 64 KiB limit for an FC API response"},
			wantRequests: 1, // not retried
		},
		{
			name: "endless chunked body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, `{"functionName":"`)
				stream(w, r, fill, endless)
			},
			run:          getFunction,
			wantKind:     KindTooLarge,
			wantMsg:      []string{"GetFunction shop-api: response body is larger than the configured 64 KiB limit for an FC API response"},
			wantRequests: 1,
		},
		{
			name: "body at the bound is accepted",
			handler: func(w http.ResponseWriter, r *http.Request) {
				head := `{"functionName":"shop-api","pad":"`
				pad := int(small.MaxResponseSize) - len(head) - len(`"}`)
				writeJSON(w, 200, head+strings.Repeat("x", pad)+`"}`)
			},
			run:      getFunction,
			wantKind: -1,
		},
		{
			name: "endless error body is cut, not buffered",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusServiceUnavailable)
				stream(w, r, fill, endless)
			},
			run:          getFunction,
			wantKind:     KindServer,
			wantMsg:      []string{"GetFunction shop-api: aaaa", "(HTTP 503)"},
			wantRequests: 3, // a 5xx is still retried
		},
		{
			name:         "error body the SDK cannot parse",
			handler:      func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 400, `{"Code":1,"Message":["x"]}`) },
			run:          getFunction,
			wantKind:     KindInvalidArgument,
			wantMsg:      []string{"GetFunction shop-api: malformed response", "(HTTP 400)"},
			wantRequests: 1,
		},
		{
			name: "error body with terminal escapes",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 400, `{"Code":"Bad\u001b[31m","Message":"\u001b[2J\u001b]0;owned\u0007gone \u009b1m","RequestId":"r\u001b[0m"}`)
			},
			run:          getFunction,
			wantKind:     KindInvalidArgument,
			wantMsg:      []string{`GetFunction shop-api: Bad\u001B[31m: \u001B[2J\u001B]0;owned\u0007gone \u009B1m (request r\u001B[0m)`},
			wantRequests: 1,
		},
		{
			name: "non-JSON error body with terminal escapes",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, "\x1b[2J\x1b]2;owned\x07proxy says no\xff")
			},
			run:          getFunction,
			wantKind:     KindInvalidArgument,
			wantMsg:      []string{`\u001B[2J\u001B]2;owned\u0007proxy says no`},
			wantRequests: 1,
		},
		{
			name: "endless pagination with fresh tokens",
			handler: func(w http.ResponseWriter, r *http.Request) {
				n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Query().Get("nextToken"), "tok-"))
				writeJSON(w, 200, functionsPage(1, fmt.Sprintf("tok-%d", n+1)))
			},
			run:          listFunctions,
			wantKind:     KindTooLarge,
			wantMsg:      []string{"ListFunctions shop-: list is longer than the 20-page limit (nextToken still set after page 20)"},
			wantRequests: 20,
		},
		{
			name: "endless tag pagination",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/functions/shop-api") {
					writeJSON(w, 200, fnDoc)
					return
				}
				next := r.URL.Query().Get("NextToken") + "+"
				writeJSON(w, 200, `{"TagResources":[{"TagKey":"k","TagValue":"v"}],"NextToken":"`+next+`"}`)
			},
			run: func(ctx context.Context, c *Client, _ string) error {
				_, err := c.FunctionTags(ctx, "shop-api")
				return err
			},
			wantKind:     KindTooLarge,
			wantMsg:      []string{"ListTagResources shop-api: list is longer than the 20-page limit (NextToken still set after page 20)"},
			wantRequests: 21, // GetFunction for the ARN, then 20 pages
		},
		{
			name:         "oversized page",
			handler:      func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, functionsPage(pageLimit+1, "")) },
			limits:       Limits{MaxResponseSize: 1 << 20},
			run:          listFunctions,
			wantKind:     KindTooLarge,
			wantMsg:      []string{"ListFunctions shop-: page 1 holds 101 items, more than the 100 asked for"},
			wantRequests: 1,
		},
		{
			name: "oversized trigger page",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, `{"triggers":[`+strings.Repeat(`{},`, pageLimit)+`{}]}`)
			},
			run: func(ctx context.Context, c *Client, _ string) error {
				_, err := c.ListTriggers(ctx, "shop-api")
				return err
			},
			wantKind:     KindTooLarge,
			wantMsg:      []string{"ListTriggers shop-api: page 1 holds 101 items, more than the 100 asked for"},
			wantRequests: 1,
		},
		{
			name: "absurd nextToken",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, functionsPage(1, strings.Repeat("t", maxTokenLen+1)))
			},
			run:          listFunctions,
			wantKind:     KindOther,
			wantMsg:      []string{"ListFunctions shop-: nextToken of 4097 bytes is longer than 4 KiB"},
			wantRequests: 1,
		},
		{
			name: "page of countless tiny values",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, `{"functions":[{"functionName":"f","junk":[`+strings.Repeat("0,", maxJSONValues)+`0]}]}`)
			},
			limits:       Limits{MaxResponseSize: 1 << 20},
			run:          listFunctions,
			wantKind:     KindTooLarge,
			wantMsg:      []string{"ListFunctions shop-: decode page: response holds more than 262144 JSON values"},
			wantRequests: 1,
		},
		{
			name:         "trickling body stalls",
			handler:      trickle(time.Second),
			attempts:     1,
			run:          getFunction,
			wantKind:     KindNetwork,
			wantMsg:      []string{"GetFunction shop-api: stalled: 0 bytes received in the last 200ms (fewer than 1 KiB)"},
			wantRequests: 1,
			maxTime:      small.StallWindow + 700*time.Millisecond,
		},
		{
			name:         "trickling body, stalled, is retried once",
			handler:      trickle(50 * time.Millisecond),
			attempts:     6,
			run:          listFunctions,
			wantKind:     KindNetwork,
			wantMsg:      []string{"ListFunctions shop-: stalled: ", " received in the last 200ms (fewer than 1 KiB)"},
			wantRequests: 2,
			maxTime:      2*small.StallWindow + 700*time.Millisecond,
		},
		{
			name: "steady body that never ends meets the attempt timeout, retried once",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusOK)
				for r.Context().Err() == nil {
					w.Write(fill[:2<<10])
					w.(http.Flusher).Flush()
					time.Sleep(20 * time.Millisecond)
				}
			},
			limits:       Limits{MaxResponseSize: 1 << 30, StallWindow: small.StallWindow, StallMinBytes: small.StallMinBytes},
			attempts:     6,
			run:          getFunction,
			wantKind:     KindNetwork,
			wantMsg:      []string{"GetFunction shop-api: no complete response within 300ms"},
			wantRequests: 2,
			maxTime:      2*attemptTimeout + 700*time.Millisecond,
		},
		{
			name: "upload the endpoint reads a byte at a time stalls",
			handler: func(w http.ResponseWriter, r *http.Request) {
				// The server notices a gone client only once the body is
				// read: give up after the client should have.
				b := make([]byte, 1)
				for end := time.Now().Add(time.Second); time.Now().Before(end); {
					if _, err := r.Body.Read(b); err != nil {
						return
					}
					time.Sleep(10 * time.Millisecond)
				}
			},
			attempts: 1,
			run: func(ctx context.Context, c *Client, _ string) error {
				// Larger than what loopback's socket buffers absorb.
				_, _, err := c.do(ctx, call{op: "UpdateFunction", subject: "shop-api", method: http.MethodPut,
					path: apiPath("functions", "shop-api"), body: make([]byte, 64<<20), timeout: 5 * time.Second})
				return err
			},
			wantKind:     KindNetwork,
			wantMsg:      []string{"UpdateFunction shop-api: stalled: ", " sent in the last 200ms (fewer than 1 KiB)"},
			wantRequests: 1,
			maxTime:      3 * time.Second,
		},
		{
			name: "code with huge Content-Length",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(endless))
				stream(w, r, fill, endless)
			},
			run:          downloadCode,
			wantKind:     KindTooLarge,
			wantMsg:      []string{"DownloadCode http://127.0.0.1:", "/code.zip: code package is announced as 3 GiB, larger than the configured 256 KiB limit"},
			wantRequests: 1,
		},
		{
			name:         "endless code stream",
			handler:      func(w http.ResponseWriter, r *http.Request) { stream(w, r, fill, endless) },
			run:          downloadCode,
			wantKind:     KindTooLarge,
			wantMsg:      []string{"/code.zip: code package is larger than the configured 256 KiB limit"},
			wantRequests: 1,
		},
		{
			name: "code package at the bound is accepted",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.(http.Flusher).Flush() // no Content-Length: the stream decides
				stream(w, r, fill, small.MaxCodePackageSize)
			},
			run:      downloadCode,
			wantKind: -1,
		},
		{
			name:         "code download stalls before the headers, retried once",
			handler:      stall,
			attempts:     6,
			run:          downloadCode,
			wantKind:     KindNetwork,
			wantMsg:      []string{"/code.zip: stalled: no response within 200ms"},
			wantRequests: 2,
			maxTime:      2*small.StallWindow + 700*time.Millisecond,
		},
		{
			name: "code download stalls mid-stream",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write(fill)
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			},
			run:          downloadCode,
			wantKind:     KindNetwork,
			wantMsg:      []string{"/code.zip: stalled: 0 bytes received in the last 200ms (fewer than 1 KiB)"},
			wantRequests: 1,
			maxTime:      2*small.StallWindow + 700*time.Millisecond,
		},
		{
			name: "code download trickles a byte at a time",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "100000")
				w.WriteHeader(http.StatusOK)
				for r.Context().Err() == nil {
					w.Write([]byte{'P'})
					w.(http.Flusher).Flush()
					time.Sleep(20 * time.Millisecond)
				}
			},
			run:          downloadCode,
			wantKind:     KindNetwork,
			wantMsg:      []string{"/code.zip: stalled: ", " received in the last 200ms (fewer than 1 KiB)"},
			wantRequests: 1,
			maxTime:      small.StallWindow + 700*time.Millisecond,
		},
		{
			name: "a slow reader is not a stalled download",
			handler: func(w http.ResponseWriter, r *http.Request) {
				stream(w, r, fill, 3*int64(len(fill)))
			},
			run: func(ctx context.Context, c *Client, url string) error {
				body, err := c.DownloadCode(ctx, url+"/code.zip?Signature=secret")
				if err != nil {
					return err
				}
				defer body.Close()
				buf := make([]byte, 16<<10)
				for {
					if _, err := body.Read(buf); err != nil {
						if errors.Is(err, io.EOF) {
							return nil
						}
						return err
					}
					time.Sleep(small.StallWindow / 2)
				}
			},
			wantKind: -1,
			maxTime:  5 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url, requests := hostileServer(t, tt.handler)
			limits := tt.limits
			if limits == (Limits{}) {
				limits = small
			}
			attempts := tt.attempts
			if attempts == 0 {
				attempts = 3
			}
			c := hostileClient(t, url, limits, attempts, attemptTimeout)
			maxTime := tt.maxTime
			if maxTime == 0 {
				maxTime = 2 * time.Second
			}
			// A safety net only: the client must end by itself well before.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()

			start := time.Now()
			err := tt.run(ctx, c, url)
			elapsed := time.Since(start)

			if ctx.Err() != nil {
				t.Fatalf("the call ran until the test's own deadline: %v", err)
			}
			if elapsed > maxTime {
				t.Errorf("took %v, want under %v", elapsed, maxTime)
			}
			if tt.wantKind == -1 {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				return
			}
			var fcErr *Error
			if !errors.As(err, &fcErr) {
				t.Fatalf("err = %v (%T), want an *Error", err, err)
			}
			if fcErr.Kind != tt.wantKind {
				t.Errorf("kind = %v, want %v (%v)", fcErr.Kind, tt.wantKind, err)
			}
			for _, frag := range tt.wantMsg {
				if !strings.Contains(err.Error(), frag) {
					t.Errorf("error %q lacks %q", err, frag)
				}
			}
			if strings.ContainsFunc(err.Error(), func(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) }) {
				t.Errorf("error holds a raw control character: %q", err)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error leaks the download URL's signature: %v", err)
			}
			if len(err.Error()) > 400 {
				t.Errorf("error is %d bytes long", len(err.Error()))
			}
			if tt.wantRequests != 0 {
				if got := requests.Load(); got != tt.wantRequests {
					t.Errorf("server saw %d requests, want %d", got, tt.wantRequests)
				}
			}
		})
	}
}

func getFunction(ctx context.Context, c *Client, _ string) error {
	_, err := c.GetFunction(ctx, "shop-api")
	return err
}

func listFunctions(ctx context.Context, c *Client, _ string) error {
	_, err := c.ListFunctions(ctx, "shop-")
	return err
}

// downloadCode downloads url/code.zip to the end, as fetch does.
func downloadCode(ctx context.Context, c *Client, url string) error {
	body, err := c.DownloadCode(ctx, url+"/code.zip?Expires=1&Signature=secret")
	if err != nil {
		return err
	}
	_, err = readAll(body)
	return err
}

// TestHostileStreamsKeepHeapFlat offers 3 GB endless streams and checks that
// what the client allocates while refusing them is a few MiB at most: the
// bounds are enforced while reading, not after buffering. It is not
// parallel because the allocation counters are process-wide: other tests
// running alongside would blur them.
func TestHostileStreamsKeepHeapFlat(t *testing.T) {
	fill := []byte(strings.Repeat("P", 32<<10))
	url, _ := hostileServer(t, func(w http.ResponseWriter, r *http.Request) { stream(w, r, fill, endless) })
	const (
		responseLimit = 1 << 20
		codeLimit     = 32 << 20
		allowance     = 8 << 20
	)
	c := hostileClient(t, url, Limits{MaxResponseSize: responseLimit, MaxCodePackageSize: codeLimit, StallWindow: time.Second}, 1, 5*time.Second)
	ctx := context.Background()

	// allocated runs f and returns the bytes the process allocated meanwhile.
	allocated := func(f func()) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}

	t.Run("api response", func(t *testing.T) {
		var err error
		n := allocated(func() { _, err = c.GetFunction(ctx, "shop-api") })
		if KindOf(err) != KindTooLarge {
			t.Fatalf("err = %v, want KindTooLarge", err)
		}
		if n > allowance {
			t.Errorf("allocated %s while refusing an endless response bounded at %s", formatSize(int64(n)), formatSize(responseLimit))
		}
		t.Logf("allocated %d bytes", n)
	})
	t.Run("code download", func(t *testing.T) {
		var err error
		var got int64
		n := allocated(func() {
			var body io.ReadCloser
			if body, err = c.DownloadCode(ctx, url+"/code.zip"); err == nil {
				got, err = readAll(body)
			}
		})
		if KindOf(err) != KindTooLarge || got != codeLimit {
			t.Fatalf("read %d bytes, err = %v; want %d bytes then KindTooLarge", got, err, codeLimit)
		}
		// 32 MiB went through the reader; only its buffers stayed.
		if n > allowance {
			t.Errorf("allocated %s while streaming %s", formatSize(int64(n)), formatSize(codeLimit))
		}
		t.Logf("allocated %d bytes", n)
	})
	t.Run("decoding a page of tiny values", func(t *testing.T) {
		// At the default body bound, a body of tiny values would decode
		// into ~500 MiB of maps; it is refused before decoding starts.
		body := []byte(`[` + strings.Repeat(`{},`, int(MaxResponseSize)/3-1) + `{}]`)
		var v any
		var err error
		n := allocated(func() { err = decodeJSON(body, &v) })
		var le *limitError
		if !errors.As(err, &le) {
			t.Fatalf("err = %v, want a limit refusal", err)
		}
		if n > 1<<20 {
			t.Errorf("allocated %s refusing a %s body", formatSize(int64(n)), formatSize(int64(len(body))))
		}
	})
}

func TestDecodeJSONBounds(t *testing.T) {
	t.Parallel()
	honest := functionsPage(pageLimit, "next")
	tests := []struct {
		name    string
		body    string
		wantErr string // "" = decodes
	}{
		{name: "honest page", body: honest},
		{name: "values up to the bound", body: `[` + strings.Repeat("0,", maxJSONValues-1) + `0]`},
		{name: "one value past the bound", body: `[` + strings.Repeat("0,", maxJSONValues) + `0]`, wantErr: "more than 262144 JSON values"},
		{name: "punctuation inside strings does not count", body: `["` + strings.Repeat(`[{,:\"`, maxJSONValues) + `"]`},
		{name: "nesting past encoding/json's depth limit", body: strings.Repeat("[", 10001) + strings.Repeat("]", 10001), wantErr: "exceeded max depth"},
		{name: "trailing data", body: `{} {}`, wantErr: "trailing data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var v any
			err := decodeJSON([]byte(tt.body), &v)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestLimitedBody(t *testing.T) {
	t.Parallel()
	errPast := errors.New("past the bound")
	tests := []struct {
		size, max int64
		wantN     int64
		wantErr   error
	}{
		{size: 0, max: 10, wantN: 0},
		{size: 9, max: 10, wantN: 9},
		{size: 10, max: 10, wantN: 10},
		{size: 11, max: 10, wantN: 10, wantErr: errPast},
		{size: 1 << 20, max: 10, wantN: 10, wantErr: errPast},
		{size: 1, max: 0, wantN: 0, wantErr: errPast},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d of %d", tt.size, tt.max), func(t *testing.T) {
			t.Parallel()
			src := io.NopCloser(io.LimitReader(zeros{}, tt.size))
			b := newLimitedBody(src, tt.max, errPast)
			// One-byte reads probe the edge the hard way.
			n, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{b}, make([]byte, 1))
			if n != tt.wantN || !errors.Is(err, tt.wantErr) {
				t.Fatalf("read %d, %v; want %d, %v", n, err, tt.wantN, tt.wantErr)
			}
			if tt.wantErr != nil {
				if _, err := b.Read(make([]byte, 8)); err != errPast {
					t.Fatalf("read after the bound: %v", err)
				}
			}
		})
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestLimitsDefaultsAndMessages(t *testing.T) {
	t.Parallel()
	d := Limits{}.withDefaults()
	if d.MaxResponseSize != MaxResponseSize || d.MaxCodePackageSize != MaxCodePackageSize ||
		d.MaxListPages != MaxListPages || d.StallWindow != DefaultStallWindow || d.StallMinBytes != DefaultStallMinBytes {
		t.Fatalf("defaults = %+v", d)
	}
	if got := d.codeLimitText(); got != "FC's 500 MiB limit" {
		t.Errorf("code limit text = %q", got)
	}
	if got := d.responseLimitText(); got != "fcgit's 16 MiB limit for an FC API response" {
		t.Errorf("response limit text = %q", got)
	}
	e := &Error{Op: "DownloadCode", Subject: "https://bucket.example/shop-api.zip", Kind: KindTooLarge,
		Message: "code package is larger than " + d.codeLimitText()}
	if got, want := e.Error(), "DownloadCode https://bucket.example/shop-api.zip: code package is larger than FC's 500 MiB limit"; got != want {
		t.Errorf("message = %q\nwant      %q", got, want)
	}
	for n, want := range map[int64]string{1: "1 byte", 1000: "1000 bytes", 4096: "4 KiB", 3 << 30: "3 GiB", 500 << 20: "500 MiB", 1<<20 + 1: "1048577 bytes"} {
		if got := formatSize(n); got != want {
			t.Errorf("formatSize(%d) = %q, want %q", n, got, want)
		}
	}
	if KindTooLarge.String() != "too large" || retryable(KindTooLarge) {
		t.Errorf("KindTooLarge: %q, retryable %v", KindTooLarge, retryable(KindTooLarge))
	}
}
