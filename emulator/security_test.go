package emulator

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	openapiutil "github.com/alibabacloud-go/openapi-util/service"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"

	"github.com/fcgit/fcgit/internal/heapwatch"
)

// send sends a prepared request again and again, as a replaying attacker
// would: same headers, same body.
func (c *apiClient) send(req *http.Request) apiResponse {
	c.t.Helper()
	clone := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			c.t.Fatal(err)
		}
		clone.Body = body
	}
	resp, err := c.http.Do(clone)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	r := apiResponse{Status: resp.StatusCode, Body: out, Header: resp.Header}
	_ = json.Unmarshal(out, &r.JSON)
	return r
}

func TestACS3ReplayedRequestIsRefused(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{})
	body, _ := json.Marshal(map[string]any{
		"functionName": "once", "runtime": "python3.10", "handler": "index.handler",
		"code": zipCode(makeZip(t, map[string]string{"index.py": "x = 1\n"})),
	})
	req := c.sign(http.MethodPost, "/2023-03-30/functions", nil, body)
	if r := c.send(req); r.Status != 200 {
		t.Fatalf("first request: %d %s", r.Status, r.Body)
	}
	r := c.send(req)
	if r.Status != http.StatusBadRequest || r.code() != codeSignatureNonceUsed {
		t.Fatalf("replay: %d %s", r.Status, r.Body)
	}
	// The same request with a fresh nonce is authentic again (and finds the
	// function it created).
	if r := c.do(http.MethodPost, "/2023-03-30/functions", nil, body); r.Status != 409 {
		t.Errorf("fresh nonce: %d %s", r.Status, r.Body)
	}
	if st := s.Stats(); st.Rejected != 1 || st.Writes != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestNoncesExpireWithTheSkewWindow(t *testing.T) {
	t.Parallel()
	clock := newSettableClock()
	s, c := newTestServer(t, Options{Now: clock.Now, MaxDateSkew: time.Minute})
	req := c.sign(http.MethodGet, "/2023-03-30/functions", nil, nil)
	c.send(req)
	c.expect(200, http.MethodGet, "/2023-03-30/functions", nil, nil)
	if n := s.nonces.len(); n != 2 {
		t.Fatalf("cache holds %d nonces, want 2", n)
	}
	clock.Advance(2 * time.Minute)
	// Past the window the date check refuses the replay, and the nonces of
	// expired requests are dropped when the next one arrives.
	if r := c.send(req); r.Status != http.StatusForbidden || r.code() != codeRequestTimeTooSkewed {
		t.Errorf("late replay: %d %s", r.Status, r.Body)
	}
	c.expect(200, http.MethodGet, "/2023-03-30/functions", nil, nil)
	if n := s.nonces.len(); n != 1 {
		t.Errorf("cache holds %d nonces after expiry, want 1", n)
	}
}

func TestNonceCacheIsBounded(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{MaxNonces: 2})
	c.expect(200, http.MethodGet, "/2023-03-30/functions", nil, nil)
	c.expect(200, http.MethodGet, "/2023-03-30/functions", nil, nil)
	// Full of unexpired nonces: throttled rather than forgetting one.
	c.expectError(http.StatusTooManyRequests, codeResourceThrottled, http.MethodGet, "/2023-03-30/functions", nil, nil)
	if n := s.nonces.len(); n != 2 {
		t.Errorf("cache grew to %d", n)
	}
}

