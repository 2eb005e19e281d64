package snapshot

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/internal/typo"
	"github.com/fcgit/fcgit/kinds"
)

// Decode parses a user-edited function.toml strictly. path is used in
// errors; name is the function's directory name.
//
// Refused, each as a *DecodeError naming the file and line (several are
// returned as Problems, sorted by line): TOML syntax errors; a key that is
// not a known FC function field (fc3-api.md's writable list) nor "triggers"
// but is within edit distance 2 of one (a typo: "memorySise"); a wrong type
// for a known field, also inside known tables and inside a trigger's config
// of a type fcgit has a model for (triggerConfigs); read-only fields
// (functionArn, customContainerConfig.resolvedImageUri, triggerId, ...);
// code and tags; functionName or triggerName differing from the directory or
// table name; a trigger without triggerType; triggerConfig written as a JSON
// string; dates and times (no JSON equivalent); tables and arrays nested
// more than MaxDepth levels deep, found before the TOML parser runs.
//
// Unknown keys that are not near a known one are accepted and kept: they are
// the fields FC adds after this list was written, which fetch writes into
// function.toml and push must send back. (If FC ever adds a field within
// distance 2 of a known one, add it to schema.go.) Inside a trigger's config
// no key is refused as a typo: FC keeps a configuration as it was sent.
// Check refuses the unknown keys FC would not keep, and the values FC's
// documented limits exclude.
func Decode(path string, data []byte, name string) (*State, error) {
	st, problems := DecodeAll(path, data, name)
	if len(problems) > 0 {
		return nil, problems.err()
	}
	return st, nil
}

// DecodeAll is Decode that goes on past problems, so that a file's problems
// all come out at once: it returns them all, sorted by line, and, unless
// the text cannot be parsed at all, the state as far as it decodes. Keys
// refused as typos, read-only or misplaced are left out of that state;
// values of the wrong type are kept as written (Check passes over them).
// Such a state is for further checks only, never to deploy.
func DecodeAll(path string, data []byte, name string) (*State, Problems) {
	raw, d, err := parseTOML(path, data)
	if err != nil {
		return nil, Problems{err}
	}
	if !validFunctionName(name) {
		d.fail(nil, "directory name %q is not a valid function name (1-64 of A-Z a-z 0-9 _ -, not starting with a digit or -; or service$function for a function created under FC 2.0)", name)
	}
	st := &State{Name: name, Config: map[string]any{}, Triggers: map[string]map[string]any{}}
	for _, k := range mapkeys.Sorted(raw) {
		v, err := fromTOML(raw[k])
		if err != nil {
			d.fail([]string{k}, "%s: %v", k, err)
			continue
		}
		switch k {
		case "triggers":
			d.triggers(st, v)
		case "functionName":
			if v != name {
				d.fail([]string{k}, "functionName: %s differs from the directory name %q; rename the directory to rename the function, and remove this line", describe(v), name)
			}
		default:
			if why, ok := notInFile[k]; ok {
				d.fail([]string{k}, "%s: not allowed in function.toml: %s", k, why)
				continue
			}
			if fc.IsReadOnlyFunctionField(k) && !kinds.IsFunctionKey(k) {
				d.fail([]string{k}, "%s: read-only field set by FC; remove this line", k)
				continue
			}
			if k == "tags" {
				if m, ok := v.(map[string]any); ok {
					for _, tk := range mapkeys.Sorted(m) {
						if IsReservedTag(tk) {
							d.fail([]string{k, tk}, "tags.%s: tags named %s* are fcgit's deploy records, written by push itself; remove this line", tk, ReservedTagPrefix)
							delete(m, tk)
						}
					}
				}
			}
			if d.member(rootField, []string{k}, v) {
				st.Config[k] = v
			}
		}
	}
	return st, d.problems()
}

// DecodeError is one problem in a file fcgit reads, located by line.
type DecodeError struct {
	Path string // the file as given to Decode
	Line int    // 1-based; 0 when the problem has no single line
	Msg  string // "memorySize: want an integer, got string \"big\""
}

