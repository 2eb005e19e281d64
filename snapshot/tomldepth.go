package snapshot

import "strings"

// tomlTooDeep scans function.toml text once, before BurntSushi/toml sees
// it, and returns the line where tables and arrays first nest more than max
// levels deep, counted as deeper counts the decoded value. The decoder
// parses arrays and inline tables recursively and keeps a copy of the key
// path at every level, so text nested thousands deep exhausts its stack or
// memory before any check on the result could run.
//
// The scan follows the decoder's lexer where nesting is decided: headers
// ([a.b], [[a.b]]), dotted and quoted keys, the four kinds of strings,
// comments, arrays and inline tables, '\r' and '\n' as line ends, a leading
// byte-order mark. It stops, reporting nothing, at the first place where
// the text cannot be TOML, because the decoder stops there too. It never
// counts fewer levels than the decoder builds (FuzzDecode checks this), but
// may count more for a header that reuses the path of an [[array]] from
// another element, so Decode checks the decoded value with deeper for the
// exact count.
func tomlTooDeep(src string, max int) (int, bool) {
	switch {
	case strings.HasPrefix(src, "\xef\xbb\xbf"):
		src = src[3:]
	case strings.HasPrefix(src, "\xff\xfe"), strings.HasPrefix(src, "\xfe\xff"):
		src = src[2:]
	}
	// Lenient keys: a quoted key with an escape the scanner does not know
	// is read raw, so that the scan never stops where the decoder would
	// carry on.
	sc := &depthScanner{lineScanner: lineScanner{s: src, line: 1, lenientKeys: true}, max: max, arrays: map[string]bool{}}
	return sc.run()
}

type depthScanner struct {
	lineScanner
	max int
	// arrays holds the header paths declared as arrays of tables ([[a.b]]),
	// parts joined by "\x00": a later [a.b.c] is one level deeper than its
	// parts say, inside a's last element.
	arrays map[string]bool
}

func (sc *depthScanner) run() (int, bool) {
	table := 0 // depth of the table the current key lines belong to
	for sc.i < len(sc.s) {
		switch c := sc.s[sc.i]; {
		case c == '\n':
			sc.line++
			sc.i++
		case c == ' ' || c == '\t' || c == '\r':
			sc.i++
		case c == '#':
			sc.skipComment()
		case c == '[':
			d, ok := sc.header()
			if !ok {
				return 0, false
			}
			if d > sc.max {
				return sc.line, true
			}
			table = d
		default:
			parts, ok := sc.keyPath('=')
			if !ok {
				return 0, false
			}
			sc.i++ // '='
			base := table + len(parts) - 1
			if base > sc.max {
				return sc.line, true
			}
			if line, deep := sc.value(base); deep {
				return line, true
			}
		}
	}
	return 0, false
}

// header reads [a.b] or [[a.b]] and returns the depth of the table it opens.
func (sc *depthScanner) header() (int, bool) {
	sc.i++ // '['
	array := sc.i < len(sc.s) && sc.s[sc.i] == '['
	if array {
		sc.i++
	}
	parts, ok := sc.keyPath(']')
	if !ok {
		return 0, false
	}
	sc.i++ // ']'
	if array {
		if sc.i >= len(sc.s) || sc.s[sc.i] != ']' {
			return 0, false
		}
		sc.i++
	}
	if len(parts) > sc.max {
		return len(parts), true
	}
	d := len(parts)
	for n := 1; n < len(parts); n++ {
		if sc.arrays[strings.Join(parts[:n], "\x00")] {
			d++
		}
	}
	if array {
		sc.arrays[strings.Join(parts, "\x00")] = true
		d++ // the element table inside the array
	}
	return d, true
}

// value scans the value after '=' of a key whose table is base levels
// deep, up to the line end that follows it, and reports whether it nests
// deeper than max.
func (sc *depthScanner) value(base int) (int, bool) {
	type frame struct {
		table bool
		depth int // of this array or inline table
		extra int // in an inline table: levels the current dotted key adds
	}
	var stack []frame // never more than max+1 frames
	key := false      // in an inline table, after '{' or ','
	for sc.i < len(sc.s) {
		c := sc.s[sc.i]
		switch {
		case (c == '\n' || c == '\r') && len(stack) == 0:
			return 0, false
		case c == '\n':
			sc.line++
			sc.i++
		case c == ' ' || c == '\t' || c == '\r':
			sc.i++
		case c == '#':
			sc.skipComment()
		case key && c != '}':
			parts, ok := sc.keyPath('=')
			if !ok {
				return 0, false
			}
			sc.i++ // '='
			top := &stack[len(stack)-1]
			top.extra = len(parts) - 1
			if top.depth+top.extra > sc.max {
				return sc.line, true
			}
			key = false
		case c == '"' || c == '\'':
			sc.skipString(c)
			if len(stack) == 0 {
				return 0, false
			}
		case c == '[' || c == '{':
			d := base + 1
			if n := len(stack); n > 0 {
				d = stack[n-1].depth + stack[n-1].extra + 1
			}
			if d > sc.max {
				return sc.line, true
			}
			stack = append(stack, frame{table: c == '{', depth: d})
			key = c == '{'
			sc.i++
		case c == ']' || c == '}':
			sc.i++
			key = false
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			if len(stack) == 0 {
				return 0, false
			}
		case c == ',':
			sc.i++
			if n := len(stack); n > 0 && stack[n-1].table {
				stack[n-1].extra = 0
				key = true
			}
		default:
			// Numbers, booleans, dates: nothing in them nests.
			sc.i++
		}
	}
	return 0, false
}

// TOMLTooDeep reports whether TOML text nests tables and arrays more than
// MaxDepth levels deep, and the line where it first does, scanning the text
// without decoding it. Other files fcgit reads (fcgit.toml) call it before
// their decoder runs, so one bound holds for every TOML file: the decoder's
// recursion would exhaust memory on such text before any check on its
// result could run.
func TOMLTooDeep(text string) (line int, deep bool) { return tomlTooDeep(text, MaxDepth) }