// signWithout signs a GET whose headers lack the nonce, then adds one the
// signature does not cover when nonce is set.
func signWithout(t *testing.T, c *apiClient, nonce string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+"/2023-03-30/functions", nil)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(nil)
	headers := map[string]*string{
		"host":                 tea.String(req.URL.Host),
		"x-acs-version":        tea.String("2023-03-30"),
		"x-acs-date":           tea.String(time.Now().UTC().Format(fcTimeFormat)),
		"x-acs-content-sha256": tea.String(hex.EncodeToString(sum[:])),
	}
	authz := openapiutil.GetAuthorization(&tea.Request{Method: tea.String("GET"), Pathname: tea.String("/2023-03-30/functions"), Headers: headers, Query: map[string]*string{}},
		tea.String(acs3Algorithm), headers["x-acs-content-sha256"], tea.String(testAK), tea.String(testSK))
	for k, v := range headers {
		if k != "host" {
			req.Header.Set(k, *v)
		}
	}
	req.Header.Set("Authorization", *authz)
	if nonce != "" {
		req.Header.Set("x-acs-signature-nonce", nonce)
	}
	return req
}

func TestACS3NonceMustBePresentAndSigned(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	if r := c.send(signWithout(t, c, "")); r.Status != 400 || r.code() != codeMissingRequiredHeader {
		t.Errorf("no nonce: %d %s", r.Status, r.Body)
	}
	// An unsigned nonce could be swapped on every replay.
	if r := c.send(signWithout(t, c, "n-1")); r.Status != 403 || r.code() != codeSignatureNotMatch {
		t.Errorf("unsigned nonce: %d %s", r.Status, r.Body)
	}
}

// countingReader yields size zero bytes and counts how many were read.
type countingReader struct {
	read atomic.Int64
	size int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	left := r.size - r.read.Load()
	if left <= 0 {
		return 0, io.EOF
	}
	n := int64(len(p))
	if n > left {
		n = left
	}
	clear(p[:n])
	r.read.Add(n)
	return int(n), nil
}

func TestUnauthenticatedBodiesAreNotRead(t *testing.T) {
	t.Parallel()
	const huge = 200 << 20
	s, c := newTestServer(t, Options{})
	signed := func() http.Header { return c.sign(http.MethodPost, "/2023-03-30/functions", nil, nil).Header }
	tests := []struct {
		name          string
		header        func() http.Header
		contentLength int64 // -1: chunked, length unknown
		status        int
		code          string
	}{
		{"no Authorization", func() http.Header { return http.Header{} }, -1, 400, codeMissingRequiredHeader},
		{"unknown ACS3 key", func() http.Header {
			h := signed()
			h.Set("Authorization", "ACS3-HMAC-SHA256 Credential=LTAIunknown,SignedHeaders=host;x-acs-date,Signature=00")
			return h
		}, -1, 403, codeInvalidAccessKeyID},
		{"unknown ROA key", func() http.Header {
			return http.Header{"Authorization": {"acs LTAIunknown:c2ln"}, "Date": {time.Now().UTC().Format(http.TimeFormat)}}
		}, huge, 403, codeInvalidAccessKeyID},
		{"stale date", func() http.Header {
			h := signed()
			h.Set("x-acs-date", time.Now().Add(-time.Hour).UTC().Format(fcTimeFormat))
			return h
		}, -1, 403, codeRequestTimeTooSkewed},
		{"malformed digest", func() http.Header {
			h := signed()
			h.Set("x-acs-content-sha256", "not-hex")
			return h
		}, -1, 400, codeInvalidArgument},
		{"authentic headers, declared size over the bound", signed, huge, 400, codeEntityTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := &countingReader{size: huge}
			r := httptest.NewRequest(http.MethodPost, "http://"+c.base[len("http://"):]+"/2023-03-30/functions", body)
			r.ContentLength = tc.contentLength
			r.Header = tc.header()
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			var got struct{ Code string }
			_ = json.Unmarshal(w.Body.Bytes(), &got)
			if w.Code != tc.status || got.Code != tc.code {
				t.Fatalf("got %d %s, want %d %s", w.Code, w.Body, tc.status, tc.code)
			}
			if n := body.read.Load(); n != 0 {
				t.Errorf("read %d bytes of a refused body", n)
			}
		})
	}
}

