package gitstate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// makeCommits stores n chained commits and returns them.
func makeCommits(t *testing.T, r *Repo, n int) []plumbing.Hash {
	t.Helper()
	var out []plumbing.Hash
	var parents []plumbing.Hash
	for i := 0; i < n; i++ {
		blob, _ := r.StoreBlob([]byte(fmt.Sprintf("content %d\n", i)))
		tree, err := r.StoreTree([]TreeEntry{{Name: "f", Mode: filemode.Regular, Hash: blob}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := r.StoreCommit(CommitSpec{Tree: tree, Parents: parents, Message: fmt.Sprintf("commit %d", i), Author: testSig(int64(1700000000 + i)), Committer: testSig(int64(1700000000 + i))})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
		parents = []plumbing.Hash{c}
	}
	return out
}

func TestUpdateRefLifecycle(t *testing.T) {
	r := newRepo(t)
	dir := r.WorkDir()
	c := makeCommits(t, r, 3)
	const ref = "refs/heads/fcgit/online"

	if err := r.UpdateRef(ref, c[0], plumbing.ZeroHash, "fetch: first"); err != nil {
		t.Fatal(err)
	}
	if got := gitCmd(t, dir, "rev-parse", ref); got != c[0].String() {
		t.Fatalf("git rev-parse = %s", got)
	}
	if err := r.UpdateRef(ref, c[1], plumbing.ZeroHash, "create again"); !errors.Is(err, ErrRefChanged) || !strings.Contains(err.Error(), c[0].String()) {
		t.Fatalf("create over existing: %v", err)
	}
	if err := r.UpdateRef(ref, c[1], c[2], "wrong old"); !errors.Is(err, ErrRefChanged) {
		t.Fatalf("wrong old: %v", err)
	}
	if err := r.UpdateRef(ref, c[1], c[0], "fetch: second\nwith newline"); err != nil {
		t.Fatal(err)
	}
	reflog := gitCmd(t, dir, "reflog", "show", "--format=%H %gs", ref)
	want := c[1].String() + " fetch: second with newline\n" + c[0].String() + " fetch: first"
	if reflog != want {
		t.Fatalf("git reflog:\n%s\nwant:\n%s", reflog, want)
	}
	raw := readFile(t, r.GitDir(), "logs/"+ref)
	if !strings.HasPrefix(raw, strings.Repeat("0", 40)+" "+c[0].String()+" Test User <test@example.com> ") {
		t.Fatalf("reflog line format: %q", raw)
	}
	got, ok, err := r.ResolveRef(ref)
	if err != nil || !ok || got != c[1] {
		t.Fatalf("ResolveRef = %s %v %v", got, ok, err)
	}
	// A non-branch ref gets no reflog by default, like git.
	if err := r.UpdateRef("refs/fcgit/deploying", c[2], plumbing.ZeroHash, "push"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(r.GitDir(), "logs", "refs", "fcgit", "deploying")); !os.IsNotExist(err) {
		t.Fatalf("unexpected reflog for refs/fcgit/deploying: %v", err)
	}
	// Delete.
	if err := r.UpdateRef(ref, plumbing.ZeroHash, c[1], "delete"); err != nil {
		t.Fatal(err)
	}
	if _, err := gitTry(dir, nil, "show-ref", "--verify", ref); err == nil {
		t.Fatal("ref still exists for git")
	}
	if _, err := os.Stat(filepath.Join(r.GitDir(), "logs", ref)); !os.IsNotExist(err) {
		t.Fatalf("reflog not removed: %v", err)
	}
	if _, ok, _ := r.ResolveRef(ref); ok {
		t.Fatal("ResolveRef still finds deleted ref")
	}
	if err := r.UpdateRef(ref, plumbing.ZeroHash, c[1], "delete twice"); !errors.Is(err, ErrRefChanged) {
		t.Fatalf("second delete: %v", err)
	}
	fsck(t, dir)
}

func TestUpdateRefRejects(t *testing.T) {
	r := newRepo(t)
	c := makeCommits(t, r, 1)
	blob, _ := r.StoreBlob([]byte("not a commit"))
	if err := r.UpdateRef("refs/heads/a", c[0], plumbing.ZeroHash, ""); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, ref string
		hash      plumbing.Hash
	}{
		{"not under refs/", "heads/x", c[0]},
		{"double dot", "refs/heads/a..b", c[0]},
		{"lock suffix", "refs/heads/x.lock", c[0]},
		{"space", "refs/heads/a b", c[0]},
		{"dir/file conflict", "refs/heads/a/b", c[0]},
		{"branch at a blob", "refs/heads/blob", blob},
		{"missing object", "refs/tags/missing", plumbing.NewHash("1111111111111111111111111111111111111111")},
		{"HEAD", "HEAD", c[0]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := r.UpdateRef(tc.ref, tc.hash, plumbing.ZeroHash, ""); err == nil {
				t.Fatalf("accepted %s", tc.ref)
			}
		})
	}
	if entries, _ := filepath.Glob(filepath.Join(r.GitDir(), "refs", "heads", "*.lock")); len(entries) != 0 {
		t.Fatalf("lock files left behind: %v", entries)
	}
}

