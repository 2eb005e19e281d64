package push

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/plan"
)

// sides is what status and push both read before planning: HEAD, the
// online branch, online state and a deploy in flight, for the functions
// (and domains) they cover. Both read them here, and hand them to the one
// planner, so that status says what push does.
type sides struct {
	head       gitstate.Head
	headCommit *object.Commit
	headTree   plumbing.Hash // HEAD's managed directory
	// headFns are all of HEAD's functions; local those the selection covers.
	headFns, local map[string]*fetch.Function
	localDomains   map[string]*fetch.Domain
	prep           *fetch.Prepared
	on             *fetch.Online
	// allTip are the functions the tip records; recDomains its domains.
	allTip     map[string]*fetch.Function
	recDomains map[string]*fetch.Domain
	// deploying is the commit of a deploy in flight (hasDeploying), with
	// its functions and domains.
	deploying        plumbing.Hash
	hasDeploying     bool
	deployingFns     map[string]*fetch.Function
	deployingDomains map[string]*fetch.Domain
	// unmerged names the functions (and "domain <name>") whose recorded
	// state HEAD lacks; unmergedCommits is set when the branch has commits
	// HEAD does not contain, whatever they name.
	unmerged        []string
	unmergedCommits bool
	sel             selection
	domains         bool // domains are covered (no pathspecs, domains managed)
}

// gatherOptions say what to read.
type gatherOptions struct {
	branch BranchInfo
	fetch  fetch.Options
	sel    selection
	// prepare returns the listing started early (Push starts it while
	// checking HEAD); nil: gather starts it.
	prepare func() (*fetch.Prepared, error)
	// checked is called once HEAD is read, before waiting for online state.
	checked func(*sides) error
}

