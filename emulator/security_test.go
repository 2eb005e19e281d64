package emulator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	openapiutil "github.com/alibabacloud-go/openapi-util/service"
	"github.com/alibabacloud-go/tea/tea"
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
	s, c := newTestServer(t, Options{})
	s.nonces = newNonceCache(2)
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
