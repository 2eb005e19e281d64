// Package pull merges the online branch into the current branch exactly as
// `git merge` would: up to date, fast-forward, or a three-way merge whose
// conflicts are left in git's own conflict state for git's own tools.
package pull

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/merge"
	"github.com/fcgit/fcgit/merge/textmerge"
)

// Options say what to merge and how.
type Options struct {
	BranchRef   string // "refs/heads/fcgit/online"
	BranchName  string // "fcgit/online", the label in markers and messages
	Dir         string // managed directory
	DomainsDir  string // custom domain files ("" when not managed)
	Region      string
	Favor       textmerge.Favor // -X ours|theirs
	NoCommit    bool            // stop before committing a clean merge, as git merge --no-commit
	MarkerSize  int
	Description string // what came in, for the merge commit message body

	// stepHook is handed to gitstate's CheckoutPlan.StepHook: crash tests
	// stop the pull at each of its steps with it.
	stepHook func(step string) error
}

// Outcome is what a pull did.
type Outcome struct {
	Kind      string // "up-to-date", "fast-forward", "merged", "merged-uncommitted", "conflicts", "nothing-online"
	Old, New  plumbing.Hash
	Conflicts []merge.Conflict
	Merged    []string // paths merged from both sides
	// Resumed: this run finished a pull an earlier run was interrupted in
	// (killed while writing the work tree); the outcome is that pull's.
	// Anything fetched since is merged by the next pull.
	Resumed bool
}

// ConflictError reports a pull stopped with conflicts; the repository is in
// git's merge state. Its exit code is 4 (DESIGN.md).
type ConflictError struct {
	Conflicts []merge.Conflict
	Resumed   bool // the merge is an interrupted pull's, finished by this run
}

func (e *ConflictError) Error() string {
	msg := fmt.Sprintf("merge stopped with %d conflicted path(s); fix them, then git add and git commit (or git merge --abort)", len(e.Conflicts))
	if e.Resumed {
		msg = "finished the interrupted pull: " + msg
	}
	return msg
}

// ExitCode is the conflict exit code.
func (e *ConflictError) ExitCode() int { return 4 }

// RefusedError is a pull that changed nothing because the repository is not
// in a state to merge; the message says how to proceed.
type RefusedError struct{ Reason string }

func (e *RefusedError) Error() string { return e.Reason }

// ErrLocalChanges is wrapped by refusals caused by uncommitted changes.
var ErrLocalChanges = errors.New("local changes would be overwritten by the merge")

// Pull merges the online branch into HEAD. When an earlier pull was
// interrupted while writing the work tree, Pull finishes that pull instead
// and returns its outcome (Outcome.Resumed), exactly as it would have
// ended: a conflicted merge is still conflicted, with MERGE_HEAD.
func Pull(repo *gitstate.Repo, opts Options) (*Outcome, error) {
	if err := CheckMergeable(repo); err != nil {
		return nil, err
	}
	if out, done, err := finishInterrupted(repo); done || err != nil {
		return out, err
	}
	head, err := repo.Head()
	if err != nil {
		return nil, err
	}
	if head.Branch == "" {
		return nil, &RefusedError{"HEAD is detached: check out a branch first (e.g. git switch main), then run fcgit pull"}
	}
	theirs, ok, err := repo.ResolveRef(opts.BranchRef)
	if err != nil {
		return nil, err
	}
	if !ok {
		return &Outcome{Kind: "nothing-online", Old: head.Hash, New: head.Hash}, nil
	}
	out := &Outcome{Old: head.Hash, New: head.Hash}
	if head.Hash.IsZero() {
		return fastForward(repo, opts, head, theirs, gitstate.EmptyTree, out)
	}
	if up, err := repo.IsAncestor(theirs, head.Hash); err != nil {
		return nil, err
	} else if up {
		out.Kind = "up-to-date"
		return out, nil
	}
	headCommit, err := repo.ReadCommit(head.Hash)
	if err != nil {
		return nil, err
	}
	if ff, err := repo.IsAncestor(head.Hash, theirs); err != nil {
		return nil, err
	} else if ff {
		// A fast-forward would take the own files of functions deleted
		// online with them: merge instead, keeping them.
		tc, err := repo.ReadCommit(theirs)
		if err != nil {
			return nil, err
		}
		own, err := ownFilesOfDeleted(repo, opts.Dir, headCommit.TreeHash, tc.TreeHash)
		if err != nil {
			return nil, err
		}
		if len(own) == 0 {
			return fastForward(repo, opts, head, theirs, headCommit.TreeHash, out)
		}
	}
	return threeWay(repo, opts, head, theirs, headCommit.TreeHash, out)
}

