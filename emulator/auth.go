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

// authenticate checks the request's signature the way FC's gateway does and
// returns nil when it is valid. Two schemes are accepted: ROA v1 ("acs AK:sig",
// alibaba-cloud-sdk-go) and ACS3-HMAC-SHA256 (the Tea SDKs). An STS token
// (x-acs-security-token) is accepted as part of the signed headers; the
// emulator has no STS, so it does not validate the token itself.
func (s *Server) authenticate(r *http.Request, body []byte) *apiError {
	authz := r.Header.Get("Authorization")
	switch {
	case authz == "":
		return errorf(http.StatusBadRequest, codeMissingRequiredHeader, "required HTTP header Authorization was not specified")
	case strings.HasPrefix(authz, "acs "):
		return s.authenticateROA(r, body, strings.TrimPrefix(authz, "acs "))
	case strings.HasPrefix(authz, acs3Algorithm+" "):
		return s.authenticateACS3(r, body, authz)
	default:
		return errorf(http.StatusForbidden, codeAccessDenied, "unsupported Authorization scheme; use 'acs' (ROA) or %s", acs3Algorithm)
	}
}

func (s *Server) authenticateROA(r *http.Request, body []byte, cred string) *apiError {
	akID, sig, ok := strings.Cut(cred, ":")
	if !ok || akID == "" || sig == "" {
		return errorf(http.StatusForbidden, codeAccessDenied, "malformed Authorization header: want 'acs <AccessKeyId>:<Signature>'")
	}
	secret, known := s.opts.Credentials[akID]
	if !known {
		return errorf(http.StatusForbidden, codeInvalidAccessKeyID, "invalid access key ID '%s'", akID)
	}
	date := r.Header.Get("Date")
	if date == "" {
		return errorf(http.StatusBadRequest, codeMissingRequiredHeader, "required HTTP header Date was not specified")
	}
	t, err := http.ParseTime(date)
	if err != nil {
		return invalidArgument("invalid Date header %q: %v", date, err)
	}
	if e := s.checkSkew(t); e != nil {
		return e
	}
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
			if hmac.Equal([]byte(roaSignature(secret, sts)), []byte(sig)) {
				return nil
			}
			if lastStringToSign == "" {
				lastStringToSign = sts
			}
		}
	}
	return errorf(http.StatusForbidden, codeSignatureNotMatch, "%s; server string to sign: %q", signatureMismatchMessage, lastStringToSign)
}

func (s *Server) authenticateACS3(r *http.Request, body []byte, authz string) *apiError {
	a, err := parseACS3Authorization(authz)
	if err != nil {
		return errorf(http.StatusForbidden, codeAccessDenied, "malformed Authorization header: %v", err)
	}
	secret, known := s.opts.Credentials[a.AccessKeyID]
	if !known {
		return errorf(http.StatusForbidden, codeInvalidAccessKeyID, "invalid access key ID '%s'", a.AccessKeyID)
	}
	date := r.Header.Get("x-acs-date")
	if date == "" {
		return errorf(http.StatusBadRequest, codeMissingRequiredHeader, "required HTTP header x-acs-date was not specified")
	}
	t, err := time.Parse(fcTimeFormat, date)
	if err != nil {
		return invalidArgument("invalid x-acs-date %q: want yyyy-MM-ddTHH:mm:ssZ", date)
	}
	if e := s.checkSkew(t); e != nil {
		return e
	}
	declared := r.Header.Get("x-acs-content-sha256")
	if declared == "" {
		return errorf(http.StatusBadRequest, codeMissingRequiredHeader, "required HTTP header x-acs-content-sha256 was not specified")
	}
	sum := sha256.Sum256(body)
	actual := hex.EncodeToString(sum[:])
	if !strings.EqualFold(declared, actual) {
		return invalidArgument("x-acs-content-sha256 %q does not match the request body", declared)
	}
	// The headers that bind the signature to this host, time and body must be
	// signed, or a signature could be replayed with other values.
	for _, must := range []string{"host", "x-acs-date", "x-acs-content-sha256"} {
		if !containsFold(a.SignedHeaders, must) {
			return errorf(http.StatusForbidden, codeSignatureNotMatch, "%s; SignedHeaders must include %s", signatureMismatchMessage, must)
		}
	}
	canonical := acs3CanonicalRequest(acs3Request{
		Method:        r.Method,
		EscapedPath:   r.URL.EscapedPath(),
		Query:         r.URL.Query(),
		Header:        r.Header,
		Host:          r.Host,
		SignedHeaders: a.SignedHeaders,
		PayloadHash:   actual,
	})
	if !hmac.Equal([]byte(acs3Signature(secret, canonical)), []byte(strings.ToLower(a.Signature))) {
		return errorf(http.StatusForbidden, codeSignatureNotMatch, "%s; server canonical request: %q", signatureMismatchMessage, canonical)
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
