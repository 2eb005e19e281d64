package emulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

const acs3Algorithm = "ACS3-HMAC-SHA256"

// acs3Authorization is the parsed Authorization header of a V3 request:
// "ACS3-HMAC-SHA256 Credential=<AK>,SignedHeaders=<h1;h2>,Signature=<hex>".
type acs3Authorization struct {
	AccessKeyID   string
	SignedHeaders []string
	Signature     string
}

func parseACS3Authorization(h string) (acs3Authorization, error) {
	var a acs3Authorization
	rest, ok := strings.CutPrefix(h, acs3Algorithm+" ")
	if !ok {
		return a, fmt.Errorf("authorization does not start with %s", acs3Algorithm)
	}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, fmt.Errorf("malformed authorization element %q", part)
		}
		switch k {
		case "Credential":
			a.AccessKeyID = v
		case "SignedHeaders":
			if v != "" {
				a.SignedHeaders = strings.Split(v, ";")
			}
		case "Signature":
			a.Signature = v
		}
	}
	if a.AccessKeyID == "" || a.Signature == "" || len(a.SignedHeaders) == 0 {
		return a, fmt.Errorf("authorization lacks Credential, SignedHeaders or Signature")
	}
	return a, nil
}

// acs3Request is what the V3 signature covers, as the server sees it.
type acs3Request struct {
	Method        string
	EscapedPath   string              // path as sent on the wire
	Query         url.Values          // decoded
	Header        map[string][]string // any case
	Host          string              // the Host header (Go moves it out of Header)
	SignedHeaders []string            // lower-case names, in the order given
	PayloadHash   string              // hex SHA-256 of the body
}

// acs3Encode is the RFC 3986 encoding the V3 spec and the Tea SDK use:
// QueryEscape, then "+"→"%20", "*"→"%2A", "%7E"→"~".
func acs3Encode(s string) string {
	s = url.QueryEscape(s)
	s = strings.ReplaceAll(s, "+", "%20")
	s = strings.ReplaceAll(s, "*", "%2A")
	return strings.ReplaceAll(s, "%7E", "~")
}

// acs3CanonicalRequest builds the canonical request of Alibaba Cloud's V3
// signature (darabonba-openapi utils.GetAuthorization):
//
//	METHOD\nCanonicalURI\nCanonicalQuery\nCanonicalHeaders\nSignedHeaders\nHashedPayload
//
// CanonicalURI is the encoded path with the same three replacements as
// acs3Encode; CanonicalQuery is k=v pairs sorted by key with values encoded
// ("k=" for empty values); CanonicalHeaders is "name:trimmed values\n" for each
// signed header in sorted order, multiple values sorted and joined by ",".
func acs3CanonicalRequest(r acs3Request) string {
	uri := r.EscapedPath
	if uri == "" {
		uri = "/"
	}
	uri = strings.ReplaceAll(uri, "+", "%20")
	uri = strings.ReplaceAll(uri, "*", "%2A")
	uri = strings.ReplaceAll(uri, "%7E", "~")

	keys := make([]string, 0, len(r.Query))
	for k := range r.Query {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	pairs := make([]string, 0, len(keys))
	for _, k := range keys {
		pairs = append(pairs, acs3Encode(k)+"="+acs3Encode(firstValue(r.Query[k])))
	}

	signed := make([]string, len(r.SignedHeaders))
	for i, h := range r.SignedHeaders {
		signed[i] = strings.ToLower(h)
	}
	sort.Strings(signed)
	var hb strings.Builder
	for _, name := range signed {
		var vals []string
		if name == "host" {
			vals = []string{strings.TrimSpace(r.Host)}
		} else {
			for k, vs := range r.Header {
				if strings.EqualFold(k, name) {
					for _, v := range vs {
						vals = append(vals, strings.TrimSpace(v))
					}
				}
			}
		}
		sort.Strings(vals)
		hb.WriteString(name + ":" + strings.Join(vals, ",") + "\n")
	}
	return strings.Join([]string{
		r.Method, uri, strings.Join(pairs, "&"), hb.String(), strings.Join(signed, ";"), r.PayloadHash,
	}, "\n")
}

// acs3Signature is hex(HMAC-SHA256(secret, "ACS3-HMAC-SHA256\n" + hex(SHA256(canonical)))).
func acs3Signature(secret, canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	stringToSign := acs3Algorithm + "\n" + hex.EncodeToString(sum[:])
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(stringToSign))
	return hex.EncodeToString(m.Sum(nil))
}
