package gitstate

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// commitTree stores a commit of tree on parents.
func commitTree(t *testing.T, r *Repo, tree plumbing.Hash, msg string, parents ...plumbing.Hash) plumbing.Hash {
	t.Helper()
	c, err := r.StoreCommit(CommitSpec{Tree: tree, Parents: parents, Message: msg, Author: testSig(1700000000), Committer: testSig(1700000000)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// treeWith returns root with blobs set (or removed, for "") at paths.
func treeWith(t *testing.T, r *Repo, root plumbing.Hash, files map[string]string, modes map[string]filemode.FileMode) plumbing.Hash {
	t.Helper()
	// Collect the full file list, then rebuild with git-like nesting.
	all := map[string]TreeEntry{}
	if !root.IsZero() {
		r.WalkTree(root, func(p string, e TreeEntry) error { all[p] = e; return nil })
	}
	for p, c := range files {
		if c == "" && modes[p] == 0 {
			delete(all, p)
			continue
		}
		h, err := r.StoreBlob([]byte(c))
		if err != nil {
			t.Fatal(err)
		}
		m := modes[p]
		if m == 0 {
			m = filemode.Regular
		}
		all[p] = TreeEntry{Mode: m, Hash: h}
	}
	h, err := buildNested(r, all, "")
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func buildNested(r *Repo, all map[string]TreeEntry, prefix string) (plumbing.Hash, error) {
	var es []TreeEntry
	dirs := map[string]bool{}
	for p, e := range all {
		if !strings.HasPrefix(p, prefix) {
			continue
		}
		rest := p[len(prefix):]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			dirs[rest[:i]] = true
			continue
		}
		e.Name = rest
		es = append(es, e)
	}
	for d := range dirs {
		h, err := buildNested(r, all, prefix+d+"/")
		if err != nil {
			return plumbing.ZeroHash, err
		}
		es = append(es, TreeEntry{Name: d, Mode: filemode.Dir, Hash: h})
	}
	return r.StoreTree(es)
}

func headTree(t *testing.T, r *Repo) plumbing.Hash {
	t.Helper()
	h, err := r.Head()
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.ReadCommit(h.Hash)
	if err != nil {
		t.Fatal(err)
	}
	return c.TreeHash
}

func rawEntry(t *testing.T, r *Repo, path string) rawIndexEntry {
	t.Helper()
	idx, err := readIndexFile(r.indexPath())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range idx.entries {
		if e.path == path {
			return *e
		}
	}
	t.Fatalf("%s not in index", path)
	return rawIndexEntry{}
}

func TestCheckoutCleanLeavesGitStatusEmpty(t *testing.T) {
	for _, version := range []string{"2", "3", "4"} {
		t.Run("index v"+version, func(t *testing.T) {
			r := newRepo(t)
			dir := r.WorkDir()
			writeFile(t, dir, "fcgit.toml", "dir = 'functions'\n", 0o644)
			writeFile(t, dir, "functions/api/function.toml", "memorySize = 128\n", 0o644)
			writeFile(t, dir, "functions/api/code/index.js", "v1\n", 0o644)
			writeFile(t, dir, "functions/api/code/run.sh", "#!/bin/sh\n", 0o755)
			writeFile(t, dir, "functions/api/code/to-dir", "file becoming a dir\n", 0o644)
			writeFile(t, dir, "functions/old/function.toml", "gone soon\n", 0o644)
			os.Symlink("index.js", filepath.Join(dir, "functions/api/code/link"))
			gitCmd(t, dir, "config", "core.untrackedCache", "true")
			gitCmd(t, dir, "update-index", "--index-version", version)
			from := commitAll(t, dir, "base")
			gitCmd(t, dir, "status", "--porcelain") // writes TREE/UNTR extensions
			fromTree := headTree(t, r)
			untouched := rawEntry(t, r, "fcgit.toml")
			versionBefore := readIndexHeader(t, r)
			if version == "4" && versionBefore != 4 {
				t.Fatalf("fixture index is version %d, not 4", versionBefore)
			}

			to := treeWith(t, r, fromTree, map[string]string{
				"functions/api/code/index.js":       "v2\n",
				"functions/api/code/run.sh":         "#!/bin/sh\n",
				"functions/api/code/to-dir":         "",
				"functions/api/code/to-dir/x.txt":   "now inside a dir\n",
				"functions/api/code/link":           "run.sh",
				"functions/old/function.toml":       "",
				"functions/new/function.toml":       "memorySize = 64\n",
				"functions/new/code/deep/a/b/c.txt": "deep\n",
			}, map[string]filemode.FileMode{
				"functions/api/code/run.sh": filemode.Regular, // lose the exec bit
				"functions/api/code/link":   filemode.Symlink,
			})
			if err := r.Checkout(fromTree, to, nil); err != nil {
				t.Fatal(err)
			}
			next := commitTree(t, r, to, "fetch", from)
			if err := r.UpdateHead(next, from, "pull: fast-forward"); err != nil {
				t.Fatal(err)
			}
			if st := gitCmd(t, dir, "status", "--porcelain", "--untracked-files=all"); st != "" {
				t.Fatalf("git status after checkout:\n%s", st)
			}
			if d := gitCmd(t, dir, "diff-index", "--cached", "HEAD"); d != "" {
				t.Fatalf("git diff-index --cached HEAD:\n%s", d)
			}
			if d := gitCmd(t, dir, "diff-files"); d != "" {
				t.Fatalf("git diff-files:\n%s", d)
			}
			if got := readFile(t, dir, "functions/api/code/index.js"); got != "v2\n" {
				t.Fatalf("index.js = %q", got)
			}
			if fi, _ := os.Stat(filepath.Join(dir, "functions/api/code/run.sh")); fi.Mode().Perm()&0o100 != 0 {
				t.Fatal("run.sh still executable")
			}
			if target, _ := os.Readlink(filepath.Join(dir, "functions/api/code/link")); target != "run.sh" {
				t.Fatalf("link -> %q", target)
			}
			if _, err := os.Stat(filepath.Join(dir, "functions/old")); !os.IsNotExist(err) {
				t.Fatal("emptied directory functions/old not removed")
			}
			if after := rawEntry(t, r, "fcgit.toml"); after != untouched {
				t.Fatalf("untouched entry's stat data changed:\n%+v\n%+v", untouched, after)
			}
			head := readIndexHeader(t, r)
			if head != versionBefore {
				t.Fatalf("index version %d, was %d", head, versionBefore)
			}
			entries, err := r.ReadIndex()
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, e := range entries {
				lines = append(lines, strings.Join([]string{modeString(e.Mode), e.Hash.String(), string(rune('0' + e.Stage))}, " ")+"\t"+e.Path)
			}
			if want := gitCmd(t, dir, "ls-files", "-s"); strings.Join(lines, "\n") != want {
				t.Fatalf("ReadIndex:\n%s\ngit ls-files -s:\n%s", strings.Join(lines, "\n"), want)
			}
			fsck(t, dir)
		})
	}
}

func modeString(m filemode.FileMode) string {
	s := strings.TrimLeft(m.String(), "0")
	for len(s) < 6 {
		s = "0" + s
	}
	return s
}

func readIndexHeader(t *testing.T, r *Repo) uint32 {
	t.Helper()
	b, err := os.ReadFile(r.indexPath())
	if err != nil || len(b) < 8 || !bytes.Equal(b[:4], []byte("DIRC")) {
		t.Fatalf("bad index: %v", err)
	}
	return uint32(b[4])<<24 | uint32(b[5])<<16 | uint32(b[6])<<8 | uint32(b[7])
}

// conflictFixture: base, ours (HEAD, on main) and theirs (fcgit/online) with
// one path per conflict kind and one clean change from theirs.
type conflictFixture struct {
	r                    *Repo
	base, ours, theirs   plumbing.Hash
	oursTree, mergedTree plumbing.Hash
	conflicts            []ConflictEntry
}

func newConflictFixture(t *testing.T) *conflictFixture {
	r := newRepo(t)
	dir := r.WorkDir()
	writeFile(t, dir, "functions/uu.txt", "base\n", 0o644)
	writeFile(t, dir, "functions/ud.txt", "base ud\n", 0o644)
	writeFile(t, dir, "functions/du.txt", "base du\n", 0o644)
	writeFile(t, dir, "functions/clean.txt", "base clean\n", 0o644)
	base := commitAll(t, dir, "base")
	baseTree := headTree(t, r)
	writeFile(t, dir, "functions/uu.txt", "ours\n", 0o644)
	writeFile(t, dir, "functions/ud.txt", "ours ud\n", 0o644)
	os.Remove(filepath.Join(dir, "functions/du.txt"))
	writeFile(t, dir, "functions/aa.txt", "ours aa\n", 0o644)
	ours := commitAll(t, dir, "local edits")
	oursTree := headTree(t, r)

	theirsTree := treeWith(t, r, baseTree, map[string]string{
		"functions/uu.txt":    "theirs\n",
		"functions/ud.txt":    "",
		"functions/du.txt":    "theirs du\n",
		"functions/aa.txt":    "theirs aa\n",
		"functions/clean.txt": "theirs clean\n",
	}, nil)
	theirs := commitTree(t, r, theirsTree, "fetch: console edits", base)
	if err := r.UpdateRef("refs/heads/fcgit/online", theirs, plumbing.ZeroHash, "fetch"); err != nil {
		t.Fatal(err)
	}
	// The merged tree holds clean results; conflicted paths keep ours.
	merged := treeWith(t, r, oursTree, map[string]string{"functions/clean.txt": "theirs clean\n"}, nil)
	stage := func(path string, tree plumbing.Hash) *IndexEntry {
		e, ok, err := r.TreeEntryAt(tree, path)
		if err != nil || !ok {
			t.Fatalf("%s missing: %v", path, err)
		}
		return &IndexEntry{Path: path, Mode: e.Mode, Hash: e.Hash}
	}
	conflicts := []ConflictEntry{
		{Path: "functions/uu.txt", Stages: [3]*IndexEntry{stage("functions/uu.txt", baseTree), stage("functions/uu.txt", oursTree), stage("functions/uu.txt", theirsTree)},
			Worktree: []byte("<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> fcgit/online\n")},
		{Path: "functions/aa.txt", Stages: [3]*IndexEntry{nil, stage("functions/aa.txt", oursTree), stage("functions/aa.txt", theirsTree)},
			Worktree: []byte("<<<<<<< HEAD\nours aa\n=======\ntheirs aa\n>>>>>>> fcgit/online\n")},
		{Path: "functions/ud.txt", Stages: [3]*IndexEntry{stage("functions/ud.txt", baseTree), stage("functions/ud.txt", oursTree), nil},
			Worktree: []byte("ours ud\n")},
		{Path: "functions/du.txt", Stages: [3]*IndexEntry{stage("functions/du.txt", baseTree), nil, stage("functions/du.txt", theirsTree)},
			Worktree: []byte("theirs du\n")},
	}
	return &conflictFixture{r: r, base: base, ours: ours, theirs: theirs, oursTree: oursTree, mergedTree: merged, conflicts: conflicts}
}

func (f *conflictFixture) apply(t *testing.T) {
	t.Helper()
	if err := f.r.Checkout(f.oursTree, f.mergedTree, f.conflicts); err != nil {
		t.Fatal(err)
	}
	if err := f.r.WriteMergeState(f.theirs, "Merge branch 'fcgit/online'", f.ours); err != nil {
		t.Fatal(err)
	}
}

func TestCheckoutConflictsWorkWithGitTools(t *testing.T) {
	f := newConflictFixture(t)
	r, dir := f.r, f.r.WorkDir()
	f.apply(t)

	want := "AA functions/aa.txt\nM  functions/clean.txt\nDU functions/du.txt\nUD functions/ud.txt\nUU functions/uu.txt"
	if st := gitCmd(t, dir, "status", "--porcelain"); st != want {
		t.Fatalf("git status --porcelain:\n%s\nwant:\n%s", st, want)
	}
	unmerged := gitCmd(t, dir, "ls-files", "-u")
	var got []string
	for _, l := range sortedLines(unmerged) {
		fields := strings.Fields(l)
		got = append(got, fields[2]+" "+fields[3])
	}
	if strings.Join(got, ",") != "2 functions/aa.txt,3 functions/aa.txt,1 functions/du.txt,3 functions/du.txt,1 functions/ud.txt,2 functions/ud.txt,1 functions/uu.txt,2 functions/uu.txt,3 functions/uu.txt" {
		t.Fatalf("git ls-files -u:\n%s", unmerged)
	}
	if has, err := r.HasConflicts(); err != nil || !has {
		t.Fatalf("HasConflicts = %v %v", has, err)
	}
	if in, _ := r.MergeInProgress(); !in {
		t.Fatal("MergeInProgress false")
	}
	diff := gitCmd(t, dir, "diff")
	if !strings.Contains(diff, "diff --cc functions/uu.txt") || !strings.Contains(diff, "++<<<<<<< HEAD") {
		t.Fatalf("git diff:\n%s", diff)
	}
	if got := readFile(t, dir, "functions/du.txt"); got != "theirs du\n" {
		t.Fatalf("du.txt = %q", got)
	}
	if got := readFile(t, dir, "MERGE_HEAD"[:0]+".git/MERGE_HEAD"); got != f.theirs.String()+"\n" {
		t.Fatalf("MERGE_HEAD = %q", got)
	}
	if got := readFile(t, dir, ".git/MERGE_MSG"); got != "Merge branch 'fcgit/online'\n" {
		t.Fatalf("MERGE_MSG = %q", got)
	}
	if got := readFile(t, dir, ".git/MERGE_MODE"); got != "" {
		t.Fatalf("MERGE_MODE = %q", got)
	}
	if got := gitCmd(t, dir, "rev-parse", "ORIG_HEAD"); got != f.ours.String() {
		t.Fatalf("ORIG_HEAD = %s", got)
	}
	// Our own view agrees.
	changes, err := r.LocalChanges("functions/")
	if err != nil || strings.Join(changes, ",") != "functions/aa.txt,functions/clean.txt,functions/du.txt,functions/ud.txt,functions/uu.txt" {
		t.Fatalf("LocalChanges = %v %v", changes, err)
	}

	t.Run("resolve and commit", func(t *testing.T) {
		writeFile(t, dir, "functions/uu.txt", "resolved\n", 0o644)
		writeFile(t, dir, "functions/aa.txt", "resolved aa\n", 0o644)
		gitCmd(t, dir, "add", "-A")
		gitCmd(t, dir, "commit", "-q", "--no-edit")
		parents := gitCmd(t, dir, "log", "-1", "--format=%P")
		if parents != f.ours.String()+" "+f.theirs.String() {
			t.Fatalf("merge commit parents %q", parents)
		}
		if msg := gitCmd(t, dir, "log", "-1", "--format=%s"); msg != "Merge branch 'fcgit/online'" {
			t.Fatalf("merge commit message %q", msg)
		}
		if in, _ := r.MergeInProgress(); in {
			t.Fatal("merge still in progress after git commit")
		}
		fsck(t, dir)
	})
}

func TestCheckoutConflictsMergeAbort(t *testing.T) {
	f := newConflictFixture(t)
	dir := f.r.WorkDir()
	f.apply(t)
	gitCmd(t, dir, "merge", "--abort")
	if st := gitCmd(t, dir, "status", "--porcelain"); st != "" {
		t.Fatalf("status after merge --abort:\n%s", st)
	}
	if got := gitCmd(t, dir, "rev-parse", "HEAD"); got != f.ours.String() {
		t.Fatalf("HEAD moved: %s", got)
	}
	if got := readFile(t, dir, "functions/uu.txt"); got != "ours\n" {
		t.Fatalf("uu.txt = %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "functions/du.txt")); !os.IsNotExist(err) {
		t.Fatal("du.txt not removed by abort")
	}
	if in, _ := f.r.MergeInProgress(); in {
		t.Fatal("merge in progress after abort")
	}
	if has, _ := f.r.HasConflicts(); has {
		t.Fatal("conflicts after abort")
	}
}

func TestMergeStateClear(t *testing.T) {
	f := newConflictFixture(t)
	f.apply(t)
	if err := f.r.ClearMergeState(); err != nil {
		t.Fatal(err)
	}
	if in, _ := f.r.MergeInProgress(); in {
		t.Fatal("still in progress")
	}
	for _, name := range []string{"MERGE_HEAD", "MERGE_MSG", "MERGE_MODE"} {
		if _, err := os.Stat(filepath.Join(f.r.GitDir(), name)); !os.IsNotExist(err) {
			t.Fatalf("%s left", name)
		}
	}
	if h, ok, _ := f.r.ResolveRef("ORIG_HEAD"); !ok || h != f.ours {
		t.Fatal("ORIG_HEAD should stay, as with git")
	}
}
