// Package push deploys the committed HEAD to Function Compute, guarded by the
// online branch: it refuses when online state changed since fcgit last saw or
// deployed it, deploys exactly the difference between the online branch and
// HEAD, and records the deploy so that an interrupted push is finished, not
// mistaken for drift, by the next one.
package push

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/plan"
	"github.com/fcgit/fcgit/snapshot"
)

// DeployingRef records the commit a push is deploying, from before its first
// write until the online branch has moved.
const DeployingRef = "refs/fcgit/deploying"

// ForcedRef records, next to DeployingRef, that the deploy in progress was
// forced (--force / --use-local): the online changes it overwrites were
// recorded on the online branch first, and running push again finishes the
// deploy with the same decision rather than refusing what it already chose
// to overwrite.
const ForcedRef = "refs/fcgit/deploying-forced"

// deployingRef and forcedRef are DeployingRef and ForcedRef for a branch:
// each target has its own deploy in flight.
func deployingRef(b BranchInfo) string {
	if b.Target == "" {
		return DeployingRef
	}
	return "refs/fcgit/targets/" + b.Target + "/deploying"
}

func forcedRef(b BranchInfo) string {
	if b.Target == "" {
		return ForcedRef
	}
	return "refs/fcgit/targets/" + b.Target + "/deploying-forced"
}

// DeployingRefOf is the deploy-in-flight record of a branch, for messages.
func DeployingRefOf(b BranchInfo) string { return deployingRef(b) }

// Options say what to push and how.
type Options struct {
	Branch BranchInfo
	Fetch  fetch.Options
	// Only, when set, names the functions to push (pathspecs): the drift
	// guard, the plan and --prune apply to them alone.
	Only   []string
	Force  bool // --force / --use-local: overwrite drift, after recording it
	Prune  bool // delete functions online that HEAD no longer has
	DryRun bool
	Jobs   int
	// Confirm, when set, is asked for each drifted resource whether to
	// overwrite its online change, skip it, or abort (a terminal prompt);
	// it is never called when Force is set.
	Confirm func(r *plan.Resource) Decision
	// Progress, when set, is called after each function is deployed.
	Progress func(done, total int)
	// Getenv reads the environment secret references name (env:NAME);
	// nil means no secret can be sourced: online values are left as they are.
	Getenv func(string) string
	// Hide, when set, is given every secret value push handles, so that
	// output can be scrubbed of them.
	Hide func(string)
	// Code says how code packages are sent: inline, or through OSS.
	Code CodeOptions
	// Phase, when set, is called as each phase ends: "check" (HEAD read
	// and checked), "read" (online state read and compared), "deploy",
	// "record" (the online branch moved).
	Phase func(name string)
}

func (o *Options) phase(name string) {
	if o.Phase != nil {
		o.Phase(name)
	}
}

// BranchInfo names the online branch and the managed directory.
type BranchInfo = fetch.Branch

// Result is what a push did (or, with DryRun, would do).
type Result struct {
	Head plumbing.Hash
	// Plan classifies every resource the push covered; Writes is what it
	// wrote (or, with DryRun, would write).
	Plan   *plan.Plan
	Writes *plan.Writes
	Drift  []Drift // online changes overwritten (--force, or answered at the prompt)
	// Skipped are the drifted resources the prompt was told to leave as
	// they are online.
	Skipped  []string
	Deployed []string // functions written
	URLs     map[string][]string
	Resumed  bool // an interrupted deploy was found and finished
	NewTip   plumbing.Hash
	// Unverified names functions of a shallow clone whose deploy lies
	// beyond the clone's history (fetch.Stamps.Unverified).
	Unverified map[string]string
	// Functions are HEAD's functions this push covered (all, or those its
	// pathspecs name).
	Functions []string
	// DeployedDomains are the custom domains written.
	DeployedDomains []string
	// Published are the versions published because aliases named them by
	// commit.
	Published []Published
}

