package push

import (
	"context"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/plan"
)

// Resource states, as status reports them.
const (
	InSync        = plan.InSync
	LocalChanges  = plan.LocalChanges
	ChangedOnline = plan.ChangedOnline
	Diverged      = plan.Diverged
	NewLocally    = plan.NewLocally
	OnlineOnly    = plan.OnlineOnly
	DeletedOnline = plan.DeletedOnline
	DeletedLocal  = plan.DeletedLocal
	NotMerged     = plan.NotMerged
	OutOfScope    = plan.OutOfScope
	Invalid       = plan.Invalid
)

// StatusReport is what fcgit status prints: the plan push would carry out,
// and the repository's state around it.
type StatusReport struct {
	// Target and Region name the target reported on ("" for a repository
	// without targets).
	Target string `json:"target,omitempty"`
	Region string `json:"region,omitempty"`
	Branch string `json:"branch"`
	Head   string `json:"head"`
	Tip    string `json:"onlineTip,omitempty"`
	// Unmerged: the online branch records online state HEAD does not hold
	// (UnmergedFunctions names it): push refuses until it is pulled.
	Unmerged          bool     `json:"unmergedOnlineCommits"`
	UnmergedFunctions []string `json:"unmergedFunctions,omitempty"`
	// Unverified names functions of a shallow clone whose online state is
	// exactly what was deployed from a commit beyond the clone's history.
	Unverified []string `json:"unverifiedShallow,omitempty"`
	Deploying  string   `json:"deployInProgress,omitempty"`
	// Rejected is what FC refused in the interrupted deploy, when it did:
	// pushing the same commit again cannot help.
	Rejected *Rejected `json:"deployRejected,omitempty"`
	// Summary counts the resources by state.
	Summary   []plan.Count     `json:"summary"`
	Functions []*plan.Resource `json:"functions"`
	// Domains are the custom domains' states (when fcgit.toml manages
	// them and no pathspec narrows the report to functions).
	Domains []*plan.Resource `json:"domains,omitempty"`
	// MergeInProgress: a pull stopped with conflicts (or --no-commit) and
	// the merge is not committed yet; OtherMerge: a merge of another
	// branch (the user's own git merge) is in progress.
	MergeInProgress bool   `json:"mergeInProgress,omitempty"`
	OtherMerge      string `json:"otherMergeInProgress,omitempty"`
	// Uncommitted lists paths under the managed directory that differ from
	// HEAD: push deploys commits only.
	Uncommitted []string `json:"uncommitted,omitempty"`
	// Problems are those of HEAD's files that belong to no function or
	// domain (a domain file whose name is no domain): push refuses them.
	Problems []string `json:"problems,omitempty"`
}

// Refused reports whether push would refuse because of online state (exit
// 3): drift, online changes not merged, a stale secret, or a deletion
// without --prune.
func (r *StatusReport) Refused() bool {
	if r.Unmerged {
		return true
	}
	for _, list := range [][]*plan.Resource{r.Functions, r.Domains} {
		for _, res := range list {
			for _, b := range res.Blocks() {
				if b == plan.BlockedDrift || b == plan.BlockedUnmerged || b == plan.BlockedStale || b == plan.BlockedPrune {
					return true
				}
			}
		}
	}
	return false
}

// Status plans a push of HEAD (opts as push takes them; Force, DryRun and
// Confirm play no part) and reports it with the repository's state. It
// changes nothing but objects.
func Status(ctx context.Context, client fetch.Client, repo *gitstate.Repo, opts Options) (*StatusReport, error) {
	b := opts.Branch
	rep := &StatusReport{Target: b.Target, Branch: b.Ref, Functions: []*plan.Resource{}}
	if b.Target != "" {
		rep.Region = b.Region
	}
	sel := newSelection(opts.Only)
	var err error
	if rep.MergeInProgress, err = repo.MergeInProgress(); err != nil {
		return nil, err
	}
	if rep.MergeInProgress {
		// A merge of the online branch is fcgit pull's; any other is the
		// user's own.
		mh, ok, err := repo.ResolveRef("MERGE_HEAD")
		if err != nil {
			return nil, err
		}
		if tip, found, err := repo.ResolveRef(b.Ref); err != nil {
			return nil, err
		} else if ok && (!found || mh != tip) {
			if isOnline, err := onlineHistoryHas(repo, b, mh); err != nil {
				return nil, err
			} else if !isOnline {
				rep.OtherMerge, rep.MergeInProgress = mh.String(), false
			}
		}
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
	fopts := opts.Fetch
	fopts.Hide = opts.Hide
	s, err := gather(ctx, client, repo, gatherOptions{branch: b, fetch: fopts, sel: sel})
	if err != nil {
		return nil, err
	}
	if !s.head.Hash.IsZero() {
		rep.Head = s.head.Hash.String()
	}
	if tip := s.prep.Tip; !tip.Commit.IsZero() {
		rep.Tip = tip.Commit.String()
		rep.Unmerged = s.unmergedCommits && !s.head.Hash.IsZero()
		rep.UnmergedFunctions = s.unmerged
	}
	if s.hasDeploying {
		rep.Deploying = s.deploying.String()
		if rep.Rejected, err = ReadRejected(repo, b); err != nil {
			return nil, err
		}
	}
	rep.Unverified = mapkeys.Sorted(s.prep.Stamps.Unverified)
	src := secretSource{getenv: opts.Getenv, hide: opts.Hide}
	p, err := s.plan(repo, planOptions{dir: b.Dir, domainsDir: b.DomainsDir, onlineBranch: strings.TrimPrefix(b.Ref, "refs/heads/"), fetch: opts.Fetch, secrets: src})
	if err != nil {
		return nil, err
	}
	rep.Summary = p.Counts()
	rep.Problems = p.Problems
	for _, r := range p.Resources {
		if r.Domain != "" {
			rep.Domains = append(rep.Domains, r)
		} else {
			rep.Functions = append(rep.Functions, r)
		}
	}
	return rep, nil
}

// onlineHistoryHas reports whether a commit is in the online branch's
// history: a pull's MERGE_HEAD is the online tip of its time.
func onlineHistoryHas(repo *gitstate.Repo, b BranchInfo, c plumbing.Hash) (bool, error) {
	tip, ok, err := repo.ResolveRef(b.Ref)
	if err != nil || !ok {
		return false, err
	}
	return repo.IsAncestor(c, tip)
}
