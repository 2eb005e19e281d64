package plan

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/snapshot"
)

// functions classifies every function the plan covers: HEAD's, the
// record's and online, narrowed by Only.
func functions(in *Input, unmerged map[string]bool) ([]*Resource, error) {
	names := map[string]bool{}
	for _, m := range []map[string]*fetch.Function{in.Local, in.Recorded, in.Online} {
		for n := range m {
			if in.Only == nil || in.Only[n] {
				names[n] = true
			}
		}
	}
	for n := range in.FileProblems {
		if in.Only == nil || in.Only[n] {
			names[n] = true
		}
	}
	for n := range in.Unmanaged {
		if in.Only == nil || in.Only[n] {
			names[n] = true
		}
	}
	out := make([]*Resource, 0, len(names))
	for _, name := range mapkeys.Sorted(names) {
		r, err := function(in, name, unmerged[name])
		if err != nil {
			return nil, fmt.Errorf("plan %s: %w", name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func function(in *Input, name string, unmerged bool) (*Resource, error) {
	l, t, o := in.Local[name], in.Recorded[name], in.Online[name]
	r := &Resource{Function: name, Push: "none"}
	if reason, ok := in.Unmanaged[name]; ok {
		// Online in a form fcgit cannot represent: what it last recorded
		// of the function, and what HEAD holds, say nothing of what runs,
		// so push leaves it as it is (never an action, never a block).
		r.State, r.NotManaged = NotManaged, reason
		return r, nil
	}
	if in.Stamps != nil {
		r.Unverified = in.Stamps.Unverified[name]
	}
	if problems := in.FileProblems[name]; len(problems) > 0 && l == nil {
		// HEAD has it, in a file that does not decode: not a deletion.
		r.State = Invalid
		r.block(BlockedInvalid, problems...)
		return r, nil
	}
	if l != nil && in.InScope != nil && !in.InScope(name) {
		// fcgit neither reads nor deploys it.
		r.State = OutOfScope
		r.block(BlockedScope, fmt.Sprintf("%s/%s: outside the scope set in fcgit.toml ([scope]): fcgit neither reads nor deploys it; widen the scope or move it out of %s/", in.Dir, name, in.Dir))
		return r, nil
	}

	// Drift: online moved away from the record. Not when it is a mix of
	// the record and the deploy in flight (push's own half-finished
	// work), nor when HEAD already holds what is online (both changed
	// alike, or both deleted): nothing would be lost.
	rotated := o != nil && len(o.SecretsChanged) > 0
	// Each comparison once: HEAD and the record are mostly one version
	// (fetch.Loader), and comparing states is most of a plan's work.
	sameLO := fetch.Same(l, o)
	sameTO := sameLO
	if t != l {
		sameTO = fetch.Same(t, o)
	}
	drifted := !sameTO || rotated
	if drifted && !rotated && (in.Deploy && between(t, in.Deploying[name], o) || sameLO) {
		drifted = false
	}
	if drifted {
		d := describeDrift(name, t, o, in.Stamps)
		if d.Code {
			cc, err := codeChange(in.Repo, t.CodeTree, o.CodeTree)
			if err != nil {
				return nil, err
			}
			d.CodeChanges = cc
		}
		r.Drift = &d
	}

	a, stale, err := action(in, name, l, o, sameLO)
	if err != nil {
		return nil, err
	}
	r.Action = a
	if a != nil {
		r.Push = a.Op
	}

	switch {
	case sameLO && !rotated && !(a != nil && len(a.Secrets) > 0):
		r.State = InSync
	default:
		r.State = sides{
			local: l != nil, recorded: t != nil, online: o != nil, drifted: drifted,
			localIsRecorded: fetch.Same(l, t),
		}.state()
	}

	// The blocks, most fundamental first: what the files hold, then
	// online state push would overwrite, then a deletion needing --prune.
	if l != nil {
		problems := append([]string(nil), in.FileProblems[name]...)
		if in.CheckFunction != nil {
			problems = append(problems, in.CheckFunction(l, a)...)
		}
		sortProblems(problems)
		if len(problems) > 0 {
			r.block(BlockedInvalid, problems...)
		}
	}
	if unmerged {
		r.block(BlockedUnmerged)
		r.State = NotMerged
		d := Drift{Function: name, Kind: "recorded on the online branch, not merged into HEAD"}
		if l != nil && t != nil {
			d.Changes = changesOf(snapshot.Changes(l.State, t.State), secretPaths(l.State, t.State))
			if d.Code = l.CodeTree != t.CodeTree; d.Code {
				if d.CodeChanges, err = codeChange(in.Repo, l.CodeTree, t.CodeTree); err != nil {
					return nil, err
				}
			}
		}
		r.Drift = &d
	}
	if drifted {
		r.block(BlockedDrift)
	}
	if stale != nil {
		r.Stale = stale
		r.block(BlockedStale, stale.Error())
	}
	if l == nil && o != nil && !in.Prune && t != nil {
		// Deleted locally: the user most likely expects it gone, but
		// deleting takes --prune. (One the record never had is drift,
		// reported above, or overwritten by --force, which never deletes
		// without --prune.)
		r.block(BlockedPrune)
	}
	if r.Blocked == BlockedInvalid {
		r.State = Invalid
	}
	return r, nil
}

// block adds a reason push refuses the resource.
func (r *Resource) block(why string, problems ...string) {
	if r.Blocked == "" {
		r.Blocked = why
	}
	r.blocks = append(r.blocks, why)
	r.Problems = append(r.Problems, problems...)
}

// Blocks lists every reason push refuses the resource, the first (Blocked)
// first.
func (r *Resource) Blocks() []string { return append([]string(nil), r.blocks...) }

// HasBlock reports whether push refuses the resource for this reason.
func (r *Resource) HasBlock(why string) bool {
	for _, b := range r.blocks {
		if b == why {
			return true
		}
	}
	return false
}

// overridable reports whether every block of the resource is one that
// overwriting online state lifts.
func (r *Resource) overridable() bool {
	for _, b := range r.blocks {
		if !Overridable(b) {
			return false
		}
	}
	return true
}

// action is what push writes to turn online state o into HEAD's l (same:
// fetch.Same(l, o)), and the refusal of a stale secret value ("" when
// none).
func action(in *Input, name string, l, o *fetch.Function, same bool) (*Action, *StaleSecretError, error) {
	var a *Action
	switch {
	case l != nil && o == nil:
		a = &Action{Function: name, Op: "create", Code: !l.CodeTree.IsZero(), Local: l, Kinds: kindActions(l.State, nil)}
		for _, t := range mapkeys.Sorted(l.State.Triggers) {
			a.Triggers = append(a.Triggers, TriggerAction{Trigger: t, Op: "create"})
		}
		empty := &snapshot.State{Name: name, Config: map[string]any{}, Triggers: map[string]map[string]any{}}
		a.Changes = changesOf(snapshot.Changes(empty, l.State), secretPaths(l.State))
		for i := range a.Changes {
			a.Changes[i].Old = nil // nothing online: FC's defaults are not what it had
		}
	case l != nil && !same:
		a = &Action{Function: name, Op: "update", Code: l.CodeTree != o.CodeTree, Local: l, Online: o, Kinds: kindActions(l.State, o.State)}
		changedTriggers := map[string]bool{}
		for _, d := range snapshot.Diff(o.State, l.State) {
			if n := snapshot.TriggerOf(d); n != "" {
				changedTriggers[n] = true
				continue
			}
			a.Config = append(a.Config, d)
		}
		for _, t := range mapkeys.Sorted(changedTriggers) {
			lt, inLocal := l.State.Triggers[t]
			ot, inOnline := o.State.Triggers[t]
			op := "update"
			switch {
			case !inOnline:
				op = "create"
			case !inLocal:
				op = "delete"
			case !stringEqual(lt["triggerType"], ot["triggerType"]) || !stringEqual(lt["sourceArn"], ot["sourceArn"]):
				op = "replace"
			}
			a.Triggers = append(a.Triggers, TriggerAction{Trigger: t, Op: op})
		}
		a.Changes = changesOf(snapshot.Changes(o.State, l.State), secretPaths(o.State, l.State))
		if len(a.Config) == 0 && !a.Code && len(a.Triggers) == 0 && len(a.Kinds) == 0 {
			a = nil
		}
	case l == nil && o != nil && in.Prune:
		a = &Action{Function: name, Op: "delete", Online: o, Kinds: kindActions(nil, o.State)}
		for _, t := range mapkeys.Sorted(o.State.Triggers) {
			a.Triggers = append(a.Triggers, TriggerAction{Trigger: t, Op: "delete"})
		}
	}
	var stale *StaleSecretError
	if l != nil && o != nil {
		// Secrets push sources with a value other than the one online.
		var changed []string
		refs := l.State.SecretRefs()
		for _, v := range mapkeys.Sorted(refs) {
			if in.SecretValue == nil {
				break
			}
			val, ok := in.SecretValue(refs[v])
			cur, online := o.Secrets[v]
			if !ok || (online && val == cur) {
				continue
			}
			stamp := fetch.SecretsStampOf(o.Raw)
			if stale == nil && online && stamp != "" && !snapshot.StampHolds(stamp, v, cur) && snapshot.StampHolds(stamp, v, val) {
				stale = &StaleSecretError{Function: name, Variable: v, Source: refs[v].Source}
			}
			changed = append(changed, v)
		}
		if len(changed) > 0 {
			if a == nil {
				a = &Action{Function: name, Op: "update", Local: l, Online: o}
			}
			a.Secrets = changed
		}
	}
	if a != nil && a.Local != nil {
		if refs := a.Local.State.CommitRefs(); len(refs) > 0 {
			a.Publish = refs
		}
	}
	if a != nil && a.Code && a.Op != "delete" {
		cc, err := codeChange(in.Repo, codeOf(a.Online), codeOf(a.Local))
		if err != nil {
			return nil, nil, err
		}
		a.CodeChanges = cc
	}
	return a, stale, nil
}

func codeOf(f *fetch.Function) plumbing.Hash {
	if f == nil {
		return plumbing.ZeroHash
	}
	return f.CodeTree
}

func stringEqual(a, b any) bool {
	sa, _ := a.(string)
	sb, _ := b.(string)
	return sa == sb && (a == nil) == (b == nil)
}

// sides is how one function or domain compares across HEAD (local), the
// online branch (recorded) and FC (online), when HEAD is not what is online.
type sides struct {
	local, recorded, online bool // present on each side
	drifted                 bool // online moved away from the record (the drift stands)
	localIsRecorded         bool // HEAD holds the recorded state
}

func (s sides) state() string {
	switch {
	case !s.drifted && s.localIsRecorded:
		return InSync
	case !s.local && !s.recorded:
		return OnlineOnly
	case s.local && !s.recorded && !s.online:
		return NewLocally
	case s.local && s.recorded && !s.online:
		return DeletedOnline
	case !s.local && s.recorded && s.online && !s.drifted:
		return DeletedLocal
	case !s.drifted:
		return LocalChanges
	case s.localIsRecorded:
		return ChangedOnline
	}
	return Diverged
}

// StaleSecretError: the value push would deploy is the one that was replaced
// online since the last deploy (a console rotation, now merged): deploying it
// would undo the rotation. Exit code 3, like drift.
type StaleSecretError struct{ Function, Variable, Source string }

func (e *StaleSecretError) Error() string {
	return fmt.Sprintf("%s: $%s holds the value of %s that was replaced online since the last deploy (rotated in the console); update it where push runs (your secret store), or push --force to deploy it anyway",
		e.Function, trimEnv(e.Source), e.Variable)
}

// ExitCode is the drift exit code.
func (e *StaleSecretError) ExitCode() int { return 3 }

func trimEnv(source string) string {
	if len(source) > len(snapshot.SecretSourceEnv) && source[:len(snapshot.SecretSourceEnv)] == snapshot.SecretSourceEnv {
		return source[len(snapshot.SecretSourceEnv):]
	}
	return source
}

// sortProblems orders "file:line: message" texts by file, then line.
func sortProblems(ps []string) {
	key := func(p string) (string, int) {
		file, rest, _ := strings.Cut(p, ":")
		n, err := strconv.Atoi(strings.SplitN(rest, ":", 2)[0])
		if err != nil {
			n = 0
		}
		return file, n
	}
	sort.SliceStable(ps, func(i, j int) bool {
		fi, li := key(ps[i])
		fj, lj := key(ps[j])
		if fi != fj {
			return fi < fj
		}
		return li < lj
	})
}
