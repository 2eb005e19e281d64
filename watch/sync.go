package watch

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/gitremote"
	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/pull"
	"github.com/fcgit/fcgit/release"
)

// integrate brings the target's online branch up to date with the remote's
// value, held in the tracking ref: see the package documentation (1).
func (w *Watcher) integrate(t Target, tracking string) error {
	repo := w.cfg.Repo
	theirs, ok, err := repo.ResolveRef(tracking)
	if err != nil || !ok {
		return err
	}
	ours, _, err := repo.ResolveRef(t.Branch.Ref)
	if err != nil {
		return err
	}
	if ours == theirs {
		return nil
	}
	if !ours.IsZero() {
		if behind, err := repo.IsAncestor(theirs, ours); err != nil || behind {
			return err
		}
	}
	next := theirs
	if !ours.IsZero() {
		if ff, err := repo.IsAncestor(ours, theirs); err != nil {
			return err
		} else if !ff {
			if next, err = w.replay(t, ours, theirs); err != nil {
				return fmt.Errorf("replay the records of %s on the remote's: %w", shortRef(t.Branch.Ref), err)
			}
		}
	}
	if err := repo.UpdateRef(t.Branch.Ref, next, ours, "fcgit watch: take the remote's online branch"); err != nil {
		return fmt.Errorf("update %s: %w", t.Branch.Ref, err)
	}
	if next != theirs {
		fmt.Fprintf(w.cfg.Log, "fcgit watch: %s: %s and the remote's had both moved: replayed the states recorded here on the remote's (%s)\n", t.Label(), shortRef(t.Branch.Ref), short(next))
	}
	return nil
}

// recordPrefix starts the message of fetch's records (fetch.Message).
const recordPrefix = "Online state of "

// replay returns a commit descending from theirs that records, in order,
// the states ours has and theirs lacks: fetch's own records back from ours
// to theirs' history, and the newest commit that is not such a record (a
// deploy's commit) as one state. Each keeps theirs' files outside the
// managed directories and its record's message; a state equal to the one
// before it is left out, so two watchers recording the same console edit
// leave one record. The tip's note (the metadata fetch reuses) is copied
// when the tip records the same state.
func (w *Watcher) replay(t Target, ours, theirs plumbing.Hash) (plumbing.Hash, error) {
	repo := w.cfg.Repo
	known, err := repo.Reachable(theirs)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	var chain []*object.Commit
	for c := ours; !c.IsZero() && !known[c]; {
		cc, err := repo.ReadCommit(c)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		chain = append(chain, cc)
		if !strings.HasPrefix(cc.Message, recordPrefix) || len(cc.ParentHashes) == 0 {
			break
		}
		c = cc.ParentHashes[0]
	}
	author, committer, err := repo.RecordSignature()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	tip := theirs
	tc, err := repo.ReadCommit(theirs)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	tipTree := tc.TreeHash
	dirs := []string{t.Branch.Dir}
	if t.Branch.DomainsDir != "" {
		dirs = append(dirs, t.Branch.DomainsDir)
	}
	for i := len(chain) - 1; i >= 0; i-- {
		c := chain[i]
		tree := tipTree
		for _, d := range dirs {
			sub, err := subtree(repo, c.TreeHash, d)
			if err != nil {
				return plumbing.ZeroHash, err
			}
			if tree, err = repo.ReplaceSubtree(tree, d, sub); err != nil {
				return plumbing.ZeroHash, err
			}
		}
		if tree == tipTree {
			continue
		}
		msg := c.Message
		if !strings.HasPrefix(msg, recordPrefix) {
			subject, _, _ := strings.Cut(msg, "\n")
			msg = fmt.Sprintf("%s%s: as deployed from %s\n\n%s\n", recordPrefix, t.Branch.Region, c.Hash.String()[:12], subject)
		}
		if tip, err = repo.StoreCommit(gitstate.CommitSpec{Tree: tree, Parents: []plumbing.Hash{tip}, Message: msg,
			Author: author, Committer: committer}); err != nil {
			return plumbing.ZeroHash, err
		}
		tipTree = tree
	}
	if tip != theirs {
		oc, err := repo.ReadCommit(ours)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if note, ok, err := repo.ReadNote(fetch.NotesRef, ours); err == nil && ok && oc.TreeHash == tipTree {
			if err := repo.WriteNote(fetch.NotesRef, tip, note, "fcgit watch: metadata of "+tip.String()[:12]); err != nil {
				return plumbing.ZeroHash, fmt.Errorf("write note: %w", err)
			}
		}
	}
	return tip, nil
}

