package emulator

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// OSS request signatures, as the OSS SDK v2 (oss/signer) computes them:
//
//   - V4, the SDK's default: "OSS4-HMAC-SHA256 Credential=AK/<yyyymmdd>/
//     <region>/oss/aliyun_v4_request[,AdditionalHeaders=h1;h2],Signature=hex"
//     over a canonical request of method, URI-encoded "/bucket/key", the
//     query sorted by its encoded keys, the x-oss-*, Content-Type and
//     Content-MD5 headers plus the additional ones, the additional header
//     names, and the payload hash (x-oss-content-sha256, normally
//     UNSIGNED-PAYLOAD); dated by x-oss-date.
//   - V1: "OSS AK:base64(HMAC-SHA1(secret, StringToSign))" over method,
//     Content-MD5, Content-Type, Date, the x-oss-* headers and
//     "/bucket/key" with OSS's sub-resources; dated by Date.
//   - The presigned (query string) forms of both: x-oss-signature-version,
//     x-oss-credential, x-oss-date, x-oss-expires and x-oss-signature for
//     V4; OSSAccessKeyId, Expires and Signature for V1.
//
// The date must be within MaxDateSkew of the server's clock (a presigned URL
// instead must not have expired). The body is not part of a V4 signature
// unless x-oss-content-sha256 carries a digest, which is then checked
// against the body as it is stored; V1 binds a body only through a
// Content-MD5, checked likewise. An STS token (x-oss-security-token) is
// covered by the signature like any x-oss-* header but not validated: the
// emulator has no STS.

const (
	ossV4Algorithm     = "OSS4-HMAC-SHA256"
	ossV4Terminator    = "aliyun_v4_request"
	ossV4Product       = "oss"
	ossUnsignedPayload = "UNSIGNED-PAYLOAD"
	ossV4DateFormat    = "20060102T150405Z"
	ossV4MaxExpires    = 7 * 24 * time.Hour

	ossSignatureMismatch = "The request signature we calculated does not match the signature you provided. Check your key and signing method."
)

// ossV1SignedParams are the query parameters a V1 signature covers besides
// x-oss-*: OSS's sub-resources and response overrides, the list the SDK
// signs (oss/signer/v1.go).
var ossV1SignedParams = map[string]bool{
	"acl": true, "bucketInfo": true, "location": true, "stat": true, "delete": true, "append": true,
	"tagging": true, "objectMeta": true, "uploads": true, "uploadId": true, "partNumber": true,
	"security-token": true, "position": true, "response-content-type": true,
	"response-content-language": true, "response-expires": true, "response-cache-control": true,
	"response-content-disposition": true, "response-content-encoding": true, "restore": true,
	"callback": true, "callback-var": true, "versions": true, "versioning": true, "versionId": true,
	"sequential": true, "continuation-token": true, "regionList": true, "cloudboxes": true, "symlink": true,
}

// ossAuth is an authenticated request.
type ossAuth struct {
	akID string
	// payloadSHA256 is the body digest a V4 signature committed to, or ""
	// when the payload is unsigned.
	payloadSHA256 string
}

// ossAuthenticate verifies a request's signature for bucket/key.
func (s *Server) ossAuthenticate(r *http.Request, bucket, key string, now time.Time) (*ossAuth, *ossAPIError) {
	authz := r.Header.Get("Authorization")
	q := r.URL.Query()
	switch {
	case strings.HasPrefix(authz, ossV4Algorithm+" "):
		return s.ossVerifyV4(r, bucket, key, now, strings.TrimPrefix(authz, ossV4Algorithm+" "), false)
	case strings.HasPrefix(authz, "OSS "):
		return s.ossVerifyV1(r, bucket, key, now, strings.TrimPrefix(authz, "OSS "), false)
	case authz != "":
		// OSS's code for an unknown scheme is not documented; InvalidArgument is inferred.
		return nil, ossInvalidArgument("Authorization header is invalid: want %q or \"OSS AccessKeyId:Signature\".", ossV4Algorithm)
	case q.Has("x-oss-signature-version"):
		return s.ossVerifyV4(r, bucket, key, now, "", true)
	case q.Has("OSSAccessKeyId") || q.Has("Signature"):
		return s.ossVerifyV1(r, bucket, key, now, "", true)
	default:
		// Buckets are private: an anonymous request has no right to anything.
		return nil, ossErrorf(http.StatusForbidden, "AccessDenied", "You have no right to access this object because of bucket acl.")
	}
}

