package snapshot

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/fcgit/fcgit/internal/mapkeys"
)

// maxInlineArray is the longest `key = [ ... ]` line written on one line;
// longer arrays get one element per line so diffs show single elements.
const maxInlineArray = 80

// Encode renders function.toml canonically: the same state always gives the
// same bytes. prev is the previous function.toml state (or nil): for each key
// whose value is FC's default or empty shape, the output keeps prev's choice
// of writing or omitting it; with prev nil such keys are omitted. A state
// holding a Conflict is refused (see EncodeWithConflicts).
func Encode(s *State, prev *State) ([]byte, error) {
	return encodeState(s, prev, nil)
}

// EncodeWithConflicts is Encode for a merge result: each Conflict renders the
// key's line(s) once per side between git-style markers, at the key's
// canonical position, an absent side as no lines:
//
//	<<<<<<< HEAD
//	memorySize = 1024
//	||||||| base          (only when BaseLabel != "")
//	memorySize = 512
//	=======
//	memorySize = 2048
//	>>>>>>> fcgit/online
//
// A side whose value is a table is written as an inline table, so every side
// stays one key group that can be kept or deleted as a whole.
func EncodeWithConflicts(s *State, prev *State, opts EncodeOptions) ([]byte, error) {
	if opts.MarkerSize <= 0 {
		opts.MarkerSize = 7
	}
	return encodeState(s, prev, &opts)
}

// tomlWriter accumulates function.toml text.
type tomlWriter struct {
	buf       bytes.Buffer
	conflicts *EncodeOptions // nil: conflicts are an error
	// multiline writes strings holding newlines as multi-line strings
	// (domain files' PEM certificates); function.toml keeps one line per
	// key, as DESIGN.md has it.
	multiline bool
}

func encodeState(s, prev *State, opts *EncodeOptions) ([]byte, error) {
	if s == nil {
		return nil, errors.New("encode: nil state")
	}
	if _, ok := s.Config["triggers"]; ok {
		return nil, fmt.Errorf("encode %s: config key \"triggers\" clashes with the triggers tables", s.Name)
	}
	name, err := quoteString(s.Name)
	if err != nil {
		return nil, fmt.Errorf("encode function name: %w", err)
	}
	cfg, triggers := shapeState(s, prev)
	return encodeTables(fmt.Sprintf("# Function Compute function %s. Fields: FC 3.0 API names; see docs/.\n", name), s.Name, cfg, triggers, opts)
}

// encodeTables writes a header line, the top-level table and the triggers'
// tables.
func encodeTables(header, name string, cfg map[string]any, triggers map[string]map[string]any, opts *EncodeOptions) ([]byte, error) {
	return (&tomlWriter{conflicts: opts}).encode(header, name, cfg, triggers)
}

func (w *tomlWriter) encode(header, name string, cfg map[string]any, triggers map[string]map[string]any) ([]byte, error) {
	w.buf.WriteString(header)
	if err := w.table(nil, cfg, false); err != nil {
		return nil, fmt.Errorf("encode %s: %w", name, err)
	}
	for _, tname := range mapkeys.Sorted(triggers) {
		if err := w.table([]string{"triggers", tname}, triggers[tname], true); err != nil {
			return nil, fmt.Errorf("encode %s: %w", name, err)
		}
	}
	return w.buf.Bytes(), nil
}

// isSubTable reports whether v is written as a [table] section rather than
// as a key = value line: non-empty tables are; empty ones are `key = {}` so
// they survive a round trip.
func isSubTable(v any) bool {
	if _, ref := AsSecretRef(v); ref {
		// One line per secret, so a rotation or a new source is a one-line
		// change and merges as one.
		return false
	}
	m, ok := v.(map[string]any)
	return ok && len(m) > 0
}

// table writes one table: its header (when needed), its key = value lines
// sorted, then its sub-tables sorted.
func (w *tomlWriter) table(path []string, m map[string]any, forceHeader bool) error {
	var keys, subs []string
	for _, k := range mapkeys.Sorted(m) {
		if isSubTable(m[k]) {
			subs = append(subs, k)
		} else {
			keys = append(keys, k)
		}
	}
	// A table holding only sub-tables needs no header of its own: its
	// sub-tables' headers define it.
	if len(keys) > 0 || len(subs) == 0 || forceHeader {
		w.buf.WriteByte('\n')
		if len(path) > 0 {
			w.buf.WriteString("[" + dottedKey(path) + "]\n")
		}
	}
	for _, k := range keys {
		if err := w.keyValue(path, k, m[k]); err != nil {
			return err
		}
	}
	for _, k := range subs {
		if err := w.table(append(append([]string(nil), path...), k), m[k].(map[string]any), false); err != nil {
			return err
		}
	}
	return nil
}

