package plan

import (
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/kinds"
	"github.com/fcgit/fcgit/snapshot"
)

// describeDrift says how a function moved from recorded state t to online o.
func describeDrift(name string, t, o *fetch.Function, stamps *fetch.Stamps) Drift {
	switch {
	case t == nil && o != nil && stamps != nil && stamps.Unknown[name] != "":
		if s := stamps.StampOf(name); s.Content != "" && !fetch.MatchesStamp(o, s.Content) {
			return Drift{Function: name, Kind: stamps.ExplainChanged(name)}
		}
		return Drift{Function: name, Kind: stamps.Explain(name)}
	case t == nil:
		return Drift{Function: name, Kind: "exists online, not deployed from this repository"}
	case o == nil:
		return Drift{Function: name, Kind: "deleted online"}
	}
	d := Drift{Function: name, Kind: "changed online", Code: t.CodeTree != o.CodeTree, Secrets: o.SecretsChanged}
	seen := map[string]bool{}
	for _, p := range snapshot.Diff(t.State, o.State) {
		if n := snapshot.TriggerOf(p); n != "" {
			if !seen[n] {
				seen[n] = true
				d.Triggers = append(d.Triggers, n)
			}
			continue
		}
		d.Config = append(d.Config, p)
	}
	d.Changes = changesOf(snapshot.Changes(t.State, o.State), secretPaths(t.State, o.State))
	return d
}

// between reports whether online state o is a mix of the recorded state t and
// the deploy in progress d, part by part: push writes a function's config and
// code in one request, then each trigger, so a cut-off deploy leaves each part
// either as it was or as it was being deployed. nil means absent.
func between(t, d, o *fetch.Function) bool {
	if o == nil {
		return t == nil || d == nil
	}
	code := func(f *fetch.Function) plumbing.Hash {
		if f == nil {
			return plumbing.ZeroHash
		}
		return f.CodeTree
	}
	// The function's own fields go in one request; each other kind
	// (a setting, the aliases, the bindings, the switch) in its own.
	part := func(f *fetch.Function, key string) *snapshot.State {
		// A function that did not exist has every part absent.
		st := &snapshot.State{Name: o.Name, Config: map[string]any{}}
		if f == nil {
			return st
		}
		for k, v := range f.State.Config {
			if key == "" && !kinds.IsFunctionKey(k) || k == key {
				st.Config[k] = v
			}
		}
		return st
	}
	trigger := func(f *fetch.Function, name string) *snapshot.State {
		if f == nil {
			return &snapshot.State{Name: o.Name}
		}
		st := &snapshot.State{Name: f.Name, Triggers: map[string]map[string]any{}}
		if tr, ok := f.State.Triggers[name]; ok {
			st.Triggers[name] = tr
		}
		return st
	}
	same := func(a, b *snapshot.State) bool {
		if a == nil || b == nil {
			return a == nil && b == nil
		}
		return snapshot.Equal(a, b)
	}
	if code(o) != code(t) && code(o) != code(d) {
		return false
	}
	for _, key := range append([]string{""}, kinds.FunctionKeys()...) {
		if op := part(o, key); !same(op, part(t, key)) && !same(op, part(d, key)) {
			return false
		}
	}
	names := map[string]bool{}
	for _, f := range []*fetch.Function{t, d, o} {
		if f != nil {
			for n := range f.State.Triggers {
				names[n] = true
			}
		}
	}
	for n := range names {
		if ot := trigger(o, n); !same(ot, trigger(t, n)) && !same(ot, trigger(d, n)) {
			return false
		}
	}
	return true
}
