package gitstate

import (
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/fcgit/fcgit/internal/lru"
)

// treeCacheEntries bounds what the tree cache holds, in tree entries plus
// treeOverhead per tree (about 100 bytes each, names included): a managed
// directory of 10,000 functions takes 10,000 of them, so the cache holds it
// and the directories a read or a checkout has under way in about 7 MB.
const treeCacheEntries = 1 << 16

// treeOverhead is what a cached tree costs beyond its entries, in entries:
// most trees are small (a function's directory has two entries).
const treeOverhead = 2

// indexedTree is the size from which a cached tree gets an index by name:
// below it, scanning the entries is as fast as hashing the name.
const indexedTree = 32

// treeCache keeps recently decoded trees, least recently used evicted first.
// Commands look up each of thousands of functions in the same managed
// directory (a fetch, status and push each do, several times per function):
// decoding that tree again for every lookup made them quadratic in the
// number of functions, in CPU and in garbage. A tree's content never
// changes under its id, so an entry is valid for as long as the object
// exists (an aborted batch's objects are dropped: Reset). A tree larger
// than the whole cache is still cached, alone: lookups in a managed
// directory of more functions than the bound stay linear.
type treeCache = lru.Cache[plumbing.Hash, *cachedTree]

// cachedTree is a decoded tree, shared by every reader: never modified.
type cachedTree struct {
	hash    plumbing.Hash
	entries []TreeEntry
	byName  map[string]int // index into entries; nil for small trees
}

func newTreeCache(limit int) *treeCache {
	return lru.New[plumbing.Hash, *cachedTree](limit, treeCost)
}

// lookup returns the entry named name, if the tree has one.
func (t *cachedTree) lookup(name string) (TreeEntry, bool) {
	if t.byName != nil {
		i, ok := t.byName[name]
		if !ok {
			return TreeEntry{}, false
		}
		return t.entries[i], true
	}
	for _, e := range t.entries {
		if e.Name == name {
			return e, true
		}
	}
	return TreeEntry{}, false
}

// newCachedTree indexes a decoded tree by name when it is large.
func newCachedTree(h plumbing.Hash, entries []TreeEntry) *cachedTree {
	t := &cachedTree{hash: h, entries: entries}
	if len(entries) >= indexedTree {
		t.byName = make(map[string]int, len(entries))
		for i, e := range entries {
			t.byName[e.Name] = i
		}
	}
	return t
}

func treeCost(t *cachedTree) int { return len(t.entries) + treeOverhead }
