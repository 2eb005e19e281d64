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

// Authentication runs in steps around reading the body, so that a request
// without a valid signature never makes the server read, let alone buffer,
// its body: checkAuthHeaders looks at the headers (scheme, known
// AccessKeyId, date and its skew, the headers the signature must cover);
// verifySignature then checks the signature itself, which covers the
// body's digest as declared in a header (Content-MD5 for ROA,
// x-acs-content-sha256 for ACS3) rather than the body; once the bounded
// body is read, verifyBody checks it against that digest, and spendNonce
// refuses a replay.
//
// Two schemes are accepted: ROA v1 ("acs AK:sig", alibaba-cloud-sdk-go,
// and the Tea SDKs for ROA-style APIs) and ACS3-HMAC-SHA256 (the Tea SDKs).
// An STS token (x-acs-security-token) is accepted as part of the signed
// headers; the emulator has no STS, so it does not validate the token
// itself.

// authHeaders is what checkAuthHeaders established about a request.
type authHeaders struct {
	acs3   bool
	akID   string
	secret string
	roaSig string            // ROA v1 signature
	v3     acs3Authorization // ACS3 Authorization fields
	date   time.Time
	nonce  string // x-acs-signature-nonce: required by ACS3, optional in ROA
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

// verifySignature checks the signature before the body is read: both
// schemes sign the body's declared digest, not the body.
func (s *Server) verifySignature(r *http.Request, h *authHeaders) *apiError {
	if h.acs3 {
		return s.verifyACS3(r, h)
	}
	return s.verifyROA(r, h)
}

// verifyBody checks the body against the digest the signature covers.
func (s *Server) verifyBody(r *http.Request, body []byte, h *authHeaders) *apiError {
	if h.acs3 {
		sum := sha256.Sum256(body)
		if declared := r.Header.Get("x-acs-content-sha256"); !strings.EqualFold(declared, hex.EncodeToString(sum[:])) {
			return invalidArgument("x-acs-content-sha256 %q does not match the request body", declared)
		}
		return nil
	}
	// Content-MD5 ties the body to the signature; without it a signed request
	// could carry any body. The SDK always sends it, also for empty bodies.
	md := r.Header.Get("Content-MD5")
	if md == "" {
		if len(body) > 0 {
			return errorf(http.StatusBadRequest, codeMissingRequiredHeader, "required HTTP header Content-MD5 was not specified")
		}
		return nil
	}
	sum := md5.Sum(body)
	if md != base64.StdEncoding.EncodeToString(sum[:]) {
		return invalidArgument("Content-MD5 %q does not match the request body", md)
	}
	return nil
}

// spendNonce refuses a replay of an authentic request, once its body is
// verified: only a verified request may spend a nonce, so that forged
// requests cannot fill the cache or burn nonces a client is about to use.
// A nonce is remembered until its request's date leaves the skew window;
// after that the date check alone refuses a replay.
//
// ACS3 requests always carry x-acs-signature-nonce. ROA requests signed by
// the Tea SDKs carry one too, as fcgit's client does, and it is checked the
// same way: as an x-acs-* header it is covered by the ROA signature, so a
// replay cannot swap it. alibaba-cloud-sdk-go's own ROA requests carry
// none; they are accepted, as FC accepts them (inferred: FC documents no
// nonce for ROA), and only the date check bounds their replay. Telling a
// replay of such a request from the client's own retry of it within the
// same second is impossible: both are the same bytes.
func (s *Server) spendNonce(h *authHeaders) *apiError {
	if h.nonce == "" {
		return nil
	}
	switch s.nonces.use(h.akID+"\x00"+h.nonce, h.date.Add(s.opts.MaxDateSkew), s.opts.Now()) {
	case nonceReplayed:
		return errorf(http.StatusBadRequest, codeSignatureNonceUsed, "The request signature nonce has been used. (x-acs-signature-nonce %q)", h.nonce)
	case nonceCacheFull:
		return errorf(http.StatusTooManyRequests, codeResourceThrottled,
			"too many signed requests within the %s replay window; retry later", s.opts.MaxDateSkew)
	}
	return nil
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
	if r.Header.Get("Content-MD5") == "" && r.ContentLength > 0 {
		return nil, errorf(http.StatusBadRequest, codeMissingRequiredHeader, "required HTTP header Content-MD5 was not specified")
	}
	return &authHeaders{akID: akID, secret: secret, roaSig: sig, date: t, nonce: r.Header.Get("x-acs-signature-nonce")}, nil
}

func (s *Server) verifyROA(r *http.Request, h *authHeaders) *apiError {
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

func (s *Server) verifyACS3(r *http.Request, h *authHeaders) *apiError {
	canonical := acs3CanonicalRequest(acs3Request{
		Method:        r.Method,
		EscapedPath:   r.URL.EscapedPath(),
		Query:         r.URL.Query(),
		Header:        r.Header,
		Host:          r.Host,
		SignedHeaders: h.v3.SignedHeaders,
		PayloadHash:   strings.ToLower(r.Header.Get("x-acs-content-sha256")),
	})
	if !hmac.Equal([]byte(acs3Signature(h.secret, canonical)), []byte(strings.ToLower(h.v3.Signature))) {
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
