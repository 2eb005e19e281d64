package merge

import (
	"bytes"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/merge/textmerge"
)

// Content for the cases. Every file holds text no other file resembles, so
// git's rename detection (which fcgit does not do) never pairs a deletion
// with an addition and both merges see the same paths.
const tenLines = "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n"

func edit(s, old, new string) string {
	if !strings.Contains(s, old) {
		panic(fmt.Sprintf("edit: %q not in %q", old, s))
	}
	return strings.Replace(s, old, new, 1)
}

var (
	binBase   = "PK\x00\x01 base archive bytes\n"
	binOurs   = "PK\x00\x02 archive rebuilt here\n"
	binTheirs = "PK\x00\x03 archive uploaded online\n"
)

// treeCase is one merge, checked against `git merge` and `git merge-tree`.
type treeCase struct {
	name string
	// base nil: unrelated histories (no merge base; fcgit gets a zero base).
	base, ours, theirs files
	favor              textmerge.Favor
	// kinds is fcgit's conflict kind for every path expected to conflict;
	// empty means git and fcgit merge cleanly.
	kinds map[string]string
	// wantErr: fcgit refuses the merge with an error containing this text,
	// because git resolves the case in a way fcgit does not reproduce;
	// gitSays is the message git prints for it, to prove git conflicts too.
	wantErr, gitSays string
}

