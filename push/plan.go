package push

import (
	"sort"

	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/snapshot"
)

// Action is what push does to one function.
type Action struct {
	Function string          `json:"function"`
	Op       string          `json:"op"` // "create", "update", "delete"
	Config   []string        `json:"config,omitempty"`
	Code     bool            `json:"code,omitempty"`
	Triggers []TriggerAction `json:"triggers,omitempty"`
	// Secrets names secret environment variables deployed with a new value
	// from push's environment (never the value itself).
	Secrets []string `json:"secrets,omitempty"`
	// Kinds are the function's other kinds to write: settings, VPC
	// bindings, aliases, the invocation switch.
	Kinds []KindAction `json:"settings,omitempty"`

	local  *fetch.Function
	online *fetch.Function
}

// TriggerAction is what push does to one trigger.
type TriggerAction struct {
	Trigger string `json:"trigger"`
	Op      string `json:"op"` // "create", "update", "delete", "replace" (type or sourceArn changed: delete + create)
}

// Plan is the difference between online state and HEAD, as deploy steps.
type Plan struct {
	Actions []Action `json:"actions"`
	// Domains are the custom domains to write, after the functions.
	Domains []DomainAction `json:"domains,omitempty"`
}

// Empty reports whether there is nothing to deploy.
func (p *Plan) Empty() bool { return len(p.Actions) == 0 && len(p.Domains) == 0 }

// Writes counts the API write requests the plan makes (not counting waits and
// stamps), for summaries.
func (p *Plan) Writes() int {
	n := 0
	for _, a := range p.Actions {
		if a.Op == "delete" || a.Op == "create" || functionConfig(a.Config) || a.Code || len(a.Secrets) > 0 {
			n++
		}
		n += len(a.Kinds)
		for _, t := range a.Triggers {
			n++
			if t.Op == "replace" {
				n++
			}
		}
	}
	return n + len(p.Domains)
}

// makePlan compares the online functions with HEAD's. Functions online but
// not in HEAD are deleted only when prune is set; otherwise they are
// returned as deletions refused.
func makePlan(online, local map[string]*fetch.Function, prune bool) (*Plan, []string) {
	p := &Plan{}
	var refused []string
	for _, name := range sortedKeys(local) {
		l, o := local[name], online[name]
		if o == nil {
			a := Action{Function: name, Op: "create", Code: !l.CodeTree.IsZero(), local: l, Kinds: kindActions(l.State, nil)}
			for _, t := range sortedKeys(l.State.Triggers) {
				a.Triggers = append(a.Triggers, TriggerAction{Trigger: t, Op: "create"})
			}
			p.Actions = append(p.Actions, a)
			continue
		}
		if fetch.Same(l, o) {
			continue
		}
		a := Action{Function: name, Op: "update", Code: l.CodeTree != o.CodeTree, local: l, online: o, Kinds: kindActions(l.State, o.State)}
		changedTriggers := map[string]bool{}
		for _, d := range snapshot.Diff(o.State, l.State) {
			if n := snapshot.TriggerOf(d); n != "" {
				changedTriggers[n] = true
				continue
			}
			a.Config = append(a.Config, d)
		}
		for _, t := range sortedKeys(changedTriggers) {
			lt, inLocal := l.State.Triggers[t]
			ot, inOnline := o.State.Triggers[t]
			op := "update"
			switch {
			case !inOnline:
				op = "create"
			case !inLocal:
				op = "delete"
			case !snapshotValueEqual(lt["triggerType"], ot["triggerType"]) || !snapshotValueEqual(lt["sourceArn"], ot["sourceArn"]):
				op = "replace"
			}
			a.Triggers = append(a.Triggers, TriggerAction{Trigger: t, Op: op})
		}
		if len(a.Config) > 0 || a.Code || len(a.Triggers) > 0 || len(a.Kinds) > 0 {
			p.Actions = append(p.Actions, a)
		}
	}
	for _, name := range sortedKeys(online) {
		if local[name] != nil {
			continue
		}
		if !prune {
			refused = append(refused, name)
			continue
		}
		a := Action{Function: name, Op: "delete", online: online[name], Kinds: kindActions(nil, online[name].State)}
		for _, t := range sortedKeys(online[name].State.Triggers) {
			a.Triggers = append(a.Triggers, TriggerAction{Trigger: t, Op: "delete"})
		}
		p.Actions = append(p.Actions, a)
	}
	return p, refused
}

func snapshotValueEqual(a, b any) bool {
	sa, _ := a.(string)
	sb, _ := b.(string)
	return sa == sb && (a == nil) == (b == nil)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// functionConfig reports whether config paths name the function's own
// fields (written by UpdateFunction), not only its other kinds.
func functionConfig(paths []string) bool {
	for _, p := range paths {
		if !isKindPath(p) {
			return true
		}
	}
	return false
}
