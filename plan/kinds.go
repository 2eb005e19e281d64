package plan

import (
	"strings"

	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/kinds"
	"github.com/fcgit/fcgit/snapshot"
)

// kindActions compares a function's kinds online (o, nil when the function
// is new) with HEAD's (l, nil when it is deleted).
func kindActions(l, o *snapshot.State) []KindAction {
	var out []KindAction
	get := func(st *snapshot.State, key string) any {
		if st == nil {
			return nil
		}
		return st.Config[key]
	}
	for _, s := range kinds.Settings {
		lv, ov := get(l, s.Key), get(o, s.Key)
		if !s.Qualified {
			out = append(out, compareOne(s.Key, "", lv, ov, "put")...)
			continue
		}
		lm, _ := lv.(map[string]any)
		om, _ := ov.(map[string]any)
		for _, q := range unionKeys(lm, om) {
			out = append(out, compareOne(s.Key, q, lm[q], om[q], "put")...)
		}
	}
	// VPC bindings: a set.
	lids, oids := idSet(get(l, kinds.VpcBindingsKey)), idSet(get(o, kinds.VpcBindingsKey))
	for _, id := range mapkeys.Sorted(lids) {
		if !oids[id] {
			out = append(out, KindAction{Kind: kinds.VpcBindingsKey, Name: id, Op: "create"})
		}
	}
	for _, id := range mapkeys.Sorted(oids) {
		if !lids[id] {
			out = append(out, KindAction{Kind: kinds.VpcBindingsKey, Name: id, Op: "delete"})
		}
	}
	// Aliases: created, updated or deleted by name.
	la, _ := get(l, kinds.AliasesKey).(map[string]any)
	oa, _ := get(o, kinds.AliasesKey).(map[string]any)
	for _, name := range unionKeys(la, oa) {
		out = append(out, compareOne(kinds.AliasesKey, name, la[name], oa[name], "update")...)
	}
	// The invocation switch.
	li, oi := get(l, kinds.InvocationKey), get(o, kinds.InvocationKey)
	if !snapshot.KindEqual(kinds.InvocationKey, li, oi) {
		op := "enable"
		if disabled(li) {
			op = "disable"
		}
		out = append(out, KindAction{Kind: kinds.InvocationKey, Op: op})
	}
	return out
}

// compareOne is the action turning online value ov into local lv for one
// table of kind key (a qualifier's setting, an alias).
func compareOne(key, name string, lv, ov any, change string) []KindAction {
	wrap := func(v any) any {
		if name == "" || v == nil {
			return v
		}
		return map[string]any{name: v}
	}
	if snapshot.KindEqual(key, wrap(lv), wrap(ov)) {
		return nil
	}
	switch {
	case isUnset(key, wrap(lv)):
		return []KindAction{{Kind: key, Name: name, Op: "delete"}}
	case isUnset(key, wrap(ov)) && change == "update":
		return []KindAction{{Kind: key, Name: name, Op: "create"}}
	}
	return []KindAction{{Kind: key, Name: name, Op: change}}
}

// isUnset reports whether a kind's value is absent or only FC's defaults.
func isUnset(key string, v any) bool { return v == nil || snapshot.KindEqual(key, v, nil) }

func disabled(v any) bool {
	m, _ := v.(map[string]any)
	d, _ := m["disable"].(bool)
	return d
}

func idSet(v any) map[string]bool {
	out := map[string]bool{}
	list, _ := v.([]any)
	for _, e := range list {
		if s, ok := e.(string); ok {
			out[s] = true
		}
	}
	return out
}

func unionKeys(a, b map[string]any) []string {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return mapkeys.Sorted(m)
}

// IsKindPath reports whether a Diff path is about one of the other kinds.
func IsKindPath(p string) bool {
	k, _, _ := strings.Cut(p, ".")
	k, _, _ = strings.Cut(k, " ")
	return kinds.IsFunctionKey(k)
}
