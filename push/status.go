package push

import (
	"context"
	"fmt"

	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/gitstate"
)

// Function states reported by Status.
const (
	InSync        = "in sync"
	LocalChanges  = "local changes to deploy"
	ChangedOnline = "changed online"
	Diverged      = "diverged"
	NewLocally    = "new locally"
	OnlineOnly    = "exists online only"
	DeletedOnline = "deleted online"
	DeletedLocal  = "deleted locally"
)

// FunctionStatus is one function's state across HEAD, the online branch and
// FC.
type FunctionStatus struct {
	Function string `json:"function"`
	State    string `json:"state"`
	Drift    *Drift `json:"drift,omitempty"`
}

// StatusReport is what fcgit status prints.
type StatusReport struct {
	Branch   string `json:"branch"`
	Head     string `json:"head"`
	Tip      string `json:"onlineTip,omitempty"`
	Unmerged bool   `json:"unmergedOnlineCommits"`
	// UnmergedFunctions names the functions whose recorded online state
	// HEAD does not hold (when Unmerged).
	UnmergedFunctions []string `json:"unmergedFunctions,omitempty"`
	// Unverified names functions of a shallow clone whose online state is
	// exactly what was deployed from a commit beyond the clone's history.
	Unverified []string         `json:"unverifiedShallow,omitempty"`
	Deploying  string           `json:"deployInProgress,omitempty"`
	Functions  []FunctionStatus `json:"functions"`
}

// HasDrift reports whether anything changed online since the last fetch or
// deploy.
func (r *StatusReport) HasDrift() bool {
	for _, f := range r.Functions {
		if f.Drift != nil {
			return true
		}
	}
	return false
}

// Status compares HEAD, the online branch and online state. It changes
// nothing.
func Status(ctx context.Context, client fetch.Client, repo *gitstate.Repo, b fetch.Branch, fopts fetch.Options) (*StatusReport, error) {
	rep := &StatusReport{Branch: b.Ref}
	head, err := repo.Head()
	if err != nil {
		return nil, err
	}
	local := map[string]*fetch.Function{}
	if !head.Hash.IsZero() {
		rep.Head = head.Hash.String()
		hc, err := repo.ReadCommit(head.Hash)
		if err != nil {
			return nil, err
		}
		ht, err := managedTree(repo, hc.TreeHash, b.Dir)
		if err != nil {
			return nil, err
		}
		if local, err = fetch.LoadFunctions(repo, b.Dir, ht); err != nil {
			return nil, err
		}
	}
	prep, err := fetch.Prepare(ctx, client, repo, b, fopts)
	if err != nil {
		return nil, fmt.Errorf("read online state: %w", err)
	}
	on, err := prep.Read(ctx, client, repo, fopts)
	if err != nil {
		return nil, fmt.Errorf("read online state: %w", err)
	}
	tip := prep.Tip
	if !tip.Commit.IsZero() {
		rep.Tip = tip.Commit.String()
		if !head.Hash.IsZero() {
			ok, missing, err := prep.Contains(head.Hash)
			if err != nil {
				return nil, err
			}
			rep.Unmerged = !ok
			rep.UnmergedFunctions = missing
		}
	}
	if d, ok, err := repo.ResolveRef(DeployingRef); err != nil {
		return nil, err
	} else if ok {
		rep.Deploying = d.String()
	}
	for _, n := range sortedKeys(prep.Stamps.Unverified) {
		rep.Unverified = append(rep.Unverified, n)
	}
	tipFns, err := prep.TipFunctions(repo, b, on)
	if err != nil {
		return nil, fmt.Errorf("online branch: %w", err)
	}
	names := map[string]bool{}
	for _, m := range []map[string]*fetch.Function{local, tipFns, on.Functions} {
		for n := range m {
			names[n] = true
		}
	}
	for _, name := range sortedKeys(names) {
		l, t, o := local[name], tipFns[name], on.Functions[name]
		fs := FunctionStatus{Function: name}
		drifted := !fetch.Same(t, o)
		if drifted {
			d := describeDrift(name, t, o, prep.Stamps)
			fs.Drift = &d
		}
		switch {
		case !drifted && fetch.Same(l, t):
			fs.State = InSync
		case l == nil && t == nil:
			fs.State = OnlineOnly
		case l != nil && t == nil && o == nil:
			fs.State = NewLocally
		case l != nil && t != nil && o == nil:
			fs.State = DeletedOnline
		case l == nil && t != nil && o != nil && !drifted:
			fs.State = DeletedLocal
		case !drifted:
			fs.State = LocalChanges
		case fetch.Same(l, t):
			fs.State = ChangedOnline
		case fetch.Same(l, o):
			// Both moved to the same place (e.g. pulled by hand): nothing
			// to deploy and nothing lost.
			fs.State = InSync
			fs.Drift = nil
		default:
			fs.State = Diverged
		}
		rep.Functions = append(rep.Functions, fs)
	}
	return rep, nil
}
