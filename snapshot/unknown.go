package snapshot

import (
	"sort"
	"strings"

	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/internal/typo"
)

// UnknownPaths lists the keys of st that fcgit's description of FC does not
// know, as key paths: top-level function fields, members of known nested
// settings (each qualifier's, each alias's), trigger fields and the members
// of a trigger's config for the types fcgit has a model of
// (triggerConfigs). Data tables (environment variables, tags, canary
// weights) and the insides of unknown tables are not looked into. Such keys
// round-trip when FC returns them; Check refuses those that are not online
// either (a typo too far from any known name to be caught by Decode, such
// as memory for memorySize, or a stray key under [aliases.prod]).
func UnknownPaths(st *State) [][]string {
	var out [][]string
	unknownIn(rootField, nil, st.Config, &out)
	for _, name := range mapkeys.Sorted(st.Triggers) {
		t := st.Triggers[name]
		prefix := []string{"triggers", name}
		unknownIn(triggerField, prefix, t, &out)
		if cf := triggerConfigField(t); cf != nil {
			if cfg, ok := t[triggerConfigKey].(map[string]any); ok {
				unknownIn(cf, append(prefix, triggerConfigKey), cfg, &out)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return strings.Join(out[i], "\x00") < strings.Join(out[j], "\x00") })
	return out
}

func unknownIn(f *field, prefix []string, m map[string]any, out *[][]string) {
	for _, k := range mapkeys.Sorted(m) {
		path := append(append([]string(nil), prefix...), k)
		cf := f.member(k)
		if cf == nil {
			*out = append(*out, path)
			continue
		}
		switch cf.kind {
		case kindStruct:
			if sub, ok := m[k].(map[string]any); ok && (cf.fields != nil || cf.elem != nil) {
				unknownIn(cf, path, sub, out)
			}
		case kindStructList:
			if list, ok := m[k].([]any); ok && cf.fields != nil {
				for _, e := range list {
					if sub, ok := e.(map[string]any); ok {
						unknownIn(elemTable(cf), path, sub, out)
					}
				}
			}
		}
	}
}

// HasPath reports whether st holds a value at path (as UnknownPaths names
// them; list elements are searched).
func HasPath(st *State, path []string) bool {
	if len(path) >= 2 && path[0] == "triggers" {
		t, ok := st.Triggers[path[1]]
		return ok && hasIn(t, path[2:])
	}
	return hasIn(st.Config, path)
}

func hasIn(v any, path []string) bool {
	if len(path) == 0 {
		return true
	}
	switch x := v.(type) {
	case map[string]any:
		sub, ok := x[path[0]]
		return ok && hasIn(sub, path[1:])
	case []any:
		for _, e := range x {
			if hasIn(e, path) {
				return true
			}
		}
	}
	return false
}

// KeyLine returns the 1-based line of the key at path in a function.toml
// text, 0 when it cannot be found.
func KeyLine(data []byte, path []string) int {
	return locateKeys(string(data)).line(path)
}

// NearestKey suggests the known key closest to the unknown key at path
// (any distance: the nearest name is still the likeliest meaning), "" when
// the table is not described. Inside a trigger's config it knows nothing:
// see Check, which knows the trigger's type.
func NearestKey(path []string) string {
	return nearestKnown(nil, path)
}

// nearestKnown is NearestKey knowing st, the state path is in.
func nearestKnown(st *State, path []string) string {
	f := rootField
	rest := path
	if len(path) >= 2 && path[0] == "triggers" {
		f, rest = triggerField, path[2:]
		if len(rest) > 1 && rest[0] == triggerConfigKey && st != nil {
			if cf := triggerConfigField(st.Triggers[path[1]]); cf != nil {
				f, rest = cf, rest[1:]
			}
		}
	}
	for len(rest) > 1 {
		cf := f.member(rest[0])
		if cf == nil || (cf.kind != kindStruct && cf.kind != kindStructList) {
			return ""
		}
		if cf.kind == kindStructList {
			f = elemTable(cf)
		} else {
			f = cf
		}
		rest = rest[1:]
	}
	if len(rest) != 1 || len(f.fields) == 0 {
		return ""
	}
	best, bestD := "", -1
	for _, k := range mapkeys.Sorted(f.fields) {
		if f.fields[k].readOnly {
			continue
		}
		if d := typo.Distance(strings.ToLower(rest[0]), strings.ToLower(k)); bestD < 0 || d < bestD {
			best, bestD = k, d
		}
	}
	// Beyond half the length the "nearest" name says nothing.
	if bestD > (len(rest[0])+1)/2+1 {
		return ""
	}
	return best
}