func TestPackedRefs(t *testing.T) {
	r := newRepo(t)
	dir := r.WorkDir()
	c := makeCommits(t, r, 3)
	for _, ref := range []string{"refs/heads/main", "refs/heads/fcgit/online", "refs/tags/v1"} {
		if err := r.UpdateRef(ref, c[0], plumbing.ZeroHash, "setup"); err != nil {
			t.Fatal(err)
		}
	}
	gitCmd(t, dir, "tag", "-a", "-m", "annotated", "v2", c[1].String())
	gitCmd(t, dir, "pack-refs", "--all")
	if _, err := os.Stat(filepath.Join(r.GitDir(), "refs", "heads", "fcgit", "online")); !os.IsNotExist(err) {
		t.Fatal("pack-refs left the loose ref")
	}
	got, ok, err := r.ResolveRef("refs/heads/fcgit/online")
	if err != nil || !ok || got != c[0] {
		t.Fatalf("packed ResolveRef = %s %v %v", got, ok, err)
	}
	if got, _, _ := r.ResolveRef("refs/tags/v2"); got.String() != gitCmd(t, dir, "rev-parse", "refs/tags/v2") {
		t.Fatalf("annotated tag resolves to %s", got)
	}
	// Update a packed ref: a loose ref now overrides it.
	if err := r.UpdateRef("refs/heads/fcgit/online", c[1], c[2], "stale"); !errors.Is(err, ErrRefChanged) {
		t.Fatalf("stale old value on packed ref: %v", err)
	}
	if err := r.UpdateRef("refs/heads/fcgit/online", c[1], c[0], "update packed"); err != nil {
		t.Fatal(err)
	}
	if got := gitCmd(t, dir, "rev-parse", "refs/heads/fcgit/online"); got != c[1].String() {
		t.Fatalf("git sees %s", got)
	}
	// Delete a ref that is only packed, and one that is packed and loose.
	if err := r.UpdateRef("refs/tags/v1", plumbing.ZeroHash, c[0], "delete packed"); err != nil {
		t.Fatal(err)
	}
	if err := r.UpdateRef("refs/heads/fcgit/online", plumbing.ZeroHash, c[1], "delete both"); err != nil {
		t.Fatal(err)
	}
	refs := gitCmd(t, dir, "for-each-ref", "--format=%(refname)")
	if refs != "refs/heads/main\nrefs/tags/v2" {
		t.Fatalf("git for-each-ref after deletes:\n%s", refs)
	}
	packed := readFile(t, r.GitDir(), "packed-refs")
	if strings.Contains(packed, "refs/tags/v1") || strings.Contains(packed, "fcgit/online") || !strings.Contains(packed, "^") {
		t.Fatalf("packed-refs after deletes:\n%s", packed)
	}
	fsck(t, dir)
}

func TestUpdateRefWaitsForLockThenFails(t *testing.T) {
	r := newRepo(t)
	c := makeCommits(t, r, 2)
	const ref = "refs/heads/main"
	if err := r.UpdateRef(ref, c[0], plumbing.ZeroHash, ""); err != nil {
		t.Fatal(err)
	}
	lockPath := filepath.Join(r.GitDir(), "refs", "heads", "main.lock")

	t.Run("lock released in time", func(t *testing.T) {
		os.WriteFile(lockPath, nil, 0o644)
		go func() {
			time.Sleep(200 * time.Millisecond)
			os.Remove(lockPath)
		}()
		start := time.Now()
		if err := r.UpdateRef(ref, c[1], c[0], "after wait"); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 150*time.Millisecond {
			t.Fatalf("did not wait for the lock (%v)", d)
		}
	})
	t.Run("lock held", func(t *testing.T) {
		// real git takes the same lock
		if _, err := gitTry(r.WorkDir(), nil, "update-ref", ref, c[0].String(), c[1].String()); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(lockPath, nil, 0o644)
		defer os.Remove(lockPath)
		start := time.Now()
		err := r.UpdateRef(ref, c[1], c[0], "blocked")
		if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), lockPath) || !strings.Contains(err.Error(), "another git process seems to be running") {
			t.Fatalf("err = %v", err)
		}
		if d := time.Since(start); d < 900*time.Millisecond {
			t.Fatalf("gave up after %v", d)
		}
		if _, err := os.Stat(lockPath); err != nil {
			t.Fatal("someone else's lock file was removed")
		}
		if got := gitCmd(t, r.WorkDir(), "rev-parse", ref); got != c[0].String() {
			t.Fatalf("ref moved to %s while locked", got)
		}
	})
}

