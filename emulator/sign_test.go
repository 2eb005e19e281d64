package emulator

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	openapiutil "github.com/alibabacloud-go/openapi-util/service"
	"github.com/alibabacloud-go/tea/tea"
)

var vectorTime = time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC)

const vectorBody = `{"triggerName":"t1","triggerType":"timer","triggerConfig":"{\"cronExpression\":\"@every 1m\"}"}`

func md5Base64(b string) string {
	sum := md5.Sum([]byte(b))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// roaVectorHeaders are the headers alibaba-cloud-sdk-go sets on a ROA call.
func roaVectorHeaders() map[string]string {
	return map[string]string{
		"Accept":                  "application/json",
		"Content-MD5":             md5Base64(vectorBody),
		"Content-Type":            "application/json",
		"Date":                    "Thu, 01 Feb 2024 08:00:00 GMT",
		"x-acs-version":           "2023-03-30",
		"x-acs-signature-method":  "HMAC-SHA1",
		"x-acs-signature-version": "1.0",
	}
}

const roaVectorPath = "/2023-03-30/functions/my-fn/triggers?b=2&a=x%20y&empty="

// roaVectorStringToSign is written out by hand from the spec: method, the
// four standard headers, x-acs-* sorted, then the path with the query sorted
// by key, decoded, and "empty" without "=".
func roaVectorStringToSign() string {
	return "POST\n" +
		"application/json\n" +
		md5Base64(vectorBody) + "\n" +
		"application/json\n" +
		"Thu, 01 Feb 2024 08:00:00 GMT\n" +
		"x-acs-signature-method:HMAC-SHA1\n" +
		"x-acs-signature-version:1.0\n" +
		"x-acs-version:2023-03-30\n" +
		"/2023-03-30/functions/my-fn/triggers?a=x y&b=2&empty"
}

func hmacSHA1Base64(secret, s string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func roaVectorRequest(authz string, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "http://fcv3.cn-hangzhou.aliyuncs.com"+roaVectorPath, bytes.NewBufferString(body))
	for k, v := range roaVectorHeaders() {
		r.Header.Set(k, v)
	}
	r.Header.Set("Authorization", authz)
	return r
}

func TestROASignatureKnownVector(t *testing.T) {
	want := roaVectorStringToSign()
	r := roaVectorRequest("", vectorBody)
	got := roaStringToSign(roaRequest{Method: r.Method, Header: r.Header, Path: r.URL.EscapedPath(), Query: r.URL.Query()}, false)
	if got != want {
		t.Fatalf("string to sign:\n got %q\nwant %q", got, want)
	}
	// The Tea SDK's ROA signer over the same request agrees.
	h := roaVectorHeaders()
	headers := map[string]*string{
		"accept": tea.String(h["Accept"]), "content-md5": tea.String(h["Content-MD5"]),
		"content-type": tea.String(h["Content-Type"]), "date": tea.String(h["Date"]),
		"x-acs-version": tea.String(h["x-acs-version"]), "x-acs-signature-method": tea.String(h["x-acs-signature-method"]),
		"x-acs-signature-version": tea.String(h["x-acs-signature-version"]),
	}
	teaSTS := openapiutil.GetStringToSign(&tea.Request{
		Method: tea.String("POST"), Pathname: tea.String("/2023-03-30/functions/my-fn/triggers"), Headers: headers,
		Query: map[string]*string{"b": tea.String("2"), "a": tea.String("x y"), "empty": tea.String("")},
	})
	if *teaSTS != want {
		t.Fatalf("Tea SDK string to sign %q differs from the spec's %q", *teaSTS, want)
	}
	wantSig := hmacSHA1Base64(testSK, want)
	if sdkSig := *openapiutil.GetROASignature(tea.String(want), tea.String(testSK)); sdkSig != wantSig {
		t.Fatalf("SDK signature %s, spec %s", sdkSig, wantSig)
	}
	if got := roaSignature(testSK, want); got != wantSig {
		t.Fatalf("roaSignature = %s, want %s", got, wantSig)
	}
}

func TestROAVerifier(t *testing.T) {
	goodSig := hmacSHA1Base64(testSK, roaVectorStringToSign())
	tests := []struct {
		name       string
		authz      string
		body       string
		now        time.Time
		mutate     func(r *http.Request)
		wantStatus int
		wantCode   string
	}{
		{name: "valid", authz: "acs " + testAK + ":" + goodSig, body: vectorBody, now: vectorTime, wantStatus: http.StatusNotFound, wantCode: codeFunctionNotFound},
		{name: "sts token header accepted when signed", authz: "", body: vectorBody, now: vectorTime, mutate: func(r *http.Request) {
			r.Header.Set("x-acs-security-token", "sts-token")
			h := roaVectorHeaders()
			h["x-acs-security-token"] = "sts-token"
			sts := "POST\napplication/json\n" + md5Base64(vectorBody) + "\napplication/json\nThu, 01 Feb 2024 08:00:00 GMT\n" +
				"x-acs-security-token:sts-token\nx-acs-signature-method:HMAC-SHA1\nx-acs-signature-version:1.0\nx-acs-version:2023-03-30\n" +
				"/2023-03-30/functions/my-fn/triggers?a=x y&b=2&empty"
			r.Header.Set("Authorization", "acs "+testAK+":"+hmacSHA1Base64(testSK, sts))
		}, wantStatus: http.StatusNotFound, wantCode: codeFunctionNotFound},
		{name: "wrong secret", authz: "acs " + testAK + ":" + hmacSHA1Base64("other", roaVectorStringToSign()), body: vectorBody, now: vectorTime, wantStatus: http.StatusForbidden, wantCode: codeSignatureNotMatch},
		{name: "unknown key", authz: "acs LTAIunknown:" + goodSig, body: vectorBody, now: vectorTime, wantStatus: http.StatusForbidden, wantCode: codeInvalidAccessKeyID},
		{name: "stale date", authz: "acs " + testAK + ":" + goodSig, body: vectorBody, now: vectorTime.Add(16 * time.Minute), wantStatus: http.StatusForbidden, wantCode: codeRequestTimeTooSkewed},
		{name: "date in the future", authz: "acs " + testAK + ":" + goodSig, body: vectorBody, now: vectorTime.Add(-16 * time.Minute), wantStatus: http.StatusForbidden, wantCode: codeRequestTimeTooSkewed},
		{name: "tampered body", authz: "acs " + testAK + ":" + goodSig, body: `{"triggerName":"t2"}`, now: vectorTime, wantStatus: http.StatusBadRequest, wantCode: codeInvalidArgument},
		{name: "tampered body with matching MD5", authz: "acs " + testAK + ":" + goodSig, body: `{"triggerName":"t2"}`, now: vectorTime, mutate: func(r *http.Request) {
			r.Header.Set("Content-MD5", md5Base64(`{"triggerName":"t2"}`))
		}, wantStatus: http.StatusForbidden, wantCode: codeSignatureNotMatch},
		{name: "tampered query", authz: "acs " + testAK + ":" + goodSig, body: vectorBody, now: vectorTime, mutate: func(r *http.Request) {
			r.URL.RawQuery = "b=3&a=x%20y&empty="
		}, wantStatus: http.StatusForbidden, wantCode: codeSignatureNotMatch},
		{name: "missing authorization", authz: "", body: vectorBody, now: vectorTime, wantStatus: http.StatusBadRequest, wantCode: codeMissingRequiredHeader},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := tc.now
			s, err := New(Options{Credentials: map[string]string{testAK: testSK}, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			r := roaVectorRequest(tc.authz, tc.body)
			if tc.mutate != nil {
				tc.mutate(r)
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			var body struct{ Code, Message, RequestId string }
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", w.Body.String(), err)
			}
			if w.Code != tc.wantStatus || body.Code != tc.wantCode {
				t.Fatalf("got %d %s (%s), want %d %s", w.Code, body.Code, body.Message, tc.wantStatus, tc.wantCode)
			}
			if body.RequestId == "" || w.Header().Get("x-acs-request-id") != body.RequestId {
				t.Errorf("request id: body %q, header %q", body.RequestId, w.Header().Get("x-acs-request-id"))
			}
			wantRejected := 0
			if tc.wantStatus != http.StatusNotFound {
				wantRejected = 1
			}
			if got := s.Stats().Rejected; got != wantRejected {
				t.Errorf("Rejected = %d, want %d", got, wantRejected)
			}
		})
	}
}

const acs3Host = "fcv3.cn-hangzhou.aliyuncs.com"

// acs3VectorCanonical is the canonical request for the vector, written out
// by hand from the V3 spec: encoded path, query sorted and RFC 3986 encoded,
// signed headers lower-cased and sorted, hex SHA-256 of the body.
func acs3VectorCanonical(bodyHash string) string {
	return "PUT\n" +
		"/2023-03-30/functions/my-fn\n" +
		"a=x%20y&b=%5B%22k%22%5D&empty=\n" +
		"content-type:application/json; charset=utf-8\n" +
		"host:" + acs3Host + "\n" +
		"x-acs-content-sha256:" + bodyHash + "\n" +
		"x-acs-date:2024-02-01T08:00:00Z\n" +
		"x-acs-signature-nonce:nonce-1\n" +
		"x-acs-version:2023-03-30\n" +
		"\n" +
		"content-type;host;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n" +
		bodyHash
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func acs3SpecSignature(secret, canonical string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("ACS3-HMAC-SHA256\n" + sha256Hex(canonical)))
	return hex.EncodeToString(m.Sum(nil))
}

func acs3VectorRequest(body string, headers map[string]string) *http.Request {
	r := httptest.NewRequest(http.MethodPut, "http://"+acs3Host+"/2023-03-30/functions/my-fn?b=%5B%22k%22%5D&a=x+y&empty=", bytes.NewBufferString(body))
	r.Header.Set("content-type", "application/json; charset=utf-8")
	r.Header.Set("x-acs-content-sha256", sha256Hex(vectorBody))
	r.Header.Set("x-acs-date", "2024-02-01T08:00:00Z")
	r.Header.Set("x-acs-signature-nonce", "nonce-1")
	r.Header.Set("x-acs-version", "2023-03-30")
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	return r
}

const acs3SignedHeaders = "content-type;host;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"

func TestACS3SignatureKnownVector(t *testing.T) {
	want := acs3VectorCanonical(sha256Hex(vectorBody))
	r := acs3VectorRequest(vectorBody, nil)
	got := acs3CanonicalRequest(acs3Request{
		Method: r.Method, EscapedPath: r.URL.EscapedPath(), Query: r.URL.Query(), Header: r.Header, Host: r.Host,
		SignedHeaders: []string{"x-acs-version", "host", "content-type", "x-acs-date", "x-acs-content-sha256", "x-acs-signature-nonce"},
		PayloadHash:   sha256Hex(vectorBody),
	})
	if got != want {
		t.Fatalf("canonical request:\n got %q\nwant %q", got, want)
	}
	wantSig := acs3SpecSignature(testSK, want)
	if got := acs3Signature(testSK, want); got != wantSig {
		t.Fatalf("acs3Signature = %s, want %s", got, wantSig)
	}
	// The Tea SDK's signer produces the same Authorization for this request.
	headers := map[string]*string{
		"host": tea.String(acs3Host), "content-type": tea.String("application/json; charset=utf-8"),
		"x-acs-content-sha256": tea.String(sha256Hex(vectorBody)), "x-acs-date": tea.String("2024-02-01T08:00:00Z"),
		"x-acs-signature-nonce": tea.String("nonce-1"), "x-acs-version": tea.String("2023-03-30"),
		"accept": tea.String("application/json"), // not a signed header in V3
	}
	authz := openapiutil.GetAuthorization(&tea.Request{
		Method: tea.String("PUT"), Pathname: tea.String("/2023-03-30/functions/my-fn"), Headers: headers,
		Query: map[string]*string{"b": tea.String(`["k"]`), "a": tea.String("x y"), "empty": tea.String("")},
	}, tea.String("ACS3-HMAC-SHA256"), tea.String(sha256Hex(vectorBody)), tea.String(testAK), tea.String(testSK))
	wantAuthz := "ACS3-HMAC-SHA256 Credential=" + testAK + ",SignedHeaders=" + acs3SignedHeaders + ",Signature=" + wantSig
	if *authz != wantAuthz {
		t.Fatalf("SDK Authorization\n %s\nspec\n %s", *authz, wantAuthz)
	}
}

func TestACS3Verifier(t *testing.T) {
	authz := func(ak, secret, canonical string) string {
		return "ACS3-HMAC-SHA256 Credential=" + ak + ",SignedHeaders=" + acs3SignedHeaders + ",Signature=" + acs3SpecSignature(secret, canonical)
	}
	good := authz(testAK, testSK, acs3VectorCanonical(sha256Hex(vectorBody)))
	tampered := `{"triggerName":"t9"}`
	tests := []struct {
		name       string
		body       string
		headers    map[string]string
		now        time.Time
		wantStatus int
		wantCode   string
	}{
		{"valid", vectorBody, map[string]string{"Authorization": good}, vectorTime, http.StatusNotFound, codeFunctionNotFound},
		{"wrong secret", vectorBody, map[string]string{"Authorization": authz(testAK, "nope", acs3VectorCanonical(sha256Hex(vectorBody)))}, vectorTime, http.StatusForbidden, codeSignatureNotMatch},
		{"unknown key", vectorBody, map[string]string{"Authorization": authz("LTAIunknown", testSK, acs3VectorCanonical(sha256Hex(vectorBody)))}, vectorTime, http.StatusForbidden, codeInvalidAccessKeyID},
		{"stale x-acs-date", vectorBody, map[string]string{"Authorization": good}, vectorTime.Add(20 * time.Minute), http.StatusForbidden, codeRequestTimeTooSkewed},
		{"tampered body", tampered, map[string]string{"Authorization": good}, vectorTime, http.StatusBadRequest, codeInvalidArgument},
		{"tampered body with matching hash", tampered, map[string]string{"Authorization": good, "x-acs-content-sha256": sha256Hex(tampered)}, vectorTime, http.StatusForbidden, codeSignatureNotMatch},
		{"unsigned host", vectorBody, map[string]string{"Authorization": "ACS3-HMAC-SHA256 Credential=" + testAK + ",SignedHeaders=x-acs-date,Signature=00"}, vectorTime, http.StatusForbidden, codeSignatureNotMatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := tc.now
			s, err := New(Options{Credentials: map[string]string{testAK: testSK}, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, acs3VectorRequest(tc.body, tc.headers))
			var body struct{ Code, Message string }
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", w.Body.String(), err)
			}
			if w.Code != tc.wantStatus || body.Code != tc.wantCode {
				t.Fatalf("got %d %s (%s), want %d %s", w.Code, body.Code, body.Message, tc.wantStatus, tc.wantCode)
			}
		})
	}
}