// subtree is the tree at dir in root, zero when absent.
func subtree(repo *gitstate.Repo, root plumbing.Hash, dir string) (plumbing.Hash, error) {
	e, ok, err := repo.TreeEntryAt(root, dir)
	if err != nil || !ok || e.Mode != filemode.Dir {
		return plumbing.ZeroHash, err
	}
	return e.Hash, nil
}

// pushAttempts bounds how often one cycle pushes a branch the remote keeps
// moving; the next cycle goes on.
const pushAttempts = 3

// push sends the online branch and the version tags, fast-forward only;
// see the package documentation (4).
func (w *Watcher) push(ctx context.Context, t Target, sum *Summary) error {
	repo := w.cfg.Repo
	tip, ok, err := repo.ResolveRef(t.Branch.Ref)
	if err != nil {
		return err
	}
	var refs []string
	if ok {
		refs = append(refs, t.Branch.Ref)
	}
	tags, err := repo.ListRefs(release.TagPrefix)
	if err != nil {
		return err
	}
	refs = append(refs, mapkeys.Sorted(tags)...)
	if len(refs) == 0 {
		return nil
	}
	for attempt := 1; ; attempt++ {
		res, err := w.cfg.Remote.PushFastForward(ctx, refs)
		if err != nil {
			return err
		}
		retry := false
		for _, rr := range res.Refs {
			switch rr.Status {
			case gitremote.StatusPushed:
				fmt.Fprintf(w.cfg.Log, "fcgit watch: %s: pushed %s (%s) to %s\n", t.Label(), shortRef(rr.Ref), short(rr.Local), w.cfg.Remote)
			case gitremote.StatusNonFastForward:
				if rr.Ref != t.Branch.Ref {
					continue
				}
				if err := w.integrate(t, rr.TrackingRef); err != nil {
					return err
				}
				retry = true
			case gitremote.StatusTagExists:
				w.fail(ctx, sourceKey(sourcePush, rr.Ref), t.Label(), &rejectedError{fmt.Sprintf("the remote has the tag %s on another commit (%s, here %s): tags are never moved; look at both and delete the wrong one", strings.TrimPrefix(rr.Ref, "refs/tags/"), short(rr.Remote), short(rr.Local))}, sum)
			case gitremote.StatusRejected:
				return refused(rr)
			}
		}
		if !retry {
			return nil
		}
		now, _, err := repo.ResolveRef(t.Branch.Ref)
		if err != nil {
			return err
		}
		if now == tip && attempt > 1 || attempt >= pushAttempts {
			// Nothing of ours is missing on the remote, or it keeps
			// moving: the next cycle goes on from its value.
			return nil
		}
		tip = now
	}
}

// rejectedError is a ref the remote refused (an error of kind rejected).
type rejectedError struct{ msg string }

func (e *rejectedError) Error() string { return e.msg }

func refused(rr gitremote.RefResult) error {
	return &rejectedError{fmt.Sprintf("the remote refused %s: %s (a hook, permissions or a protected branch: let fcgit watch push it, or push it yourself with git)", rr.Ref, rr.Message)}
}