// Push deploys HEAD.
func Push(ctx context.Context, client Client, repo *gitstate.Repo, opts Options) (*Result, error) {
	b := opts.Branch
	sel := newSelection(opts.Only)
	fopts := opts.Fetch
	fopts.Hide = opts.Hide
	if sel == nil {
		fopts.DomainsDir = b.DomainsDir
	}
	if fopts.Loader == nil {
		fopts.Loader = fetch.NewLoader(repo, b.Dir)
	}
	// Listing online state starts at once, while HEAD is read and checked
	// here: those checks take as long as a few requests. A refusal from
	// them still comes first, and cancels the listing.
	prepCtx, cancelPrep := context.WithCancel(ctx)
	defer cancelPrep()
	var (
		prepared   *fetch.Prepared
		prepareErr error
		prepDone   = make(chan struct{})
	)
	go func() {
		defer close(prepDone)
		prepared, prepareErr = fetch.Prepare(prepCtx, client, repo, b, fopts)
	}()
	res, err := push(ctx, client, repo, opts, sel, fopts, func() (*fetch.Prepared, error) {
		<-prepDone
		return prepared, prepareErr
	})
	cancelPrep()
	<-prepDone
	return res, err
}

func push(ctx context.Context, client Client, repo *gitstate.Repo, opts Options, sel selection, fopts fetch.Options, prepare func() (*fetch.Prepared, error)) (*Result, error) {
	b := opts.Branch
	if err := checkClean(repo, b.Dir, opts.Only); err != nil {
		return nil, err
	}
	src := secretSource{getenv: opts.Getenv, hide: opts.Hide}
	s, err := gather(ctx, client, repo, gatherOptions{branch: b, fetch: fopts, sel: sel, prepare: prepare,
		checked: func(s *sides) error {
			if s.head.Hash.IsZero() {
				return errors.New("nothing to push: the current branch has no commits yet")
			}
			// What the files alone refuse comes before reading online
			// state: every such problem at once.
			for _, name := range mapkeys.Sorted(s.local) {
				if !inScope(opts.Fetch, name) {
					return &ScopeError{Dir: b.Dir, Function: name}
				}
			}
			if err := checkLiteralSecrets(b.Dir, s.local, opts.Fetch.Secrets); err != nil {
				return err
			}
			opts.phase("check")
			return nil
		}})
	if err != nil {
		return nil, err
	}
	head, headCommit, headTree, prep, on := s.head, s.headCommit, s.headTree, s.prep, s.on
	if !opts.DryRun {
		// A fresh clone learns the last deploy from the stamps: record it
		// as the online branch, as fetch would.
		if err := prep.Commit(repo, b); err != nil {
			return nil, err
		}
	}
	tip := prep.Tip
	res := &Result{Head: head.Hash, URLs: map[string][]string{}, Unverified: prep.Stamps.Unverified, Functions: mapkeys.Sorted(s.local)}

	// An interrupted forced deploy of this very commit goes on as forced.
	if forced, ok, err := repo.ResolveRef(forcedRef(b)); err != nil {
		return nil, err
	} else if ok && forced == head.Hash && s.hasDeploying && s.deploying == head.Hash {
		opts.Force = true
	}
	if s.hasDeploying {
		res.Resumed = true
	}

	p, err := s.plan(repo, planOptions{dir: b.Dir, domainsDir: b.DomainsDir, onlineBranch: strings.TrimPrefix(b.Ref, "refs/heads/"), prune: opts.Prune, fetch: opts.Fetch, secrets: src})
	if err != nil {
		return nil, err
	}
	res.Plan = p
	decided, err := decide(p, s, b, opts)
	if err != nil {
		return nil, err
	}
	res.Drift, res.Skipped = decided.overwritten, decided.skipped
	writes := p.Writes(decided.overwrite)
	res.Writes = writes
	opts.phase("read")

	d := &deployer{client: client, repo: repo, commit: head.Hash.String(), progress: opts.Progress, secrets: src, branch: b,
		code: newCodeSender(opts.Code, b.Region)}
	defer d.code.cleanup()
	// Last of the checks, as it may zip large packages: those FC would not
	// take are refused here, before anything is written.
	if err := d.checkCode(ctx, b.Dir, writes, !opts.DryRun); err != nil {
		return nil, err
	}
	if opts.DryRun {
		return res, nil
	}

	// Before overwriting online changes, record the online state about to
	// be overwritten, so that the console edit stays in the online
	// branch's history.
	if decided.drift {
		changes, err := fetch.Changes(repo, tip, on)
		if err != nil {
			return nil, err
		}
		_, changed, err := fetch.Record(repo, b, tip, on, changes)
		if err != nil {
			return nil, fmt.Errorf("record online state before overwriting it: %w", err)
		}
		if changed {
			if tip, err = fetch.LoadTip(repo, b); err != nil {
				return nil, err
			}
		}
	}

	// Deploy, recorded first so that a cut-off push is recognised later.
	if !writes.Empty() {
		if err := repo.UpdateRef(deployingRef(b), head.Hash, s.deploying, "fcgit push: deploying"); err != nil {
			return nil, fmt.Errorf("record deploy in progress: %w", err)
		}
		if err := recordForced(repo, b, opts.Force || decided.drift, head.Hash); err != nil {
			return nil, fmt.Errorf("record deploy in progress: %w", err)
		}
		outcomes := d.run(ctx, writes, opts.Jobs)
		res.Published = d.published
		partial := &PartialError{Dir: b.Dir, Failed: map[string]error{}}
		for _, o := range outcomes {
			name := o.action.Function
			switch {
			case o.err == nil:
				partial.Deployed = append(partial.Deployed, name)
				if o.action.Op == "delete" {
					delete(on.Note.Functions, name)
				} else {
					on.Note.Functions[name] = o.meta
				}
				if len(o.urls) > 0 {
					res.URLs[name] = o.urls
				}
			case errors.Is(o.err, context.Canceled):
				partial.Skipped = append(partial.Skipped, name)
			default:
				var race *RaceError
				if errors.As(o.err, &race) {
					partial.Failed[name] = race
				} else {
					partial.Failed[name] = o.err
				}
			}
		}
		res.Deployed = partial.Deployed
		if len(partial.Failed) > 0 || len(partial.Skipped) > 0 {
			sort.Strings(partial.Skipped)
			recordRejected(repo, b, head.Hash, partial)
			return res, partial
		}
		// Domains route to functions: they are written once those exist.
		done, failed, skipped := deployDomains(ctx, client, writes.Domains, src)
		res.DeployedDomains = done
		if len(failed) > 0 {
			pe := &PartialError{Dir: b.Dir, DomainsDir: b.DomainsDir, Deployed: append([]string(nil), res.Deployed...), Failed: map[string]error{}}
			for _, d := range done {
				pe.Deployed = append(pe.Deployed, DomainLabel+d)
			}
			for d, err := range failed {
				pe.Failed[DomainLabel+d] = err
			}
			for _, d := range skipped {
				pe.Skipped = append(pe.Skipped, DomainLabel+d)
			}
			recordRejected(repo, b, head.Hash, pe)
			return res, pe
		}
	}

	// A resumed deploy may have been cut off between a function's last
	// write and its stamp: stamp what this push found already deployed.
	if s.hasDeploying {
		if err := restamp(ctx, client, s.local, on, res.Deployed, head.Hash.String(), prep.Stamps); err != nil {
			return res, err
		}
	}

	opts.phase("deploy")
	drift := res.Drift
	hasDeploying := s.hasDeploying

	// 6. Move the online branch to what is now online: HEAD, when HEAD
	// contains the branch. Otherwise (after overwriting drift, or a HEAD that
	// merely has the same state) a commit joining the branch and HEAD, with
	// HEAD's tree, so that no recorded online state leaves the branch's
	// history; or nothing at all when nothing was deployed.
	newTip := head.Hash
	partial := false
	if sel != nil || len(res.Skipped) > 0 {
		// Only some functions were deployed: the online branch records
		// exactly those at HEAD's version, the rest as they were; unless
		// that is HEAD's state as a whole (HEAD changed nothing else), which
		// is recorded as a push of everything is, so that HEAD's history
		// holds the deploy and the next merge takes it as base.
		pt, isPartial, err := partialTip(repo, b, tip, headCommit.TreeHash, headTree, writes, head.Hash)
		if err != nil {
			return nil, err
		}
		if partial = isPartial; partial {
			newTip = pt
		}
	}
	if !partial && !tip.Commit.IsZero() {
		contains, err := repo.IsAncestor(tip.Commit, head.Hash)
		if err != nil {
			return nil, err
		}
		if !contains && tip.Commit == prep.Tip.Commit {
			// A tip rebuilt from stamps records only deploys HEAD holds.
			if contains, err = prep.Superseded(head.Hash); err != nil {
				return nil, err
			}
		}
		switch {
		case contains:
		case writes.Empty() && len(drift) == 0 && tip.Tree == headTree:
			newTip = tip.Commit
		default:
			newTip, err = storeRecord(repo, headCommit.TreeHash, []plumbing.Hash{tip.Commit, head.Hash}, joinMessage(b.Region, head.Hash, drift))
			if err != nil {
				return nil, err
			}
		}
	}
	if newTip != tip.Commit {
		if err := repo.UpdateRef(b.Ref, newTip, tip.Commit, "fcgit push"); err != nil {
			return nil, fmt.Errorf("deployed, but moving %s failed: %w (run fcgit push again to record it)", b.Ref, err)
		}
	}
	on.Note.Region = b.Region
	if err := repo.WriteNote(b.NotesRef(), newTip, on.Note.Encode(), "fcgit push: metadata of "+newTip.String()[:12]); err != nil {
		return nil, fmt.Errorf("write note: %w", err)
	}
	if hasDeploying || !writes.Empty() {
		cur, ok, err := repo.ResolveRef(deployingRef(b))
		if err != nil {
			return nil, err
		}
		if ok {
			if err := repo.UpdateRef(deployingRef(b), plumbing.ZeroHash, cur, "fcgit push: done"); err != nil {
				return nil, err
			}
		}
		if err := recordForced(repo, b, false, plumbing.ZeroHash); err != nil {
			return nil, err
		}
		clearRejected(repo, b)
	}
	res.NewTip = newTip
	opts.phase("record")
	return res, nil
}