func (s *Server) ossSecret(akID string) (string, *ossAPIError) {
	secret, ok := s.opts.Credentials[akID]
	if !ok {
		e := ossErrorf(http.StatusForbidden, "InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.")
		e.OSSAccessKeyID = akID
		return "", e
	}
	return secret, nil
}

func (s *Server) ossCheckSkew(t, now time.Time) *ossAPIError {
	d := now.Sub(t)
	if d < 0 {
		d = -d
	}
	if d > s.opts.MaxDateSkew {
		e := ossErrorf(http.StatusForbidden, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
		e.RequestTime = t.UTC().Format(ossTimeFormat)
		e.ServerTime = now.UTC().Format(ossTimeFormat)
		return e
	}
	return nil
}

func ossExpired(expires, now time.Time) *ossAPIError {
	e := ossErrorf(http.StatusForbidden, "AccessDenied", "Request has expired.")
	e.Expires = expires.UTC().Format(ossTimeFormat)
	e.ServerTime = now.UTC().Format(ossTimeFormat)
	return e
}

func ossSignatureMismatchError(akID, provided, stringToSign, canonical string) *ossAPIError {
	e := ossErrorf(http.StatusForbidden, "SignatureDoesNotMatch", "%s", ossSignatureMismatch)
	e.OSSAccessKeyID, e.SignatureProvided, e.StringToSign, e.CanonicalRequest = akID, provided, stringToSign, canonical
	return e
}

// ossV4Fields are the parts of a V4 signature, from the Authorization header
// or the query.
type ossV4Fields struct {
	akID, date, region, product string
	additional                  []string
	signature                   string
	datetime                    string
}

func parseOSSCredential(cred string, f *ossV4Fields) *ossAPIError {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[0] == "" || parts[4] != ossV4Terminator {
		return ossInvalidArgument("Invalid credential in Authorization header: want AccessKeyId/yyyymmdd/region/oss/%s.", ossV4Terminator)
	}
	f.akID, f.date, f.region, f.product = parts[0], parts[1], parts[2], parts[3]
	return nil
}

func splitAdditional(v string) []string {
	if v == "" {
		return nil
	}
	var out []string
	for _, h := range strings.Split(v, ";") {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			out = append(out, h)
		}
	}
	return out
}

