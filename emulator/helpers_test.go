package emulator

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	openapiutil "github.com/alibabacloud-go/openapi-util/service"
	"github.com/alibabacloud-go/tea/tea"
)

const (
	testAK = "LTAItestAccessKey"
	testSK = "testSecret0123456789"
)

// newTestServer starts an emulator behind httptest with the test credential.
func newTestServer(t *testing.T, opts Options) (*Server, *apiClient) {
	t.Helper()
	if opts.Credentials == nil {
		opts.Credentials = map[string]string{testAK: testSK}
	}
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		hs.Close()
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return s, &apiClient{t: t, base: hs.URL, ak: testAK, sk: testSK, now: now, http: hs.Client()}
}

// apiClient sends API requests signed with ACS3-HMAC-SHA256, computing the
// Authorization header with the official Tea SDK's own signer
// (openapi-util GetAuthorization), so the emulator is checked against the
// SDK's reading of the spec, not its own.
type apiClient struct {
	t      *testing.T
	base   string
	ak, sk string
	now    func() time.Time
	http   *http.Client
}

type apiResponse struct {
	Status int
	Body   []byte
	JSON   map[string]any
	Header http.Header
}

func (r apiResponse) code() string { s, _ := r.JSON["Code"].(string); return s }

// do sends method path?query with body (nil, []byte or a value to marshal).
func (c *apiClient) do(method, path string, query url.Values, body any) apiResponse {
	c.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			c.t.Fatalf("marshal body: %v", err)
		}
	}
	req := c.sign(method, path, query, raw)
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read response: %v", err)
	}
	r := apiResponse{Status: resp.StatusCode, Body: out, Header: resp.Header}
	if len(out) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		dec := json.NewDecoder(bytes.NewReader(out))
		dec.UseNumber()
		if err := dec.Decode(&r.JSON); err != nil {
			c.t.Fatalf("decode %s %s response %q: %v", method, path, out, err)
		}
	}
	return r
}

func (c *apiClient) sign(method, path string, query url.Values, body []byte) *http.Request {
	c.t.Helper()
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		c.t.Fatalf("new request: %v", err)
	}
	sum := sha256.Sum256(body)
	headers := map[string]*string{
		"host":                  tea.String(req.URL.Host),
		"x-acs-version":         tea.String("2023-03-30"),
		"x-acs-date":            tea.String(c.now().UTC().Format("2006-01-02T15:04:05Z")),
		"x-acs-signature-nonce": tea.String(newUUID()),
		"x-acs-content-sha256":  tea.String(hex.EncodeToString(sum[:])),
		"accept":                tea.String("application/json"),
	}
	if len(body) > 0 {
		headers["content-type"] = tea.String("application/json; charset=utf-8")
	}
	q := map[string]*string{}
	for k, v := range query {
		q[k] = tea.String(v[0])
	}
	treq := &tea.Request{Method: tea.String(method), Pathname: tea.String(req.URL.EscapedPath()), Headers: headers, Query: q}
	authz := openapiutil.GetAuthorization(treq, tea.String("ACS3-HMAC-SHA256"), headers["x-acs-content-sha256"], tea.String(c.ak), tea.String(c.sk))
	for k, v := range headers {
		if k != "host" {
			req.Header.Set(k, *v)
		}
	}
	req.Header.Set("Authorization", *authz)
	return req
}

// makeZip builds a zip holding files (name -> content), entries sorted.
func makeZip(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatalf("zip create: %v", err)
		}
		if _, err := w.Write([]byte(files[n])); err != nil {
			t.Fatalf("zip write: %v", err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatalf("zip close: %v", err)
	}
	return buf.Bytes()
}

func zipCode(zipBytes []byte) map[string]any {
	return map[string]any{"zipFile": base64.StdEncoding.EncodeToString(zipBytes)}
}

// createFunction creates a python function with the given extra fields and
// fails the test unless FC answers 200.
func (c *apiClient) createFunction(name string, extra map[string]any) apiResponse {
	c.t.Helper()
	body := map[string]any{
		"functionName": name, "runtime": "python3.10", "handler": "index.handler",
		"code": zipCode(makeZip(c.t, map[string]string{"index.py": "def handler(e, c):\n    return 'hi'\n"})),
	}
	for k, v := range extra {
		body[k] = v
	}
	r := c.do(http.MethodPost, "/2023-03-30/functions", nil, body)
	if r.Status != http.StatusOK {
		c.t.Fatalf("create %s: %d %s", name, r.Status, r.Body)
	}
	return r
}

// canonicalJSON re-encodes v for comparisons that ignore key order.
func canonicalJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var x any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&x); err != nil {
		t.Fatalf("decode: %v", err)
	}
	out, _ := json.Marshal(x)
	return string(out)
}

// settableClock is a test clock that starts at real time (so SDK-signed
// requests are within the allowed skew) and can be moved forward.
type settableClock struct {
	mu  sync.Mutex
	now time.Time
}

func newSettableClock() *settableClock { return &settableClock{now: time.Now()} }

func (c *settableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *settableClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
