package gitstate

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenRefuses(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T) string // returns the dir to open
		hint  string                    // what the message must tell the user
	}{
		{"bare", func(t *testing.T) string {
			d := t.TempDir()
			gitCmd(t, d, "init", "-q", "--bare")
			return d
		}, "bare"},
		{"inside .git", func(t *testing.T) string {
			d := t.TempDir()
			gitCmd(t, d, "init", "-q")
			return filepath.Join(d, ".git", "refs")
		}, "run fcgit from the work tree"},
		{"sha256", func(t *testing.T) string {
			d := t.TempDir()
			gitCmd(t, d, "init", "-q", "--object-format=sha256")
			return d
		}, "--object-format=sha1"},
		{"worktreeConfig", func(t *testing.T) string {
			d := t.TempDir()
			gitCmd(t, d, "init", "-q")
			gitCmd(t, d, "config", "extensions.worktreeConfig", "true")
			return d
		}, "git config --unset extensions.worktreeConfig"},
		{"split index", func(t *testing.T) string {
			d := t.TempDir()
			gitCmd(t, d, "init", "-q")
			writeFile(t, d, "a.txt", "a\n", 0o644)
			gitCmd(t, d, "add", "a.txt")
			gitCmd(t, d, "update-index", "--split-index")
			return d
		}, "--no-split-index"},
		{"core.splitIndex", func(t *testing.T) string {
			d := t.TempDir()
			gitCmd(t, d, "init", "-q")
			gitCmd(t, d, "config", "core.splitIndex", "true")
			return d
		}, "core.splitIndex false"},
		{"unknown extension", func(t *testing.T) string {
			d := t.TempDir()
			gitCmd(t, d, "init", "-q")
			gitCmd(t, d, "config", "core.repositoryformatversion", "1")
			gitCmd(t, d, "config", "extensions.somethingNew", "true")
			return d
		}, "extensions.somethingnew"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.setup(t)
			_, err := Open(dir)
			if err == nil {
				t.Fatal("opened")
			}
			if !errors.Is(err, ErrUnsupportedRepository) || !strings.Contains(err.Error(), tc.hint) {
				t.Fatalf("error %q should wrap ErrUnsupportedRepository and say %q", err, tc.hint)
			}
		})
	}
}

func TestOpenNotARepository(t *testing.T) {
	_, err := Open(t.TempDir())
	if !errors.Is(err, ErrNotRepository) {
		t.Fatalf("err = %v", err)
	}
}

func TestOpenFromSubdirectory(t *testing.T) {
	r := newRepo(t)
	sub := filepath.Join(r.WorkDir(), "functions", "api")
	os.MkdirAll(sub, 0o755)
	got, err := Open(sub)
	if err != nil {
		t.Fatal(err)
	}
	if got.WorkDir() != r.WorkDir() || got.GitDir() != filepath.Join(r.WorkDir(), ".git") {
		t.Fatalf("WorkDir=%s GitDir=%s", got.WorkDir(), got.GitDir())
	}
}

// TestOpenLinkedWorktree: HEAD, index and merge state are per worktree;
// objects and branches are shared.
func TestOpenLinkedWorktree(t *testing.T) {
	main := newRepo(t)
	dir := main.WorkDir()
	writeFile(t, dir, "functions/a.txt", "a\n", 0o644)
	base := commitAll(t, dir, "base")
	wt := filepath.Join(t.TempDir(), "wt")
	gitCmd(t, dir, "worktree", "add", "-q", "-b", "feature", wt)

	r, err := Open(filepath.Join(wt, "functions"))
	if err != nil {
		t.Fatal(err)
	}
	if r.WorkDir() != wt || !strings.Contains(r.GitDir(), filepath.Join(".git", "worktrees")) {
		t.Fatalf("WorkDir=%s GitDir=%s", r.WorkDir(), r.GitDir())
	}
	h, err := r.Head()
	if err != nil || h.Branch != "refs/heads/feature" || h.Hash != base {
		t.Fatalf("Head = %+v %v", h, err)
	}
	tree := headTree(t, r)
	next := treeWith(t, r, tree, map[string]string{"functions/a.txt": "from worktree\n"}, nil)
	c := commitTree(t, r, next, "in worktree", base)
	if err := r.Checkout(tree, next, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.UpdateHead(c, base, "commit"); err != nil {
		t.Fatal(err)
	}
	if got := gitCmd(t, dir, "rev-parse", "feature"); got != c.String() {
		t.Fatalf("main repository sees feature at %s", got)
	}
	if got := gitCmd(t, dir, "rev-parse", "HEAD"); got != base.String() {
		t.Fatalf("main worktree HEAD moved to %s", got)
	}
	if st := gitCmd(t, wt, "status", "--porcelain"); st != "" {
		t.Fatalf("worktree status:\n%s", st)
	}
	if st := gitCmd(t, dir, "status", "--porcelain"); st != "" {
		t.Fatalf("main status:\n%s", st)
	}
	if err := r.WriteMergeState(base, "msg", c); err != nil {
		t.Fatal(err)
	}
	if in, _ := main.MergeInProgress(); in {
		t.Fatal("merge state leaked into the main worktree")
	}
	if got := gitCmd(t, wt, "rev-parse", "MERGE_HEAD"); got != base.String() {
		t.Fatalf("worktree MERGE_HEAD = %s", got)
	}
	r.ClearMergeState()
}

// TestOpenGitFile: a ".git" file with a relative gitdir (as submodules use).
func TestOpenGitFile(t *testing.T) {
	top := t.TempDir()
	real := filepath.Join(top, "store", "repo.git")
	work := filepath.Join(top, "work")
	os.MkdirAll(work, 0o755)
	os.MkdirAll(filepath.Dir(real), 0o755)
	gitCmd(t, top, "init", "-q", "--separate-git-dir="+real, work)
	os.WriteFile(filepath.Join(work, ".git"), []byte("gitdir: ../store/repo.git\n"), 0o644)
	r, err := Open(work)
	if err != nil {
		t.Fatal(err)
	}
	if r.GitDir() != real || r.WorkDir() != work {
		t.Fatalf("GitDir=%s WorkDir=%s", r.GitDir(), r.WorkDir())
	}
	blob, err := r.StoreBlob([]byte("x\n"))
	if err != nil {
		t.Fatal(err)
	}
	if typ := gitCmd(t, work, "cat-file", "-t", blob.String()); typ != "blob" {
		t.Fatal(typ)
	}
	if _, ok, err := r.ResolveRef("HEAD"); ok || err != nil {
		t.Fatalf("unborn HEAD resolved: %v %v", ok, err)
	}
}