// recordForced sets ForcedRef to commit when forced, and removes it
// otherwise.
func recordForced(repo *gitstate.Repo, b BranchInfo, forced bool, commit plumbing.Hash) error {
	cur, ok, err := repo.ResolveRef(forcedRef(b))
	if err != nil {
		return err
	}
	switch {
	case forced && cur != commit:
		return repo.UpdateRef(forcedRef(b), commit, cur, "fcgit push --force: deploying")
	case !forced && ok:
		return repo.UpdateRef(forcedRef(b), plumbing.ZeroHash, cur, "fcgit push: done")
	}
	return nil
}

// joinMessage is the message of a commit that puts HEAD on top of an online
// branch HEAD does not contain.
func joinMessage(region string, head plumbing.Hash, drift []Drift) string {
	var b strings.Builder
	if len(drift) == 0 {
		fmt.Fprintf(&b, "Deploy %s to %s\n", head.String()[:12], region)
		return b.String()
	}
	fmt.Fprintf(&b, "Deploy %s to %s over online changes (--force)\n\nOverwritten online changes:\n", head.String()[:12], region)
	for _, d := range drift {
		fmt.Fprintf(&b, "  %s\n", d.Describe())
	}
	return b.String()
}

func inScope(o fetch.Options, name string) bool {
	return strings.HasPrefix(name, o.Prefix) && (o.InScope == nil || o.InScope(name))
}