// mergeBranch pushes the merge of the target's online branch into the base
// branch to the target's merge branch. The merge branch only ever moves
// fast-forward: while it holds commits the base branch lacks (a pull
// request not merged yet) the online branch is merged into it, so it keeps
// whatever was added there; once the base branch holds it (merged), the
// next merge starts again from the base branch. Nothing is pushed when the
// base branch, or the merge branch, already holds the online branch. A
// merge that conflicts pushes nothing and is an error event of kind
// conflict naming the paths, once per pair of commits merged.
func (w *Watcher) mergeBranch(ctx context.Context, t Target, base baseInfo, sum *Summary) error {
	repo := w.cfg.Repo
	name := w.mergeBranchName(t)
	ref := "refs/heads/" + name
	if base.ref == "" || base.commit.IsZero() {
		return fmt.Errorf("--merge-branch %s: the remote has no base branch to merge into (%s): name one with --base", name, orNone(base.ref))
	}
	if base.ref == ref {
		return fmt.Errorf("--merge-branch %s is the base branch itself: name another branch", name)
	}
	online, ok, err := repo.ResolveRef(t.Branch.Ref)
	if err != nil || !ok {
		return err
	}
	if up, err := repo.IsAncestor(online, base.commit); err != nil || up {
		return err
	}
	ours := base.commit
	theirs, hasTheirs, err := repo.ResolveRef(w.cfg.Remote.TrackingRef(ref))
	if err != nil {
		return err
	}
	if hasTheirs {
		merged, err := repo.IsAncestor(theirs, base.commit)
		if err != nil {
			return err
		}
		if !merged {
			ours = theirs
		}
	}
	res, err := pull.MergeCommits(repo, pull.Options{
		BranchRef: t.Branch.Ref, BranchName: shortRef(t.Branch.Ref), Dir: t.Branch.Dir,
		DomainsDir: t.Branch.DomainsDir, Region: t.Branch.Region,
	}, ours, online)
	if err != nil {
		return fmt.Errorf("merge %s into %s: %w", shortRef(t.Branch.Ref), shortRef(base.ref), err)
	}
	key := sourceKey(sourceMerge+" conflict", t.Label())
	switch res.Kind {
	case "up-to-date":
		return nil
	case "conflicts":
		var paths []string
		for _, c := range res.Conflicts {
			paths = append(paths, c.Path)
		}
		into := shortRef(base.ref)
		if ours != base.commit {
			into = name
		}
		msg := fmt.Sprintf("merging %s (%s) into %s (%s) conflicts in %s: %s was not pushed; run fcgit pull on %s and resolve them",
			shortRef(t.Branch.Ref), short(online), into, short(ours), strings.Join(paths, ", "), name, into)
		sum.Errors++
		if w.reported[key] == msg {
			return nil
		}
		w.reported[key] = msg
		fmt.Fprintf(w.cfg.Log, "fcgit watch: %s: %s\n", t.Label(), msg)
		w.emit(ctx, &Event{Event: Error, Target: t.Label(), Kind: KindConflict, Branch: name,
			OnlineCommit: online.String(), Base: ours.String(), Conflicts: paths, Message: msg})
		return nil
	}
	delete(w.reported, key)
	if head, err := repo.Head(); err != nil {
		return err
	} else if head.Branch == ref {
		return fmt.Errorf("--merge-branch %s is the branch checked out here: the watcher moves it without touching the work tree; name another branch", name)
	}
	old, _, err := repo.ResolveRef(ref)
	if err != nil {
		return err
	}
	if old != res.Commit {
		if err := repo.UpdateRef(ref, res.Commit, old, "fcgit watch: merge "+shortRef(t.Branch.Ref)); err != nil {
			return fmt.Errorf("update %s: %w", ref, err)
		}
	}
	pr, err := w.cfg.Remote.PushFastForward(ctx, []string{ref})
	if err != nil {
		return err
	}
	rr, _ := pr.Ref(ref)
	switch rr.Status {
	case gitremote.StatusPushed:
		w.emit(ctx, &Event{Event: Merge, Target: t.Label(), Branch: name, Commit: res.Commit.String(),
			Base: base.commit.String(), OnlineCommit: online.String()})
	case gitremote.StatusNonFastForward:
		// Someone pushed to it meanwhile: the next cycle merges into theirs.
		return nil
	case gitremote.StatusRejected:
		return refused(rr)
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "the remote's HEAD names no branch"
	}
	return s
}
