package gitstate

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

func TestBlobsMatchGit(t *testing.T) {
	r := newRepo(t)
	dir := r.WorkDir()
	big := make([]byte, 3<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range big {
		big[i] = byte(rng.IntN(256))
	}
	cases := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"text", []byte("hello\nworld\n")},
		{"no final newline", []byte("x")},
		{"binary with NUL", []byte{0, 1, 2, 0xff, 0, '\n'}},
		{"3 MiB random", big},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := hashOf(t, gitStdin(t, dir, string(tc.data), "hash-object", "--stdin"))
			h1, err := r.StoreBlob(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			h2, err := r.StoreBlobFrom(bytes.NewReader(tc.data), int64(len(tc.data)))
			if err != nil {
				t.Fatal(err)
			}
			if h1 != want || h2 != want {
				t.Fatalf("StoreBlob=%s StoreBlobFrom=%s, git hash-object=%s", h1, h2, want)
			}
			if typ := gitCmd(t, dir, "cat-file", "-t", want.String()); typ != "blob" {
				t.Fatalf("git cat-file -t = %s", typ)
			}
			got, err := r.ReadBlob(want)
			if err != nil || !bytes.Equal(got, tc.data) {
				t.Fatalf("ReadBlob: %v (len %d, want %d)", err, len(got), len(tc.data))
			}
			rc, size, err := r.OpenBlob(want)
			if err != nil || size != int64(len(tc.data)) {
				t.Fatalf("OpenBlob size %d, %v", size, err)
			}
			rc.Close()
			if sz := gitCmd(t, dir, "cat-file", "-s", want.String()); sz != fmt.Sprint(len(tc.data)) {
				t.Fatalf("git cat-file -s = %s", sz)
			}
		})
	}
	fsck(t, dir)
}

func TestStoreBlobFromRejectsWrongSize(t *testing.T) {
	r := newRepo(t)
	for _, size := range []int64{3, 10} {
		if _, err := r.StoreBlobFrom(strings.NewReader("hello"), size); err == nil {
			t.Fatalf("size %d for 5 bytes accepted", size)
		}
	}
	fsck(t, r.WorkDir())
}

func TestReadBlobFromGitPack(t *testing.T) {
	r := newRepo(t)
	dir := r.WorkDir()
	writeFile(t, dir, "a.txt", "packed content\n", 0o644)
	commitAll(t, dir, "one")
	gitCmd(t, dir, "gc", "-q", "--prune=now")
	h := hashOf(t, gitCmd(t, dir, "rev-parse", "HEAD:a.txt"))
	got, err := r.ReadBlob(h)
	if err != nil || string(got) != "packed content\n" {
		t.Fatalf("ReadBlob from pack: %q, %v", got, err)
	}
}

func TestStoreTreeSortsLikeGit(t *testing.T) {
	r := newRepo(t)
	dir := r.WorkDir()
	blob, _ := r.StoreBlob([]byte("x\n"))
	sub, err := r.StoreTree([]TreeEntry{{Name: "f", Mode: filemode.Regular, Hash: blob}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		entries []TreeEntry
	}{
		{"file vs dir with dotted and dashed siblings", []TreeEntry{
			{Name: "a0", Mode: filemode.Regular, Hash: blob},
			{Name: "a", Mode: filemode.Dir, Hash: sub},
			{Name: "a.b", Mode: filemode.Regular, Hash: blob},
			{Name: "a-b", Mode: filemode.Executable, Hash: blob},
		}},
		{"file named like a dir prefix", []TreeEntry{
			{Name: "a-b", Mode: filemode.Dir, Hash: sub},
			{Name: "a", Mode: filemode.Regular, Hash: blob},
			{Name: "a.b", Mode: filemode.Symlink, Hash: blob},
		}},
		{"uppercase, gitlink", []TreeEntry{
			{Name: "b", Mode: filemode.Submodule, Hash: plumbing.NewHash("0123456789abcdef0123456789abcdef01234567")},
			{Name: "B", Mode: filemode.Regular, Hash: blob},
			{Name: "_", Mode: filemode.Dir, Hash: sub},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var mk strings.Builder
			for _, e := range tc.entries {
				typ := "blob"
				switch e.Mode {
				case filemode.Dir:
					typ = "tree"
				case filemode.Submodule:
					typ = "commit"
				}
				fmt.Fprintf(&mk, "%06o %s %s\t%s\n", uint32(e.Mode), typ, e.Hash, e.Name)
			}
			want := hashOf(t, gitStdin(t, dir, mk.String(), "mktree", "--missing"))
			got, err := r.StoreTree(tc.entries)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("StoreTree=%s, git mktree=%s\n%s", got, want, gitCmd(t, dir, "ls-tree", want.String()))
			}
			back, err := r.ReadTree(got)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range back {
				names = append(names, e.Name)
			}
			gitNames := gitCmd(t, dir, "ls-tree", "--name-only", got.String())
			if strings.Join(names, "\n") != gitNames {
				t.Fatalf("ReadTree order %v, git %q", names, gitNames)
			}
		})
	}
	fsck(t, dir)
}