func (e *DecodeError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// Problems are problems found in files, each at file:line. As an error it
// lists them one a line, in the order Sort leaves them: by file, then
// line.
type Problems []*DecodeError

func (p Problems) Error() string {
	lines := make([]string, len(p))
	for i, e := range p {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap gives errors.As and errors.Is each problem.
func (p Problems) Unwrap() []error {
	out := make([]error, len(p))
	for i, e := range p {
		out[i] = e
	}
	return out
}

// Sort orders the problems by file, then line, keeping the order of
// problems on one line.
func (p Problems) Sort() {
	sort.SliceStable(p, func(i, j int) bool {
		if p[i].Path != p[j].Path {
			return p[i].Path < p[j].Path
		}
		return p[i].Line < p[j].Line
	})
}

// err returns the problems as an error: the one problem itself, or all.
func (p Problems) err() error {
	if len(p) == 1 {
		return p[0]
	}
	return p
}

// decoder collects the problems of one file.
type decoder struct {
	path  string
	lines keyLines
	errs  Problems
}

func (d *decoder) fail(keyPath []string, format string, args ...any) {
	d.errs = append(d.errs, &DecodeError{Path: d.path, Line: d.lines.line(keyPath), Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) problems() Problems {
	d.errs.Sort()
	return d.errs
}

// member checks the value of key keyPath[len-1] in the table described by
// parent. It reports whether the key stays in the state: a typo or a
// read-only field does not; a value of the wrong type does, as written
// (the problem is reported either way).
func (d *decoder) member(parent *field, keyPath []string, v any) bool {
	key := keyPath[len(keyPath)-1]
	dotted := strings.Join(keyPath, ".")
	f := parent.member(key)
	if f == nil {
		if parent != nil && parent.openKeys {
			return true
		}
		if near, ok := nearestKey(key, parent.fields); ok {
			d.fail(keyPath, "%s: unknown key; did you mean %q? (FC 3.0 field names are case-sensitive)", dotted, near)
			return false
		}
		return true
	}
	if f.readOnly {
		d.fail(keyPath, "%s: read-only field set by FC; remove this line", dotted)
		return false
	}
	d.typed(parent, f, keyPath, v)
	return true
}

// typed checks v against f's kind, recursing into tables, whose refused
// members it removes.
func (d *decoder) typed(parent, f *field, keyPath []string, v any) {
	dotted := strings.Join(keyPath, ".")
	want := func(what string) {
		d.fail(keyPath, "%s: want %s, got %s", dotted, what, describe(v))
	}
	switch f.kind {
	case kindString:
		if _, ok := v.(string); !ok {
			want("a string")
		}
	case kindInt:
		if n, ok := v.(json.Number); !ok || !isIntegerText(string(n)) {
			want("an integer")
		}
	case kindNumber:
		if _, ok := v.(json.Number); !ok {
			want("a number")
		}
	case kindBool:
		if _, ok := v.(bool); !ok {
			want("true or false")
		}
	case kindStringList:
		arr, ok := v.([]any)
		if !ok {
			want(`an array of strings (e.g. ["a", "b"])`)
			return
		}
		for i, e := range arr {
			if _, ok := e.(string); !ok {
				d.fail(keyPath, "%s[%d]: want a string, got %s", dotted, i, describe(e))
				return
			}
		}
	case kindStringMap:
		m, ok := v.(map[string]any)
		if !ok {
			want("a table of strings")
			return
		}
		for _, k := range mapkeys.Sorted(m) {
			if ref, isTable := m[k].(map[string]any); isTable && f.secrets {
				if err := checkSecretRef(ref); err != nil {
					d.fail(append(keyPath, k), "%s.%s: %v", dotted, k, err)
				}
				continue
			}
			if _, ok := m[k].(string); !ok {
				d.fail(append(keyPath, k), "%s.%s: want a string, got %s (FC keeps every value as a string: quote it)", dotted, k, describe(m[k]))
			}
		}
	case kindNumberMap:
		m, ok := v.(map[string]any)
		if !ok {
			want("a table of numbers")
			return
		}
		for _, k := range mapkeys.Sorted(m) {
			if _, ok := m[k].(json.Number); !ok {
				d.fail(append(keyPath, k), "%s.%s: want a number, got %s", dotted, quoteKey(k), describe(m[k]))
			}
		}
	case kindStruct:
		m, ok := v.(map[string]any)
		if !ok {
			want("a table")
			return
		}
		d.table(tableFor(parent, f), keyPath, m)
	case kindStructList:
		arr, ok := v.([]any)
		if !ok {
			want("an array of tables")
			return
		}
		for i, e := range arr {
			m, ok := e.(map[string]any)
			if !ok {
				d.fail(keyPath, "%s[%d]: want a table, got %s", dotted, i, describe(e))
				continue
			}
			d.table(elemTable(f), keyPath, m)
		}
	}
}

// table checks every member of a known table, removing those refused.
func (d *decoder) table(f *field, keyPath []string, m map[string]any) {
	for _, k := range mapkeys.Sorted(m) {
		if !d.member(f, append(append([]string(nil), keyPath...), k), m[k]) {
			delete(m, k)
		}
	}
}

// triggers checks the [triggers.<name>] tables.
func (d *decoder) triggers(st *State, v any) {
	all, ok := v.(map[string]any)
	if !ok {
		d.fail([]string{"triggers"}, "triggers: want tables [triggers.<name>], got %s", describe(v))
		return
	}
	for _, name := range mapkeys.Sorted(all) {
		keyPath := []string{"triggers", name}
		t, ok := all[name].(map[string]any)
		if !ok {
			d.fail(keyPath, "triggers.%s: want a table [triggers.%s], got %s", name, quoteKey(name), describe(all[name]))
			continue
		}
		if name == "" {
			d.fail(keyPath, "triggers: a trigger name cannot be empty")
			continue
		}
		fields := map[string]any{}
		for _, k := range mapkeys.Sorted(t) {
			kp := append(append([]string(nil), keyPath...), k)
			tv := t[k]
			switch {
			case k == "triggerName":
				if tv != name {
					d.fail(kp, "triggers.%s.triggerName: %s differs from the table name; rename the table instead, and remove this line", name, describe(tv))
				}
			case k == "triggerConfig":
				d.fail(kp, "triggers.%s.triggerConfig: write the trigger's configuration as the table [triggers.%s.config], not as a JSON string", name, quoteKey(name))
			case fc.IsReadOnlyTriggerField(k):
				d.fail(kp, "triggers.%s.%s: read-only field set by FC; remove this line", name, k)
			case k == triggerConfigKey:
				cfg, ok := tv.(map[string]any)
				if !ok {
					d.fail(kp, "triggers.%s.config: want a table [triggers.%s.config], got %s", name, quoteKey(name), describe(tv))
					continue
				}
				if cf := triggerConfigField(t); cf != nil {
					d.table(cf, kp, cfg)
				}
				fields[k] = cfg
			default:
				if d.member(triggerField, kp, tv) {
					fields[k] = tv
				}
			}
		}
		if _, ok := t["triggerType"]; !ok {
			d.fail(keyPath, "triggers.%s: missing triggerType (e.g. triggerType = \"http\")", name)
		}
		st.Triggers[name] = fields
	}
}

// fromTOML converts a value decoded by BurntSushi/toml to the JSON-like form
// of a State: integers and floats become json.Number.
func fromTOML(v any) (any, error) {
	switch x := v.(type) {
	case string, bool:
		return x, nil
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, fmt.Errorf("%v is not a JSON number", x)
		}
		return json.Number(formatFloat(x)), nil
	case time.Time:
		return nil, errors.New("dates and times have no JSON equivalent; write it as a quoted string")
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := fromTOML(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := fromTOML(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := fromTOML(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = c
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported TOML value %T", v)
}

// validFunctionName applies FC's rule: 1-64 of [A-Za-z0-9_-], not starting
// with a digit or '-', or an FC 2.0-era service$function.
func validFunctionName(name string) bool {
	return ValidFunctionName(name) == nil
}

// nearestKey returns the known key that key is probably a typo of: equal
// ignoring case, or within edit distance 2.
func nearestKey(key string, known fieldSet) (string, bool) {
	best, bestDist := "", 3
	lk := strings.ToLower(key)
	for _, k := range mapkeys.Sorted(known) {
		if dist := typo.Distance(lk, strings.ToLower(k)); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	return best, best != ""
}

// parseTOML parses a file fcgit reads (function.toml, a domain file),
// refusing nesting deeper than MaxDepth before and after the TOML parser
// runs, and returns its top-level table with a decoder that places keys at
// their lines.
func parseTOML(path string, data []byte) (map[string]any, *decoder, *DecodeError) {
	if line, deep := tomlTooDeep(string(data), MaxDepth); deep {
		return nil, nil, &DecodeError{Path: path, Line: line, Msg: depthMessage}
	}
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, nil, &DecodeError{Path: path, Line: pe.Position.Line, Msg: "TOML syntax error: " + pe.Message}
		}
		return nil, nil, &DecodeError{Path: path, Msg: "TOML: " + err.Error()}
	}
	d := &decoder{path: path, lines: locateKeys(string(data))}
	for _, k := range mapkeys.Sorted(raw) {
		if p, deep := deeper(raw[k], 0, MaxDepth, []string{k}); deep {
			return nil, nil, &DecodeError{Path: path, Line: d.lines.line(p), Msg: depthMessage}
		}
	}
	return raw, d, nil
}
