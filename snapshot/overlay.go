package snapshot

import (
	"fmt"
	"sort"
	"strings"

	"github.com/fcgit/fcgit/internal/mapkeys"
)

// An overlay is what differs for one target (production, staging) from the
// shared function and domain files: one file per target, so that a reader
// sees in one place everything that differs there. Its tables mirror the
// files it patches:
//
//	[functions.shop-api]
//	memorySize = 1024
//	unset = ["vpcConfig"]
//
//	[functions.shop-api.environmentVariables]
//	STAGE = "prod"
//
//	[domains."api.example.com".routeConfig]
//	...
//
// A target's state of a function is the shared file with its overlay entry
// applied: tables merge key by key, other values (arrays included) replace,
// and the paths listed in unset (dotted keys, as TOML writes them) are
// removed. FC has no field named "unset".

// Overlay is one target's overlay file.
type Overlay struct {
	Functions map[string]*OverlayEntry
	Domains   map[string]*OverlayEntry
}

// OverlayEntry is what an overlay changes in one function or domain.
type OverlayEntry struct {
	// Skip: the domain is not this target's (a domain file another target
	// deploys): the target neither reads nor writes it.
	Skip bool
	// Set holds the values set, as nested tables like the file's (a
	// function's triggers under "triggers").
	Set map[string]any
	// Unset lists the paths removed.
	Unset [][]string
}

// unsetKey is the key of an entry's removed paths; skipKey, of a domain
// entry, leaves the domain to the other targets.
const (
	unsetKey = "unset"
	skipKey  = "skip"
)

// Empty reports whether the entry changes nothing.
func (e *OverlayEntry) Empty() bool {
	return e == nil || len(e.Set) == 0 && len(e.Unset) == 0 && !e.Skip
}

// DecodeOverlay reads an overlay file, checking each entry's values against
// the fields of functions (or domains) as function.toml's are checked:
// problems at file:line.
func DecodeOverlay(path string, data []byte) (*Overlay, Problems) {
	raw, d, perr := parseTOML(path, data)
	if perr != nil {
		return nil, Problems{perr}
	}
	o := &Overlay{Functions: map[string]*OverlayEntry{}, Domains: map[string]*OverlayEntry{}}
	for _, k := range mapkeys.Sorted(raw) {
		v, err := fromTOML(raw[k])
		if err != nil {
			d.fail([]string{k}, "%s: %v", k, err)
			continue
		}
		tables, ok := v.(map[string]any)
		if k != "functions" && k != "domains" || !ok {
			d.fail([]string{k}, "%s: an overlay holds [functions.<name>] and [domains.<name>] tables only", k)
			continue
		}
		for _, name := range mapkeys.Sorted(tables) {
			kp := []string{k, name}
			t, ok := tables[name].(map[string]any)
			if !ok {
				d.fail(kp, "%s.%s: want a table [%s.%s], got %s", k, quoteKey(name), k, quoteKey(name), describe(tables[name]))
				continue
			}
			var e *OverlayEntry
			if k == "functions" {
				if !validFunctionName(name) {
					d.fail(kp, "functions.%s: not a function name", quoteKey(name))
					continue
				}
				e = d.overlayEntry(kp, t, rootField)
				o.Functions[name] = e
			} else {
				if err := ValidDomainName(name); err != nil {
					d.fail(kp, "domains.%s: %v", quoteKey(name), err)
					continue
				}
				e = d.overlayEntry(kp, t, domainField)
				o.Domains[name] = e
			}
		}
	}
	if p := d.problems(); len(p) > 0 {
		return o, p
	}
	return o, nil
}

// overlayEntry checks one entry: its values against the fields they set,
// its unset paths' syntax.
func (d *decoder) overlayEntry(kp []string, t map[string]any, top *field) *OverlayEntry {
	e := &OverlayEntry{Set: map[string]any{}}
	for _, k := range mapkeys.Sorted(t) {
		p := append(append([]string(nil), kp...), k)
		v := t[k]
		switch {
		case k == skipKey && top == domainField:
			b, ok := v.(bool)
			if !ok {
				d.fail(p, "%s: want true or false, got %s", strings.Join(p, "."), describe(v))
				continue
			}
			e.Skip = b
		case k == unsetKey:
			list, ok := v.([]any)
			if !ok {
				d.fail(p, "%s: want an array of dotted keys (e.g. [\"vpcConfig\", \"environmentVariables.DEBUG\"]), got %s", strings.Join(p, "."), describe(v))
				continue
			}
			for _, item := range list {
				s, ok := item.(string)
				path, err := splitDottedKey(s)
				if !ok || err != nil || len(path) == 0 {
					d.fail(p, "%s: %s is not a dotted key such as \"environmentVariables.DEBUG\"", strings.Join(p, "."), describe(item))
					continue
				}
				e.Unset = append(e.Unset, path)
			}
		case k == "triggers" && top == rootField:
			trs, ok := v.(map[string]any)
			if !ok {
				d.fail(p, "%s: want tables [%s.<trigger>], got %s", strings.Join(p, "."), strings.Join(p, "."), describe(v))
				continue
			}
			out := map[string]any{}
			for _, tn := range mapkeys.Sorted(trs) {
				tp := append(append([]string(nil), p...), tn)
				tt, ok := trs[tn].(map[string]any)
				if !ok {
					d.fail(tp, "%s: want a table, got %s", strings.Join(tp, "."), describe(trs[tn]))
					continue
				}
				fields := map[string]any{}
				for _, fk := range mapkeys.Sorted(tt) {
					fp := append(append([]string(nil), tp...), fk)
					if fk == triggerConfigKey {
						fields[fk] = tt[fk]
						continue
					}
					if d.member(triggerField, fp, tt[fk]) {
						fields[fk] = tt[fk]
					}
				}
				out[tn] = fields
			}
			e.Set[k] = out
		default:
			if d.member(top, p, v) {
				e.Set[k] = v
			}
		}
	}
	return e
}

