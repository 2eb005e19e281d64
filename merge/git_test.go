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
	"time"

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

// writeTree stores fs as a tree. Trees are built in-process (gitstate is
// tested against git on its own); every result is then compared with what
// the git binary reports.
func (s *scratch) writeTree(fs files) plumbing.Hash {
	s.t.Helper()
	var entries []string
	for _, p := range sortedPaths(fs) {
		f := fs[p]
		h, err := s.repo.StoreBlob([]byte(f.data))
		if err != nil {
			s.t.Fatalf("store blob %s: %v", p, err)
		}
		entries = append(entries, fmt.Sprintf("%06o %s\t%s", uint32(f.mode), h, p))
	}
	return s.treeFromListing(entries)
}

// treeFromListing stores the tree whose `ls-tree -r` listing is lines
// ("<mode> <hash>\t<path>").
func (s *scratch) treeFromListing(lines []string) plumbing.Hash {
	s.t.Helper()
	type dir struct {
		files []gitstate.TreeEntry
		subs  map[string]*dir
	}
	root := &dir{subs: map[string]*dir{}}
	for _, line := range lines {
		meta, p, _ := strings.Cut(line, "\t")
		modeText, hash, _ := strings.Cut(meta, " ")
		mode, err := filemode.New(modeText)
		if err != nil {
			s.t.Fatalf("listing line %q: %v", line, err)
		}
		d := root
		parts := strings.Split(p, "/")
		for _, name := range parts[:len(parts)-1] {
			sub, ok := d.subs[name]
			if !ok {
				sub = &dir{subs: map[string]*dir{}}
				d.subs[name] = sub
			}
			d = sub
		}
		d.files = append(d.files, gitstate.TreeEntry{Name: parts[len(parts)-1], Mode: mode, Hash: plumbing.NewHash(hash)})
	}
	var store func(d *dir) plumbing.Hash
	store = func(d *dir) plumbing.Hash {
		entries := append([]gitstate.TreeEntry{}, d.files...)
		for name, sub := range d.subs {
			entries = append(entries, gitstate.TreeEntry{Name: name, Mode: filemode.Dir, Hash: store(sub)})
		}
		h, err := s.repo.StoreTree(entries)
		if err != nil {
			s.t.Fatalf("store tree: %v", err)
		}
		return h
	}
	return store(root)
}

// listing is tree's `git ls-tree -r` listing, read in-process.
func (s *scratch) listing(tree plumbing.Hash) []string {
	s.t.Helper()
	var out []string
	err := s.repo.WalkTree(tree, func(p string, e gitstate.TreeEntry) error {
		out = append(out, fmt.Sprintf("%06o %s\t%s", uint32(e.Mode), e.Hash, p))
		return nil
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

// gitListing is tree's listing as the git binary prints it.
func (s *scratch) gitListing(tree string) []string {
	s.t.Helper()
	var out []string
	for _, line := range strings.Split(s.git(nil, "ls-tree", "-r", "--full-tree", tree), "\n") {
		if line == "" {
			continue
		}
		meta, p, _ := strings.Cut(line, "\t")
		f := strings.Fields(meta) // mode type hash
		out = append(out, fmt.Sprintf("%s %s\t%s", f[0], f[2], p))
	}
	return out
}

// commit stores a commit of tree with the given parents.
func (s *scratch) commit(tree plumbing.Hash, msg string, parents ...plumbing.Hash) plumbing.Hash {
	s.t.Helper()
	sig := gitstate.Signature{Name: "Test", Email: "test@example.com", When: time.Unix(1700000000, 0).UTC()}
	h, err := s.repo.StoreCommit(gitstate.CommitSpec{Tree: tree, Parents: parents, Message: msg, Author: sig, Committer: sig})
	if err != nil {
		s.t.Fatalf("store commit: %v", err)
	}
	return h
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
