package snapshot

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// isBareKey reports whether k can be written without quotes in TOML.
func isBareKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// quoteKey writes a key bare when TOML allows it, else as a basic string.
func quoteKey(k string) string {
	if isBareKey(k) {
		return k
	}
	s, err := quoteString(k)
	if err != nil {
		// Keys come from JSON documents or TOML files, both valid UTF-8;
		// keep the output parseable anyway.
		s, _ = quoteString(strings.ToValidUTF8(k, "\uFFFD"))
	}
	return s
}

// dottedKey joins a table path for a [header].
func dottedKey(path []string) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = quoteKey(p)
	}
	return strings.Join(parts, ".")
}

// quoteString renders s as a TOML basic string. Newlines and other control
// characters are escaped so every value stays on one line (one key, one
// line group in diffs and merges); other Unicode is written as is.
func quoteString(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", errors.New("string is not valid UTF-8")
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String(), nil
}

// QuoteTOML renders s as a TOML basic string on one line, as function.toml
// writes strings, for other files fcgit writes (fcgit.toml). Bytes that are
// not UTF-8 become U+FFFD: TOML text cannot hold them.
func QuoteTOML(s string) string {
	q, _ := quoteString(strings.ToValidUTF8(s, "\uFFFD"))
	return q
}
