package emulator

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
)

// roaRequest is what the ROA v1 ("acs") signature covers, as the server sees
// the request: method, headers, the path and the decoded query.
type roaRequest struct {
	Method string
	Header map[string][]string // canonical or lower-case names; values as sent
	Path   string              // path exactly as signed (see roaPathCandidates)
	Query  url.Values          // decoded
}

// roaStringToSign builds the string alibaba-cloud-sdk-go signs
// (sdk/auth/roa_signature_composer.go, buildRoaStringToSign):
//
//	METHOD\n
//	Accept\n Content-MD5\n Content-Type\n Date\n   (each only when present and non-empty)
//	x-acs-name:value\n …                          (lower-cased, sorted by name)
//	path[?k=v&k2&…]                                (keys sorted, raw values, no "=" for empty)
//
// withEmptyLines selects the Tea SDK variant (openapi-util getStringToSign),
// which writes the four header lines even when a header is empty.
func roaStringToSign(r roaRequest, withEmptyLines bool) string {
	get := func(name string) string {
		for k, vs := range r.Header {
			if strings.EqualFold(k, name) && len(vs) > 0 {
				return vs[0]
			}
		}
		return ""
	}
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteString("\n")
	for _, h := range []string{"Accept", "Content-MD5", "Content-Type", "Date"} {
		v := get(h)
		if v != "" || withEmptyLines {
			b.WriteString(v)
			b.WriteString("\n")
		}
	}
	acs := map[string]string{}
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-acs-") && len(vs) > 0 {
			acs[lk] = vs[0]
		}
	}
	names := make([]string, 0, len(acs))
	for k := range acs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		b.WriteString(k + ":" + acs[k] + "\n")
	}
	b.WriteString(r.Path)
	keys := make([]string, 0, len(r.Query))
	for k := range r.Query {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i == 0 {
			b.WriteString("?")
		} else {
			b.WriteString("&")
		}
		b.WriteString(k)
		if v := firstValue(r.Query[k]); v != "" {
			b.WriteString("=" + v)
		}
	}
	return b.String()
}

func firstValue(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// roaSignature is base64(HMAC-SHA1(secret, stringToSign)).
func roaSignature(secret, stringToSign string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// roaPathCandidates lists the path forms a ROA client may have signed.
// alibaba-cloud-sdk-go substitutes path parameters verbatim into the signed
// path and the URL alike, so a client that percent-encodes a name signs the
// escaped form, while one that does not signs the decoded form (and Go's HTTP
// client escapes it on the wire). Both are the same request.
func roaPathCandidates(u *url.URL) []string {
	escaped := u.EscapedPath()
	if escaped == u.Path {
		return []string{escaped}
	}
	return []string{escaped, u.Path}
}
