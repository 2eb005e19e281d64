package merge

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"sort"
	"strconv"
	"testing"

	"github.com/fcgit/fcgit/merge/textmerge"
	"github.com/fcgit/fcgit/snapshot"
)

// TestTOMLDisjointChangesProperty: for random function states, when ours and
// theirs change disjoint sets of keys (modify, delete, add, whole triggers
// added or deleted), the key-level merge is clean and equals applying both
// change sets to the base.
func TestTOMLDisjointChangesProperty(t *testing.T) {
	r := rand.New(rand.NewSource(20240601))
	opts := textmerge.Options{OursLabel: "HEAD", TheirsLabel: theirsBranch, BaseLabel: "1234abc", Style: textmerge.StyleDiff3}
	const iterations = 300
	textConflicts, bothChanged := 0, 0
	for i := 0; i < iterations; i++ {
		g := &stateGen{r: r}
		base := g.base()
		ours, theirs, both := cloneTree(base), cloneTree(base), cloneTree(base)
		g.changes(base, []map[string]any{ours, theirs}, both)

		enc := func(tree map[string]any) []byte {
			st := toState(tree)
			data, err := snapshot.Encode(st, st)
			if err != nil {
				t.Fatalf("iteration %d: encode %v: %v", i, tree, err)
			}
			return data
		}
		b, o, th, want := enc(base), enc(ours), enc(theirs), enc(both)
		if string(o) != string(b) && string(th) != string(b) {
			bothChanged++
		}
		if textmerge.Merge(b, o, th, opts).Conflicts > 0 {
			textConflicts++
		}
		res, err := TOML(tomlPath, "api", b, o, th, opts)
		if err != nil {
			t.Fatalf("iteration %d: %v", i, err)
		}
		if len(res.Conflicts) != 0 || string(res.Content) != string(want) {
			t.Fatalf("iteration %d: conflicts %v\nbase:\n%s\nours:\n%s\ntheirs:\n%s\nmerged:\n%s\nwant:\n%s",
				i, res.Conflicts, b, o, th, res.Content, want)
		}
	}
	// The property must have been tested where it matters: both sides
	// changed, often where git's text merge conflicts.
	if bothChanged < iterations/2 || textConflicts < iterations/10 {
		t.Errorf("weak sample: both sides changed in %d, text merge conflicted in %d of %d", bothChanged, textConflicts, iterations)
	}
	t.Logf("both sides changed in %d, text merge conflicted in %d of %d", bothChanged, textConflicts, iterations)
}

// stateGen builds random function states as one tree: the config keys plus
// "triggers" -> name -> fields.
type stateGen struct {
	r *rand.Rand
	n int
}

func (g *stateGen) str(prefix string) string {
	g.n++
	return fmt.Sprintf("%s-%d-%d", prefix, g.n, g.r.Intn(1000))
}

func (g *stateGen) num() json.Number {
	g.n++
	return json.Number(strconv.Itoa(128 + 64*g.n + g.r.Intn(64)))
}

func (g *stateGen) list(prefix string) []any {
	out := make([]any, 1+g.r.Intn(2))
	for i := range out {
		out[i] = g.str(prefix)
	}
	return out
}

func (g *stateGen) maybe(p float64) bool { return g.r.Float64() < p }

func (g *stateGen) base() map[string]any {
	cfg := map[string]any{"handler": g.str("index.handler"), "runtime": "python3.10"}
	if g.maybe(0.7) {
		cfg["memorySize"] = g.num()
	}
	if g.maybe(0.5) {
		cfg["timeout"] = g.num()
	}
	if g.maybe(0.5) {
		cfg["description"] = g.str("desc")
	}
	if g.maybe(0.4) {
		cfg["layers"] = g.list("acs:fc:layer")
	}
	if g.maybe(0.7) {
		env := map[string]any{}
		for i := 0; i < 1+g.r.Intn(4); i++ {
			env[fmt.Sprintf("VAR_%d", i)] = g.str("v")
		}
		cfg["environmentVariables"] = env
	}
	if g.maybe(0.5) {
		cfg["vpcConfig"] = map[string]any{"vpcId": g.str("vpc"), "vSwitchIds": g.list("vsw"), "securityGroupId": g.str("sg")}
	}
	triggers := map[string]any{}
	for i := 0; i < g.r.Intn(4); i++ {
		triggers[fmt.Sprintf("t%d", i)] = g.trigger()
	}
	cfg["triggers"] = triggers
	return cfg
}