func TestStoreTreeRejects(t *testing.T) {
	r := newRepo(t)
	blob, _ := r.StoreBlob([]byte("x"))
	cases := []struct {
		name    string
		entries []TreeEntry
	}{
		{"empty name", []TreeEntry{{Name: "", Mode: filemode.Regular, Hash: blob}}},
		{"slash", []TreeEntry{{Name: "a/b", Mode: filemode.Regular, Hash: blob}}},
		{"NUL", []TreeEntry{{Name: "a\x00b", Mode: filemode.Regular, Hash: blob}}},
		{"dot", []TreeEntry{{Name: ".", Mode: filemode.Regular, Hash: blob}}},
		{"dotdot", []TreeEntry{{Name: "..", Mode: filemode.Regular, Hash: blob}}},
		{".git", []TreeEntry{{Name: ".GIT", Mode: filemode.Regular, Hash: blob}}},
		{"duplicate", []TreeEntry{{Name: "a", Mode: filemode.Regular, Hash: blob}, {Name: "a", Mode: filemode.Executable, Hash: blob}}},
		{"file and dir of one name", []TreeEntry{{Name: "a", Mode: filemode.Regular, Hash: blob}, {Name: "a", Mode: filemode.Dir, Hash: EmptyTree}}},
		{"group-writable mode", []TreeEntry{{Name: "a", Mode: filemode.Deprecated, Hash: blob}}},
		{"zero hash", []TreeEntry{{Name: "a", Mode: filemode.Regular}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if h, err := r.StoreTree(tc.entries); err == nil {
				t.Fatalf("accepted: %s", h)
			}
		})
	}
}

func TestEmptyTreeIsStored(t *testing.T) {
	r := newRepo(t)
	h, err := r.StoreTree(nil)
	if err != nil || h != EmptyTree {
		t.Fatalf("StoreTree(nil) = %s, %v", h, err)
	}
	if want := hashOf(t, gitStdin(t, r.WorkDir(), "", "mktree")); want != EmptyTree {
		t.Fatalf("git's empty tree is %s", want)
	}
}

// buildGitTree commits files with git and returns HEAD's tree.
func buildGitTree(t *testing.T, dir string, files map[string]string) plumbing.Hash {
	t.Helper()
	gitCmd(t, dir, "rm", "-r", "-q", "--cached", "--ignore-unmatch", ".")
	for p, c := range files {
		writeFile(t, dir, p, c, 0o644)
		gitCmd(t, dir, "add", p)
	}
	return hashOf(t, gitCmd(t, dir, "write-tree"))
}

