package snapshot

import (
	"sort"
	"strings"

	"github.com/fcgit/fcgit/internal/typo"
)

// UnknownPaths lists the keys of st that fcgit's description of FC does not
// know, as key paths: top-level function fields, members of known nested
// settings, and trigger fields. Data tables (environment variables, a
// trigger's config, tags) and the insides of unknown tables are not looked
// into. Such keys round-trip when FC returns them; push refuses those that
// are not online either (a typo too far from any known name to be caught
// by Decode, such as memory for memorySize).
func UnknownPaths(st *State) [][]string {
	var out [][]string
	unknownIn(rootField, nil, st.Config, &out)
	for _, name := range sortedKeys(st.Triggers) {
		unknownIn(triggerField, []string{"triggers", name}, st.Triggers[name], &out)
	}
	return out
}

func unknownIn(f *field, prefix []string, m map[string]any, out *[][]string) {
	for _, k := range sortedKeys(m) {
		path := append(append([]string(nil), prefix...), k)
		cf := f.member(k)
		if cf == nil {
			*out = append(*out, path)
			continue
		}
		switch cf.kind {
		case kindStruct:
			if sub, ok := m[k].(map[string]any); ok && cf.fields != nil {
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
	sort.SliceStable(*out, func(i, j int) bool { return strings.Join((*out)[i], ".") < strings.Join((*out)[j], ".") })
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
// the table is not described.
func NearestKey(path []string) string {
	f := rootField
	rest := path
	if len(path) >= 2 && path[0] == "triggers" {
		f, rest = triggerField, path[2:]
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
	if len(rest) != 1 || f.fields == nil {
		return ""
	}
	best, bestD := "", -1
	for _, k := range sortedKeys(f.fields) {
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