// managedTree is the managed directory's tree in a commit tree, zero if absent.
func managedTree(repo *gitstate.Repo, root plumbing.Hash, dir string) (plumbing.Hash, error) {
	e, ok, err := repo.TreeEntryAt(root, dir)
	if err != nil || !ok {
		return plumbing.ZeroHash, err
	}
	return e.Hash, nil
}

// checkClean refuses to deploy anything but a committed state.
func checkClean(repo *gitstate.Repo, dir string, only []string) error {
	if in, err := repo.MergeInProgress(); err != nil {
		return err
	} else if in {
		return errors.New("a merge is in progress: finish it (git commit) or abort it (git merge --abort) before pushing")
	}
	if c, err := repo.HasConflicts(); err != nil {
		return err
	} else if c {
		return errors.New("the index has unresolved conflicts: resolve them and commit before pushing")
	}
	changes, err := repo.LocalChanges(dir + "/")
	if err != nil {
		return err
	}
	if len(only) > 0 {
		// With pathspecs, edits to other functions are not in the way.
		var named []string
		for _, c := range changes {
			for _, n := range only {
				if strings.HasPrefix(c, dir+"/"+n+"/") {
					named = append(named, c)
					break
				}
			}
		}
		changes = named
	}
	if len(changes) > 0 {
		return fmt.Errorf("uncommitted changes under %s/ (push deploys commits only):\n\t%s\ncommit them (git add, git commit) or stash them first", dir, strings.Join(changes, "\n\t"))
	}
	return nil
}