// CheckMergeable refuses a repository in the middle of a merge or with
// unresolved conflicts, and one where an interrupted pull cannot be
// finished (its process still runs, or the paths it writes were changed
// since). An interrupted pull that can be finished passes: Pull finishes
// it, and what MERGE_HEAD or the index say now is its unfinished state.
func CheckMergeable(repo *gitstate.Repo) error {
	ic, err := repo.InterruptedCheckout()
	if err != nil {
		return err
	}
	if ic != nil && !ic.Stale {
		return interruptedRefusal(repo, ic)
	}
	if in, err := repo.MergeInProgress(); err != nil {
		return err
	} else if in {
		return &RefusedError{"a merge is in progress: resolve it and git commit, or git merge --abort"}
	}
	if c, err := repo.HasConflicts(); err != nil {
		return err
	} else if c {
		return &RefusedError{"the index has unresolved conflicts: resolve them (git status) and commit first"}
	}
	return nil
}

func fastForward(repo *gitstate.Repo, opts Options, head gitstate.Head, theirs, headTree plumbing.Hash, out *Outcome) (*Outcome, error) {
	c, err := repo.ReadCommit(theirs)
	if err != nil {
		return nil, err
	}
	if err := checkLocalChanges(repo, headTree, c.TreeHash); err != nil {
		return nil, err
	}
	out.Kind, out.New = "fast-forward", theirs
	err = repo.RunCheckout(gitstate.CheckoutPlan{
		From: headTree, To: c.TreeHash,
		Head:      &gitstate.HeadUpdate{Old: head.Hash, New: theirs, Reflog: "fcgit pull: Fast-forward"},
		Operation: "fcgit pull", Payload: recordOf(out, nil), StepHook: opts.stepHook,
	})
	if err != nil {
		return nil, checkoutFailed(repo, opts, fmt.Errorf("check out %s: %w", opts.BranchName, err))
	}
	return out, nil
}

func threeWay(repo *gitstate.Repo, opts Options, head gitstate.Head, theirs, headTree plumbing.Hash, out *Outcome) (*Outcome, error) {
	res, baseTree, theirsTree, err := mergeTrees(repo, opts, head.Hash, headTree, theirs)
	if err != nil {
		return nil, err
	}
	if err := checkLocalChanges(repo, headTree, res.Tree); err != nil {
		return nil, err
	}
	if res.Clean() && !opts.NoCommit {
		// The merge commit is the user's, not a record of fcgit's: like
		// git, refuse before touching anything when git cannot name them.
		if _, _, err := repo.DefaultSignature(); err != nil {
			return nil, &RefusedError{fmt.Sprintf("merging %s needs a merge commit, which records you as its author: %v", opts.BranchName, err)}
		}
	}
	entries := make([]gitstate.ConflictEntry, 0, len(res.Conflicts))
	for _, c := range res.Conflicts {
		entries = append(entries, conflictEntry(c))
	}
	out.Conflicts, out.Merged = res.Conflicts, res.Merged
	if opts.Description == "" {
		if opts.Description, err = incoming(repo, opts.Dir, baseTree, theirsTree); err != nil {
			return nil, err
		}
	}
	// Everything the pull writes is decided before the first write and
	// recorded with the checkout (the merge commit object is stored first;
	// alone it changes nothing), so that a pull killed at any point is
	// finished by the next one exactly as it would have ended. The order of
	// writes: work tree files, the index, then ORIG_HEAD, MERGE_MSG,
	// MERGE_MODE and MERGE_HEAD (conflicts, --no-commit), or the branch
	// (a merge commit).
	plan := gitstate.CheckoutPlan{From: headTree, To: res.Tree, Conflicts: entries, Operation: "fcgit pull", StepHook: opts.stepHook}
	msg := mergeMessage(opts)
	switch {
	case !res.Clean():
		msg += conflictsTrailer(res.Conflicts)
		plan.MergeState = &gitstate.MergeState{MergeHead: theirs, Message: msg, OrigHead: head.Hash}
		out.Kind = "conflicts"
	case opts.NoCommit:
		plan.MergeState = &gitstate.MergeState{MergeHead: theirs, Message: msg, OrigHead: head.Hash}
		out.Kind = "merged-uncommitted"
	default:
		author, committer, err := repo.DefaultSignature()
		if err != nil {
			return nil, err
		}
		commit, err := repo.StoreCommit(gitstate.CommitSpec{
			Tree: res.Tree, Parents: []plumbing.Hash{head.Hash, theirs}, Message: msg,
			Author: author, Committer: committer,
		})
		if err != nil {
			return nil, err
		}
		plan.Head = &gitstate.HeadUpdate{Old: head.Hash, New: commit, Reflog: "fcgit pull: Merge made by fcgit."}
		out.Kind, out.New = "merged", commit
	}
	plan.Payload = recordOf(out, res.Conflicts)
	if err := repo.RunCheckout(plan); err != nil {
		return nil, checkoutFailed(repo, opts, fmt.Errorf("write merge result: %w", err))
	}
	if out.Kind == "conflicts" {
		return out, &ConflictError{Conflicts: res.Conflicts}
	}
	return out, nil
}