// gather reads every side. It writes objects only.
func gather(ctx context.Context, client fetch.Client, repo *gitstate.Repo, o gatherOptions) (*sides, error) {
	b := o.branch
	s := &sides{sel: o.sel, local: map[string]*fetch.Function{}, headFns: map[string]*fetch.Function{}, localDomains: map[string]*fetch.Domain{}}
	s.domains = b.DomainsDir != "" && o.sel == nil
	fopts := o.fetch
	if s.domains {
		fopts.DomainsDir = b.DomainsDir
	}
	// HEAD, the tip and the read's base mostly hold the same versions:
	// each is decoded once.
	if fopts.Loader == nil {
		fopts.Loader = fetch.NewLoader(repo, b.Dir)
	}
	loader := fopts.Loader
	var err error
	if s.head, err = repo.Head(); err != nil {
		return nil, err
	}
	if !s.head.Hash.IsZero() {
		if s.headCommit, err = repo.ReadCommit(s.head.Hash); err != nil {
			return nil, err
		}
		if s.headTree, err = managedTree(repo, s.headCommit.TreeHash, b.Dir); err != nil {
			return nil, err
		}
		if s.headFns, err = loader.Functions(s.headTree); err != nil {
			return nil, err
		}
		s.local = o.sel.filter(s.headFns)
		if s.domains {
			dt, err := managedTree(repo, s.headCommit.TreeHash, b.DomainsDir)
			if err != nil {
				return nil, err
			}
			if s.localDomains, err = fetch.LoadDomains(repo, b.DomainsDir, dt); err != nil {
				return nil, err
			}
		}
	}
	if o.checked != nil {
		if err := o.checked(s); err != nil {
			return nil, err
		}
	}
	if o.prepare != nil {
		s.prep, err = o.prepare()
	} else {
		s.prep, err = fetch.Prepare(ctx, client, repo, b, fopts)
	}
	if err != nil {
		return nil, fmt.Errorf("read online state: %w", err)
	}
	// Read online state: what stamps could not place is settled against it.
	if s.on, err = s.prep.Read(ctx, client, repo, fopts); err != nil {
		return nil, fmt.Errorf("read online state: %w", err)
	}
	if s.allTip, err = s.prep.TipFunctions(repo, b, s.on); err != nil {
		return nil, fmt.Errorf("online branch: %w", err)
	}
	if err := o.sel.check(b.Dir, s.headFns, s.allTip, s.on.Functions); err != nil {
		return nil, err
	}
	s.recDomains = map[string]*fetch.Domain{}
	if s.domains {
		if s.recDomains, err = s.prep.TipDomains(repo, b, s.on); err != nil {
			return nil, fmt.Errorf("online branch: %w", err)
		}
	}

	// HEAD must hold what the online branch records.
	if tip := s.prep.Tip; !tip.Commit.IsZero() {
		contains, missing, err := s.prep.Contains(s.head.Hash, o.sel.has)
		if err != nil {
			return nil, err
		}
		if ok, err := repo.IsAncestor(tip.Commit, s.head.Hash); err != nil {
			return nil, err
		} else if !ok && s.domains {
			dm, err := domainsContained(repo, b, s.recDomains, s.localDomains, s.prep)
			if err != nil {
				return nil, err
			}
			missing = append(missing, dm...)
			contains = contains && len(dm) == 0
		}
		s.unmerged = missing
		s.unmergedCommits = !contains
	}

	if s.deploying, s.hasDeploying, err = repo.ResolveRef(DeployingRef); err != nil {
		return nil, err
	}
	if s.hasDeploying {
		dc, err := repo.ReadCommit(s.deploying)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", DeployingRef, err)
		}
		dt, err := managedTree(repo, dc.TreeHash, b.Dir)
		if err != nil {
			return nil, err
		}
		if s.deployingFns, err = loader.Functions(dt); err != nil {
			return nil, err
		}
		if s.domains {
			ddt, err := managedTree(repo, dc.TreeHash, b.DomainsDir)
			if err != nil {
				return nil, err
			}
			if s.deployingDomains, err = fetch.LoadDomains(repo, b.DomainsDir, ddt); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// planOptions say how to plan what was gathered.
type planOptions struct {
	dir, domainsDir string
	prune           bool
	fetch           fetch.Options
	secrets         secretSource
}

// plan classifies every resource gathered.
func (s *sides) plan(repo *gitstate.Repo, o planOptions) (*plan.Plan, error) {
	in := &plan.Input{
		Repo: repo, Dir: o.dir, DomainsDir: o.domainsDir,
		Local: s.local, Recorded: s.sel.filter(s.allTip), Online: s.sel.filter(s.on.Functions),
		Deploying: s.deployingFns, Deploy: s.hasDeploying,
		Domains: s.domains, LocalDomains: s.localDomains, RecordedDomains: s.recDomains, OnlineDomains: s.on.Domains,
		DeployingDomains: s.deployingDomains,
		Stamps:           s.prep.Stamps, Unmerged: s.unmerged,
		InScope: func(name string) bool { return inScope(o.fetch, name) },
		Only:    s.sel, Prune: o.prune,
		SecretValue: o.secrets.value,
		CheckFunction: func(l *fetch.Function, a *plan.Action) []string {
			var errs []error
			if err := checkLiteralSecrets(o.dir, map[string]*fetch.Function{l.Name: l}, o.fetch.Secrets); err != nil {
				errs = append(errs, err)
			}
			errs = append(errs, deployProblems(o.dir, a, o.secrets)...)
			return messages(errs)
		},
		CheckDomain: func(a *plan.DomainAction) []string {
			return messages([]error{checkDomains(o.domainsDir, []DomainAction{*a}, o.secrets)})
		},
	}
	if !s.domains {
		in.OnlineDomains = nil
	}
	return plan.Make(in)
}

// messages are the texts of errs, nil ones left out.
func messages(errs []error) []string {
	var out []string
	for _, err := range errs {
		if err != nil {
			out = append(out, err.Error())
		}
	}
	return out
}

// InvalidError refuses a push whose files hold what FC would refuse or not
// keep: every problem of every file, at once. Exit code 1.
type InvalidError struct{ Problems []string }

func (e *InvalidError) Error() string {
	return strings.Join(e.Problems, "\n") + "\nnothing was deployed: fix the files and commit, then push"
}

// invalidError gathers the problems of the blocked resources; nil when none.
func invalidError(p *plan.Plan) error {
	var problems []string
	for _, r := range p.Resources {
		if r.Blocked != plan.BlockedInvalid && r.Blocked != plan.BlockedScope {
			continue
		}
		problems = append(problems, r.Problems...)
	}
	if len(problems) == 0 {
		return nil
	}
	return &InvalidError{Problems: problems}
}
