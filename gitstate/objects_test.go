package gitstate

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

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
			{Name: "a/", Mode: 0, Hash: blob}[:0:0][0:0:0] == nil,
		}[:3]},
		{"uppercase, gitlink", []TreeEntry{
			{Name: "b", Mode: filemode.Submodule, Hash: blob},
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
