package gitremote

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Fetch brings the remote's refs into tracking refs with their whole
// history, leaves refs the remote lacks absent, and writes packs git
// accepts (fsck, and a pack index git itself can verify).
func TestFetch(t *testing.T) {
	for _, tc := range transports {
		t.Run(tc.name, func(t *testing.T) {
			bare := newBare(t)
			url := tc.url(t, bare)
			work := newWork(t, url)
			commit(t, work, "fcgit.toml", "region = \"cn-hangzhou\"\n")
			r := openOrigin(t, work)
			pushOne(t, r, mainRef)

			theirs := colleague(t, bare, "main", func(dir string) {
				commit(t, dir, "functions/b/function.toml", "name = \"b\"\n")
				commit(t, dir, "functions/b/code/index.py", strings.Repeat("print('hello')\n", 200))
				git(t, dir, "branch", "fcgit/online")
				git(t, dir, "push", "-q", "origin", "fcgit/online")
			})
			online := "refs/heads/fcgit/online"
			got, err := r.Fetch(context.Background(), []string{mainRef, online, "refs/heads/nowhere"})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[mainRef] != theirs || got[online] != theirs {
				t.Fatalf("Fetch = %v, want main and online at %s and nothing else", got, theirs)
			}
			for _, ref := range []string{mainRef, online} {
				if h := revParse(t, work, r.TrackingRef(ref)); h != theirs {
					t.Fatalf("%s = %s, want %s", r.TrackingRef(ref), h, theirs)
				}
			}
			if h := revParse(t, work, r.TrackingRef("refs/heads/nowhere")); !h.IsZero() {
				t.Fatalf("a tracking ref was made for a ref the remote lacks: %s", h)
			}
			packs, _ := filepath.Glob(filepath.Join(work, ".git", "objects", "pack", "pack-*.idx"))
			if len(packs) != 1 {
				t.Fatalf("packs after fetch: %v, want the one fetched", packs)
			}
			git(t, work, "verify-pack", packs[0])
			leftovers, _ := filepath.Glob(filepath.Join(work, ".git", "objects", "pack", "tmp_*"))
			if len(leftovers) != 0 {
				t.Fatalf("temporary files left: %v", leftovers)
			}
			fsck(t, work)

			// Fetching again moves nothing and asks for no objects.
			again, err := r.Fetch(context.Background(), []string{mainRef})
			if err != nil || again[mainRef] != theirs {
				t.Fatalf("second Fetch = %v, %v", again, err)
			}
			if packs2, _ := filepath.Glob(filepath.Join(work, ".git", "objects", "pack", "pack-*.idx")); len(packs2) != 1 {
				t.Fatalf("a second fetch of known objects wrote packs: %v", packs2)
			}
		})
	}
}

// An empty remote has nothing to fetch: an empty map, not an error.
func TestFetchEmptyRemote(t *testing.T) {
	bare := newBare(t)
	work := newWork(t, "file://"+bare)
	got, err := openOrigin(t, work).Fetch(context.Background(), []string{mainRef})
	if err != nil || len(got) != 0 {
		t.Fatalf("Fetch from an empty remote = %v, %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(work, ".git", "refs", "fcgit")); !os.IsNotExist(err) {
		t.Fatalf("tracking refs were created: %v", err)
	}
}