// mergeTrees is the three-way merge of the online branch's commit theirs
// into ours (whose tree is oursTree), in objects only: the merged tree with
// the own files of functions deleted online kept, the base tree taken, and
// theirs' tree.
func mergeTrees(repo *gitstate.Repo, opts Options, ours, oursTree, theirs plumbing.Hash) (res *merge.Result, baseTree, theirsTree plumbing.Hash, err error) {
	theirsCommit, err := repo.ReadCommit(theirs)
	if err != nil {
		return nil, plumbing.ZeroHash, plumbing.ZeroHash, err
	}
	baseTree = gitstate.EmptyTree
	bases, err := repo.MergeBases(ours, theirs)
	if err != nil {
		return nil, plumbing.ZeroHash, plumbing.ZeroHash, err
	}
	if len(bases) > 0 {
		// With several merge bases git builds a virtual one; fcgit's online
		// branch only ever gains commits from HEAD by push, which gives a
		// single base in practice. Take the first (documented).
		bc, err := repo.ReadCommit(bases[0])
		if err != nil {
			return nil, plumbing.ZeroHash, plumbing.ZeroHash, err
		}
		baseTree = bc.TreeHash
	}
	if baseTree, err = deployedBase(repo, opts.Dir, ours, theirs, baseTree); err != nil {
		return nil, plumbing.ZeroHash, plumbing.ZeroHash, fmt.Errorf("merge base: %w", err)
	}
	style, err := conflictStyle(repo)
	if err != nil {
		return nil, plumbing.ZeroHash, plumbing.ZeroHash, err
	}
	topts := textmerge.Options{
		Style: style, Favor: opts.Favor, MarkerSize: opts.MarkerSize,
		OursLabel: "HEAD", TheirsLabel: opts.BranchName, BaseLabel: baseLabel(bases),
	}
	res, err = merge.Trees(repo, baseTree, oursTree, theirsCommit.TreeHash, merge.Options{
		Text: topts, MergeFile: fileMerger(opts), MarkerSize: newMarkerSizes(repo).size,
	})
	if err != nil {
		return nil, plumbing.ZeroHash, plumbing.ZeroHash, fmt.Errorf("merge %s: %w", opts.BranchName, err)
	}
	own, err := ownFilesOfDeleted(repo, opts.Dir, oursTree, theirsCommit.TreeHash)
	if err != nil {
		return nil, plumbing.ZeroHash, plumbing.ZeroHash, err
	}
	if res.Tree, err = keepOwnFiles(repo, opts.Dir, res.Tree, own); err != nil {
		return nil, plumbing.ZeroHash, plumbing.ZeroHash, fmt.Errorf("merge %s: %w", opts.BranchName, err)
	}
	return res, baseTree, theirsCommit.TreeHash, nil
}

// incoming names the functions the online branch changed since the merge
// base, for the merge commit's message.
func incoming(repo *gitstate.Repo, dir string, base, theirs plumbing.Hash) (string, error) {
	changed, err := repo.ChangedPaths(base, theirs)
	if err != nil {
		return "", err
	}
	fns := map[string]bool{}
	for _, p := range changed {
		if rest, ok := strings.CutPrefix(p, dir+"/"); ok {
			name, _, _ := strings.Cut(rest, "/")
			fns[name] = true
		}
	}
	if len(fns) == 0 {
		return "", nil
	}
	names := make([]string, 0, len(fns))
	for n := range fns {
		names = append(names, n)
	}
	sort.Strings(names)
	return "Functions changed online: " + strings.Join(names, ", "), nil
}

