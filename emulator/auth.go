package emulator

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

const signatureMismatchMessage = "The request signature we calculated does not match the signature you provided. Check your access key and signing method"

// Authentication runs in two steps around reading the body, so that a
// request without a plausible signature never makes the server buffer its
// body: checkAuthHeaders looks only at headers (scheme, known AccessKeyId,
// date and its skew, the headers the signature must cover), then, once the
// bounded body is read, verifySignature checks the body digest, the
// signature itself and, for ACS3, that the nonce is fresh.
//
// Two schemes are accepted: ROA v1 ("acs AK:sig", alibaba-cloud-sdk-go) and
// ACS3-HMAC-SHA256 (the Tea SDKs). An STS token (x-acs-security-token) is
// accepted as part of the signed headers; the emulator has no STS, so it
// does not validate the token itself.

// authHeaders is what checkAuthHeaders established about a request.
type authHeaders struct {
	acs3   bool
	akID   string
	secret string
	roaSig string            // ROA v1 signature
	v3     acs3Authorization // ACS3 Authorization fields
	date   time.Time
	nonce  string // ACS3 x-acs-signature-nonce
}

// checkAuthHeaders validates the signature headers that can be checked
// without the body.
func (s *Server) checkAuthHeaders(r *http.Request) (*authHeaders, *apiError) {
	authz := r.Header.Get("Authorization")
	switch {
	case authz == "":
		return nil, errorf(http.StatusBadRequest, codeMissingRequiredHeader, "required HTTP header Authorization was not specified")
	case strings.HasPrefix(authz, "acs "):
		return s.checkROAHeaders(r, strings.TrimPrefix(authz, "acs "))
	case strings.HasPrefix(authz, acs3Algorithm+" "):
		return s.checkACS3Headers(r, authz)
	default:
		return nil, errorf(http.StatusForbidden, codeAccessDenied, "unsupported Authorization scheme; use 'acs' (ROA) or %s", acs3Algorithm)
	}
}

// verifySignature completes authentication once the body is read.
func (s *Server) verifySignature(r *http.Request, body []byte, h *authHeaders) *apiError {
	if h.acs3 {
		return s.verifyACS3(r, body, h)
	}
	return s.verifyROA(r, body, h)
}

func (s *Server) checkROAHeaders(r *http.Request, cred string) (*authHeaders, *apiError) {
	akID, sig, ok := strings.Cut(cred, ":")
	if !ok || akID == "" || sig == "" {
		return nil, errorf(http.StatusForbidden, codeAccessDenied, "malformed Authorization header: want 'acs <AccessKeyId>:<Signature>'")
	}
	secret, known := s.opts.Credentials[akID]
	if !known {
		return nil, errorf(http.StatusForbidden, codeInvalidAccessKeyID, "invalid access key ID '%s'", akID)
	}
	date := r.Header.Get("Date")
	if date == "" {
		return nil, errorf(http.StatusBadRequest, codeMissingRequiredHeader, "required HTTP header Date was not specified")
	}
	t, err := http.ParseTime(date)
	if err != nil {
		return nil, invalidArgument("invalid Date header %q: %v", date, err)
	}
	if e := s.checkSkew(t); e != nil {
		return nil, e
	}
	return &authHeaders{akID: akID, secret: secret, roaSig: sig, date: t}, nil
}

func (s *Server) verifyROA(r *http.Request, body []byte, h *authHeaders) *apiError {
	// Content-MD5 ties the body to the signature; without it a signed request
	// could carry any body. The SDK always sends it, also for empty bodies.
	md := r.Header.Get("Content-MD5")
	if md == "" && len(body) > 0 {
		return errorf(http.StatusBadRequest, codeMissingRequiredHeader, "required HTTP header Content-MD5 was not specified")
	}
	if md != "" {
		sum := md5.Sum(body)
		if md != base64.StdEncoding.EncodeToString(sum[:]) {
			return invalidArgument("Content-MD5 %q does not match the request body", md)
		}
	}
	var lastStringToSign string
	for _, path := range roaPathCandidates(r.URL) {
		for _, emptyLines := range []bool{false, true} {
			sts := roaStringToSign(roaRequest{Method: r.Method, Header: r.Header, Path: path, Query: r.URL.Query()}, emptyLines)
			if hmac.Equal([]byte(roaSignature(h.secret, sts)), []byte(h.roaSig)) {
				return nil
			}
			if lastStringToSign == "" {
				lastStringToSign = sts
			}
		}
	}
	return errorf(http.StatusForbidden, codeSignatureNotMatch, "%s; server string to sign: %q", signatureMismatchMessage, lastStringToSign)
}