func treeCases() []treeCase {
	other := "alpha\nbeta\ngamma\n"
	return []treeCase{
		{
			name:   "changes on one side each",
			base:   files{"a.txt": reg(tenLines), "b.txt": reg(other)},
			ours:   files{"a.txt": reg(edit(tenLines, "two", "TWO")), "b.txt": reg(other)},
			theirs: files{"a.txt": reg(tenLines), "b.txt": reg(edit(other, "beta", "BETA"))},
		},
		{
			name:   "only theirs changed",
			base:   files{"a.txt": reg(tenLines), "d/b.txt": reg(other)},
			ours:   files{"a.txt": reg(tenLines), "d/b.txt": reg(other)},
			theirs: files{"a.txt": reg(edit(tenLines, "six", "6")), "d/b.txt": reg(other)},
		},
		{
			name:   "identical changes on both sides",
			base:   files{"a.txt": reg(tenLines)},
			ours:   files{"a.txt": reg(edit(tenLines, "two", "TWO"))},
			theirs: files{"a.txt": reg(edit(tenLines, "two", "TWO"))},
		},
		{
			name:   "both sides change different lines",
			base:   files{"a.txt": reg(tenLines)},
			ours:   files{"a.txt": reg(edit(tenLines, "two", "TWO"))},
			theirs: files{"a.txt": reg(edit(tenLines, "nine", "NINE"))},
		},
		{
			name:   "adds on one side each",
			base:   files{"a.txt": reg(tenLines)},
			ours:   files{"a.txt": reg(tenLines), "new/here.txt": reg("added locally\n")},
			theirs: files{"a.txt": reg(tenLines), "other/there.sh": exe("#!/bin/sh\necho online\n")},
		},
		{
			name:   "add/add identical",
			base:   files{"a.txt": reg(tenLines)},
			ours:   files{"a.txt": reg(tenLines), "x/same.txt": reg("same on both\n")},
			theirs: files{"a.txt": reg(tenLines), "x/same.txt": reg("same on both\n")},
		},
		{
			name:   "add/add different text",
			base:   files{"a.txt": reg(tenLines)},
			ours:   files{"a.txt": reg(tenLines), "x/new.txt": reg("first\nours\nlast\n")},
			theirs: files{"a.txt": reg(tenLines), "x/new.txt": reg("first\ntheirs\nlast\n")},
			kinds:  map[string]string{"x/new.txt": "add/add"},
		},
		{
			name:   "content conflict next to a clean merge",
			base:   files{"a.txt": reg(tenLines), "b.txt": reg(other)},
			ours:   files{"a.txt": reg(edit(tenLines, "five", "FIVE")), "b.txt": reg(edit(other, "alpha", "ALPHA"))},
			theirs: files{"a.txt": reg(edit(tenLines, "five", "5")), "b.txt": reg(edit(other, "gamma", "GAMMA"))},
			kinds:  map[string]string{"a.txt": "content"},
		},
		{
			name:   "modify/delete",
			base:   files{"a.txt": reg(tenLines), "keep": reg(other)},
			ours:   files{"a.txt": reg(edit(tenLines, "one", "ONE")), "keep": reg(other)},
			theirs: files{"keep": reg(other)},
			kinds:  map[string]string{"a.txt": "modify/delete"},
		},
		{
			name:   "delete/modify",
			base:   files{"a.txt": reg(tenLines), "keep": reg(other)},
			ours:   files{"keep": reg(other)},
			theirs: files{"a.txt": reg(edit(tenLines, "one", "ONE")), "keep": reg(other)},
			kinds:  map[string]string{"a.txt": "delete/modify"},
		},
		{
			name:   "modify/delete of a file made executable",
			base:   files{"run.sh": reg("#!/bin/sh\nexit 0\n"), "keep": reg(other)},
			ours:   files{"keep": reg(other)},
			theirs: files{"run.sh": exe("#!/bin/sh\nexit 0\n"), "keep": reg(other)},
			kinds:  map[string]string{"run.sh": "delete/modify"},
		},
		{
			name:   "delete on both sides",
			base:   files{"a.txt": reg(tenLines), "gone.txt": reg("to be removed\n")},
			ours:   files{"a.txt": reg(edit(tenLines, "one", "ONE"))},
			theirs: files{"a.txt": reg(tenLines)},
		},
		{
			name:   "each side deletes the other's file: empty result",
			base:   files{"a.txt": reg(tenLines), "b.txt": reg(other)},
			ours:   files{"b.txt": reg(other)},
			theirs: files{"a.txt": reg(tenLines)},
		},
		{
			name:   "binary conflict",
			base:   files{"code.zip": reg(binBase)},
			ours:   files{"code.zip": reg(binOurs)},
			theirs: files{"code.zip": reg(binTheirs)},
			kinds:  map[string]string{"code.zip": "binary"},
		},
		{
			name:   "binary add/add",
			base:   files{"a.txt": reg(tenLines)},
			ours:   files{"a.txt": reg(tenLines), "code.zip": reg(binOurs)},
			theirs: files{"a.txt": reg(tenLines), "code.zip": reg(binTheirs)},
			kinds:  map[string]string{"code.zip": "binary"},
		},
		{
			name:   "binary changed on one side",
			base:   files{"code.zip": reg(binBase), "a.txt": reg(tenLines)},
			ours:   files{"code.zip": reg(binBase), "a.txt": reg(edit(tenLines, "ten", "10"))},
			theirs: files{"code.zip": reg(binTheirs), "a.txt": reg(tenLines)},
		},
		{
			name:   "exec bit on one side, content on the other",
			base:   files{"run.sh": reg("#!/bin/sh\necho one\n")},
			ours:   files{"run.sh": reg("#!/bin/sh\necho two\n")},
			theirs: files{"run.sh": exe("#!/bin/sh\necho one\n")},
		},
		{
			name:   "exec bit removed on one side, content changed on the other",
			base:   files{"run.sh": exe(tenLines)},
			ours:   files{"run.sh": reg(tenLines)},
			theirs: files{"run.sh": exe(edit(tenLines, "three", "3"))},
		},
		{
			name:   "exec bit set on both sides",
			base:   files{"run.sh": reg(tenLines)},
			ours:   files{"run.sh": exe(edit(tenLines, "one", "1"))},
			theirs: files{"run.sh": exe(tenLines)},
		},
		{
			name:   "mode conflict",
			base:   files{"a.txt": reg(tenLines)},
			ours:   files{"a.txt": reg(tenLines), "tool": reg("same bytes\n")},
			theirs: files{"a.txt": reg(tenLines), "tool": exe("same bytes\n")},
			kinds:  map[string]string{"tool": "mode"},
		},
		{
			name:   "mode and content conflict",
			base:   files{"a.txt": reg(tenLines)},
			ours:   files{"a.txt": reg(tenLines), "tool": exe("#!/bin/sh\nours\n")},
			theirs: files{"a.txt": reg(tenLines), "tool": reg("#!/bin/sh\ntheirs\n")},
			kinds:  map[string]string{"tool": "add/add"},
		},
		{
			name:   "symlink changed on one side",
			base:   files{"current": symlink("v1"), "v1/x": reg(other)},
			ours:   files{"current": symlink("v1"), "v1/x": reg(edit(other, "beta", "b"))},
			theirs: files{"current": symlink("v2"), "v1/x": reg(other)},
		},
		{
			name:   "symlink changed the same way on both sides",
			base:   files{"current": symlink("v1")},
			ours:   files{"current": symlink("v2")},
			theirs: files{"current": symlink("v2")},
		},
		{
			name:   "symlink conflict",
			base:   files{"current": symlink("v1")},
			ours:   files{"current": symlink("v2")},
			theirs: files{"current": symlink("v3")},
			kinds:  map[string]string{"current": "symlink"},
		},
		{
			name:   "symlink add/add",
			base:   files{"a.txt": reg(tenLines)},
			ours:   files{"a.txt": reg(tenLines), "lib/link": symlink("../ours")},
			theirs: files{"a.txt": reg(tenLines), "lib/link": symlink("../theirs")},
			kinds:  map[string]string{"lib/link": "symlink"},
		},
		{
			name: "nested directories added and removed",
			base: files{"x/y/z/f.txt": reg("deep file\n"), "x/y/g.txt": reg("shallower file\n"), "keep": reg(other)},
			ours: files{"x/y/g.txt": reg("shallower file\n"), "keep": reg(other),
				"a/b/c/new.txt": reg("brand new here\n")},
			theirs: files{"x/y/z/f.txt": reg("deep file\n"), "keep": reg(other),
				"a/b/d/online.txt": reg("created in the console\n")},
		},
		{
			name:   "directory deleted on one side, file added in it on the other",
			base:   files{"d/a.txt": reg(tenLines), "keep": reg(other)},
			ours:   files{"keep": reg(other)},
			theirs: files{"d/a.txt": reg(tenLines), "d/b.txt": reg("a newcomer\n"), "keep": reg(other)},
		},
		{
			name:   "directory deleted on one side, file in it modified on the other",
			base:   files{"d/a.txt": reg(tenLines), "d/e/b.txt": reg(other), "keep": reg("k\n")},
			ours:   files{"d/a.txt": reg(tenLines), "d/e/b.txt": reg(edit(other, "gamma", "G")), "keep": reg("k\n")},
			theirs: files{"keep": reg("k\n")},
			kinds:  map[string]string{"d/e/b.txt": "modify/delete"},
		},
		{
			name:   "file replaced by a directory on one side, deleted on the other",
			base:   files{"x": reg(tenLines), "keep": reg(other)},
			ours:   files{"keep": reg(other)},
			theirs: files{"x/inner.txt": reg("inside the new directory\n"), "keep": reg(other)},
		},
		{
			name:   "directory replaced by a file on one side, deleted on the other",
			base:   files{"x/inner.txt": reg("inside the old directory\n"), "keep": reg(other)},
			ours:   files{"x": reg("a file took its place\n"), "keep": reg(other)},
			theirs: files{"keep": reg(other)},
		},
		{
			name:   "directory replaced by a file on both sides",
			base:   files{"x/inner.txt": reg("inside the old directory\n"), "keep": reg(other)},
			ours:   files{"x": reg("first\nfile here\n"), "keep": reg(other)},
			theirs: files{"x": reg("first\nfile online\n"), "keep": reg(other)},
			kinds:  map[string]string{"x": "add/add"},
		},
		{
			name:    "file replaced by a directory on one side, modified on the other",
			base:    files{"x": reg(tenLines)},
			ours:    files{"x": reg(edit(tenLines, "one", "ONE"))},
			theirs:  files{"x/inner.txt": reg("inside the new directory\n")},
			wantErr: "x: a file on one side is a directory on the other",
			gitSays: "CONFLICT (file/directory)",
		},
		{
			name:    "file and directory added at the same path",
			base:    files{"keep": reg(other)},
			ours:    files{"keep": reg(other), "x": reg("file\n")},
			theirs:  files{"keep": reg(other), "x/y": reg("dir entry\n")},
			wantErr: "x: a file on one side is a directory on the other",
			gitSays: "CONFLICT (file/directory)",
		},
		{
			name:    "file replaced by a symlink on one side, modified on the other",
			base:    files{"f": reg(tenLines)},
			ours:    files{"f": symlink("elsewhere")},
			theirs:  files{"f": reg(edit(tenLines, "one", "ONE"))},
			wantErr: "f: a symlink on one side is a file on the other",
			gitSays: "CONFLICT (distinct types)",
		},
		{
			name:   "unrelated histories",
			ours:   files{"same.txt": reg("same\n"), "f/diff.txt": reg("x\nours\n"), "only-ours": reg("o\n")},
			theirs: files{"same.txt": reg("same\n"), "f/diff.txt": reg("x\ntheirs\n"), "only-theirs": reg("t\n")},
			kinds:  map[string]string{"f/diff.txt": "add/add"},
		},
		{
			name:   "unrelated histories without overlap",
			ours:   files{"a/x": reg("from here\n")},
			theirs: files{"a/y": reg("from online\n")},
		},
		{
			name:   "functions/*/function.toml without a file merger is text",
			base:   files{"functions/f/function.toml": reg("handler = \"index.handler\"\nmemorySize = 512\nruntime = \"python3.10\"\n")},
			ours:   files{"functions/f/function.toml": reg("handler = \"index.handler\"\nmemorySize = 1024\nruntime = \"python3.10\"\n")},
			theirs: files{"functions/f/function.toml": reg("handler = \"index.handler\"\nmemorySize = 512\nruntime = \"python3.12\"\n")},
			kinds:  map[string]string{"functions/f/function.toml": "content"},
		},
		{
			name:   "-X ours resolves a content conflict",
			base:   files{"a.txt": reg(tenLines)},
			ours:   files{"a.txt": reg(edit(tenLines, "five", "FIVE"))},
			theirs: files{"a.txt": reg(edit(edit(tenLines, "five", "5"), "nine", "9"))},
			favor:  textmerge.FavorOurs,
		},
		{
			name:   "-X theirs resolves a content conflict",
			base:   files{"a.txt": reg(tenLines)},
			ours:   files{"a.txt": reg(edit(edit(tenLines, "five", "FIVE"), "one", "1"))},
			theirs: files{"a.txt": reg(edit(tenLines, "five", "5"))},
			favor:  textmerge.FavorTheirs,
		},
		{
			name:   "-X theirs resolves a binary conflict",
			base:   files{"code.zip": reg(binBase)},
			ours:   files{"code.zip": reg(binOurs)},
			theirs: files{"code.zip": reg(binTheirs)},
			favor:  textmerge.FavorTheirs,
		},
		{
			name:   "-X theirs resolves a symlink conflict",
			base:   files{"current": symlink("v1")},
			ours:   files{"current": symlink("v2")},
			theirs: files{"current": symlink("v3")},
			favor:  textmerge.FavorTheirs,
		},
		{
			name:   "-X ours leaves modify/delete and mode conflicts",
			base:   files{"a.txt": reg(tenLines)},
			ours:   files{"a.txt": reg(edit(tenLines, "one", "ONE")), "tool": exe("t\n")},
			theirs: files{"tool": reg("t\n")},
			favor:  textmerge.FavorOurs,
			kinds:  map[string]string{"a.txt": "modify/delete", "tool": "mode"},
		},
	}
}