func TestChunkedBodiesAreCutOffAtTheBound(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{MaxCodeSize: 3 << 10})
	limit := s.maxBodySize()
	body := &countingReader{size: 200 << 20}
	r := httptest.NewRequest(http.MethodPost, "http://"+c.base[len("http://"):]+"/2023-03-30/functions", body)
	r.ContentLength = -1
	r.Header = c.sign(http.MethodPost, "/2023-03-30/functions", nil, nil).Header
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != 400 || !bytes.Contains(w.Body.Bytes(), []byte(codeEntityTooLarge)) {
		t.Fatalf("got %d %s", w.Code, w.Body)
	}
	if n := body.read.Load(); n > limit+1 {
		t.Errorf("read %d bytes, bound is %d", n, limit)
	}
	if limit < (3<<10)*4/3 {
		t.Errorf("bound %d leaves no room for the base64 of a %d-byte package", limit, 3<<10)
	}
}

// capturingTransport records every request it sends, body included, so a
// test can replay one as an attacker who captured it would.
type capturingTransport struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (c *capturingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
	}
	clone := r.Clone(context.Background())
	clone.Body, clone.GetBody = io.NopCloser(bytes.NewReader(body)), func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	c.mu.Lock()
	c.reqs = append(c.reqs, clone)
	c.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	return http.DefaultTransport.RoundTrip(r)
}

func (c *capturingTransport) last() *http.Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reqs[len(c.reqs)-1]
}

// TestROAReplayedRequestIsRefused: a captured UpdateFunction signed with
// ROA v1 and a nonce (as fcgit's client and the Tea SDKs send it), replayed
// after a console edit, is refused and the edit stays; the nonce cannot be
// swapped for a fresh one, since the signature covers it.
func TestROAReplayedRequestIsRefused(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	s, host, port := startSDKServer(t)
	capture := &capturingTransport{}
	client, err := sdk.NewClientWithAccessKey("cn-hangzhou", testAK, testSK)
	if err != nil {
		t.Fatal(err)
	}
	client.SetTransport(capture)
	c := &apiClient{t: t, base: "http://" + host + ":" + port, ak: testAK, sk: testSK, now: time.Now, http: http.DefaultClient}
	c.createFunction("edited", nil)

	req := requests.NewCommonRequest()
	req.Method, req.Product, req.Version = http.MethodPut, "FC", "2023-03-30"
	req.PathPattern, req.Scheme, req.Domain, req.Port = "/2023-03-30/functions/edited", "http", host, port
	req.Headers["x-acs-signature-nonce"] = newUUID()
	req.SetContent([]byte(`{"timeout":10}`))
	req.SetContentType("application/json")
	if resp, err := client.ProcessCommonRequest(req); err != nil || resp.GetHttpStatus() != 200 {
		t.Fatalf("UpdateFunction via ROA: %v", err)
	}
	captured := capture.last()
	c.expect(200, http.MethodPut, "/2023-03-30/functions/edited", nil, map[string]any{"timeout": 99}) // the console edit

	if r := c.send(captured); r.Status != http.StatusBadRequest || r.code() != codeSignatureNonceUsed {
		t.Fatalf("replay: %d %s", r.Status, r.Body)
	}
	swapped := captured.Clone(context.Background())
	swapped.Header.Set("x-acs-signature-nonce", newUUID())
	swapped.GetBody = captured.GetBody
	if r := c.send(swapped); r.Status != http.StatusForbidden || r.code() != codeSignatureNotMatch {
		t.Fatalf("replay with a fresh nonce: %d %s", r.Status, r.Body)
	}
	if r := c.expect(200, http.MethodGet, "/2023-03-30/functions/edited", nil, nil); r.JSON["timeout"] != json.Number("99") {
		t.Errorf("the console edit was overwritten: timeout %v", r.JSON["timeout"])
	}
	if st := s.Stats(); st.Rejected != 2 {
		t.Errorf("Rejected = %d, want 2", st.Rejected)
	}
}