// keyValue writes `key = value` (or a conflict block for it).
func (w *tomlWriter) keyValue(path []string, key string, v any) error {
	c, isConflict := asConflict(v)
	if !isConflict {
		line, err := w.keyLine(key, v)
		if err != nil {
			return fmt.Errorf("%s: %w", dottedKey(append(append([]string(nil), path...), key)), err)
		}
		w.buf.WriteString(line)
		return nil
	}
	if w.conflicts == nil {
		return fmt.Errorf("%s: unresolved merge conflict (use EncodeWithConflicts)", dottedKey(append(append([]string(nil), path...), key)))
	}
	side := func(has bool, v any) error {
		if !has {
			return nil
		}
		if _, nested := asConflict(v); nested {
			return fmt.Errorf("%s: conflict inside a conflict", key)
		}
		line, err := w.keyLine(key, v)
		if err != nil {
			return fmt.Errorf("%s: %w", dottedKey(append(append([]string(nil), path...), key)), err)
		}
		w.buf.WriteString(line)
		return nil
	}
	o := w.conflicts
	w.marker('<', o.OursLabel)
	if err := side(c.HasOurs, c.Ours); err != nil {
		return err
	}
	if o.BaseLabel != "" {
		w.marker('|', o.BaseLabel)
		if err := side(c.HasBase, c.Base); err != nil {
			return err
		}
	}
	w.marker('=', "")
	if err := side(c.HasTheirs, c.Theirs); err != nil {
		return err
	}
	w.marker('>', o.TheirsLabel)
	return nil
}

// marker writes a conflict marker line as git does: the character repeated,
// then a space and the label when there is one.
func (w *tomlWriter) marker(ch byte, label string) {
	w.buf.WriteString(strings.Repeat(string(ch), w.conflicts.MarkerSize))
	if label != "" {
		w.buf.WriteString(" " + label)
	}
	w.buf.WriteByte('\n')
}

// keyLine renders `key = value\n`, arrays one element per line when long or
// when they hold tables.
func (w *tomlWriter) keyLine(key string, v any) (string, error) {
	k := quoteKey(key)
	if arr, ok := v.([]any); ok {
		elems := make([]string, len(arr))
		multi := false
		for i, e := range arr {
			s, err := inlineValue(e)
			if err != nil {
				return "", fmt.Errorf("[%d]: %w", i, err)
			}
			elems[i] = s
			if _, isTable := e.(map[string]any); isTable {
				multi = true
			}
		}
		single := k + " = [" + strings.Join(elems, ", ") + "]"
		if !multi && len(single) <= maxInlineArray {
			return single + "\n", nil
		}
		var b strings.Builder
		b.WriteString(k + " = [\n")
		for _, e := range elems {
			b.WriteString("  " + e + ",\n")
		}
		b.WriteString("]\n")
		return b.String(), nil
	}
	if str, ok := v.(string); ok && w.multiline && strings.Contains(str, "\n") && utf8.ValidString(str) {
		// Certificates: one line of the file per line of the value, so
		// diffs and reviews read as the value does.
		return k + " = " + multilineString(str) + "\n", nil
	}
	s, err := inlineValue(v)
	if err != nil {
		return "", err
	}
	return k + " = " + s + "\n", nil
}

// multilineString renders a TOML multi-line basic string: the newline right
// after the opening quotes is not part of the value; backslashes, quotes
// and control characters other than newline are escaped.
func multilineString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString("\"\"\"\n")
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteByte('\n')
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteString(`"""`)
	return b.String()
}

// inlineValue renders a value on one line: scalars, arrays, inline tables.
func inlineValue(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return quoteString(x)
	case bool:
		if x {
			return "true", nil
		}
		return "false", nil
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			s, err := inlineValue(e)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return "[" + strings.Join(parts, ", ") + "]", nil
	case map[string]any:
		if len(x) == 0 {
			return "{}", nil
		}
		if ref, ok := AsSecretRef(x); ok && len(x) <= 2 {
			// The source first: it is what a reader looks for.
			src, err := quoteString(ref.Source)
			if err != nil {
				return "", err
			}
			if ref.Hash == "" {
				return "{" + secretKey + " = " + src + "}", nil
			}
			h, err := quoteString(ref.Hash)
			if err != nil {
				return "", err
			}
			return "{" + secretKey + " = " + src + ", " + hashKey + " = " + h + "}", nil
		}
		parts := make([]string, 0, len(x))
		for _, k := range mapkeys.Sorted(x) {
			s, err := inlineValue(x[k])
			if err != nil {
				return "", fmt.Errorf("%s: %w", k, err)
			}
			parts = append(parts, quoteKey(k)+" = "+s)
		}
		return "{" + strings.Join(parts, ", ") + "}", nil
	case nil:
		return "", errors.New("null is not representable in TOML")
	}
	if isNumber(v) {
		s, _, err := numberText(v)
		return s, err
	}
	if _, ok := asConflict(v); ok {
		return "", errors.New("a merge conflict can only replace a table member, not an array element")
	}
	return "", fmt.Errorf("unsupported value type %T", v)
}