var styles = []struct {
	name  string
	style textmerge.Style
}{
	{"merge", textmerge.StyleMerge},
	{"diff3", textmerge.StyleDiff3},
	{"zdiff3", textmerge.StyleZDiff3},
}

func TestTreesAgainstGit(t *testing.T) {
	for _, c := range treeCases() {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			checkTreeCase(t, c)
		})
	}
}

// treeSetup is a case's commits in a scratch repository, HEAD on main.
type treeSetup struct {
	s                              *scratch
	baseTree, oursTree, theirsTree plumbing.Hash // baseTree zero when unrelated
	baseLabel                      string
	unrelated                      bool
}

func setupTrees(t *testing.T, c treeCase) *treeSetup {
	s := newScratch(t)
	ts := &treeSetup{s: s, unrelated: c.base == nil, baseLabel: "empty tree"}
	var parents []plumbing.Hash
	if c.base != nil {
		ts.baseTree = s.writeTree(c.base)
		base := s.commit(ts.baseTree, "base")
		parents = append(parents, base)
		// merge-ort labels the base with its abbreviated id.
		ts.baseLabel = s.git(nil, "rev-parse", "--short", base.String())
	}
	ts.oursTree = s.writeTree(c.ours)
	ts.theirsTree = s.writeTree(c.theirs)
	ours := s.commit(ts.oursTree, "ours", parents...)
	theirs := s.commit(ts.theirsTree, "theirs", parents...)
	s.git([]byte(fmt.Sprintf("update refs/heads/%s %s\nupdate refs/heads/%s %s\n", oursBranch, ours, theirsBranch, theirs)),
		"update-ref", "--stdin")
	s.git(nil, "reset", "-q", "--hard", oursBranch)
	return ts
}