func conflictEntry(c merge.Conflict) gitstate.ConflictEntry {
	stage := func(e *merge.Entry, n int) *gitstate.IndexEntry {
		if e == nil {
			return nil
		}
		return &gitstate.IndexEntry{Path: c.Path, Stage: n, Mode: e.Mode, Hash: e.Hash}
	}
	return gitstate.ConflictEntry{
		Path:         c.Path,
		Stages:       [3]*gitstate.IndexEntry{stage(c.Base, 1), stage(c.Ours, 2), stage(c.Theirs, 3)},
		Worktree:     c.Worktree,
		WorktreeMode: c.WorktreeMode,
	}
}

func mergeMessage(opts Options) string {
	msg := fmt.Sprintf("Merge online state of %s from %s\n", opts.Region, opts.BranchName)
	if opts.Description != "" {
		msg += "\n" + strings.TrimRight(opts.Description, "\n") + "\n"
	}
	return msg
}

// conflictsTrailer is what git appends to MERGE_MSG for a conflicted merge.
func conflictsTrailer(cs []merge.Conflict) string {
	var b strings.Builder
	b.WriteString("\n# Conflicts:\n")
	for _, c := range cs {
		fmt.Fprintf(&b, "#\t%s\n", c.Path)
	}
	return b.String()
}

// baseLabel is what git merge prints after ||||||| in diff3 style: the
// merge base's short id, "merged common ancestors" when there are several,
// "empty tree" for unrelated histories.
func baseLabel(bases []plumbing.Hash) string {
	switch len(bases) {
	case 0:
		return "empty tree"
	case 1:
		return bases[0].String()[:7]
	}
	return "merged common ancestors"
}

func conflictStyle(repo *gitstate.Repo) (textmerge.Style, error) {
	v, ok, err := repo.Config("merge.conflictStyle")
	if err != nil || !ok {
		return textmerge.StyleMerge, err
	}
	switch strings.ToLower(v) {
	case "diff3":
		return textmerge.StyleDiff3, nil
	case "zdiff3":
		return textmerge.StyleZDiff3, nil
	case "merge":
		return textmerge.StyleMerge, nil
	}
	return textmerge.StyleMerge, fmt.Errorf("merge.conflictStyle %q: want merge, diff3 or zdiff3", v)
}

// checkLocalChanges refuses when a path the merge rewrites has uncommitted
// changes, naming them, as git does.
func checkLocalChanges(repo *gitstate.Repo, from, to plumbing.Hash) error {
	paths, err := repo.ChangedPaths(from, to)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return nil
	}
	changed := make(map[string]bool, len(paths))
	for _, p := range paths {
		changed[p] = true
	}
	local, err := repo.LocalChanges("")
	if err != nil {
		return err
	}
	var hit []string
	for _, l := range local {
		if changed[l] || underChanged(changed, l) {
			hit = append(hit, l)
		}
	}
	if len(hit) == 0 {
		return nil
	}
	sort.Strings(hit)
	return &RefusedError{fmt.Sprintf("%v:\n\t%s\ncommit or stash them (git stash), then run fcgit pull again", ErrLocalChanges, strings.Join(hit, "\n\t"))}
}

func underChanged(changed map[string]bool, p string) bool {
	for d := path.Dir(p); d != "." && d != "/"; d = path.Dir(d) {
		if changed[d] {
			return true
		}
	}
	return false
}

// pullRecord is what a pull keeps in its checkout record (the payload) to
// report an interrupted run, once finished, as the run would have.
type pullRecord struct {
	Kind      string             `json:"kind"`
	Old       string             `json:"old,omitempty"`
	New       string             `json:"new,omitempty"`
	Merged    []string           `json:"merged,omitempty"`
	Conflicts []recordedConflict `json:"conflicts,omitempty"`
}

type recordedConflict struct {
	Path    string   `json:"path"`
	Kind    string   `json:"kind"`
	Details []string `json:"details,omitempty"`
}

func recordOf(out *Outcome, conflicts []merge.Conflict) []byte {
	rec := pullRecord{Kind: out.Kind, Merged: out.Merged}
	if !out.Old.IsZero() {
		rec.Old = out.Old.String()
	}
	if !out.New.IsZero() {
		rec.New = out.New.String()
	}
	for _, c := range conflicts {
		rec.Conflicts = append(rec.Conflicts, recordedConflict{Path: c.Path, Kind: c.Kind, Details: c.Details})
	}
	b, _ := json.Marshal(rec) // plain strings: cannot fail
	return b
}

