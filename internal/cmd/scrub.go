package cmd

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// scrubber keeps secret values out of everything fcgit prints: push and
// fetch hand it every secret value they handle, the FC client the access key
// secret and STS token it signs with, and stdout and stderr are written
// through it. FC's error messages may quote what was sent, and a stack trace
// may show anything; neither must show a secret.
//
// An endpoint that echoes a request quotes values the way the request
// carried them, not as they are: inside a JSON body, a URL, a header, an HTML
// error page. So each value is registered with the encodings a request or an
// echo of it puts on it (encodings), and each of them is replaced.
type scrubber struct {
	mu sync.Mutex
	// byPrefix holds the values to replace under their first minScrubbed
	// bytes, longest first: output is scanned once, looking values up by
	// the bytes at each position, however many there are (every secret
	// of every function, each in tens of encodings).
	byPrefix map[string][]string
	known    map[string]bool
}

// minScrubbed is the shortest value scrubbed: replacing every "a" would make
// output unreadable, and a secret that short is not one.
const minScrubbed = 4

const scrubbedText = "[secret]"

func (s *scrubber) add(v string) {
	if len(v) < minScrubbed {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.known == nil {
		s.known, s.byPrefix = map[string]bool{}, map[string][]string{}
	}
	if s.known[v] {
		return
	}
	for _, e := range encodings(v) {
		if len(e) < minScrubbed || s.known[e] {
			continue
		}
		s.known[e] = true
		k := e[:minScrubbed]
		list := append(s.byPrefix[k], e)
		sort.SliceStable(list, func(i, j int) bool { return len(list[i]) > len(list[j]) })
		s.byPrefix[k] = list
	}
}

// encodings returns v and the forms it takes when carried in a request or
// echoed back: JSON string escaping (Go's, which escapes <, > and & too;
// without that; ASCII-only as Python and others write it; with "\/"), URL
// query and path encoding (either hex case), base64 (standard and URL
// alphabets, padded or not, and inside a longer base64 text) and HTML
// escaping; and each of those applied over a JSON form, since an echo quotes
// a request body (JSON) inside its own JSON, URL or HTML.
func encodings(v string) []string {
	inner := []string{v, jsonString(v, true), jsonString(v, false), jsonASCII(v)}
	outer := outerEncodings()
	var out []string
	for _, in := range inner {
		out = append(out, in)
		for _, enc := range outer {
			out = append(out, enc(in))
		}
		out = append(out, base64Forms(in)...)
	}
	return out
}

// outerEncodings are the encodings an echo may put on a value or on the
// JSON text holding it (base64 apart: base64Forms).
func outerEncodings() []func(string) string {
	return []func(string) string{
		func(s string) string { return jsonString(s, true) },
		func(s string) string { return jsonString(s, false) },
		jsonASCII,
		func(s string) string { return strings.ReplaceAll(jsonString(s, false), "/", `\/`) },
		url.QueryEscape,
		func(s string) string { return lowerHexEscapes(url.QueryEscape(s)) },
		url.PathEscape,
		func(s string) string { return lowerHexEscapes(url.PathEscape(s)) },
		func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") },
		html.EscapeString,
		strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;").Replace,
		strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace,
	}
}

// minBase64Core is the shortest run of base64 characters taken as a
// secret's trace inside a longer base64 text: 6 bytes of it.
const minBase64Core = 8

// base64Forms returns s in base64, whole (padded or not, standard and URL
// alphabets) and as it appears inside the base64 of a longer text (a whole
// request body): there s may start at any of three offsets of a 3-byte
// group, and only the characters of groups holding s's bytes alone are
// fixed. Those runs are returned for each offset.
func base64Forms(s string) []string {
	var out []string
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		out = append(out, enc.EncodeToString([]byte(s)))
	}
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		for offset := range 3 {
			data := append(make([]byte, offset), s...)
			text := enc.EncodeToString(data)
			start := 0
			if offset > 0 {
				start = 4 // the first group mixes in bytes before s
			}
			end := len(data) / 3 * 4 // a last partial group mixes in bytes after s
			if end-start >= minBase64Core {
				out = append(out, text[start:end])
			}
		}
	}
	return out
}

// jsonString is v as the inside of a JSON string, as encoding/json writes
// it, with or without its HTML escapes.
func jsonString(v string, escapeHTML bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	_ = enc.Encode(v) // a string always encodes
	s := strings.TrimSuffix(b.String(), "\n")
	return s[1 : len(s)-1]
}

// jsonASCII is v as the inside of a JSON string that holds ASCII only
// (Python's json.dumps, Java's and PHP's defaults): other characters as
// \u escapes, surrogate pairs beyond the BMP, lower-case hex.
func jsonASCII(v string) string {
	var b strings.Builder
	for _, r := range v {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0x10000):
			fmt.Fprintf(&b, `\u%04x`, r)
		case r >= 0x10000:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// lowerHexEscapes rewrites percent-escapes with lower-case hex digits, as
// some clients and servers write them.
func lowerHexEscapes(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1] = toLowerHex(b[i+1])
			b[i+2] = toLowerHex(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func toLowerHex(c byte) byte {
	if c >= 'A' && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}

// scrub replaces, scanning p once from the left, the longest value found
// at each position.
func (s *scrubber) scrub(p []byte) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.byPrefix) == 0 || len(p) < minScrubbed {
		return p
	}
	text := string(p)
	var out []byte // nil until the first replacement
	copied := 0    // text[:copied] is in out
	for i := 0; i+minScrubbed <= len(text); {
		found := ""
		for _, v := range s.byPrefix[text[i:i+minScrubbed]] {
			if strings.HasPrefix(text[i:], v) {
				found = v
				break
			}
		}
		if found == "" {
			i++
			continue
		}
		out = append(append(out, text[copied:i]...), scrubbedText...)
		i += len(found)
		copied = i
	}
	if out == nil {
		return p
	}
	return append(out, text[copied:]...)
}

// scrubWriter writes through a scrubber.
type scrubWriter struct {
	w io.Writer
	s *scrubber
}

func (w scrubWriter) Write(p []byte) (int, error) {
	if _, err := w.w.Write(w.s.scrub(p)); err != nil {
		return 0, err
	}
	// The caller's bytes were all consumed, whatever was written instead.
	return len(p), nil
}
