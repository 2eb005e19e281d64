package gitstate

import (
	"fmt"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// TestTreeLookupsInLargeTree looks up every entry of a tree large enough to
// be indexed by name, and names it does not have, against git rev-parse.
func TestTreeLookupsInLargeTree(t *testing.T) {
	r := newRepo(t)
	blob, err := r.StoreBlob([]byte("x\n"))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := r.StoreTree([]TreeEntry{{Name: "function.toml", Mode: filemode.Regular, Hash: blob}})
	if err != nil {
		t.Fatal(err)
	}
	var entries []TreeEntry
	for i := range 3 * indexedTree {
		// A directory and a file whose names sort apart only by git's
		// directory rule ("a-1/" after "a-1.txt").
		entries = append(entries,
			TreeEntry{Name: fmt.Sprintf("fn-%03d", i), Mode: filemode.Dir, Hash: sub},
			TreeEntry{Name: fmt.Sprintf("fn-%03d.txt", i), Mode: filemode.Regular, Hash: blob})
	}
	root, err := r.StoreTree(entries)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		got, ok, err := r.TreeEntryAt(root, e.Name)
		if err != nil || !ok || got != e {
			t.Fatalf("TreeEntryAt(%q) = %+v, %v, %v; want %+v", e.Name, got, ok, err, e)
		}
	}
	got, ok, err := r.TreeEntryAt(root, "fn-007/function.toml")
	if err != nil || !ok || got.Hash != blob {
		t.Fatalf("TreeEntryAt(fn-007/function.toml) = %+v, %v, %v", got, ok, err)
	}
	if want := gitCmd(t, r.WorkDir(), "rev-parse", root.String()+":fn-007/function.toml"); got.Hash.String() != want {
		t.Fatalf("hash %s, git says %s", got.Hash, want)
	}
	for _, missing := range []string{"fn-999", "fn-", "fn-007.txt/below", "fn-007/code"} {
		if e, ok, err := r.TreeEntryAt(root, missing); err != nil || ok {
			t.Fatalf("TreeEntryAt(%q) = %+v, %v, %v; want absent", missing, e, ok, err)
		}
	}
}

// TestReadTreeIsTheCallersCopy: what one caller does to the entries
// ReadTree returned never reaches another caller, nor lookups.
func TestReadTreeIsTheCallersCopy(t *testing.T) {
	r := newRepo(t)
	blob, _ := r.StoreBlob([]byte("x\n"))
	other, _ := r.StoreBlob([]byte("y\n"))
	root, err := r.StoreTree([]TreeEntry{{Name: "a", Mode: filemode.Regular, Hash: blob}, {Name: "b", Mode: filemode.Regular, Hash: blob}})
	if err != nil {
		t.Fatal(err)
	}
	es, err := r.ReadTree(root)
	if err != nil {
		t.Fatal(err)
	}
	es[0].Hash = other
	es = append(es[:1], TreeEntry{Name: "c", Mode: filemode.Regular, Hash: other})
	_ = es
	again, err := r.ReadTree(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 2 || again[0].Hash != blob || again[1].Name != "b" {
		t.Fatalf("ReadTree after a caller's changes: %+v", again)
	}
	if e, ok, _ := r.TreeEntryAt(root, "a"); !ok || e.Hash != blob {
		t.Fatalf("TreeEntryAt(a) after a caller's changes: %+v", e)
	}
}

// TestTreeCacheStaysWithinItsBound reads more trees than the cache holds:
// it keeps the most recently used ones and never more than its limit, and
// a tree evicted reads back the same. A tree over the limit is held alone.
func TestTreeCacheStaysWithinItsBound(t *testing.T) {
	r := newRepo(t)
	const limit = 3 * (3 + treeOverhead) // three trees of three entries
	r.trees = newTreeCache(limit)
	blob, _ := r.StoreBlob([]byte("x\n"))
	var trees []plumbing.Hash
	for i := range 8 {
		var es []TreeEntry
		for j := range 3 {
			es = append(es, TreeEntry{Name: fmt.Sprintf("t%d-%d", i, j), Mode: filemode.Regular, Hash: blob})
		}
		h, err := r.StoreTree(es)
		if err != nil {
			t.Fatal(err)
		}
		trees = append(trees, h)
	}
	for round := range 2 {
		for i, h := range trees {
			e, ok, err := r.TreeEntryAt(h, fmt.Sprintf("t%d-2", i))
			if err != nil || !ok || e.Hash != blob {
				t.Fatalf("round %d: TreeEntryAt(tree %d) = %+v, %v, %v", round, i, e, ok, err)
			}
			if r.trees.Size() > limit {
				t.Fatalf("cache holds %d, limit %d", r.trees.Size(), limit)
			}
		}
	}
	// The three most recent trees are held; the older ones are not.
	for i, h := range trees {
		_, held := r.trees.Get(h)
		if want := i >= len(trees)-3; held != want {
			t.Fatalf("tree %d held = %v, want %v", i, held, want)
		}
	}
	// A tree larger than the whole cache is held, alone.
	var big []TreeEntry
	for j := range limit {
		big = append(big, TreeEntry{Name: fmt.Sprintf("big-%d", j), Mode: filemode.Regular, Hash: blob})
	}
	bh, err := r.StoreTree(big)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok, err := r.TreeEntryAt(bh, "big-10"); err != nil || !ok || e.Hash != blob {
		t.Fatalf("TreeEntryAt(big-10) = %+v, %v, %v", e, ok, err)
	}
	if _, ok := r.trees.Get(bh); !ok || r.trees.Len() != 1 {
		t.Fatalf("after a tree over the limit: %d trees held, want it alone", r.trees.Len())
	}
}

// TestAbortedBatchTreesAreForgotten: a tree read from a batch that is then
// aborted no longer exists, and reading it says so.
func TestAbortedBatchTreesAreForgotten(t *testing.T) {
	r := newRepo(t)
	b, err := r.BeginBatch()
	if err != nil {
		t.Fatal(err)
	}
	blob, _ := r.StoreBlob([]byte("only in the batch\n"))
	h, err := r.StoreTree([]TreeEntry{{Name: "f", Mode: filemode.Regular, Hash: blob}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadTree(h); err != nil {
		t.Fatal(err)
	}
	if err := b.Abort(); err != nil {
		t.Fatal(err)
	}
	if es, err := r.ReadTree(h); err == nil {
		t.Fatalf("ReadTree of an aborted batch's tree = %+v, want an error", es)
	}
}