// TestUpdateRefRace races goroutines and real `git update-ref` processes for
// the same compare-and-swap: exactly one wins, the ref is never corrupt.
func TestUpdateRefRace(t *testing.T) {
	r := newRepo(t)
	dir := r.WorkDir()
	const ref = "refs/heads/fcgit/online"
	for round := 0; round < 5; round++ {
		c := makeCommits(t, r, 9)
		base := c[0]
		r.UpdateRef(ref, plumbing.ZeroHash, mustResolve(t, r, ref), "reset")
		if err := r.UpdateRef(ref, base, plumbing.ZeroHash, "base"); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var winners []plumbing.Hash
		for i := 1; i < len(c); i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				var err error
				if i%2 == 0 {
					_, err = gitTry(dir, nil, "update-ref", "-m", "git racer", ref, c[i].String(), base.String())
				} else {
					err = r.UpdateRef(ref, c[i], base, "gitstate racer")
					if err != nil && !errors.Is(err, ErrRefChanged) && !errors.Is(err, ErrLocked) {
						t.Errorf("unexpected error kind: %v", err)
					}
				}
				if err == nil {
					mu.Lock()
					winners = append(winners, c[i])
					mu.Unlock()
				}
			}(i)
		}
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("round %d: %d winners", round, len(winners))
		}
		if got := gitCmd(t, dir, "rev-parse", ref); got != winners[0].String() {
			t.Fatalf("round %d: ref is %s, winner %s", round, got, winners[0])
		}
		if locks, _ := filepath.Glob(filepath.Join(r.GitDir(), "refs", "heads", "fcgit", "*.lock")); len(locks) != 0 {
			t.Fatalf("lock left behind: %v", locks)
		}
	}
	gitCmd(t, dir, "reflog", "show", ref)
	fsck(t, dir)
}

func mustResolve(t *testing.T, r *Repo, ref string) plumbing.Hash {
	t.Helper()
	h, _, err := r.ResolveRef(ref)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHeadAndUpdateHead(t *testing.T) {
	r := newRepo(t)
	dir := r.WorkDir()
	c := makeCommits(t, r, 3)

	h, err := r.Head()
	if err != nil || h.Branch != "refs/heads/main" || !h.Hash.IsZero() {
		t.Fatalf("unborn Head = %+v %v", h, err)
	}
	if err := r.UpdateHead(c[0], plumbing.ZeroHash, "commit (initial): first"); err != nil {
		t.Fatal(err)
	}
	if err := r.UpdateHead(c[1], c[2], "stale"); !errors.Is(err, ErrRefChanged) {
		t.Fatalf("stale UpdateHead: %v", err)
	}
	if err := r.UpdateHead(c[1], c[0], "pull: fast-forward"); err != nil {
		t.Fatal(err)
	}
	if got := gitCmd(t, dir, "rev-parse", "main"); got != c[1].String() {
		t.Fatalf("main = %s", got)
	}
	if got := gitCmd(t, dir, "reflog", "show", "--format=%gs", "HEAD"); got != "pull: fast-forward\ncommit (initial): first" {
		t.Fatalf("HEAD reflog: %q", got)
	}
	if got := gitCmd(t, dir, "reflog", "show", "--format=%gs", "main"); got != "pull: fast-forward\ncommit (initial): first" {
		t.Fatalf("main reflog: %q", got)
	}
	h, _ = r.Head()
	if h.Branch != "refs/heads/main" || h.Hash != c[1] {
		t.Fatalf("Head = %+v", h)
	}
	// Detached HEAD moves alone.
	gitCmd(t, dir, "checkout", "-q", "--detach", c[0].String())
	h, _ = r.Head()
	if h.Branch != "" || h.Hash != c[0] {
		t.Fatalf("detached Head = %+v", h)
	}
	if err := r.UpdateHead(c[2], c[0], "detached move"); err != nil {
		t.Fatal(err)
	}
	if got := gitCmd(t, dir, "rev-parse", "HEAD"); got != c[2].String() {
		t.Fatalf("HEAD = %s", got)
	}
	if got := gitCmd(t, dir, "rev-parse", "main"); got != c[1].String() {
		t.Fatalf("main moved with detached HEAD: %s", got)
	}
	if got := gitCmd(t, dir, "reflog", "show", "-1", "--format=%gs", "HEAD"); got != "detached move" {
		t.Fatalf("HEAD reflog: %q", got)
	}
	if err := r.UpdateHead(plumbing.ZeroHash, c[2], "delete"); err == nil {
		t.Fatal("deleting HEAD accepted")
	}
	fsck(t, dir)
}