func (s *Server) ossVerifyV4(r *http.Request, bucket, key string, now time.Time, authz string, query bool) (*ossAuth, *ossAPIError) {
	var f ossV4Fields
	q := r.URL.Query()
	if query {
		if q.Get("x-oss-signature-version") != ossV4Algorithm {
			return nil, ossInvalidArgument("Unsupported x-oss-signature-version %q.", q.Get("x-oss-signature-version"))
		}
		if e := parseOSSCredential(q.Get("x-oss-credential"), &f); e != nil {
			return nil, e
		}
		f.additional = splitAdditional(q.Get("x-oss-additional-headers"))
		f.signature = q.Get("x-oss-signature")
		f.datetime = q.Get("x-oss-date")
	} else {
		for _, field := range strings.Split(authz, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(field), "=")
			switch k {
			case "Credential":
				if e := parseOSSCredential(v, &f); e != nil {
					return nil, e
				}
			case "AdditionalHeaders":
				f.additional = splitAdditional(v)
			case "Signature":
				f.signature = v
			}
		}
		if f.akID == "" || f.signature == "" {
			return nil, ossInvalidArgument("Authorization header is invalid: Credential and Signature are required.")
		}
		f.datetime = r.Header.Get("x-oss-date")
	}
	secret, e := s.ossSecret(f.akID)
	if e != nil {
		return nil, e
	}
	t, err := time.Parse(ossV4DateFormat, f.datetime)
	if err != nil {
		// A missing or malformed x-oss-date answered with AccessDenied is inferred.
		return nil, ossErrorf(http.StatusForbidden, "AccessDenied", "x-oss-date %q is missing or not in the form yyyymmddTHHMMSSZ.", f.datetime)
	}
	if query {
		secs, err := strconv.ParseInt(q.Get("x-oss-expires"), 10, 64)
		if err != nil || secs <= 0 || time.Duration(secs)*time.Second > ossV4MaxExpires {
			return nil, ossInvalidArgument("x-oss-expires must be a number of seconds from 1 to %d.", int64(ossV4MaxExpires/time.Second))
		}
		if exp := t.Add(time.Duration(secs) * time.Second); now.After(exp) {
			return nil, ossExpired(exp, now)
		}
	} else if e := s.ossCheckSkew(t, now); e != nil {
		return nil, e
	}
	// The messages for a scope not matching the request follow OSS's
	// "Invalid signing product in Authorization header."; the date and
	// region ones are inferred from it.
	switch {
	case f.date != t.UTC().Format("20060102"):
		return nil, ossInvalidArgument("Invalid signing date in Authorization header.")
	case f.region != s.opts.Region:
		return nil, ossInvalidArgument("Invalid signing region in Authorization header.")
	case f.product != ossV4Product:
		return nil, ossInvalidArgument("Invalid signing product in Authorization header.")
	}
	payload := ossUnsignedPayload
	auth := &ossAuth{akID: f.akID}
	if v := r.Header.Get("x-oss-content-sha256"); v != "" {
		payload = v
		if v != ossUnsignedPayload {
			if raw, err := hex.DecodeString(v); err != nil || len(raw) != sha256.Size {
				return nil, ossInvalidArgument("x-oss-content-sha256 must be %s or a hex SHA-256 digest.", ossUnsignedPayload)
			}
			auth.payloadSHA256 = strings.ToLower(v)
		}
	}
	canonical := ossV4CanonicalRequest(r, bucket, key, f.additional, payload, query)
	scope := f.date + "/" + f.region + "/" + f.product + "/" + ossV4Terminator
	sum := sha256.Sum256([]byte(canonical))
	stringToSign := ossV4Algorithm + "\n" + f.datetime + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	want := ossV4Signature(secret, f.date, f.region, f.product, stringToSign)
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(f.signature))) {
		return nil, ossSignatureMismatchError(f.akID, f.signature, stringToSign, canonical)
	}
	return auth, nil
}

// ossV4CanonicalRequest builds the V4 canonical request from the request as
// received. The query is taken raw, as the signer took it from the URL it
// built, with "+" read as "%20"; a presigned URL's own signature is left
// out, as it was added after signing.
func ossV4CanonicalRequest(r *http.Request, bucket, key string, additional []string, payload string, query bool) string {
	uri := "/"
	if bucket != "" {
		uri += bucket + "/"
	}
	uri += key

	raw := strings.ReplaceAll(r.URL.RawQuery, "+", "%20")
	values := map[string]string{}
	var params []string
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if query && k == "x-oss-signature" {
			continue
		}
		values[k] = v
		params = append(params, k)
	}
	sort.Strings(params)
	var cq strings.Builder
	for _, k := range params {
		if cq.Len() > 0 {
			cq.WriteByte('&')
		}
		cq.WriteString(k)
		if values[k] != "" {
			cq.WriteString("=" + values[k])
		}
	}

	extra := map[string]bool{}
	for _, h := range additional {
		extra[h] = true
	}
	var names []string
	header := r.Header.Clone()
	if extra["host"] {
		header.Set("Host", r.Host)
	}
	for k := range header {
		low := strings.ToLower(k)
		if strings.HasPrefix(low, "x-oss-") || low == "content-type" || low == "content-md5" || extra[low] {
			names = append(names, low)
		}
	}
	sort.Strings(names)
	var ch strings.Builder
	for _, k := range names {
		vals := header.Values(k)
		trimmed := make([]string, len(vals))
		for i, v := range vals {
			trimmed[i] = strings.TrimSpace(v)
		}
		ch.WriteString(k + ":" + strings.Join(trimmed, ",") + "\n")
	}
	return r.Method + "\n" + ossURIEncode(uri) + "\n" + cq.String() + "\n" + ch.String() + "\n" +
		strings.Join(additional, ";") + "\n" + payload
}

