package snapshot

import (
	"strconv"
	"strings"
)

// keyLines maps a key path (members joined by "\x00") to the line where the
// key, or the [table] header that opens it, first appears. BurntSushi/toml
// keeps key positions private, so Decode finds them with this small scanner
// that understands just enough TOML (headers, dotted and quoted keys, strings
// of all four kinds, multi-line arrays, comments) to skip values correctly.
// It runs only on text the TOML parser accepted.
type keyLines map[string]int

// line returns the line of path, or of its nearest recorded parent, or 0.
func (kl keyLines) line(path []string) int {
	for n := len(path); n > 0; n-- {
		if l, ok := kl[strings.Join(path[:n], "\x00")]; ok {
			return l
		}
	}
	return 0
}

type lineScanner struct {
	s    string
	i    int
	line int
	out  keyLines
	// lenientKeys reads a quoted key whose escapes do not decode as its
	// raw text instead of failing (tomlTooDeep).
	lenientKeys bool
}

func locateKeys(src string) keyLines {
	sc := &lineScanner{s: src, line: 1, out: keyLines{}}
	var table []string
	for sc.i < len(sc.s) {
		sc.skipBlanks()
		if sc.i >= len(sc.s) {
			break
		}
		switch c := sc.s[sc.i]; {
		case c == '\n':
			sc.line++
			sc.i++
		case c == '\r':
			sc.i++
		case c == '#':
			sc.skipComment()
		case c == '[':
			sc.i++
			if sc.i < len(sc.s) && sc.s[sc.i] == '[' {
				sc.i++
			}
			path, ok := sc.keyPath(']')
			if ok {
				table = path
				sc.record(path)
			}
			sc.skipComment()
		default:
			path, ok := sc.keyPath('=')
			if !ok {
				sc.skipComment()
				continue
			}
			sc.record(append(append([]string(nil), table...), path...))
			sc.i++ // '='
			sc.skipValue()
		}
	}
	return sc.out
}

// record notes the current line for path and for each of its prefixes not
// seen before (a dotted key defines its parents).
func (sc *lineScanner) record(path []string) {
	for n := 1; n <= len(path); n++ {
		k := strings.Join(path[:n], "\x00")
		if _, ok := sc.out[k]; !ok {
			sc.out[k] = sc.line
		}
	}
}

func (sc *lineScanner) skipBlanks() {
	for sc.i < len(sc.s) && (sc.s[sc.i] == ' ' || sc.s[sc.i] == '\t') {
		sc.i++
	}
}

// skipComment moves to the end of the line, leaving the newline.
func (sc *lineScanner) skipComment() {
	for sc.i < len(sc.s) && sc.s[sc.i] != '\n' {
		sc.i++
	}
}

// keyPath reads a dotted key up to end ('=' or ']'), leaving sc.i on end.
func (sc *lineScanner) keyPath(end byte) ([]string, bool) {
	var path []string
	for {
		sc.skipBlanks()
		if sc.i >= len(sc.s) {
			return nil, false
		}
		part, ok := sc.keyPart()
		if !ok {
			return nil, false
		}
		path = append(path, part)
		sc.skipBlanks()
		if sc.i >= len(sc.s) {
			return nil, false
		}
		switch sc.s[sc.i] {
		case '.':
			sc.i++
		case end:
			return path, true
		default:
			return nil, false
		}
	}
}

func (sc *lineScanner) keyPart() (string, bool) {
	switch sc.s[sc.i] {
	case '"':
		start := sc.i
		sc.i++
		for sc.i < len(sc.s) && sc.s[sc.i] != '"' && sc.s[sc.i] != '\n' {
			if sc.s[sc.i] == '\\' {
				sc.i++
			}
			sc.i++
		}
		if sc.i >= len(sc.s) || sc.s[sc.i] != '"' {
			return "", false
		}
		sc.i++
		raw := sc.s[start+1 : sc.i-1]
		if u, ok := unescapeBasic(raw); ok || !sc.lenientKeys {
			return u, ok
		}
		return raw, true
	case '\'':
		end := strings.IndexAny(sc.s[sc.i+1:], "'\n")
		if end < 0 || sc.s[sc.i+1+end] != '\'' {
			return "", false
		}
		part := sc.s[sc.i+1 : sc.i+1+end]
		sc.i += end + 2
		return part, true
	}
	start := sc.i
	for sc.i < len(sc.s) && isBareKey(sc.s[sc.i:sc.i+1]) {
		sc.i++
	}
	return sc.s[start:sc.i], sc.i > start
}

// skipValue moves past a value (which may span lines inside arrays and
// multi-line strings) to the newline that ends it.
func (sc *lineScanner) skipValue() {
	depth := 0
	for sc.i < len(sc.s) {
		c := sc.s[sc.i]
		switch {
		case c == '\n':
			if depth <= 0 {
				return
			}
			sc.line++
			sc.i++
		case c == '#':
			sc.skipComment()
		case c == '[' || c == '{':
			depth++
			sc.i++
		case c == ']' || c == '}':
			depth--
			sc.i++
		case c == '"' || c == '\'':
			sc.skipString(c)
		default:
			sc.i++
		}
	}
}

// skipString moves past a string starting at sc.i with quote q.
func (sc *lineScanner) skipString(q byte) {
	delim := string([]byte{q, q, q})
	multi := strings.HasPrefix(sc.s[sc.i:], delim)
	if multi {
		sc.i += 3
	} else {
		sc.i++
	}
	for sc.i < len(sc.s) {
		c := sc.s[sc.i]
		switch {
		case c == '\\' && q == '"':
			sc.i++
			if sc.i < len(sc.s) && sc.s[sc.i] == '\n' {
				sc.line++
			}
			sc.i++
		case c == '\n':
			if !multi {
				return
			}
			sc.line++
			sc.i++
		case c == q && !multi:
			sc.i++
			return
		case c == q && strings.HasPrefix(sc.s[sc.i:], delim):
			sc.i += 3
			// Up to two more quotes may close the content itself.
			for n := 0; n < 2 && sc.i < len(sc.s) && sc.s[sc.i] == q; n++ {
				sc.i++
			}
			return
		default:
			sc.i++
		}
	}
}

// unescapeBasic decodes the escapes of a TOML basic string (for quoted keys).
func unescapeBasic(s string) (string, bool) {
	if !strings.Contains(s, `\`) {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'b':
			b.WriteByte('\b')
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'f':
			b.WriteByte('\f')
		case 'r':
			b.WriteByte('\r')
		case 'e':
			b.WriteByte(0x1b)
		case '"', '\\':
			b.WriteByte(s[i])
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[s[i]]
			if i+1+n > len(s) {
				return "", false
			}
			r, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32)
			if err != nil {
				return "", false
			}
			b.WriteRune(rune(r))
			i += n
		default:
			return "", false
		}
	}
	return b.String(), true
}
