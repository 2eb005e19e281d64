package push

import (
	"context"
	"fmt"
	"strings"

	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/snapshot"
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
	OutOfScope    = "outside the scope of fcgit.toml"
)

// FunctionStatus is one function's state across HEAD, the online branch and
// FC.
type FunctionStatus struct {
	Function string `json:"function"`
	State    string `json:"state"`
	Drift    *Drift `json:"drift,omitempty"`
}

// DomainStatus is one custom domain's state across HEAD, the online branch
// and FC. States are those of functions.
type DomainStatus struct {
	Domain string `json:"domain"`
	State  string `json:"state"`
	Drift  *Drift `json:"drift,omitempty"`
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
	// Domains are the custom domains' states (when fcgit.toml manages
	// them and no pathspec narrows the report to functions).
	Domains []DomainStatus `json:"domains,omitempty"`
	// MergeInProgress: a pull stopped with conflicts (or --no-commit) and
	// the merge is not committed yet.
	MergeInProgress bool `json:"mergeInProgress,omitempty"`
	// Uncommitted lists paths under the managed directory that differ from
	// HEAD: push deploys commits only.
	Uncommitted []string `json:"uncommitted,omitempty"`
}

// HasDrift reports whether anything changed online since the last fetch or
// deploy.
func (r *StatusReport) HasDrift() bool {
	for _, f := range r.Functions {
		if f.Drift != nil {
			return true
		}
	}
	for _, d := range r.Domains {
		if d.Drift != nil {
			return true
		}
	}
	return false
}