func checkTreeCase(t *testing.T, c treeCase) {
	ts := setupTrees(t, c)
	s := ts.s
	if c.favor == textmerge.FavorNone {
		checkMergeTree(t, ts, c)
	}
	for i, st := range styles {
		if i > 0 && !hasTextConflict(c) {
			// The conflict style only changes marker text.
			break
		}
		opts := Options{Text: textmerge.Options{
			Style: st.style, Favor: c.favor,
			OursLabel: "HEAD", TheirsLabel: theirsBranch, BaseLabel: ts.baseLabel,
		}}
		res, err := Trees(s.repo, ts.baseTree, ts.oursTree, ts.theirsTree, opts)
		code, out := s.gitMerge(ts, st.name, c.favor)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("Trees: err = %v, want one containing %q", err, c.wantErr)
			}
			if code != 1 || !strings.Contains(out, c.gitSays) {
				t.Fatalf("git merge exit %d, want 1 with %q:\n%s", code, c.gitSays, out)
			}
			return
		}
		if err != nil {
			t.Fatalf("%s: Trees: %v", st.name, err)
		}
		compareWithGitMerge(t, st.name, ts, c, res, code, out)
		s.git(nil, "reset", "-q", "--hard", oursBranch)
	}
}

func hasTextConflict(c treeCase) bool {
	for _, k := range c.kinds {
		if k == "content" || k == "add/add" {
			return true
		}
	}
	return false
}