// outcome rebuilds the interrupted pull's Outcome; stages and work tree
// content of its conflicts come from the checkout record.
func (rec *pullRecord) outcome(ic *gitstate.InterruptedCheckout) *Outcome {
	out := &Outcome{Kind: rec.Kind, Merged: rec.Merged, Resumed: true,
		Old: plumbing.NewHash(rec.Old), New: plumbing.NewHash(rec.New)}
	byPath := map[string]gitstate.ConflictEntry{}
	for _, c := range ic.Conflicts {
		byPath[c.Path] = c
	}
	entry := func(e *gitstate.IndexEntry) *merge.Entry {
		if e == nil {
			return nil
		}
		return &merge.Entry{Mode: e.Mode, Hash: e.Hash}
	}
	for _, rc := range rec.Conflicts {
		ce := byPath[rc.Path]
		out.Conflicts = append(out.Conflicts, merge.Conflict{
			Path: rc.Path, Kind: rc.Kind, Details: rc.Details,
			Base: entry(ce.Stages[0]), Ours: entry(ce.Stages[1]), Theirs: entry(ce.Stages[2]),
			Worktree: ce.Worktree, WorktreeMode: ce.WorktreeMode,
		})
	}
	return out
}

// finishInterrupted finishes a pull an earlier run left half-written. done
// is false when there was none (or only a stale record, now dropped): the
// pull goes on as usual.
func finishInterrupted(repo *gitstate.Repo) (*Outcome, bool, error) {
	ic, err := repo.FinishCheckout()
	if err != nil {
		if ic != nil {
			if refusal := interruptedRefusal(repo, ic); refusal != nil {
				return nil, true, refusal
			}
		}
		return nil, true, err
	}
	if ic == nil || ic.Stale {
		return nil, false, nil
	}
	var rec pullRecord
	if json.Unmarshal(ic.Payload, &rec) != nil || rec.Kind == "" {
		// Another operation's checkout, now finished: this pull goes on.
		return nil, false, nil
	}
	out := rec.outcome(ic)
	if out.Kind == "conflicts" {
		return out, true, &ConflictError{Conflicts: out.Conflicts, Resumed: true}
	}
	return out, true, nil
}

// interruptedRefusal says why an interrupted pull cannot be finished now and
// how to recover, or returns nil when it can be.
func interruptedRefusal(repo *gitstate.Repo, ic *gitstate.InterruptedCheckout) error {
	what := fmt.Sprintf("%s (process %d on %s, started %s)", orDefault(ic.Operation, "a checkout"), ic.PID, ic.Host, ic.Started.Local().Format(time.DateTime))
	if ic.WriterRunning {
		return &RefusedError{fmt.Sprintf("%s is still writing the work tree: wait for it to end, then run fcgit pull again.\n"+
			"If that process is gone (it ran on another machine sharing this directory, or its id was reused), "+
			"put the work tree back with git reset --hard, remove .git/index.lock and .git/%s, and run fcgit pull again", what, "fcgit-checkout")}
	}
	if len(ic.Modified) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s was interrupted while writing the work tree, and these paths were changed since:\n", what)
	for _, p := range ic.Modified {
		note := ""
		if _, ok, err := repo.TreeEntryAt(ic.From, p); err == nil && !ok {
			note = " (not in HEAD)"
		}
		fmt.Fprintf(&b, "\t%s%s\n", p, note)
	}
	b.WriteString("fcgit pull will not overwrite them. Save what you want to keep, then put them back as they were: ")
	if in, err := repo.MergeInProgress(); err == nil && in {
		b.WriteString("git merge --abort")
	} else {
		b.WriteString("git reset --hard, or git checkout HEAD -- <path> for each path (deleting those not in HEAD)")
	}
	b.WriteString("; then run fcgit pull again: it finishes the interrupted pull")
	return &RefusedError{b.String()}
}

// checkoutFailed adds what to do when a checkout failed after it started
// writing (its record stays): the next pull finishes it. A run stopped by
// the crash tests' hook stands for a killed process, which does nothing
// more.
func checkoutFailed(repo *gitstate.Repo, opts Options, err error) error {
	if opts.stepHook != nil {
		return err
	}
	if ic, ierr := repo.InterruptedCheckout(); ierr == nil && ic != nil && !ic.WriterRunning {
		return fmt.Errorf("%w\nthe work tree is partly written: fix the cause and run fcgit pull again to finish it, or undo it with git reset --hard", err)
	}
	return err
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// fileMerger merges function.toml and domain files key by key.
func fileMerger(opts Options) merge.FileMerger {
	if opts.DomainsDir == "" {
		return merge.FunctionTOML(opts.Dir)
	}
	return merge.Mergers(merge.FunctionTOML(opts.Dir), merge.DomainTOML(opts.DomainsDir))
}