// ossURIEncode percent-encodes all but RFC 3986 unreserved characters and '/'.
func ossURIEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' || c == '/' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// ossV4Signature derives the signing key from the secret through date,
// region, product and the terminator, then signs.
func ossV4Signature(secret, date, region, product, stringToSign string) string {
	mac := func(key []byte, data string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(data))
		return h.Sum(nil)
	}
	k := mac([]byte("aliyun_v4"+secret), date)
	k = mac(k, region)
	k = mac(k, product)
	k = mac(k, ossV4Terminator)
	return hex.EncodeToString(mac(k, stringToSign))
}

func (s *Server) ossVerifyV1(r *http.Request, bucket, key string, now time.Time, cred string, query bool) (*ossAuth, *ossAPIError) {
	q := r.URL.Query()
	var akID, sig, date string
	if query {
		akID, sig, date = q.Get("OSSAccessKeyId"), q.Get("Signature"), q.Get("Expires")
		if akID == "" || sig == "" || date == "" {
			return nil, ossErrorf(http.StatusForbidden, "AccessDenied", "Query-string authentication requires the Signature, Expires and OSSAccessKeyId parameters.")
		}
	} else {
		var ok bool
		akID, sig, ok = strings.Cut(cred, ":")
		if !ok || akID == "" || sig == "" {
			return nil, ossInvalidArgument("Authorization header is invalid: want \"OSS AccessKeyId:Signature\".")
		}
		date = r.Header.Get("Date")
	}
	secret, e := s.ossSecret(akID)
	if e != nil {
		return nil, e
	}
	if query {
		secs, err := strconv.ParseInt(date, 10, 64)
		if err != nil {
			return nil, ossInvalidArgument("Expires %q is not a Unix time.", date)
		}
		if exp := time.Unix(secs, 0); now.After(exp) {
			return nil, ossExpired(exp, now)
		}
	} else {
		t, err := http.ParseTime(date)
		if err != nil {
			// A missing or malformed Date answered with AccessDenied is inferred.
			return nil, ossErrorf(http.StatusForbidden, "AccessDenied", "Date header %q is missing or not an HTTP date.", date)
		}
		if e := s.ossCheckSkew(t, now); e != nil {
			return nil, e
		}
	}
	stringToSign := ossV1StringToSign(r, bucket, key, date, q)
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(stringToSign))
	if !hmac.Equal([]byte(base64.StdEncoding.EncodeToString(m.Sum(nil))), []byte(sig)) {
		return nil, ossSignatureMismatchError(akID, sig, stringToSign, "")
	}
	return &ossAuth{akID: akID}, nil
}

// ossV1StringToSign builds the V1 string to sign from the request as
// received; keys and values are decoded, as the signer used them.
func ossV1StringToSign(r *http.Request, bucket, key, date string, q url.Values) string {
	var names []string
	for k := range r.Header {
		if low := strings.ToLower(k); strings.HasPrefix(low, "x-oss-") {
			names = append(names, low)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(r.Method + "\n" + r.Header.Get("Content-MD5") + "\n" + r.Header.Get("Content-Type") + "\n" + date + "\n")
	for _, k := range names {
		vals := r.Header.Values(k)
		trimmed := make([]string, len(vals))
		for i, v := range vals {
			trimmed[i] = strings.TrimSpace(v)
		}
		b.WriteString(k + ":" + strings.Join(trimmed, ",") + "\n")
	}
	b.WriteString("/")
	if bucket != "" {
		b.WriteString(bucket + "/")
	}
	b.WriteString(key)
	var params []string
	for k := range q {
		if ossV1SignedParams[k] || strings.HasPrefix(k, "x-oss-") {
			params = append(params, k)
		}
	}
	sort.Strings(params)
	for i, k := range params {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(k)
		if v := q.Get(k); v != "" {
			b.WriteString("=" + v)
		}
	}
	return b.String()
}
