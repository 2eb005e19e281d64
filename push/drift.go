package push

import (
	"strings"

	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/snapshot"
)

// findDrift compares what fcgit last recorded (the online branch tip) with
// what is online now. A function that differs from the tip but equals the
// deploy in progress (deploying) is push's own half-finished work, not drift;
// one that equals HEAD's version was merged already (a conflict resolved in
// favour of online, then pushed with nothing to deploy): nothing would be
// overwritten.
func findDrift(tip, online, local, deploying map[string]*fetch.Function, hasDeploying bool, stamps *fetch.Stamps) []Drift {
	var out []Drift
	names := map[string]bool{}
	for n := range tip {
		names[n] = true
	}
	for n := range online {
		names[n] = true
	}
	for _, name := range sortedKeys(names) {
		t, o := tip[name], online[name]
		if fetch.Same(t, o) {
			continue
		}
		if hasDeploying && fetch.Same(deploying[name], o) {
			continue
		}
		if o != nil && fetch.Same(local[name], o) {
			continue
		}
		out = append(out, describeDrift(name, t, o, stamps))
	}
	return out
}

// describeDrift says how a function moved from recorded state t to online o.
func describeDrift(name string, t, o *fetch.Function, stamps *fetch.Stamps) Drift {
	switch {
	case t == nil && stamps != nil && stamps.Unknown[name] != "":
		return Drift{Function: name, Kind: stamps.Explain(name)}
	case t == nil:
		return Drift{Function: name, Kind: "exists online, not deployed from this repository"}
	case o == nil:
		return Drift{Function: name, Kind: "deleted online"}
	}
	d := Drift{Function: name, Kind: "changed online", Code: t.CodeTree != o.CodeTree}
	seen := map[string]bool{}
	for _, p := range snapshot.Diff(t.State, o.State) {
		if rest, ok := strings.CutPrefix(p, "triggers."); ok {
			if n := triggerName(rest); !seen[n] {
				seen[n] = true
				d.Triggers = append(d.Triggers, n)
			}
			continue
		}
		d.Config = append(d.Config, p)
	}
	return d
}
