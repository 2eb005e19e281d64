package gitstate

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shallowClone makes a repository with a merge in its history and returns a
// --depth clone of it, opened, with its directory.
func shallowClone(t *testing.T, depth int) (*Repo, string) {
	t.Helper()
	src := t.TempDir()
	gitCmd(t, src, "init", "-q", "-b", "main")
	for i := 1; i <= 4; i++ {
		writeFile(t, src, "f.txt", fmt.Sprintf("v%d\n", i), 0o644)
		commitAll(t, src, fmt.Sprintf("c%d", i))
	}
	gitCmd(t, src, "switch", "-q", "-c", "side", "HEAD~1")
	writeFile(t, src, "side.txt", "side\n", 0o644)
	commitAll(t, src, "side")
	gitCmd(t, src, "switch", "-q", "main")
	gitCmd(t, src, "merge", "-q", "--no-edit", "side")
	writeFile(t, src, "f.txt", "v5\n", 0o644)
	commitAll(t, src, "c5")
	dst := filepath.Join(t.TempDir(), "clone")
	gitCmd(t, filepath.Dir(dst), "clone", "-q", "--depth", fmt.Sprint(depth), "file://"+src, dst)
	r, err := Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	return r, dst
}

// TestShallowHistory: in a shallow clone, walks stop at the boundary as git's
// do, ancestry questions about missing commits answer "no" instead of
// failing, and Log says it was truncated.
func TestShallowHistory(t *testing.T) {
	t.Parallel()
	r, dir := shallowClone(t, 2)
	if s, err := r.IsShallow(); err != nil || !s {
		t.Fatalf("IsShallow = %v, %v", s, err)
	}
	head := hashOf(t, gitCmd(t, dir, "rev-parse", "HEAD"))
	// What git itself sees of the history.
	var want []string
	for _, l := range sortedLines(gitCmd(t, dir, "rev-list", "HEAD")) {
		want = append(want, l)
	}
	log, err := r.NewLog(head)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		c, err := log.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c.Hash.String())
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("Log = %v, git rev-list = %v", got, want)
	}
	if !log.Truncated() {
		t.Fatal("Log did not report the shallow boundary")
	}
	boundary := hashOf(t, strings.Fields(readFile(t, dir, ".git/shallow"))[0])
	if ok, err := r.IsAncestor(boundary, head); err != nil || !ok {
		t.Fatalf("IsAncestor(boundary, HEAD) = %v, %v", ok, err)
	}
	missing := hashOf(t, strings.Repeat("1", 40))
	if ok, err := r.IsAncestor(missing, head); err != nil || ok {
		t.Fatalf("IsAncestor(missing, HEAD) = %v, %v; want false without error", ok, err)
	}
	bases, err := r.MergeBases(head, boundary)
	if err != nil || len(bases) != 1 || bases[0] != boundary {
		t.Fatalf("MergeBases = %v, %v", bases, err)
	}
}

// TestIsAncestorAfterUnshallow: IsAncestor keeps its walks from a commit,
// and a boundary moved while the Repo is open (git fetch --unshallow) is
// taken into account: the first commit, beyond the boundary before, is an
// ancestor after.
func TestIsAncestorAfterUnshallow(t *testing.T) {
	t.Parallel()
	r, dir := shallowClone(t, 2)
	head := hashOf(t, gitCmd(t, dir, "rev-parse", "HEAD"))
	src := strings.TrimPrefix(gitCmd(t, dir, "remote", "get-url", "origin"), "file://")
	first := hashOf(t, gitCmd(t, src, "rev-list", "--max-parents=0", "main"))
	for range 2 { // the second time from the kept walk
		if ok, err := r.IsAncestor(first, head); err != nil || ok {
			t.Fatalf("shallow: IsAncestor(first commit, HEAD) = %v, %v; want false", ok, err)
		}
	}
	gitCmd(t, dir, "fetch", "-q", "--unshallow")
	if ok, err := r.IsAncestor(first, head); err != nil || !ok {
		t.Fatalf("after --unshallow: IsAncestor(first commit, HEAD) = %v, %v; want true", ok, err)
	}
}

// TestFullLogOrder: without a boundary Log visits every commit once, newest
// first, as git log does, and is not truncated.
func TestFullLogOrder(t *testing.T) {
	t.Parallel()
	r, dir := shallowClone(t, 100)
	if s, _ := r.IsShallow(); s {
		t.Fatal("a clone deeper than the history is not shallow")
	}
	head := hashOf(t, gitCmd(t, dir, "rev-parse", "HEAD"))
	want := sortedLines(gitCmd(t, dir, "log", "--format=%H"))
	log, err := r.NewLog(head)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		c, err := log.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c.Hash.String())
	}
	if len(got) != len(want) || log.Truncated() {
		t.Fatalf("Log = %d commits (truncated %v), git log = %d", len(got), log.Truncated(), len(want))
	}
	seen := map[string]bool{}
	for _, h := range got {
		if seen[h] {
			t.Fatalf("%s visited twice", h)
		}
		seen[h] = true
	}
	if got[0] != want[0] {
		t.Fatalf("Log starts at %s, git log at %s", got[0], want[0])
	}
}

// TestRecordSignature: fcgit's records take git's identity when there is
// one, the fixed bot identity otherwise; GIT_* variables still win.
func TestRecordSignature(t *testing.T) {
	r := newRepo(t)
	a, c, err := r.RecordSignature()
	if err != nil || a.Name != "Test User" || c.Email != "test@example.com" {
		t.Fatalf("with config: %+v %+v %v", a, c, err)
	}
	t.Setenv("GIT_AUTHOR_NAME", "Env Author")
	t.Setenv("GIT_AUTHOR_EMAIL", "env@example.com")
	if a, _, _ = r.RecordSignature(); a.Name != "Env Author" {
		t.Fatalf("GIT_AUTHOR_* ignored: %+v", a)
	}
	// No identity at all: HOME without config, no variables.
	t.Setenv("HOME", t.TempDir())
	t.Setenv("GIT_AUTHOR_NAME", "")
	t.Setenv("GIT_AUTHOR_EMAIL", "")
	t.Setenv("EMAIL", "")
	os.Unsetenv("EMAIL")
	if _, _, err := r.DefaultSignature(); !errors.Is(err, ErrIdentityUnknown) {
		t.Fatalf("DefaultSignature without identity: %v", err)
	}
	t.Setenv("GIT_COMMITTER_DATE", "@1700000000 +0000")
	a, c, err = r.RecordSignature()
	if err != nil || a.Name != BotName || a.Email != BotEmail || c.Name != BotName || c.When.Unix() != 1700000000 {
		t.Fatalf("without identity: %+v %+v %v", a, c, err)
	}
}