// gitMerge runs a real `git merge` of the online branch into main, leaving
// the result uncommitted, and returns its exit code and output.
func (s *scratch) gitMerge(ts *treeSetup, style string, favor textmerge.Favor) (int, string) {
	s.t.Helper()
	args := []string{"-c", "merge.conflictStyle=" + style, "merge", "--no-commit", "--no-ff"}
	switch favor {
	case textmerge.FavorOurs:
		args = append(args, "-X", "ours")
	case textmerge.FavorTheirs:
		args = append(args, "-X", "theirs")
	}
	if ts.unrelated {
		args = append(args, "--allow-unrelated-histories")
	}
	out, code, err := s.run(nil, nil, append(args, theirsBranch)...)
	if err != nil {
		s.t.Fatal(err)
	}
	if code > 1 {
		s.t.Fatalf("git merge: exit %d\n%s", code, out)
	}
	return code, out
}

// checkMergeTree compares the tree and conflicted paths with
// `git merge-tree --write-tree`, which merges without a work tree as fcgit
// does. For a conflicted merge its tree holds what the work tree gets: the
// result tree with each conflict's work-tree file in place of ours.
func checkMergeTree(t *testing.T, ts *treeSetup, c treeCase) {
	s := ts.s
	args := []string{"merge-tree", "--write-tree"}
	if ts.unrelated {
		args = append(args, "--allow-unrelated-histories")
	}
	out, code, err := s.run(nil, nil, append(args, "HEAD", theirsBranch)...)
	if err != nil || code > 1 {
		t.Fatalf("git merge-tree: exit %d, %v\n%s", code, err, out)
	}
	gitTree, info, _ := parseMergeTree(out)
	res, err := Trees(s.repo, ts.baseTree, ts.oursTree, ts.theirsTree, Options{Text: textmerge.Options{
		OursLabel: "HEAD", TheirsLabel: theirsBranch, BaseLabel: ts.baseLabel,
	}})
	if c.wantErr != "" {
		if err == nil {
			t.Fatalf("Trees succeeded, want error %q", c.wantErr)
		}
		return
	}
	if err != nil {
		t.Fatalf("Trees: %v", err)
	}
	if (code == 0) != res.Clean() {
		t.Fatalf("merge-tree exit %d, fcgit clean = %v (%d conflicts)", code, res.Clean(), len(res.Conflicts))
	}
	var stages []string
	for _, cf := range res.Conflicts {
		stages = append(stages, conflictStages(cf)...)
	}
	if got, want := strings.Join(stages, "\n"), strings.Join(info, "\n"); got != want {
		t.Errorf("stages:\nfcgit:\n%s\ngit merge-tree:\n%s", got, want)
	}
	if res.Clean() {
		if res.Tree != gitTree {
			t.Errorf("tree %s, git merge-tree wrote %s\nfcgit:\n%s\ngit:\n%s", res.Tree, gitTree,
				strings.Join(s.listing(res.Tree), "\n"), strings.Join(s.gitListing(gitTree.String()), "\n"))
		}
		return
	}
	// merge-tree's tree holds the work-tree file at each conflict.
	byPath := map[string]string{}
	for _, line := range s.listing(res.Tree) {
		_, p, _ := strings.Cut(line, "\t")
		byPath[p] = line
	}
	for _, cf := range res.Conflicts {
		blob, err := s.repo.StoreBlob(cf.Worktree)
		if err != nil {
			t.Fatal(err)
		}
		byPath[cf.Path] = fmt.Sprintf("%06o %s\t%s", uint32(cf.WorktreeMode), blob, cf.Path)
	}
	got := make([]string, 0, len(byPath))
	for _, p := range mapkeys.Sorted(byPath) {
		got = append(got, byPath[p])
	}
	if g, w := strings.Join(got, "\n"), strings.Join(s.gitListing(gitTree.String()), "\n"); g != w {
		t.Errorf("tree with work-tree files at conflicts:\nfcgit:\n%s\ngit merge-tree:\n%s", g, w)
	}
}

