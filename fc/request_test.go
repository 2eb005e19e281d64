package fc

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRequestShapeThroughSDK(t *testing.T) {
	s := &script{responses: []func(*http.Request) (*http.Response, error){
		reply(200, `{"functionName":"a b","memorySize":512,"cpu":0.35,"big":12345678901234567890,"futureField":{"a":1}}`),
	}}
	c, _ := newScriptedClient(t, s, RetryPolicy{})
	input := map[string]any{"description": "<b>&</b>", "cpu": json.Number("0.350"), "big": json.Number("12345678901234567890")}
	f, err := c.UpdateFunction(context.Background(), "a b", input)
	if err != nil {
		t.Fatalf("UpdateFunction: %v", err)
	}
	reqs := s.requests()
	if len(reqs) != 1 {
		t.Fatalf("sent %d requests", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPut || r.Path != "/2023-03-30/functions/a%20b" {
		t.Errorf("request line = %s %s", r.Method, r.Path)
	}
	if r.Host != "fc.example.test" || strings.Contains(r.URL, "test:/") {
		t.Errorf("host = %q, url = %q: empty port leaked", r.Host, r.URL)
	}
	if got := r.Header.Get("Authorization"); !strings.HasPrefix(got, "acs AK:") {
		t.Errorf("Authorization = %q, want ROA v1 signature for AK", got)
	}
	for h, want := range map[string]string{"x-acs-version": "2023-03-30", "Content-Type": "application/json", "Accept": "application/json"} {
		if got := headerValue(r.Header, h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if headerValue(r.Header, "Date") == "" || headerValue(r.Header, "Content-MD5") == "" {
		t.Errorf("signing headers missing: %v", r.Header)
	}
	// Exact numbers and unescaped text reach FC as the caller wrote them.
	for _, frag := range []string{`"cpu":0.350`, `"big":12345678901234567890`, `"description":"<b>&</b>"`} {
		if !strings.Contains(r.Body, frag) {
			t.Errorf("body %s lacks %s", r.Body, frag)
		}
	}
	// And responses keep theirs.
	if f["big"] != json.Number("12345678901234567890") || f["cpu"] != json.Number("0.35") {
		t.Errorf("numbers not kept exact: big=%#v cpu=%#v", f["big"], f["cpu"])
	}
	if _, ok := f["futureField"].(map[string]any); !ok {
		t.Errorf("unknown field lost: %v", f)
	}
}

// TestEachAttemptCarriesItsOwnNonce: FC refuses a request whose
// x-acs-signature-nonce it has seen, so a replayed capture is refused while
// a retry, signed again with a fresh nonce, is served.
func TestEachAttemptCarriesItsOwnNonce(t *testing.T) {
	s := &script{responses: []func(*http.Request) (*http.Response, error){
		reply(503, `{"Code":"ServiceUnavailable"}`), reply(200, `{"functionName":"f"}`),
	}}
	c, _ := newScriptedClient(t, s, RetryPolicy{})
	if _, err := c.GetFunction(context.Background(), "f"); err != nil {
		t.Fatalf("GetFunction: %v", err)
	}
	reqs := s.requests()
	if len(reqs) != 2 {
		t.Fatalf("sent %d requests, want 2", len(reqs))
	}
	first, second := headerValue(reqs[0].Header, "x-acs-signature-nonce"), headerValue(reqs[1].Header, "x-acs-signature-nonce")
	if len(first) < 16 || first == second {
		t.Errorf("nonces %q and %q: want one of its own per attempt", first, second)
	}
}

func TestUserAgentAppended(t *testing.T) {
	s := &script{responses: []func(*http.Request) (*http.Response, error){reply(200, `{}`)}}
	c, err := New(Config{Endpoint: "http://127.0.0.1:1", AccessKeyID: "AK", AccessKeySecret: "SK",
		Transport: s, UserAgent: "fcgit/0.1 extra"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetFunction(context.Background(), "f"); err != nil {
		t.Fatal(err)
	}
	ua := s.requests()[0].Header.Get("User-Agent")
	if !strings.HasPrefix(ua, "AlibabaCloud (") || !strings.Contains(ua, " fcgit/0.1") || !strings.Contains(ua, "Extra/extra") {
		t.Fatalf("User-Agent = %q", ua)
	}
}

func TestRetries(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
	ok := reply(200, `{"functionName":"f"}`)
	tests := []struct {
		name       string
		responses  []func(*http.Request) (*http.Response, error)
		wantErr    Kind // KindOther with wantOK
		wantOK     bool
		wantSent   int
		wantDelays []time.Duration
	}{
		{
			name:       "throttled then ok",
			responses:  []func(*http.Request) (*http.Response, error){reply(429, `{"Code":"ResourceThrottled","Message":"slow down"}`), reply(429, `{"Code":"ResourceThrottled"}`), ok},
			wantOK:     true,
			wantSent:   3,
			wantDelays: []time.Duration{10 * time.Millisecond, 20 * time.Millisecond},
		},
		{
			name:       "5xx and network errors then ok",
			responses:  []func(*http.Request) (*http.Response, error){reply(503, `{"Code":"ServiceUnavailable"}`), fail(refused), fail(reset), ok},
			wantOK:     true,
			wantSent:   4,
			wantDelays: []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond},
		},
		{
			name:       "server errors exhaust attempts",
			responses:  []func(*http.Request) (*http.Response, error){reply(500, `{"Code":"InternalError","Message":"boom"}`)},
			wantErr:    KindServer,
			wantSent:   4,
			wantDelays: []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond},
		},
		{
			name:      "not found is not retried",
			responses: []func(*http.Request) (*http.Response, error){reply(404, notFoundBody)},
			wantErr:   KindNotFound,
			wantSent:  1,
		},
		{
			name:      "invalid argument is not retried",
			responses: []func(*http.Request) (*http.Response, error){reply(400, `{"Code":"InvalidArgument","Message":"bad"}`)},
			wantErr:   KindInvalidArgument,
			wantSent:  1,
		},
		{
			name:      "access denied is not retried",
			responses: []func(*http.Request) (*http.Response, error){reply(403, `{"Code":"AccessDenied","Message":"no"}`)},
			wantErr:   KindAccessDenied,
			wantSent:  1,
		},
		{
			name:       "retry-after raises the delay up to MaxDelay",
			responses:  []func(*http.Request) (*http.Response, error){reply(429, `{"Code":"ResourceThrottled"}`, "Retry-After", "30"), ok},
			wantOK:     true,
			wantSent:   2,
			wantDelays: []time.Duration{80 * time.Millisecond},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &script{responses: tt.responses}
			c, log := newScriptedClient(t, s, RetryPolicy{MaxAttempts: 4, BaseDelay: 10 * time.Millisecond, MaxDelay: 80 * time.Millisecond})
			_, err := c.GetFunction(context.Background(), "f")
			if tt.wantOK && err != nil {
				t.Fatalf("GetFunction: %v", err)
			}
			if !tt.wantOK && KindOf(err) != tt.wantErr {
				t.Fatalf("error %v has kind %v, want %v", err, KindOf(err), tt.wantErr)
			}
			if got := len(s.requests()); got != tt.wantSent {
				t.Errorf("sent %d requests, want %d", got, tt.wantSent)
			}
			if got := log.all(); !equalDurations(got, tt.wantDelays) {
				t.Errorf("delays %v, want %v", got, tt.wantDelays)
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRetryStopsWhenContextEndsDuringBackoff(t *testing.T) {
	s := &script{responses: []func(*http.Request) (*http.Response, error){reply(503, `{"Code":"ServiceUnavailable"}`)}}
	c, err := New(Config{Endpoint: "http://127.0.0.1:1", AccessKeyID: "AK", AccessKeySecret: "SK", Transport: s,
		Retry: RetryPolicy{MaxAttempts: 100, BaseDelay: time.Hour, MaxDelay: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	c.jitter = func(max time.Duration) time.Duration { return max } // a real hour-long sleep
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.GetFunction(ctx, "f")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want deadline exceeded", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("returned after %v", el)
	}
	if n := len(s.requests()); n != 1 {
		t.Fatalf("sent %d requests during backoff", n)
	}
}

func TestCancellationAbortsInFlightRequest(t *testing.T) {
	aborted := make(chan struct{})
	hang := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		<-r.Context().Done() // a server that never answers
		close(aborted)
		return nil, r.Context().Err()
	})
	c, err := New(Config{Endpoint: "http://127.0.0.1:1", AccessKeyID: "AK", AccessKeySecret: "SK", Transport: hang})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(30 * time.Millisecond); cancel() }()
	start := time.Now()
	_, err = c.ListFunctions(ctx, "")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("returned after %v", el)
	}
	select {
	case <-aborted:
	case <-time.After(2 * time.Second):
		t.Fatal("the in-flight HTTP request was not cancelled")
	}
	var fcErr *Error
	if !errors.As(err, &fcErr) || fcErr.Op != "ListFunctions" {
		t.Fatalf("error %v does not name the operation", err)
	}
}

func TestPaginationFollowsNextToken(t *testing.T) {
	page := func(names []string, next string) func(*http.Request) (*http.Response, error) {
		items := make([]map[string]any, len(names))
		for i, n := range names {
			items[i] = map[string]any{"functionName": n}
		}
		body, _ := json.Marshal(map[string]any{"functions": items, "nextToken": next})
		return reply(200, string(body))
	}
	s := &script{responses: []func(*http.Request) (*http.Response, error){
		page([]string{"shop-a", "shop-b"}, "tok 1"), page([]string{"shop-c"}, "tok2"), page(nil, ""),
	}}
	c, _ := newScriptedClient(t, s, RetryPolicy{})
	fns, err := c.ListFunctions(context.Background(), "shop-")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range fns {
		names = append(names, f.Name())
	}
	if strings.Join(names, ",") != "shop-a,shop-b,shop-c" {
		t.Fatalf("names = %v", names)
	}
	reqs := s.requests()
	wantTokens := []string{"", "tok 1", "tok2"}
	for i, r := range reqs {
		u, _ := url.Parse(r.URL)
		q := u.Query()
		if q.Get("prefix") != "shop-" || q.Get("limit") != "100" || q.Get("nextToken") != wantTokens[i] {
			t.Errorf("request %d query = %v", i, q)
		}
	}

	loop := &script{responses: []func(*http.Request) (*http.Response, error){page([]string{"x"}, "same")}}
	c, _ = newScriptedClient(t, loop, RetryPolicy{})
	if _, err := c.ListFunctions(context.Background(), ""); err == nil || len(loop.requests()) != 2 {
		t.Fatalf("repeated token: err=%v after %d requests", err, len(loop.requests()))
	}
}

func TestAttemptTimeoutIsRetried(t *testing.T) {
	var calls int
	var mu sync.Mutex
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		calls++
		first := calls == 1
		mu.Unlock()
		if first {
			<-r.Context().Done() // the first attempt hangs until its own timeout
			return nil, r.Context().Err()
		}
		return reply(200, `{"functionName":"f"}`)(r)
	})
	c, log := newScriptedClient(t, rt, RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond})
	body, out, err := c.do(context.Background(), call{op: "GetFunction", subject: "f", method: http.MethodGet,
		path: apiPath("functions", "f"), timeout: 30 * time.Millisecond})
	if err != nil || !strings.Contains(string(body), `"f"`) {
		t.Fatalf("do = %s, %v", body, err)
	}
	if calls != 2 || len(log.all()) != 1 {
		t.Fatalf("calls = %d, waits = %v", calls, log.all())
	}
	if !out.mayHaveApplied {
		t.Fatal("a timed-out attempt must count as possibly applied")
	}
}

// TestPathSegmentsPercentEncoded: names reach FC percent-encoded, every
// byte but RFC 3986's unreserved characters: an FC 2.0-era function's '$'
// too, which url.PathEscape would leave as it is.
func TestPathSegmentsPercentEncoded(t *testing.T) {
	tests := []struct {
		function, trigger string
		want              string
	}{
		{"shop-api", "web", "/2023-03-30/functions/shop-api/triggers/web"},
		{"legacy$worker", "timer", "/2023-03-30/functions/legacy%24worker/triggers/timer"},
		{"a b", "x/y", "/2023-03-30/functions/a%20b/triggers/x%2Fy"},
		{"a+b;c=d@e:f,g&h", "t~1.2_3", "/2023-03-30/functions/a%2Bb%3Bc%3Dd%40e%3Af%2Cg%26h/triggers/t~1.2_3"},
		{"中", "t", "/2023-03-30/functions/%E4%B8%AD/triggers/t"},
	}
	for _, tt := range tests {
		t.Run(tt.function, func(t *testing.T) {
			s := &script{responses: []func(*http.Request) (*http.Response, error){reply(200, `{"triggerName":"t"}`)}}
			c, _ := newScriptedClient(t, s, RetryPolicy{})
			if _, err := c.GetTrigger(context.Background(), tt.function, tt.trigger); err != nil {
				t.Fatal(err)
			}
			if got := s.requests()[0].Path; got != tt.want {
				t.Errorf("path = %s, want %s", got, tt.want)
			}
		})
	}
}