func TestReplaceSubtreeMatchesGitReadTree(t *testing.T) {
	r := newRepo(t)
	dir := r.WorkDir()
	root := buildGitTree(t, dir, map[string]string{
		"fcgit.toml":                     "dir = 'functions'\n",
		"functions/api/function.toml":    "memorySize = 128\n",
		"functions/api/code/index.js":    "old\n",
		"functions/worker/function.toml": "memorySize = 256\n",
		"functions-notes.txt":            "sibling sorting after functions/\n",
		"functions.txt":                  "sibling sorting before functions/\n",
		"file-in-the-way":                "x\n",
	})
	sub := buildGitTree(t, dir, map[string]string{
		"function.toml": "memorySize = 512\n",
		"code/main.py":  "print(1)\n",
	})
	gitCmd(t, dir, "read-tree", "--empty")

	// gitReplace computes the expected root with git's own index machinery.
	gitReplace := func(path string, sub plumbing.Hash) plumbing.Hash {
		env := []string{"GIT_INDEX_FILE=" + t.TempDir() + "/idx"}
		run := func(args ...string) string {
			out, err := gitTry(dir, env, args...)
			if err != nil {
				t.Fatalf("git %v: %v", args, err)
			}
			return out
		}
		run("read-tree", root.String())
		run("rm", "-r", "-q", "--cached", "--ignore-unmatch", "--", path)
		if !sub.IsZero() {
			run("read-tree", "--prefix="+path+"/", sub.String())
		}
		return hashOf(t, run("write-tree"))
	}
	cases := []struct {
		name string
		path string
		sub  plumbing.Hash
	}{
		{"replace existing function", "functions/api", sub},
		{"add function", "functions/new", sub},
		{"create intermediate trees", "a/b/c", sub},
		{"remove one function", "functions/api", plumbing.ZeroHash},
		{"remove whole managed dir", "functions", plumbing.ZeroHash},
		{"remove missing path", "nope/deeper", plumbing.ZeroHash},
		{"empty tree removes", "functions/worker", EmptyTree},
		{"file in the way", "file-in-the-way/x", sub},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.ReplaceSubtree(root, tc.path, tc.sub)
			if err != nil {
				t.Fatal(err)
			}
			want := gitReplace(tc.path, tc.sub)
			if tc.sub == EmptyTree {
				want = gitReplace(tc.path, plumbing.ZeroHash)
			}
			if got != want {
				t.Fatalf("ReplaceSubtree=%s git=%s", got, want)
			}
		})
	}
	// Removing the only content leaves the (stored) empty tree.
	only, _ := r.ReplaceSubtree(plumbing.ZeroHash, "functions/api", sub)
	empty, err := r.ReplaceSubtree(only, "functions/api", plumbing.ZeroHash)
	if err != nil || empty != EmptyTree {
		t.Fatalf("remove last = %s, %v", empty, err)
	}
	if typ := gitCmd(t, dir, "cat-file", "-t", empty.String()); typ != "tree" {
		t.Fatal(typ)
	}
	fsck(t, dir)
}

