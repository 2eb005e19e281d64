package snapshot

import "github.com/fcgit/fcgit/internal/mapkeys"

// Change is one difference between two states, with its values: what the
// plans, drift reports and status show as "path: old → new".
type Change struct {
	// Path names the member: ["timeout"], ["environmentVariables", "DB"],
	// ["triggers", "web", "config", "methods"].
	Path []string
	// Old and New are the values as the states hold them (secret
	// references included); for an absent member, FC's default when it
	// has one (the same state), else nil.
	Old, New any
	// OldAbsent and NewAbsent: the member is not set in that state (absent,
	// or at FC's default, which is the same; Old or New then shows the
	// default when there is one).
	OldAbsent, NewAbsent bool
}

// Changes lists what differs between a (before) and b (after), the
// differences Diff names, with their values. A trigger present on one side
// only is one change of the whole trigger table.
func Changes(a, b *State) []Change {
	var out []Change
	changedTables(nil, rootField, a.Config, b.Config, &out)
	for _, name := range mapkeys.Sorted(unionKeys(a.Triggers, b.Triggers)) {
		ta, oka := a.Triggers[name]
		tb, okb := b.Triggers[name]
		p := []string{"triggers", name}
		switch {
		case !oka:
			out = append(out, Change{Path: p, New: cloneValue(map[string]any(tb)), OldAbsent: true})
		case !okb:
			out = append(out, Change{Path: p, Old: cloneValue(map[string]any(ta)), NewAbsent: true})
		default:
			changedTables(p, triggerField, ta, tb, &out)
		}
	}
	return out
}

// DomainChanges is Changes for custom domain states.
func DomainChanges(a, b *State) []Change {
	var out []Change
	changedTables(nil, domainField, a.Config, b.Config, &out)
	return out
}

// changedTables walks the members of a and b as diffNormalized does,
// keeping the values as a and b hold them.
func changedTables(prefix []string, f *field, a, b map[string]any, out *[]Change) {
	na, nb := normalizeTable(f, a), normalizeTable(f, b)
	for _, k := range mapkeys.Sorted(unionKeys(na, nb)) {
		cf := f.member(k)
		va, oka := na[k]
		vb, okb := nb[k]
		p := append(append([]string(nil), prefix...), k)
		if cf != nil && cf.fcChosen && (!oka || !okb) {
			continue
		}
		if oka && okb {
			ma, isMapA := a[k].(map[string]any)
			mb, isMapB := b[k].(map[string]any)
			if _, normMap := va.(map[string]any); normMap && isMapA && isMapB {
				if _, normMapB := vb.(map[string]any); normMapB {
					changedTables(p, tableFor(f, cf), ma, mb, out)
					continue
				}
			}
			if valuesEqual(va, vb) {
				continue
			}
		}
		c := Change{Path: p, OldAbsent: !oka, NewAbsent: !okb}
		// An absent member is FC's default, when there is one: show it.
		if oka {
			c.Old = cloneValue(a[k])
		} else if cf != nil && cf.def != nil && !IsEmptyShape(cf.def) {
			c.Old = cloneValue(cf.def)
		}
		if okb {
			c.New = cloneValue(b[k])
		} else if cf != nil && cf.def != nil && !IsEmptyShape(cf.def) {
			c.New = cloneValue(cf.def)
		}
		*out = append(*out, c)
	}
}
