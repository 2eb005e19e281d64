package fetch

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/fcgit/fcgit/gitstate"
)

// commitOn stores a commit with tree and parents, as another branch or a
// squash merge would make it.
func (f *fixture) commitOn(t *testing.T, tree plumbing.Hash, msg string, sec int64, parents ...plumbing.Hash) plumbing.Hash {
	t.Helper()
	sig := gitstate.Signature{Name: "T", Email: "t@example.com", When: time.Unix(sec, 0)}
	h, err := f.repo.StoreCommit(gitstate.CommitSpec{Tree: tree, Parents: parents, Message: msg, Author: sig, Committer: sig})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// setHead points main and HEAD at c.
func (f *fixture) setHead(t *testing.T, c plumbing.Hash) {
	t.Helper()
	old, _, _ := f.repo.ResolveRef("refs/heads/main")
	if err := f.repo.UpdateRef("refs/heads/main", c, old, "test"); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) stamp(t *testing.T, fn string, commit string, content string) {
	t.Helper()
	tags := map[string]string{StampTag: commit}
	if content != "" {
		tags[ContentTag] = content
	}
	if err := f.client.TagFunction(context.Background(), fn, tags); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) contentAt(t *testing.T, commit plumbing.Hash, fn string) string {
	t.Helper()
	tree, ok, err := commitFunctionTree(f.repo, commit, Branch{Dir: "functions"}, fn)
	if err != nil || !ok {
		t.Fatalf("%s has no %s: %v", commit, fn, err)
	}
	ids, err := newContents(NewLoader(f.repo, "functions")).of(fn, tree)
	if err != nil || len(ids) == 0 {
		t.Fatalf("content of %s: %v", fn, err)
	}
	return ids[0]
}

func (f *fixture) resolve(t *testing.T, old *Tip) (*Tip, *Stamps) {
	t.Helper()
	fns, err := List(context.Background(), f.client, Options{})
	if err != nil {
		t.Fatal(err)
	}
	head, err := f.repo.Head()
	if err != nil {
		t.Fatal(err)
	}
	tip, st, err := ResolveTip(f.repo, f.branch, old, fns, head.Hash)
	if err != nil {
		t.Fatal(err)
	}
	return tip, st
}

var fresh = func() *Tip { return &Tip{Note: &Note{Functions: map[string]FunctionMeta{}}} }

// TestResolveTipByContent: a deploy from a commit this repository does not
// have (a deleted branch that was squash-merged) is found by its content in
// HEAD's history; the newest holder of all deployed states is the tip.
func TestResolveTipByContent(t *testing.T) {
	f := newFixture(t)
	f.create(t, "a", nil)
	f.create(t, "b", nil)
	online, _, _ := f.fetch(t)
	oc, _ := f.repo.ReadCommit(online)
	// main: an older commit, then the squash commit holding what runs.
	older := f.commitOn(t, gitstate.EmptyTree, "start", 1700000000)
	squash := f.commitOn(t, oc.TreeHash, "feature (#1)", 1700000100, older)
	f.setHead(t, squash)
	gone := strings.Repeat("cd", 20)
	f.stamp(t, "a", gone, f.contentAt(t, online, "a"))
	f.stamp(t, "b", gone, f.contentAt(t, online, "b"))

	tip, st := f.resolve(t, fresh())
	if !st.Rebuilt || tip.Commit != squash || len(st.Unknown) != 0 {
		t.Fatalf("tip %s rebuilt=%v unknown=%v, want the squash commit %s", tip.Commit, st.Rebuilt, st.Unknown, squash)
	}

	// The same stamps without content ids name a commit nobody has.
	f.stamp(t, "a", gone, "")
	if err := f.client.UntagFunction(context.Background(), "a", []string{ContentTag}); err != nil {
		t.Fatal(err)
	}
	_, st = f.resolve(t, fresh())
	if st.Unknown["a"] != gone || !strings.Contains(st.Explain("a"), "does not have") {
		t.Fatalf("legacy stamp of a missing commit: unknown=%v", st.Unknown)
	}
}

// TestResolveTipOlderContentIsNotADeploy: a stamp whose content the online
// branch recorded before a newer state (a revert deployed from a clone whose
// commits this repository lacks) is not placed at that old commit.
func TestResolveTipOlderContentIsNotADeploy(t *testing.T) {
	f := newFixture(t)
	f.create(t, "a", nil)
	first, _, _ := f.fetch(t)
	oldContent := f.contentAt(t, first, "a")
	if _, err := f.client.UpdateFunction(context.Background(), "a", map[string]any{"memorySize": 1024}); err != nil {
		t.Fatal(err)
	}
	second, _, _ := f.fetch(t)
	f.setHead(t, second)
	// Online goes back to the first state, stamped by another clone.
	if _, err := f.client.UpdateFunction(context.Background(), "a", map[string]any{"memorySize": 512}); err != nil {
		t.Fatal(err)
	}
	f.stamp(t, "a", strings.Repeat("ef", 20), oldContent)
	old, err := LoadTip(f.repo, f.branch)
	if err != nil {
		t.Fatal(err)
	}
	tip, st := f.resolve(t, old)
	if st.Rebuilt || tip.Commit != second || st.Unknown["a"] == "" {
		t.Fatalf("tip %s rebuilt=%v unknown=%v: the old content must not count as the deploy", tip.Commit, st.Rebuilt, st.Unknown)
	}
}

// TestContainsByContent: HEAD holds what the tip records when each recorded
// function state is somewhere in its history, even under other commits; a
// deletion the online branch observed must be merged.
func TestContainsByContent(t *testing.T) {
	f := newFixture(t)
	f.create(t, "a", nil)
	f.create(t, "b", nil)
	first, _, _ := f.fetch(t)
	fc1, _ := f.repo.ReadCommit(first)
	// HEAD: an unrelated history holding the same trees (a rebase), then a
	// local change to a.
	rebased := f.commitOn(t, fc1.TreeHash, "rebased", 1700000000)
	f.setHead(t, rebased)
	prep, err := Prepare(context.Background(), f.client, f.repo, f.branch, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ok, missing, err := prep.Contains(rebased, nil); err != nil || !ok {
		t.Fatalf("rebased copy: contains=%v missing=%v err=%v", ok, missing, err)
	}

	// b deleted online and fetched: HEAD, which still has b, lacks that.
	if err := f.client.DeleteFunction(context.Background(), "b"); err != nil {
		t.Fatal(err)
	}
	f.fetch(t)
	prep, err = Prepare(context.Background(), f.client, f.repo, f.branch, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ok, missing, err := prep.Contains(rebased, nil)
	if err != nil || ok || len(missing) != 1 || missing[0] != "b" {
		t.Fatalf("unmerged deletion: contains=%v missing=%v err=%v", ok, missing, err)
	}
	// A function the online branch never had is new, not unmerged.
	withNew, err := f.repo.ReplaceSubtree(fc1.TreeHash, "functions/c", mustTree(t, f, "functions/a", fc1.TreeHash))
	if err != nil {
		t.Fatal(err)
	}
	noB, err := f.repo.ReplaceSubtree(withNew, "functions/b", plumbing.ZeroHash)
	if err != nil {
		t.Fatal(err)
	}
	later := f.commitOn(t, noB, "take the deletion", 1700000300, rebased)
	if ok, missing, err := prep.Contains(later, nil); err != nil || !ok {
		t.Fatalf("deletion taken in, c new: contains=%v missing=%v err=%v", ok, missing, err)
	}
}

func mustTree(t *testing.T, f *fixture, path string, root plumbing.Hash) plumbing.Hash {
	t.Helper()
	e, ok, err := f.repo.TreeEntryAt(root, path)
	if err != nil || !ok {
		t.Fatalf("%s: %v", path, err)
	}
	return e.Hash
}