// splitDottedKey splits a dotted key as TOML writes it: bare parts and
// "quoted" parts.
func splitDottedKey(s string) ([]string, error) {
	var out []string
	for s != "" {
		s = strings.TrimLeft(s, " ")
		if strings.HasPrefix(s, `"`) {
			end := strings.Index(s[1:], `"`)
			if end < 0 {
				return nil, fmt.Errorf("unterminated quote")
			}
			out = append(out, s[1:end+1])
			s = s[end+2:]
		} else {
			i := strings.IndexByte(s, '.')
			part := s
			if i >= 0 {
				part = s[:i]
			}
			part = strings.TrimSpace(part)
			if !isBareKey(part) {
				return nil, fmt.Errorf("%q is not a bare key", part)
			}
			out = append(out, part)
			if i < 0 {
				s = ""
				continue
			}
			s = s[i:]
		}
		s = strings.TrimLeft(s, " ")
		if s == "" {
			break
		}
		if s[0] != '.' {
			return nil, fmt.Errorf("want '.' between keys")
		}
		s = s[1:]
		if s == "" {
			return nil, fmt.Errorf("trailing '.'")
		}
	}
	return out, nil
}

// Encode writes the overlay canonically: functions, then domains, each
// entry's keys sorted, its unset paths last.
func (o *Overlay) Encode(target string) ([]byte, error) {
	doc := map[string]any{}
	for _, part := range []struct {
		key     string
		entries map[string]*OverlayEntry
	}{{"functions", o.Functions}, {"domains", o.Domains}} {
		tables := map[string]any{}
		for name, e := range part.entries {
			if e.Empty() {
				continue
			}
			t := cloneMap(e.Set)
			if e.Skip {
				t[skipKey] = true
			}
			if len(e.Unset) > 0 {
				var paths []any
				for _, p := range e.Unset {
					paths = append(paths, dottedKey(p))
				}
				t[unsetKey] = paths
			}
			tables[name] = t
		}
		if len(tables) > 0 {
			doc[part.key] = tables
		}
	}
	w := &tomlWriter{}
	w.buf.WriteString(fmt.Sprintf("# What differs in target %s from the shared function and domain files.\n", target))
	if err := w.table(nil, doc, false); err != nil {
		return nil, fmt.Errorf("encode overlay of %s: %w", target, err)
	}
	return w.buf.Bytes(), nil
}

// ApplyOverlay returns a function's state with an overlay entry applied.
func ApplyOverlay(st *State, e *OverlayEntry) *State {
	if e.Empty() {
		return st
	}
	doc := cloneMap(document(st))
	mergeInto(doc, e.Set)
	for _, p := range e.Unset {
		removePath(doc, p)
	}
	out := &State{Name: st.Name, Config: map[string]any{}, Triggers: map[string]map[string]any{}}
	for k, v := range doc {
		if k != "triggers" {
			out.Config[k] = v
			continue
		}
		trs, _ := v.(map[string]any)
		for name, t := range trs {
			if m, ok := t.(map[string]any); ok {
				out.Triggers[name] = m
			}
		}
	}
	return out
}

// ApplyDomainOverlay is ApplyOverlay for a custom domain.
func ApplyDomainOverlay(st *State, e *OverlayEntry) *State {
	if e.Empty() {
		return st
	}
	cfg := cloneMap(st.Config)
	mergeInto(cfg, e.Set)
	for _, p := range e.Unset {
		removePath(cfg, p)
	}
	return &State{Name: st.Name, Config: cfg}
}

// mergeInto sets the values of set in doc: tables key by key, the rest
// replaced.
func mergeInto(doc, set map[string]any) {
	for k, v := range set {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := doc[k].(map[string]any); ok {
				merged := cloneMap(dm)
				mergeInto(merged, sm)
				doc[k] = merged
				continue
			}
		}
		doc[k] = cloneValue(v)
	}
}

func removePath(doc map[string]any, p []string) {
	if len(p) == 1 {
		delete(doc, p[0])
		return
	}
	sub, ok := doc[p[0]].(map[string]any)
	if !ok {
		return
	}
	sub = cloneMap(sub)
	removePath(sub, p[1:])
	doc[p[0]] = sub
}

// OverlayBetween returns the entry that turns the shared state into the
// target's (as the target runs it): the members that differ, set to the
// target's value, and those the target does not set, unset. FC's defaults
// and absent members are alike, as everywhere.
func OverlayBetween(shared, target *State) *OverlayEntry {
	return overlayOf(Changes(shared, target))
}

// DomainOverlayBetween is OverlayBetween for a custom domain.
func DomainOverlayBetween(shared, target *State) *OverlayEntry {
	return overlayOf(DomainChanges(shared, target))
}

func overlayOf(changes []Change) *OverlayEntry {
	e := &OverlayEntry{Set: map[string]any{}}
	for _, c := range changes {
		if c.NewAbsent {
			e.Unset = append(e.Unset, c.Path)
			continue
		}
		m := e.Set
		for _, k := range c.Path[:len(c.Path)-1] {
			sub, ok := m[k].(map[string]any)
			if !ok {
				sub = map[string]any{}
				m[k] = sub
			}
			m = sub
		}
		m[c.Path[len(c.Path)-1]] = cloneValue(c.New)
	}
	sort.Slice(e.Unset, func(i, j int) bool { return dottedKey(e.Unset[i]) < dottedKey(e.Unset[j]) })
	return e
}
