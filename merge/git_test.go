package merge

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/fcgit/fcgit/gitstate"
)

// This file drives the real git binary (2.39), the reference the tree merge
// is checked against, in scratch repositories isolated from the machine's
// configuration.

const (
	oursBranch   = "main"
	theirsBranch = "fcgit/online"
)

// file is one path's content in a test tree: a mode and the blob (the
// target, for a symlink).
type file struct {
	mode filemode.FileMode
	data string
}

func reg(data string) file    { return file{filemode.Regular, data} }
func exe(data string) file    { return file{filemode.Executable, data} }
func symlink(to string) file  { return file{filemode.Symlink, to} }
func (f file) String() string { return fmt.Sprintf("%o %q", uint32(f.mode), f.data) }

// files is a whole tree by path ("a/b/c"). A nil files stands for "no such
// commit" when used as a base.
type files map[string]file

// scratch is a repository opened both by gitstate and by the git binary.
type scratch struct {
	t    testing.TB
	dir  string
	env  []string
	repo *gitstate.Repo
}

func requireGit(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
}

// newScratch makes an empty repository whose HOME holds only an identity,
// so neither the user's nor the system's git config can change a result.
func newScratch(t testing.TB) *scratch {
	t.Helper()
	requireGit(t)
	home := t.TempDir()
	dir := filepath.Join(home, "repo")
	config := "[user]\n\tname = Test\n\temail = test@example.com\n" +
		"[init]\n\tdefaultBranch = " + oursBranch + "\n" +
		"[core]\n\tautocrlf = false\n\tfsync = none\n" +
		"[advice]\n\tdetachedHead = false\n"
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &scratch{t: t, dir: dir}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "XDG_CONFIG_HOME=") {
			s.env = append(s.env, kv)
		}
	}
	s.env = append(s.env, "HOME="+home, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_DATE=1700000000 +0000", "GIT_COMMITTER_DATE=1700000000 +0000")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s.git(nil, "init", "-q")
	repo, err := gitstate.Open(dir)
	if err != nil {
		t.Fatalf("open scratch repository: %v", err)
	}
	s.repo = repo
	return s
}

// run runs git and returns its stdout and exit code; err is set only when
// git could not run or was killed.
func (s *scratch) run(stdin []byte, extraEnv []string, args ...string) (string, int, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = s.dir
	cmd.Env = append(append([]string{}, s.env...), extraEnv...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return stdout.String(), exit.ExitCode(), nil
	}
	if err != nil {
		return "", -1, fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), 0, nil
}

// git runs git, fails the test unless it exits 0, and returns stdout with
// the final newline trimmed.
func (s *scratch) git(stdin []byte, args ...string) string {
	s.t.Helper()
	out, code, err := s.run(stdin, nil, args...)
	if err != nil || code != 0 {
		s.t.Fatalf("git %s: exit %d, %v\n%s", strings.Join(args, " "), code, err, out)
	}
	return strings.TrimSuffix(out, "\n")
}

// writeTree stores fs as a tree with git's own index machinery (blobs go
// through gitstate, which is the store under test's neighbour, not the
// merge), so tree ids on both sides of a comparison come from git.
func (s *scratch) writeTree(fs files) plumbing.Hash {
	s.t.Helper()
	var info bytes.Buffer
	for _, p := range sortedPaths(fs) {
		f := fs[p]
		h, err := s.repo.StoreBlob([]byte(f.data))
		if err != nil {
			s.t.Fatalf("store blob %s: %v", p, err)
		}
		fmt.Fprintf(&info, "%o %s\t%s\n", uint32(f.mode), h, p)
	}
	return s.indexTree(info.Bytes())
}

// indexTree writes a tree from `git update-index --index-info` lines,
// using a throwaway index file.
func (s *scratch) indexTree(info []byte) plumbing.Hash {
	s.t.Helper()
	index := filepath.Join(s.t.TempDir(), "index")
	env := []string{"GIT_INDEX_FILE=" + index}
	if out, code, err := s.run(info, env, "update-index", "--add", "--index-info"); err != nil || code != 0 {
		s.t.Fatalf("update-index: exit %d, %v\n%s", code, err, out)
	}
	out, code, err := s.run(nil, env, "write-tree")
	if err != nil || code != 0 {
		s.t.Fatalf("write-tree: exit %d, %v", code, err)
	}
	return plumbing.NewHash(strings.TrimSpace(out))
}

// commit stores a commit of tree with the given parents.
func (s *scratch) commit(tree plumbing.Hash, msg string, parents ...plumbing.Hash) plumbing.Hash {
	s.t.Helper()
	args := []string{"commit-tree", tree.String(), "-m", msg}
	for _, p := range parents {
		args = append(args, "-p", p.String())
	}
	return plumbing.NewHash(s.git(nil, args...))
}

func sortedPaths(fs files) []string {
	out := make([]string, 0, len(fs))
	for p := range fs {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// stageLine is one line of `git ls-files -u` / merge-tree's conflicted file
// info: "<mode> <hash> <stage>\t<path>".
func stageLine(path string, stage int, e *Entry) string {
	return fmt.Sprintf("%06o %s %d\t%s", uint32(e.Mode), e.Hash, stage, path)
}

// conflictStages renders a conflict's stages the way git lists them.
func conflictStages(c Conflict) []string {
	var out []string
	for i, e := range []*Entry{c.Base, c.Ours, c.Theirs} {
		if e != nil {
			out = append(out, stageLine(c.Path, i+1, e))
		}
	}
	return out
}

// readWorktree reads what a path holds in the scratch work tree: the link
// target for a symlink, with the mode git would record for it.
func (s *scratch) readWorktree(p string) ([]byte, filemode.FileMode, error) {
	full := filepath.Join(s.dir, filepath.FromSlash(p))
	fi, err := os.Lstat(full)
	if err != nil {
		return nil, 0, err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		to, err := os.Readlink(full)
		return []byte(to), filemode.Symlink, err
	}
	data, err := os.ReadFile(full)
	if err != nil {
		return nil, 0, err
	}
	if fi.Mode()&0o111 != 0 {
		return data, filemode.Executable, nil
	}
	return data, filemode.Regular, nil
}
