package snapshot

import (
	"strings"

	"github.com/fcgit/fcgit/internal/mapkeys"
)

// Equal reports whether two states are the same desired state: same name,
// and no difference reported by Diff. Absent keys and FC's default or
// empty-shape values are equal both ways, recursively in nested tables; for
// triggers qualifier "LATEST", description "", invocationRole "" and
// sourceArn "" equal absent; an absent cpu or diskSize equals any value (FC
// chooses them). Numbers compare by value (1 == 1.0).
func Equal(a, b *State) bool {
	return a.Name == b.Name && len(Diff(a, b)) == 0
}

// Diff lists what differs between a (before) and b (after), for drift
// reports and commit messages, as sorted dotted paths: "memorySize",
// "vpcConfig.vpcId", "environmentVariables.DB_URL",
// "triggers.http-1.config.methods", "triggers.timer (added)" (only in b),
// "triggers.old (deleted)" (only in a). A table present on one side only is
// reported as its own path ("vpcConfig"); arrays are compared whole.
func Diff(a, b *State) []string {
	var out []string
	diffTables("", rootField, a.Config, b.Config, &out)
	for _, name := range mapkeys.Sorted(unionKeys(a.Triggers, b.Triggers)) {
		ta, oka := a.Triggers[name]
		tb, okb := b.Triggers[name]
		path := "triggers." + name
		switch {
		case !oka:
			out = append(out, path+" (added)")
		case !okb:
			out = append(out, path+" (deleted)")
		default:
			diffTables(path, triggerField, ta, tb, &out)
		}
	}
	return out
}

func unionKeys[V any](a, b map[string]V) map[string]bool {
	u := make(map[string]bool, len(a)+len(b))
	for k := range a {
		u[k] = true
	}
	for k := range b {
		u[k] = true
	}
	return u
}

// diffTables appends the paths of the members of a and b that differ once
// "not set" members are removed.
func diffTables(prefix string, f *field, a, b map[string]any, out *[]string) {
	na, nb := normalizeTable(f, a), normalizeTable(f, b)
	// For a setting FC chooses (diskSize), only an absent key means "what
	// FC chose": held on both sides, FC's default is a value like any
	// other. Otherwise a file's diskSize = 0 against FC's 512 would drop
	// the 512 as a default and then skip the key as absent on one side.
	for k, v := range a {
		if cf := f.member(k); cf != nil && cf.fcChosen {
			if w, ok := b[k]; ok {
				na[k], nb[k] = v, w
			}
		}
	}
	diffNormalized(prefix, f, na, nb, out)
}

// diffNormalized is diffTables for tables already normalised by f. It must
// not normalise again: a nested table is compared at every level above it,
// and re-normalising there makes a diff quadratic in the nesting depth.
func diffNormalized(prefix string, f *field, na, nb map[string]any, out *[]string) {
	for _, k := range mapkeys.Sorted(unionKeys(na, nb)) {
		cf := f.member(k)
		va, oka := na[k]
		vb, okb := nb[k]
		path := joinPath(prefix, k)
		if cf != nil && cf.fcChosen && (!oka || !okb) {
			continue
		}
		if oka && okb {
			ma, isMapA := va.(map[string]any)
			mb, isMapB := vb.(map[string]any)
			if isMapA && isMapB {
				diffNormalized(path, tableFor(f, cf), ma, mb, out)
				continue
			}
			if valuesEqual(va, vb) {
				continue
			}
		}
		*out = append(*out, path)
	}
}

// PinnedDiff lists the settings FC chooses when they are absent (cpu,
// diskSize) that a sets and b holds with another value. Equal cannot see
// them between a file and a record that leaves them to FC (absent equals
// any value), so a file pinning diskSize = 10240 against a record without
// it is "the same" as that record; this compares the pin with what FC holds.
func PinnedDiff(a, b *State) []string {
	var out []string
	for _, k := range mapkeys.Sorted(a.Config) {
		f := functionFields[k]
		if f == nil || !f.fcChosen {
			continue
		}
		if w, ok := b.Config[k]; ok && !valuesEqual(a.Config[k], w) {
			out = append(out, k)
		}
	}
	return out
}

// TriggerOf returns the name of the trigger a Diff path is about
// ("triggers.web.config.methods", "triggers.cron (added)"), or "" for a
// path about the function's own configuration.
func TriggerOf(path string) string {
	rest, ok := strings.CutPrefix(path, "triggers.")
	if !ok {
		return ""
	}
	// Trigger names are [A-Za-z0-9_-]: the name ends at the first '.' or ' '.
	if i := strings.IndexAny(rest, ". "); i >= 0 {
		return rest[:i]
	}
	return rest
}