// parseMergeTree splits merge-tree output: the tree id, the conflicted file
// info lines, and the messages.
func parseMergeTree(out string) (plumbing.Hash, []string, string) {
	head, msgs, _ := strings.Cut(out, "\n\n")
	lines := strings.Split(strings.TrimSuffix(head, "\n"), "\n")
	return plumbing.NewHash(lines[0]), lines[1:], msgs
}

// compareWithGitMerge checks fcgit's result against the state a real
// `git merge` left: exit code, tree or index stages, messages and work tree.
func compareWithGitMerge(t *testing.T, style string, ts *treeSetup, c treeCase, res *Result, code int, out string) {
	t.Helper()
	s := ts.s
	gotKinds := map[string]string{}
	for _, cf := range res.Conflicts {
		gotKinds[cf.Path] = cf.Kind
	}
	if fmt.Sprint(gotKinds) != fmt.Sprint(nonNil(c.kinds)) {
		t.Errorf("%s: conflicts %v, want %v", style, gotKinds, c.kinds)
	}
	for _, p := range res.Merged {
		if !strings.Contains(out, "Auto-merging "+p+"\n") {
			t.Errorf("%s: fcgit merged %s from both sides; git did not auto-merge it:\n%s", style, p, out)
		}
	}
	if res.Clean() {
		if code != 0 {
			t.Fatalf("%s: fcgit merged cleanly, git merge exit %d:\n%s", style, code, out)
		}
		if want := plumbing.NewHash(s.git(nil, "write-tree")); res.Tree != want {
			t.Fatalf("%s: tree %s, git's %s\nfcgit:\n%s\ngit:\n%s", style, res.Tree, want,
				strings.Join(s.listing(res.Tree), "\n"), strings.Join(s.gitListing(want.String()), "\n"))
		}
		return
	}
	if code != 1 {
		t.Fatalf("%s: fcgit has conflicts, git merge exit %d:\n%s", style, code, out)
	}
	// Stages: the unmerged entries of git's index are exactly fcgit's.
	var stages, gitStages, gitOurs []string
	for _, cf := range res.Conflicts {
		stages = append(stages, conflictStages(cf)...)
	}
	for _, line := range strings.Split(s.git(nil, "ls-files", "-s"), "\n") {
		meta, p, _ := strings.Cut(line, "\t")
		f := strings.Fields(meta) // mode hash stage
		if f[2] != "0" {
			gitStages = append(gitStages, line)
		}
		if f[2] == "0" || f[2] == "2" {
			gitOurs = append(gitOurs, fmt.Sprintf("%s %s\t%s", f[0], f[1], p))
		}
	}
	if got, want := strings.Join(stages, "\n"), strings.Join(gitStages, "\n"); got != want {
		t.Errorf("%s: stages:\nfcgit:\n%s\ngit ls-files -u:\n%s", style, got, want)
	}
	// Tree: git's stage 0 entries plus ours (stage 2) at conflicted paths.
	if got, want := strings.Join(s.listing(res.Tree), "\n"), strings.Join(gitOurs, "\n"); got != want {
		t.Errorf("%s: tree:\nfcgit:\n%s\ngit's index, stage 0 and ours at conflicts:\n%s", style, got, want)
	}
	// Kinds: git names the same kind of conflict for each path.
	for _, cf := range res.Conflicts {
		for _, msg := range gitMessages(cf) {
			if !strings.Contains(out, msg) {
				t.Errorf("%s: %s conflict %s: git did not say %q:\n%s", style, cf.Kind, cf.Path, msg, out)
			}
		}
	}
	// Work tree: the same bytes and mode git left.
	for _, cf := range res.Conflicts {
		data, mode, err := s.readWorktree(cf.Path)
		if err != nil {
			t.Errorf("%s: %s: %v", style, cf.Path, err)
			continue
		}
		if !bytes.Equal(data, cf.Worktree) || mode != cf.WorktreeMode {
			t.Errorf("%s: %s: work tree %o %q, git left %o %q", style, cf.Path, uint32(cf.WorktreeMode), cf.Worktree, uint32(mode), data)
		}
	}
}