func (g *stateGen) trigger() map[string]any {
	t := map[string]any{"triggerType": "http", "qualifier": g.str("q")}
	if g.maybe(0.5) {
		t["description"] = g.str("trigger")
	}
	if g.maybe(0.8) {
		t["config"] = map[string]any{"authType": g.str("auth"), "methods": g.list("M"), "limit": g.num()}
	}
	return t
}

// changes gives every leaf of base to at most one side, which modifies or
// deletes it; whole triggers are deleted by one side; each side adds keys
// and triggers under names of its own. both receives every change.
func (g *stateGen) changes(base map[string]any, sides []map[string]any, both map[string]any) {
	owner := func() int { return g.r.Intn(len(sides) + 1) } // len(sides): untouched
	apply := func(side int, f func(m map[string]any)) {
		f(sides[side])
		f(both)
	}
	triggers := base["triggers"].(map[string]any)
	deleted := map[string]bool{}
	for _, name := range sortedAnyKeys(triggers) {
		if g.maybe(0.2) {
			name := name
			side := g.r.Intn(len(sides))
			apply(side, func(m map[string]any) { delete(m["triggers"].(map[string]any), name) })
			deleted[name] = true
		}
	}
	for _, leaf := range leaves(base, nil) {
		if len(leaf) >= 2 && leaf[0] == "triggers" && deleted[leaf[1]] {
			continue
		}
		if leaf[len(leaf)-1] == "triggerType" || (len(leaf) == 1 && (leaf[0] == "handler" || leaf[0] == "runtime") && g.maybe(0.5)) {
			continue
		}
		side := owner()
		if side == len(sides) {
			continue
		}
		leaf := leaf
		old := getPath(base, leaf)
		if g.maybe(0.25) {
			apply(side, func(m map[string]any) { deletePath(m, leaf) })
			continue
		}
		nv := g.mutate(old)
		apply(side, func(m map[string]any) { setPath(m, leaf, nv) })
	}
	for side, tag := range []string{"OURS", "THEIRS"} {
		for i := 0; i < g.r.Intn(3); i++ {
			key := fmt.Sprintf("%s_%d", tag, i)
			val := g.str("added")
			var p []string
			switch g.r.Intn(3) {
			case 0:
				p = []string{"environmentVariables", key}
			case 1:
				p = []string{"triggers", "new" + key, "triggerType"}
				val = "timer"
			default:
				names := sortedAnyKeys(triggers)
				if len(names) == 0 || deleted[names[0]] {
					continue
				}
				p = []string{"triggers", names[0], "config", key}
			}
			apply(side, func(m map[string]any) { setPath(m, p, val) })
		}
	}
}

// mutate returns a different value of v's type.
func (g *stateGen) mutate(v any) any {
	switch x := v.(type) {
	case json.Number:
		return g.num()
	case []any:
		return append(append([]any{}, x...), g.str("more"))
	case string:
		return g.str("changed")
	}
	panic(fmt.Sprintf("mutate %T", v))
}

func leaves(m map[string]any, prefix []string) [][]string {
	var out [][]string
	for _, k := range sortedAnyKeys(m) {
		p := append(append([]string{}, prefix...), k)
		if sub, ok := m[k].(map[string]any); ok {
			out = append(out, leaves(sub, p)...)
			continue
		}
		out = append(out, p)
	}
	return out
}

func getPath(m map[string]any, p []string) any {
	for _, k := range p[:len(p)-1] {
		m = m[k].(map[string]any)
	}
	return m[p[len(p)-1]]
}

func setPath(m map[string]any, p []string, v any) {
	for _, k := range p[:len(p)-1] {
		sub, ok := m[k].(map[string]any)
		if !ok {
			sub = map[string]any{}
			m[k] = sub
		}
		m = sub
	}
	m[p[len(p)-1]] = v
}

func deletePath(m map[string]any, p []string) {
	for _, k := range p[:len(p)-1] {
		m = m[k].(map[string]any)
	}
	delete(m, p[len(p)-1])
}

func cloneTree(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch x := v.(type) {
		case map[string]any:
			out[k] = cloneTree(x)
		case []any:
			out[k] = append([]any{}, x...)
		default:
			out[k] = v
		}
	}
	return out
}

func sortedAnyKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func toState(tree map[string]any) *snapshot.State {
	st := &snapshot.State{Name: "api", Config: map[string]any{}, Triggers: map[string]map[string]any{}}
	for k, v := range cloneTree(tree) {
		if k != "triggers" {
			st.Config[k] = v
			continue
		}
		for name, fields := range v.(map[string]any) {
			st.Triggers[name] = fields.(map[string]any)
		}
	}
	return st
}