// restamp stamps functions whose online state already equals HEAD's but whose
// stamp names another commit or content.
func restamp(ctx context.Context, client Client, local map[string]*fetch.Function, on *fetch.Online, deployed []string, head string, st *fetch.Stamps) error {
	done := map[string]bool{}
	for _, n := range deployed {
		done[n] = true
	}
	for _, name := range mapkeys.Sorted(local) {
		o := on.Functions[name]
		if done[name] || o == nil || !fetch.Same(local[name], o) {
			continue
		}
		want := stampTags(head, local[name], nil)
		if s := st.StampOf(name); s.Commit == want[StampTag] && s.Content == want[ContentTag] {
			continue
		}
		if s := snapshot.SecretsStamp(o.Secrets); s != "" {
			want[snapshot.SecretsTag] = s
		}
		if err := client.TagFunction(ctx, name, want); err != nil {
			return fmt.Errorf("stamp %s with commit: %w", name, err)
		}
	}
	return nil
}

// stampTags are the tags recording that fn was deployed from commit, with
// the secret values left deployed (their digests only).
func stampTags(commit string, fn *fetch.Function, secrets map[string]string) map[string]string {
	tags := map[string]string{StampTag: commit, ContentTag: fetch.ContentOf(fn)}
	if s := snapshot.SecretsStamp(secrets); s != "" {
		tags[snapshot.SecretsTag] = s
	}
	return tags
}

// storeRecord stores one of fcgit's own commits on the online branch: no
// user identity is needed (CI runners often have none).
func storeRecord(repo *gitstate.Repo, tree plumbing.Hash, parents []plumbing.Hash, msg string) (plumbing.Hash, error) {
	author, committer, err := repo.RecordSignature()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return repo.StoreCommit(gitstate.CommitSpec{Tree: tree, Parents: parents, Message: msg, Author: author, Committer: committer})
}

// selection is the set of functions pathspecs name; nil means all.
type selection map[string]bool

func newSelection(only []string) selection {
	if len(only) == 0 {
		return nil
	}
	s := selection{}
	for _, n := range only {
		s[n] = true
	}
	return s
}

func (s selection) has(name string) bool { return s == nil || s[name] }

