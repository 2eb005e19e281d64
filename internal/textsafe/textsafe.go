// Package textsafe keeps text that came from outside (FC's answers, names
// and keys read online, error bodies) from driving the terminal it is
// printed on: an escape sequence in a function's field name or an error
// message could clear the screen, retitle the window or hide what follows.
package textsafe

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Escape returns s with every control character other than newline and tab
// written as a visible escape: C0 controls (ESC among them), DEL and the C1
// controls U+0080–U+009F as \u00XX, a byte that is not UTF-8 as \xNN. The
// \u00XX form is also a JSON escape with the same meaning, so JSON output
// passed through Escape stays valid and decodes to the same values.
func Escape(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02X`, s[i])
		case isControl(r):
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// clean reports whether s needs no escaping, without allocating.
func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
			return false
		}
		if c >= 0x80 {
			return cleanFrom(s, i)
		}
	}
	return true
}

func cleanFrom(s string, i int) bool {
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n <= 1) || isControl(r) {
			return false
		}
		i += n
	}
	return true
}

func isControl(r rune) bool {
	return (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f)
}

// Writer escapes, as Escape does, everything written through it. A
// multi-byte character split across two writes is escaped byte by byte:
// safe, if less readable; fcgit writes whole lines.
type Writer struct{ W io.Writer }

func (w Writer) Write(p []byte) (int, error) {
	s := string(p)
	if clean(s) {
		return w.W.Write(p)
	}
	if _, err := io.WriteString(w.W, Escape(s)); err != nil {
		return 0, err
	}
	// All of the caller's bytes were consumed, whatever was written instead.
	return len(p), nil
}