func TestTreeEntryAtAndWalkTreeMatchLsTree(t *testing.T) {
	r := newRepo(t)
	dir := r.WorkDir()
	blob, _ := r.StoreBlob([]byte("content\n"))
	target, _ := r.StoreBlob([]byte("../shared/lib.js"))
	code, _ := r.StoreTree([]TreeEntry{
		{Name: "index.js", Mode: filemode.Regular, Hash: blob},
		{Name: "run.sh", Mode: filemode.Executable, Hash: blob},
		{Name: "lib.js", Mode: filemode.Symlink, Hash: target},
		{Name: "vendor", Mode: filemode.Submodule, Hash: blob},
	})
	fn, _ := r.StoreTree([]TreeEntry{
		{Name: "code", Mode: filemode.Dir, Hash: code},
		{Name: "code.txt", Mode: filemode.Regular, Hash: blob},
		{Name: "code-v2", Mode: filemode.Regular, Hash: blob},
	})
	root, err := r.ReplaceSubtree(plumbing.ZeroHash, "functions/api", fn)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	err = r.WalkTree(root, func(p string, e TreeEntry) error {
		typ := "blob"
		if e.Mode == filemode.Submodule {
			typ = "commit"
		}
		lines = append(lines, fmt.Sprintf("%06o %s %s\t%s", uint32(e.Mode), typ, e.Hash, p))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := gitCmd(t, dir, "ls-tree", "-r", root.String()); strings.Join(lines, "\n") != want {
		t.Fatalf("WalkTree:\n%s\ngit ls-tree -r:\n%s", strings.Join(lines, "\n"), want)
	}
	lookups := []struct {
		path  string
		found bool
		mode  filemode.FileMode
	}{
		{"functions/api/code", true, filemode.Dir},
		{"functions/api/code/run.sh", true, filemode.Executable},
		{"functions/api/code/lib.js", true, filemode.Symlink},
		{"functions/api/missing", false, 0},
		{"functions/api/code.txt/below-a-file", false, 0},
		{"", true, filemode.Dir},
	}
	for _, l := range lookups {
		e, ok, err := r.TreeEntryAt(root, l.path)
		if err != nil || ok != l.found || (ok && e.Mode != l.mode) {
			t.Fatalf("TreeEntryAt(%q) = %+v, %v, %v", l.path, e, ok, err)
		}
		if ok && l.path != "" {
			want := gitCmd(t, dir, "rev-parse", root.String()+":"+l.path)
			if e.Hash.String() != want {
				t.Fatalf("TreeEntryAt(%q) hash %s, git %s", l.path, e.Hash, want)
			}
		}
	}
	stop := errors.New("stop")
	if err := r.WalkTree(root, func(string, TreeEntry) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("WalkTree did not pass the callback error through: %v", err)
	}
}

func TestStoreCommitMatchesGit(t *testing.T) {
	r := newRepo(t)
	dir := r.WorkDir()
	blob, _ := r.StoreBlob([]byte("a\n"))
	tree, _ := r.StoreTree([]TreeEntry{{Name: "a", Mode: filemode.Regular, Hash: blob}})
	first, err := r.StoreCommit(CommitSpec{Tree: tree, Message: "first", Author: testSig(1700000000), Committer: testSig(1700000001)})
	if err != nil {
		t.Fatal(err)
	}
	author := Signature{Name: "Ann Author", Email: "ann@example.com", When: testSig(1700000100).When.In(time.FixedZone("", -(3*3600 + 30*60)))}
	second, err := r.StoreCommit(CommitSpec{Tree: EmptyTree, Parents: []plumbing.Hash{first}, Message: "second\n\nbody line\n", Author: author, Committer: testSig(1700000200)})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("tree %s\nparent %s\nauthor Ann Author <ann@example.com> 1700000100 -0330\ncommitter Test User <test@example.com> 1700000200 +0800\n\nsecond\n\nbody line", EmptyTree, first)
	if got := gitCmd(t, dir, "cat-file", "-p", second.String()); got != want {
		t.Fatalf("git cat-file -p:\n%s\nwant:\n%s", got, want)
	}
	if got := gitCmd(t, dir, "log", "--format=%s|%an|%ct", second.String()); got != "second|Ann Author|1700000200\nfirst|Test User|1700000001" {
		t.Fatalf("git log: %q", got)
	}
	c, err := r.ReadCommit(second)
	if err != nil || c.Author.Name != "Ann Author" || c.Message != "second\n\nbody line\n" || len(c.ParentHashes) != 1 || c.ParentHashes[0] != first {
		t.Fatalf("ReadCommit: %+v, %v", c, err)
	}
	// Wrong input is refused before anything is written.
	bad := []CommitSpec{
		{Tree: tree, Author: Signature{Name: "a<b", Email: "e", When: time.Now()}, Committer: testSig(1)},
		{Tree: tree, Parents: []plumbing.Hash{blob}, Author: testSig(1), Committer: testSig(1)},
		{Tree: plumbing.NewHash("1234567890123456789012345678901234567890"), Author: testSig(1), Committer: testSig(1)},
		{Tree: tree, Author: Signature{Name: "n", Email: "e"}, Committer: testSig(1)},
	}
	for i, spec := range bad {
		if h, err := r.StoreCommit(spec); err == nil {
			t.Fatalf("bad spec %d accepted: %s", i, h)
		}
	}
	fsck(t, dir)
}

// TestChangedPathsAgreesWithGit compares ChangedPaths with git diff-tree.
func TestChangedPathsAgreesWithGit(t *testing.T) {
	r := newRepo(t)
	dir := r.WorkDir()
	writeFile(t, dir, "a.txt", "a\n", 0o644)
	writeFile(t, dir, "functions/x/function.toml", "x\n", 0o644)
	writeFile(t, dir, "functions/x/code/run.sh", "#!/bin/sh\n", 0o755)
	writeFile(t, dir, "functions/y/function.toml", "y\n", 0o644)
	first := commitAll(t, dir, "one")
	writeFile(t, dir, "functions/x/function.toml", "x2\n", 0o644)
	gitCmd(t, dir, "update-index", "--chmod=-x", "functions/x/code/run.sh")
	gitCmd(t, dir, "rm", "-q", "-r", "functions/y")
	writeFile(t, dir, "functions/z/code/new.py", "z\n", 0o644)
	second := commitAll(t, dir, "two")
	c1, err := r.ReadCommit(first)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := r.ReadCommit(second)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.ChangedPaths(c1.TreeHash, c2.TreeHash)
	if err != nil {
		t.Fatal(err)
	}
	want := gitCmd(t, dir, "diff-tree", "-r", "--name-only", "--no-renames", first.String(), second.String())
	if strings.Join(got, "\n") != want {
		t.Fatalf("ChangedPaths = %q\ngit diff-tree = %q", got, want)
	}
	if got, _ := r.ChangedPaths(c1.TreeHash, c1.TreeHash); len(got) != 0 {
		t.Fatalf("identical trees: %v", got)
	}
}