func (s selection) filter(m map[string]*fetch.Function) map[string]*fetch.Function {
	if s == nil {
		return m
	}
	out := map[string]*fetch.Function{}
	for n, f := range m {
		if s[n] {
			out[n] = f
		}
	}
	return out
}

// check refuses a pathspec naming a function that is nowhere: not in HEAD,
// not recorded, not online (git's "did not match any file").
func (s selection) check(dir string, maps ...map[string]*fetch.Function) error {
	for _, n := range mapkeys.Sorted(s) {
		found := false
		for _, m := range maps {
			if m[n] != nil {
				found = true
			}
		}
		if !found {
			return fmt.Errorf("pathspec %s/%s did not match any function (not in HEAD, not online)", dir, n)
		}
	}
	return nil
}

// ScopeError: HEAD holds a function that fcgit.toml's [scope] excludes.
type ScopeError struct{ Dir, Function string }

func (e *ScopeError) Error() string {
	return fmt.Sprintf("%s/%s: outside the scope set in fcgit.toml ([scope]): fcgit neither reads nor deploys it; widen the scope or move it out of %s/", e.Dir, e.Function, e.Dir)
}

// partialTip is the online branch after a push of some functions: the tip
// with those functions at HEAD's version (or removed, when pruned), in a
// commit of its own, since HEAD's other functions were not deployed. When
// that leaves the managed directory (and the domains) exactly as HEAD has
// them, nothing is stored and partial is false: the deploy is HEAD's as a
// whole.
func partialTip(repo *gitstate.Repo, b BranchInfo, tip *fetch.Tip, headRoot, headTree plumbing.Hash, plan *plan.Writes, head plumbing.Hash) (newTip plumbing.Hash, partial bool, err error) {
	if plan.Empty() {
		return tip.Commit, true, nil
	}
	entries := map[string]gitstate.TreeEntry{}
	if !tip.Tree.IsZero() {
		list, err := repo.ReadTree(tip.Tree)
		if err != nil {
			return plumbing.ZeroHash, false, err
		}
		for _, e := range list {
			entries[e.Name] = e
		}
	}
	var names []string
	for _, a := range plan.Actions {
		names = append(names, a.Function)
		if a.Op == "delete" {
			delete(entries, a.Function)
			continue
		}
		e, ok, err := repo.TreeEntryAt(headTree, a.Function)
		if err != nil {
			return plumbing.ZeroHash, false, err
		}
		if !ok {
			return plumbing.ZeroHash, false, fmt.Errorf("HEAD lost %s while pushing it", a.Function)
		}
		entries[a.Function] = e
	}
	list := make([]gitstate.TreeEntry, 0, len(entries))
	for _, e := range entries {
		list = append(list, e)
	}
	managed, err := repo.StoreTree(list)
	if err != nil {
		return plumbing.ZeroHash, false, err
	}
	if managed == headTree || len(list) == 0 && headTree.IsZero() {
		domains := plumbing.ZeroHash
		if b.DomainsDir != "" {
			if _, domains, err = b.Managed(repo, headRoot); err != nil {
				return plumbing.ZeroHash, false, err
			}
		}
		if domains == tip.Domains {
			return plumbing.ZeroHash, false, nil
		}
	}
	root := tip.Root
	if root.IsZero() {
		root = gitstate.EmptyTree
	}
	if root, err = b.Unview(repo, root, managed, tip.Domains); err != nil {
		return plumbing.ZeroHash, false, err
	}
	var parents []plumbing.Hash
	if !tip.Commit.IsZero() {
		parents = []plumbing.Hash{tip.Commit}
	}
	sort.Strings(names)
	newTip, err = storeRecord(repo, root, parents, fetch.DeployMessage(b.Region, head, names))
	return newTip, true, err
}

func hasDrift(ds []Drift, fn string) bool {
	for _, d := range ds {
		if d.Function == fn {
			return true
		}
	}
	return false
}
