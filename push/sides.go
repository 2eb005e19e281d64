package push

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/plan"
	"github.com/fcgit/fcgit/snapshot"
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
	// problems are those of HEAD's files found reading them (syntax,
	// types, typos, misnamed domain files), every file's at once; the
	// functions and domains they belong to are in headFns and
	// localDomains as far as their files decode.
	problems snapshot.Problems
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
	if !fopts.Head.IsZero() {
		// The caller's stand-in for HEAD (fcgit watch: the team's
		// default branch).
		s.head = gitstate.Head{Hash: fopts.Head}
	}
	if !s.head.Hash.IsZero() {
		if s.headCommit, err = repo.ReadCommit(s.head.Hash); err != nil {
			return nil, err
		}
		var headDomains plumbing.Hash
		if s.headTree, headDomains, err = b.Managed(repo, s.headCommit.TreeHash); err != nil {
			return nil, err
		}
		// The target's overlay file, where there is one, is read with
		// HEAD's files: its problems are theirs.
		op, err := b.OverlayProblems(repo, s.headCommit.TreeHash)
		if err != nil {
			return nil, err
		}
		s.problems = append(s.problems, op...)
		// Files with problems do not stop here: the planner reports the
		// problems of all files at once.
		var fileProblems snapshot.Problems
		if s.headFns, fileProblems, err = loader.ReadFunctions(s.headTree); err != nil {
			return nil, err
		}
		s.problems = append(s.problems, fileProblems...)
		s.local = o.sel.filter(s.headFns)
		s.local = resolved(s.local, o.fetch.ResolveRefs)
		if b.Target != "" {
			// A target deploys the functions its scope takes; the others
			// are other targets'.
			for name := range s.local {
				if !inScope(o.fetch, name) {
					delete(s.local, name)
				}
			}
		}
		if s.domains {
			var dp snapshot.Problems
			if s.localDomains, dp, err = fetch.ReadHeadDomains(repo, b.DomainsDir, headDomains); err != nil {
				return nil, err
			}
			s.problems = append(s.problems, dp...)
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
	s.allTip = resolved(s.allTip, o.fetch.ResolveRefs)
	unmanaged := map[string]*fetch.Function{}
	for n := range s.on.Unmanaged {
		unmanaged[n] = &fetch.Function{Name: n}
	}
	if err := o.sel.check(b.Dir, s.headFns, s.allTip, s.on.Functions, unmanaged); err != nil {
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

	if s.deploying, s.hasDeploying, err = repo.ResolveRef(deployingRef(b)); err != nil {
		return nil, err
	}
	if s.hasDeploying {
		dc, err := repo.ReadCommit(s.deploying)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", deployingRef(b), err)
		}
		dt, ddt, err := b.Managed(repo, dc.TreeHash)
		if err != nil {
			return nil, err
		}
		if s.deployingFns, err = loader.Functions(dt); err != nil {
			return nil, err
		}
		s.deployingFns = resolved(s.deployingFns, o.fetch.ResolveRefs)
		if s.domains {
			if s.deployingDomains, err = fetch.LoadDomains(repo, b.DomainsDir, ddt); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// resolved returns fns with the versions their aliases name by commit
// replaced by the target's ids where they exist (resolve nil: as they are).
func resolved(fns map[string]*fetch.Function, resolve func(string, *snapshot.State) *snapshot.State) map[string]*fetch.Function {
	if resolve == nil {
		return fns
	}
	out := make(map[string]*fetch.Function, len(fns))
	for n, f := range fns {
		if f == nil || f.State == nil || len(f.State.CommitRefs()) == 0 {
			out[n] = f
			continue
		}
		c := *f
		c.State = resolve(n, f.State)
		out[n] = &c
	}
	return out
}

// planOptions say how to plan what was gathered.
type planOptions struct {
	dir, domainsDir string
	// onlineBranch is the online branch's short name, for hints.
	onlineBranch string
	prune        bool
	fetch        fetch.Options
	secrets      secretSource
}

// plan classifies every resource gathered.
func (s *sides) plan(repo *gitstate.Repo, o planOptions) (*plan.Plan, error) {
	fnProblems, domainProblems, rest := s.problemsByResource(o)
	in := &plan.Input{
		Repo: repo, Dir: o.dir, DomainsDir: o.domainsDir,
		Local: s.local, Recorded: s.sel.filter(s.allTip), Online: s.sel.filter(s.on.Functions),
		Deploying: s.deployingFns, Deploy: s.hasDeploying,
		Domains: s.domains, LocalDomains: s.localDomains, RecordedDomains: s.recDomains, OnlineDomains: s.on.Domains,
		DeployingDomains: s.deployingDomains,
		Stamps:           s.prep.Stamps, Unmerged: s.unmerged,
		InScope:   func(name string) bool { return inScope(o.fetch, name) },
		Unmanaged: s.unmanaged(),
		Only:      s.sel, Prune: o.prune,
		SecretValue:  o.secrets.value,
		FileProblems: fnProblems, DomainProblems: domainProblems, Problems: rest,
		CheckFunction: func(l *fetch.Function, a *plan.Action) []string {
			var errs []error
			if err := checkLiteralSecrets(o.dir, map[string]*fetch.Function{l.Name: l}, o.fetch.Secrets); err != nil {
				errs = append(errs, err)
			}
			for _, p := range fileProblems(o.dir, l, s.on.Functions[l.Name]) {
				errs = append(errs, p)
			}
			errs = append(errs, deployProblems(o.dir, o.onlineBranch, a, o.secrets)...)
			errs = append(errs, missingVersions(o.dir, l, s.on.Functions[l.Name] != nil, o.fetch.HasVersion)...)
			return messages(errs)
		},
		CheckDomain: func(l *fetch.Domain, a *plan.DomainAction) []string {
			var errs []error
			var on *snapshot.State
			if d := s.on.Domains[l.Name]; d != nil {
				on = d.State
			}
			for _, p := range snapshot.CheckDomain(path.Join(o.domainsDir, snapshot.DomainFile(l.Name)), l.TOML, l.State, on) {
				errs = append(errs, p)
			}
			if a != nil {
				errs = append(errs, checkDomains(o.domainsDir, []DomainAction{*a}, o.secrets))
			}
			return messages(errs)
		},
	}
	if !s.domains {
		in.OnlineDomains = nil
	}
	return plan.Make(in)
}

// unmanaged are the functions online the selection covers that fcgit
// cannot represent, with the reason.
func (s *sides) unmanaged() map[string]string {
	out := map[string]string{}
	for n, why := range s.on.Unmanaged {
		if s.sel.has(n) {
			out[n] = why
		}
	}
	return out
}

// problemsByResource sorts the problems found reading HEAD's files by the
// function or domain they belong to; the rest (a file that names no
// domain, say) belong to none.
func (s *sides) problemsByResource(o planOptions) (fns, domains map[string][]string, rest []string) {
	fns, domains = map[string][]string{}, map[string][]string{}
	for _, p := range s.problems {
		if r, ok := strings.CutPrefix(p.Path, o.dir+"/"); ok {
			name, _, _ := strings.Cut(r, "/")
			if s.sel.has(name) {
				fns[name] = append(fns[name], p.Error())
			}
			continue
		}
		if r, ok := strings.CutPrefix(p.Path, o.domainsDir+"/"); ok && o.domainsDir != "" && s.domains {
			if name := snapshot.DomainOfFile(r); name != "" && !strings.Contains(r, "/") {
				domains[name] = append(domains[name], p.Error())
				continue
			}
		}
		if s.sel == nil {
			rest = append(rest, p.Error())
		}
	}
	return fns, domains, rest
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
	problems := append([]string(nil), p.Problems...)
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