// TestBogusSignaturesDoNotMakeTheServerReadBodies: eight 130 MiB uploads at
// once, with a known AccessKey id but a wrong signature, ROA and ACS3, are
// refused without a byte of their bodies read, and the heap does not grow
// by their size.
func TestBogusSignaturesDoNotMakeTheServerReadBodies(t *testing.T) {
	const size, uploads = 130 << 20, 8
	s, c := newTestServer(t, Options{})
	acs3 := func() http.Header {
		h := c.sign(http.MethodPost, "/2023-03-30/functions", nil, nil).Header
		h.Set("x-acs-content-sha256", sha256Hex("the body that will not be read"))
		return h
	}
	roa := func() http.Header {
		h := http.Header{}
		h.Set("Authorization", "acs "+testAK+":"+hmacSHA1Base64(testSK, "not what the server signs"))
		h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
		h.Set("Content-MD5", md5Base64("the body that will not be read"))
		h.Set("Content-Type", "application/json")
		return h
	}
	for _, scheme := range []struct {
		name   string
		header func() http.Header
	}{{"ROA", roa}, {"ACS3", acs3}} {
		t.Run(scheme.name, func(t *testing.T) {
			var peak uint64
			base := heapwatch.InUse()
			stop := heapwatch.Sample(&peak)
			var wg sync.WaitGroup
			bodies := make([]*countingReader, uploads)
			codes := make([]int, uploads)
			for i := range uploads {
				bodies[i] = &countingReader{size: size}
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := httptest.NewRequest(http.MethodPost, c.base+"/2023-03-30/functions", bodies[i])
					r.ContentLength = size
					r.Header = scheme.header()
					w := httptest.NewRecorder()
					s.ServeHTTP(w, r)
					codes[i] = w.Code
					if !bytes.Contains(w.Body.Bytes(), []byte(codeSignatureNotMatch)) {
						t.Errorf("upload %d: %d %s", i, w.Code, w.Body)
					}
				}()
			}
			wg.Wait()
			stop()
			for i, b := range bodies {
				if n := b.read.Load(); n != 0 || codes[i] != http.StatusForbidden {
					t.Errorf("upload %d: answered %d after reading %d bytes of its body", i, codes[i], n)
				}
			}
			if peak > base+64<<20 {
				t.Errorf("heap grew from %d to %d serving %d refused uploads", base, peak, uploads)
			}
		})
	}
}

// TestBodiesInFlightShareABudget: authentic bodies are read within a budget
// of two maximal bodies; requests beyond it wait for their share before
// reading, and are all served once earlier ones are done.
func TestBodiesInFlightShareABudget(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{MaxCodeSize: 3 << 10})
	body, err := json.Marshal(map[string]any{"description": strings.Repeat("x", 3<<20)})
	if err != nil {
		t.Fatal(err)
	}
	c.createFunction("big", nil)
	var held atomic.Int32
	var most atomic.Int32
	release := make(chan struct{})
	s.SetBefore(func(op, fn string) {
		n := held.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		<-release
		held.Add(-1)
	})
	var wg sync.WaitGroup
	statuses := make([]int, 6)
	for i := range statuses {
		req := c.sign(http.MethodPut, "/2023-03-30/functions/big", nil, body)
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.http.Do(req)
			if err != nil {
				t.Errorf("request %d: %v", i, err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	// Two 3 MiB bodies fit the budget (2 × 4 MiB and a little), a third does not.
	deadline := time.Now().Add(5 * time.Second)
	for most.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if got := most.Load(); got != 2 {
		t.Errorf("%d bodies held at once, want 2", got)
	}
	close(release)
	wg.Wait()
	for i, st := range statuses {
		if st != http.StatusBadRequest { // description over 256 characters: handled, refused
			t.Errorf("request %d answered %d, want 400 from the handler", i, st)
		}
	}
}
