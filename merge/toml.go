package merge

import (
	"encoding/json"
	"path"
	"sort"

	"github.com/fcgit/fcgit/merge/textmerge"
	"github.com/fcgit/fcgit/snapshot"
)

// FunctionTOML returns a FileMerger that merges <dir>/<name>/function.toml key
// by key: edits to different keys merge even on adjacent lines, tables merge
// recursively, arrays are single values, and only a key both sides changed
// differently conflicts, with markers around that key's lines alone. A file
// that does not parse on some side is left to the text merge.
func FunctionTOML(dir string) FileMerger {
	return func(p string, base, ours, theirs []byte, opts textmerge.Options) (FileResult, bool) {
		if path.Base(p) != "function.toml" || path.Dir(path.Dir(p)) != path.Clean(dir) {
			return FileResult{}, false
		}
		name := path.Base(path.Dir(p))
		res, err := TOML(p, name, base, ours, theirs, opts)
		if err != nil {
			return FileResult{}, false
		}
		return res, true
	}
}

// TOML merges three versions of a function.toml. An empty base means the file
// was added on both sides.
func TOML(p, name string, base, ours, theirs []byte, opts textmerge.Options) (FileResult, error) {
	decode := func(data []byte) (*snapshot.State, error) {
		if len(data) == 0 {
			return &snapshot.State{Name: name, Config: map[string]any{}, Triggers: map[string]map[string]any{}}, nil
		}
		return snapshot.Decode(p, data, name)
	}
	b, err := decode(base)
	if err != nil {
		return FileResult{}, err
	}
	o, err := decode(ours)
	if err != nil {
		return FileResult{}, err
	}
	t, err := decode(theirs)
	if err != nil {
		return FileResult{}, err
	}
	km := keyMerger{favor: opts.Favor}
	merged := &snapshot.State{Name: name}
	merged.Config = km.mergeMaps("", b.Config, o.Config, t.Config)
	merged.Triggers = map[string]map[string]any{}
	trig := km.mergeMaps("triggers", triggersAsMap(b), triggersAsMap(o), triggersAsMap(t))
	for n, v := range trig {
		if m, ok := v.(map[string]any); ok {
			merged.Triggers[n] = m
		}
	}
	eopts := snapshot.EncodeOptions{MarkerSize: opts.MarkerSize, OursLabel: opts.OursLabel, TheirsLabel: opts.TheirsLabel}
	if opts.Style != textmerge.StyleMerge {
		eopts.BaseLabel = opts.BaseLabel
	}
	// prev = the merged state itself: every key the merge kept is written,
	// whether or not it holds FC's default, so the result says what the two
	// sides said.
	content, err := snapshot.EncodeWithConflicts(merged, merged, eopts)
	if err != nil {
		return FileResult{}, err
	}
	sort.Strings(km.conflicts)
	return FileResult{Content: content, Conflicts: km.conflicts}, nil
}

func triggersAsMap(s *snapshot.State) map[string]any {
	m := make(map[string]any, len(s.Triggers))
	for n, t := range s.Triggers {
		m[n] = t
	}
	return m
}

type keyMerger struct {
	favor     textmerge.Favor
	conflicts []string
}

// mergeMaps merges three tables; a nil map is an absent table.
func (k *keyMerger) mergeMaps(prefix string, b, o, t map[string]any) map[string]any {
	keys := map[string]bool{}
	for _, m := range []map[string]any{b, o, t} {
		for key := range m {
			keys[key] = true
		}
	}
	out := map[string]any{}
	for key := range keys {
		bv, bok := b[key]
		ov, ook := o[key]
		tv, tok := t[key]
		v, ok := k.mergeValue(join(prefix, key), bv, bok, ov, ook, tv, tok)
		if ok {
			out[key] = v
		}
	}
	return out
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func (k *keyMerger) mergeValue(p string, bv any, bok bool, ov any, ook bool, tv any, tok bool) (any, bool) {
	switch {
	case sameValue(ov, ook, tv, tok):
		return ov, ook
	case sameValue(bv, bok, ov, ook):
		return tv, tok
	case sameValue(bv, bok, tv, tok):
		return ov, ook
	}
	bm, bIsMap := bv.(map[string]any)
	om, oIsMap := ov.(map[string]any)
	tm, tIsMap := tv.(map[string]any)
	// Tables merge key by key, also when one side dropped the table: then
	// every key the other side changed conflicts on its own line.
	if (oIsMap || !ook) && (tIsMap || !tok) && (bIsMap || !bok) && (oIsMap || tIsMap) {
		return k.mergeMaps(p, bm, om, tm), true
	}
	switch k.favor {
	case textmerge.FavorOurs:
		return ov, ook
	case textmerge.FavorTheirs:
		return tv, tok
	}
	k.conflicts = append(k.conflicts, p)
	return snapshot.Conflict{Base: bv, Ours: ov, Theirs: tv, HasBase: bok, HasOurs: ook, HasTheirs: tok}, true
}

func sameValue(a any, aok bool, b any, bok bool) bool {
	if !aok || !bok {
		return aok == bok
	}
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}