// acs3MustSign are the headers an ACS3 signature must cover: they bind it
// to this host, time, body and nonce, or a captured signature could be
// replayed with other values (a fresh nonce defeating replay detection).
var acs3MustSign = []string{"host", "x-acs-date", "x-acs-content-sha256", "x-acs-signature-nonce"}

func (s *Server) checkACS3Headers(r *http.Request, authz string) (*authHeaders, *apiError) {
	a, err := parseACS3Authorization(authz)
	if err != nil {
		return nil, errorf(http.StatusForbidden, codeAccessDenied, "malformed Authorization header: %v", err)
	}
	secret, known := s.opts.Credentials[a.AccessKeyID]
	if !known {
		return nil, errorf(http.StatusForbidden, codeInvalidAccessKeyID, "invalid access key ID '%s'", a.AccessKeyID)
	}
	date := r.Header.Get("x-acs-date")
	if date == "" {
		return nil, errorf(http.StatusBadRequest, codeMissingRequiredHeader, "required HTTP header x-acs-date was not specified")
	}
	t, err := time.Parse(fcTimeFormat, date)
	if err != nil {
		return nil, invalidArgument("invalid x-acs-date %q: want yyyy-MM-ddTHH:mm:ssZ", date)
	}
	if e := s.checkSkew(t); e != nil {
		return nil, e
	}
	declared := r.Header.Get("x-acs-content-sha256")
	if declared == "" {
		return nil, errorf(http.StatusBadRequest, codeMissingRequiredHeader, "required HTTP header x-acs-content-sha256 was not specified")
	}
	if raw, err := hex.DecodeString(declared); err != nil || len(raw) != sha256.Size {
		return nil, invalidArgument("x-acs-content-sha256 %q is not a hex SHA-256 digest", declared)
	}
	// The V3 signature spec makes the nonce mandatory and the Tea SDKs always
	// send one; refusing its absence with MissingRequiredHeader is inferred.
	nonce := r.Header.Get("x-acs-signature-nonce")
	if nonce == "" {
		return nil, errorf(http.StatusBadRequest, codeMissingRequiredHeader, "required HTTP header x-acs-signature-nonce was not specified")
	}
	for _, must := range acs3MustSign {
		if !containsFold(a.SignedHeaders, must) {
			return nil, errorf(http.StatusForbidden, codeSignatureNotMatch, "%s; SignedHeaders must include %s", signatureMismatchMessage, must)
		}
	}
	return &authHeaders{acs3: true, akID: a.AccessKeyID, secret: secret, v3: a, date: t, nonce: nonce}, nil
}

func (s *Server) verifyACS3(r *http.Request, body []byte, h *authHeaders) *apiError {
	sum := sha256.Sum256(body)
	actual := hex.EncodeToString(sum[:])
	if declared := r.Header.Get("x-acs-content-sha256"); !strings.EqualFold(declared, actual) {
		return invalidArgument("x-acs-content-sha256 %q does not match the request body", declared)
	}
	canonical := acs3CanonicalRequest(acs3Request{
		Method:        r.Method,
		EscapedPath:   r.URL.EscapedPath(),
		Query:         r.URL.Query(),
		Header:        r.Header,
		Host:          r.Host,
		SignedHeaders: h.v3.SignedHeaders,
		PayloadHash:   actual,
	})
	if !hmac.Equal([]byte(acs3Signature(h.secret, canonical)), []byte(strings.ToLower(h.v3.Signature))) {
		return errorf(http.StatusForbidden, codeSignatureNotMatch, "%s; server canonical request: %q", signatureMismatchMessage, canonical)
	}
	// Only a verified request may spend a nonce, so that forged requests
	// cannot fill the cache or burn nonces a client is about to use. A nonce
	// is remembered until its request's date leaves the skew window; after
	// that the date check alone refuses a replay.
	switch s.nonces.use(h.akID+"\x00"+h.nonce, h.date.Add(s.opts.MaxDateSkew), s.opts.Now()) {
	case nonceReplayed:
		return errorf(http.StatusBadRequest, codeSignatureNonceUsed, "The request signature nonce has been used. (x-acs-signature-nonce %q)", h.nonce)
	case nonceCacheFull:
		return errorf(http.StatusTooManyRequests, codeResourceThrottled,
			"too many signed requests within the %s replay window; retry later", s.opts.MaxDateSkew)
	}
	return nil
}

// checkSkew refuses requests dated too far from the server's clock, which
// bounds how long a captured request can be replayed.
func (s *Server) checkSkew(t time.Time) *apiError {
	now := s.opts.Now()
	d := now.Sub(t)
	if d < 0 {
		d = -d
	}
	if d > s.opts.MaxDateSkew {
		return errorf(http.StatusForbidden, codeRequestTimeTooSkewed,
			"the difference between the request time '%s' and the current time '%s' is too large",
			t.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