// gitMessages is what git 2.39 prints for a conflict of fcgit's kind.
func gitMessages(c Conflict) []string {
	reason := "content"
	if c.Base == nil {
		reason = "add/add"
	}
	merged := fmt.Sprintf("CONFLICT (%s): Merge conflict in %s\n", reason, c.Path)
	switch c.Kind {
	case "content", "add/add", "mode", "symlink":
		return []string{merged}
	case "binary":
		return []string{fmt.Sprintf("warning: Cannot merge binary files: %s (HEAD vs. %s)\n", c.Path, theirsBranch), merged}
	case "modify/delete":
		return []string{fmt.Sprintf("CONFLICT (modify/delete): %s deleted in %s and modified in HEAD.", c.Path, theirsBranch)}
	case "delete/modify":
		return []string{fmt.Sprintf("CONFLICT (modify/delete): %s deleted in HEAD and modified in %s.", c.Path, theirsBranch)}
	}
	return []string{"unknown kind " + c.Kind}
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// TestTreesZeroBaseIsEmptyTree checks what the git comparisons leave open:
// conflicts come sorted by path, and a zero base and the empty tree merge
// alike.
func TestTreesZeroBaseIsEmptyTree(t *testing.T) {
	s := newScratch(t)
	ours := s.writeTree(files{"b/x": reg("1\n"), "a": reg("ours\n"), "c": reg("same\n")})
	theirs := s.writeTree(files{"b/x": reg("2\n"), "a": reg("theirs\n"), "c": reg("same\n")})
	empty := s.writeTree(files{})
	opts := Options{Text: textmerge.Options{OursLabel: "HEAD", TheirsLabel: theirsBranch, BaseLabel: "empty tree"}}
	zero, err := Trees(s.repo, plumbing.ZeroHash, ours, theirs, opts)
	if err != nil {
		t.Fatal(err)
	}
	viaEmpty, err := Trees(s.repo, empty, ours, theirs, opts)
	if err != nil {
		t.Fatal(err)
	}
	describe := func(r *Result) string {
		out := r.Tree.String()
		for _, c := range r.Conflicts {
			out += fmt.Sprintf("\n%s %s %q %v", c.Kind, conflictStages(c), c.Worktree, c.WorktreeMode)
		}
		return out
	}
	if a, b := describe(zero), describe(viaEmpty); a != b {
		t.Errorf("zero base and empty tree differ:\n%s\n%s", a, b)
	}
	var paths []string
	for _, c := range zero.Conflicts {
		paths = append(paths, c.Path)
	}
	if !sort.StringsAreSorted(paths) || len(paths) != 2 {
		t.Errorf("conflict paths %v, want a and b/x in order", paths)
	}
}

// TestTreesFunctionTOML: with the TOML merger plugged in, function.toml files
// of the managed directory merge key by key where git's text merge
// conflicts; the same bytes elsewhere still merge as text.
func TestTreesFunctionTOML(t *testing.T) {
	s := newScratch(t)
	const managed, elsewhere, gone = "functions/api/function.toml", "other/api/function.toml", "functions/old/function.toml"
	adjacentOurs := []repl{{"memorySize = 512", "memorySize = 1024"}}
	adjacentTheirs := []repl{{`runtime = "python3.10"`, `runtime = "python3.12"`}}
	base := files{managed: reg(baseTOML), elsewhere: reg(baseTOML), gone: reg(baseTOML), "functions/api/code/index.py": reg("def handler(e, c):\n    return 1\n")}
	ours := files{managed: reg(apply(baseTOML, adjacentOurs)), elsewhere: reg(apply(baseTOML, adjacentOurs)),
		gone: reg(apply(baseTOML, []repl{{"timeout = 60", "timeout = 61"}})), "functions/api/code/index.py": reg("def handler(e, c):\n    return 1\n")}
	theirs := files{managed: reg(apply(baseTOML, adjacentTheirs)), elsewhere: reg(apply(baseTOML, adjacentTheirs)),
		"functions/api/code/index.py": reg("def handler(e, c):\n    return 2\n")}
	bt, ot, tt := s.writeTree(base), s.writeTree(ours), s.writeTree(theirs)

	// git conflicts on both function.toml files.
	b := s.commit(bt, "base")
	oc, tc := s.commit(ot, "ours", b), s.commit(tt, "theirs", b)
	out, code, err := s.run(nil, nil, "merge-tree", "--write-tree", "--name-only", oc.String(), tc.String())
	if err != nil || code != 1 {
		t.Fatalf("git merge-tree: exit %d, %v\n%s", code, err, out)
	}
	_, names, _ := parseMergeTree(out)
	if got := strings.Join(names, ","); got != managed+","+gone+","+elsewhere {
		t.Fatalf("git conflicts on %s", got)
	}

	opts := Options{Text: textmerge.Options{OursLabel: "HEAD", TheirsLabel: theirsBranch, BaseLabel: "1234abc"}, MergeFile: FunctionTOML("functions")}
	res, err := Trees(s.repo, bt, ot, tt, opts)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, c := range res.Conflicts {
		kinds[c.Path] = c.Kind
	}
	if want := map[string]string{elsewhere: "content", gone: "modify/delete"}; !reflect.DeepEqual(kinds, want) {
		t.Fatalf("conflicts %v, want %v", kinds, want)
	}
	e, ok, err := s.repo.TreeEntryAt(res.Tree, managed)
	if err != nil || !ok {
		t.Fatalf("%s missing from the result: %v", managed, err)
	}
	data, err := s.repo.ReadBlob(e.Hash)
	if err != nil {
		t.Fatal(err)
	}
	if want := apply(baseTOML, adjacentOurs, adjacentTheirs); string(data) != want {
		t.Errorf("%s:\n%s\nwant\n%s", managed, data, want)
	}
	if !containsString(res.Merged, managed) {
		t.Errorf("Merged %v lacks %s", res.Merged, managed)
	}

	// A key conflict: a content conflict whose details are the keys, with
	// the three sides as stages.
	ours[managed] = reg(apply(baseTOML, []repl{{"memorySize = 512", "memorySize = 1024"}}))
	theirs[managed] = reg(apply(baseTOML, []repl{{"memorySize = 512", "memorySize = 2048"}}))
	ot, tt = s.writeTree(ours), s.writeTree(theirs)
	res, err = Trees(s.repo, bt, ot, tt, opts)
	if err != nil {
		t.Fatal(err)
	}
	var got *Conflict
	for i := range res.Conflicts {
		if res.Conflicts[i].Path == managed {
			got = &res.Conflicts[i]
		}
	}
	if got == nil || got.Kind != "content" || !reflect.DeepEqual(got.Details, []string{"memorySize"}) {
		t.Fatalf("conflict at %s: %+v", managed, got)
	}
	want, err := TOML(managed, "api", []byte(baseTOML), []byte(ours[managed].data), []byte(theirs[managed].data), opts.Text)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Worktree, want.Content) {
		t.Errorf("work tree:\n%s\nwant\n%s", got.Worktree, want.Content)
	}
	for _, side := range []struct {
		e    *Entry
		data string
	}{{got.Base, baseTOML}, {got.Ours, ours[managed].data}, {got.Theirs, theirs[managed].data}} {
		blob, err := s.repo.ReadBlob(side.e.Hash)
		if err != nil || string(blob) != side.data || side.e.Mode != filemode.Regular {
			t.Errorf("stage %o %s holds %q (%v), want %q", uint32(side.e.Mode), side.e.Hash, blob, err, side.data)
		}
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
