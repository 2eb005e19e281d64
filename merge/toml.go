package merge

import (
	"bytes"
	"encoding/json"
	"fmt"
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
	// A trigger deleted on one side and changed on the other conflicts as a
	// whole: its tables cannot be split into key conflicts, since keeping
	// either side of those must leave a trigger that decodes (with its
	// triggerType) or no trigger at all.
	triggerConflicts := map[string]snapshot.Conflict{}
	trig := km.mergeMaps("triggers", triggersAsMap(b), triggersAsMap(o), triggersAsMap(t))
	for n, v := range trig {
		switch x := v.(type) {
		case map[string]any:
			merged.Triggers[n] = x
		case snapshot.Conflict:
			triggerConflicts[n] = x
		default:
			return FileResult{}, fmt.Errorf("%s: trigger %s merged to %T", p, n, v)
		}
	}
	eopts := snapshot.EncodeOptions{MarkerSize: opts.MarkerSize, OursLabel: opts.OursLabel, TheirsLabel: opts.TheirsLabel}
	if opts.Style != textmerge.StyleMerge {
		eopts.BaseLabel = opts.BaseLabel
	}
	var content []byte
	if len(triggerConflicts) == 0 {
		// prev = the merged state itself: every key the merge kept is
		// written, whether or not it holds FC's default, so the result says
		// what the two sides said.
		content, err = snapshot.EncodeWithConflicts(merged, merged, eopts)
	} else {
		content, err = encodeTriggerConflicts(merged, triggerConflicts, eopts)
	}
	if err != nil {
		return FileResult{}, err
	}
	sort.Strings(km.conflicts)
	return FileResult{Content: content, Conflicts: km.conflicts}, nil
}

// encodeTriggerConflicts renders merged as EncodeWithConflicts does, with a
// conflict block holding each side's whole [triggers.<name>] section(s) at
// the canonical position of each conflicted trigger. Each side keeps its
// leading blank line, so keeping either side gives a canonical file.
func encodeTriggerConflicts(merged *snapshot.State, conflicts map[string]snapshot.Conflict, eopts snapshot.EncodeOptions) ([]byte, error) {
	cfgOnly := &snapshot.State{Name: merged.Name, Config: merged.Config, Triggers: map[string]map[string]any{}}
	out, err := snapshot.EncodeWithConflicts(cfgOnly, cfgOnly, eopts)
	if err != nil {
		return nil, err
	}
	// Encoding a state with an empty config yields the header line, the
	// empty root table's blank line, then the trigger sections.
	header, _, _ := bytes.Cut(out, []byte("\n"))
	prefix := append(append([]byte{}, header...), '\n', '\n')
	section := func(tname string, fields map[string]any) ([]byte, error) {
		st := &snapshot.State{Name: merged.Name, Config: map[string]any{}, Triggers: map[string]map[string]any{tname: fields}}
		text, err := snapshot.EncodeWithConflicts(st, st, eopts)
		if err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(text, prefix) {
			return nil, fmt.Errorf("trigger %s: unexpected encoding %q", tname, text)
		}
		return text[len(prefix):], nil
	}
	names := make([]string, 0, len(merged.Triggers)+len(conflicts))
	for n := range merged.Triggers {
		names = append(names, n)
	}
	for n := range conflicts {
		names = append(names, n)
	}
	sort.Strings(names)
	size := eopts.MarkerSize
	if size <= 0 {
		size = textmerge.DefaultMarkerSize
	}
	marker := func(ch byte, label string) {
		out = append(out, bytes.Repeat([]byte{ch}, size)...)
		if label != "" {
			out = append(out, ' ')
			out = append(out, label...)
		}
		out = append(out, '\n')
	}
	side := func(tname string, has bool, v any) error {
		if !has {
			return nil
		}
		fields, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("trigger %s: a side is %T, not a table", tname, v)
		}
		text, err := section(tname, fields)
		out = append(out, text...)
		return err
	}
	for _, n := range names {
		c, conflicted := conflicts[n]
		if !conflicted {
			text, err := section(n, merged.Triggers[n])
			if err != nil {
				return nil, err
			}
			out = append(out, text...)
			continue
		}
		marker('<', eopts.OursLabel)
		if err := side(n, c.HasOurs, c.Ours); err != nil {
			return nil, err
		}
		if eopts.BaseLabel != "" {
			marker('|', eopts.BaseLabel)
			if err := side(n, c.HasBase, c.Base); err != nil {
				return nil, err
			}
		}
		marker('=', "")
		if err := side(n, c.HasTheirs, c.Theirs); err != nil {
			return nil, err
		}
		marker('>', eopts.TheirsLabel)
	}
	return out, nil
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
	// Tables both sides kept merge key by key. A table one side dropped
	// while the other changed it conflicts as a whole, as a file does in
	// git's modify/delete: keeping either side must give that side's table
	// entire, not the changed keys without the ones they go with.
	if oIsMap && tIsMap && (bIsMap || !bok) {
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

// DomainTOML returns a FileMerger that merges <dir>/<domain>.toml key by
// key, as FunctionTOML does function.toml: a route changed on one side and
// the certificate on the other merge; routes are one array, so both sides
// changing them differently conflict on routeConfig.routes alone.
func DomainTOML(dir string) FileMerger {
	return func(p string, base, ours, theirs []byte, opts textmerge.Options) (FileResult, bool) {
		if path.Dir(p) != path.Clean(dir) || path.Ext(p) != ".toml" {
			return FileResult{}, false
		}
		name := snapshot.DomainOfFile(path.Base(p))
		if name == "" {
			return FileResult{}, false
		}
		res, err := domainTOML(p, name, base, ours, theirs, opts)
		if err != nil {
			return FileResult{}, false
		}
		return res, true
	}
}

func domainTOML(p, name string, base, ours, theirs []byte, opts textmerge.Options) (FileResult, error) {
	var sides [3]*snapshot.State
	for i, data := range [][]byte{base, ours, theirs} {
		if len(data) == 0 {
			sides[i] = &snapshot.State{Name: name, Config: map[string]any{}}
			continue
		}
		st, err := snapshot.DecodeDomain(p, data, name)
		if err != nil {
			return FileResult{}, err
		}
		sides[i] = st
	}
	km := keyMerger{favor: opts.Favor}
	merged := &snapshot.State{Name: name, Config: km.mergeMaps("", sides[0].Config, sides[1].Config, sides[2].Config)}
	eopts := snapshot.EncodeOptions{MarkerSize: opts.MarkerSize, OursLabel: opts.OursLabel, TheirsLabel: opts.TheirsLabel}
	if opts.Style != textmerge.StyleMerge {
		eopts.BaseLabel = opts.BaseLabel
	}
	content, err := snapshot.EncodeDomainWithConflicts(merged, merged, eopts)
	if err != nil {
		return FileResult{}, err
	}
	sort.Strings(km.conflicts)
	return FileResult{Content: content, Conflicts: km.conflicts}, nil
}

// Mergers tries each FileMerger in turn; the first that handles a path
// merges it.
func Mergers(ms ...FileMerger) FileMerger {
	return func(p string, base, ours, theirs []byte, opts textmerge.Options) (FileResult, bool) {
		for _, m := range ms {
			if m == nil {
				continue
			}
			if res, ok := m(p, base, ours, theirs, opts); ok {
				return res, true
			}
		}
		return FileResult{}, false
	}
}