// Status compares HEAD, the online branch and online state. It changes
// nothing.
//
// only, when set, limits the report to the named functions (pathspecs).
func Status(ctx context.Context, client fetch.Client, repo *gitstate.Repo, b fetch.Branch, fopts fetch.Options, only []string) (*StatusReport, error) {
	rep := &StatusReport{Branch: b.Ref}
	sel := newSelection(only)
	head, err := repo.Head()
	if err != nil {
		return nil, err
	}
	if rep.MergeInProgress, err = repo.MergeInProgress(); err != nil {
		return nil, err
	}
	changes, err := repo.LocalChanges(b.Dir + "/")
	if err != nil {
		return nil, err
	}
	for _, c := range changes {
		if rest, ok := strings.CutPrefix(c, b.Dir+"/"); ok && sel.has(strings.SplitN(rest, "/", 2)[0]) {
			rep.Uncommitted = append(rep.Uncommitted, c)
		}
	}
	local := map[string]*fetch.Function{}
	localDomains := map[string]*fetch.Domain{}
	// Custom domains go with a report of everything (pathspecs name
	// functions).
	domains := b.DomainsDir != "" && sel == nil
	if domains {
		fopts.DomainsDir = b.DomainsDir
	}
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
		// Every problem of every file at once, as push reports them.
		var problems snapshot.Problems
		if local, problems, err = fetch.ReadFunctions(repo, b.Dir, ht); err != nil {
			return nil, err
		}
		if domains {
			dt, err := managedTree(repo, hc.TreeHash, b.DomainsDir)
			if err != nil {
				return nil, err
			}
			var domainProblems snapshot.Problems
			if localDomains, domainProblems, err = fetch.ReadHeadDomains(repo, b.DomainsDir, dt); err != nil {
				return nil, err
			}
			problems = append(problems, domainProblems...)
		}
		if len(problems) > 0 {
			problems.Sort()
			return nil, problems
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
			ok, missing, err := prep.Contains(head.Hash, sel.has)
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
	if err := sel.check(b.Dir, local, tipFns, on.Functions); err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, m := range []map[string]*fetch.Function{local, tipFns, on.Functions} {
		for n := range m {
			if sel.has(n) {
				names[n] = true
			}
		}
	}
	for _, name := range sortedKeys(names) {
		l, t, o := local[name], tipFns[name], on.Functions[name]
		fs := FunctionStatus{Function: name}
		if l != nil && !inScope(fopts, name) {
			// fcgit neither reads nor deploys it: push refuses it too.
			fs.State = OutOfScope
			rep.Functions = append(rep.Functions, fs)
			continue
		}
		drifted := !fetch.Same(t, o) || o != nil && len(o.SecretsChanged) > 0
		if drifted {
			d := describeDrift(name, t, o, prep.Stamps)
			fs.Drift = &d
		}
		var keep bool
		fs.State, keep = sides{
			local: l != nil, recorded: t != nil, online: o != nil, drifted: drifted,
			localIsRecorded: fetch.Same(l, t) && !pinsOtherThanOnline(l, o),
			localIsOnline:   fetch.Same(l, o) && (o == nil || len(o.SecretsChanged) == 0),
		}.state()
		if !keep {
			fs.Drift = nil
		}
		rep.Functions = append(rep.Functions, fs)
	}
	if domains {
		tipDomains, err := prep.TipDomains(repo, b, on)
		if err != nil {
			return nil, fmt.Errorf("online branch: %w", err)
		}
		rep.Domains = domainStatus(localDomains, tipDomains, on.Domains)
	}
	return rep, nil
}

// pinsOtherThanOnline reports whether HEAD sets a value FC chooses when it
// is absent (diskSize) other than the one FC holds: the record, which leaves
// it to FC, cannot show that change, and push deploys it.
func pinsOtherThanOnline(l, o *fetch.Function) bool {
	return l != nil && o != nil && len(snapshot.PinnedDiff(l.State, o.State)) > 0
}

// domainStatus classifies each custom domain as Status does functions.
func domainStatus(local, tip, online map[string]*fetch.Domain) []DomainStatus {
	var out []DomainStatus
	drift := map[string]Drift{}
	for _, d := range domainDrift(tip, online, nil, nil) {
		drift[d.Domain] = d
	}
	for _, name := range unionDomains(local, unionMap(tip, online)) {
		l, t, o := local[name], tip[name], online[name]
		ds := DomainStatus{Domain: name}
		d, drifted := drift[name]
		if drifted {
			ds.Drift = &d
		}
		var keep bool
		ds.State, keep = sides{
			local: l != nil, recorded: t != nil, online: o != nil, drifted: drifted,
			localIsRecorded: fetch.SameDomain(l, t), localIsOnline: fetch.SameDomain(l, o),
		}.state()
		if !keep {
			ds.Drift = nil
		}
		out = append(out, ds)
	}
	return out
}

func unionMap(a, b map[string]*fetch.Domain) map[string]*fetch.Domain {
	m := make(map[string]*fetch.Domain, len(a)+len(b))
	for n, d := range a {
		m[n] = d
	}
	for n, d := range b {
		m[n] = d
	}
	return m
}

// sides is how one function or domain compares across HEAD (local), the
// online branch (recorded) and FC (online).
type sides struct {
	local, recorded, online bool // present on each side
	drifted                 bool // online differs from recorded
	// localIsRecorded, localIsOnline: HEAD holds the same state.
	localIsRecorded, localIsOnline bool
}

// state names the comparison, and says whether the drift stands: when HEAD
// and online moved to the same place (pulled by hand, say) there is
// nothing to deploy and nothing lost.
func (s sides) state() (state string, driftStands bool) {
	switch {
	case !s.drifted && s.localIsRecorded:
		return InSync, true
	case !s.local && !s.recorded:
		return OnlineOnly, true
	case s.local && !s.recorded && !s.online:
		return NewLocally, true
	case s.local && s.recorded && !s.online:
		return DeletedOnline, true
	case !s.local && s.recorded && s.online && !s.drifted:
		return DeletedLocal, true
	case !s.drifted:
		return LocalChanges, true
	case s.localIsRecorded:
		return ChangedOnline, true
	case s.localIsOnline:
		return InSync, false
	}
	return Diverged, true
}
