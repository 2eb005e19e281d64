package gitstate

import (
	"container/list"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
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
// exists (an aborted batch's objects are dropped, see reset).
type treeCache struct {
	mu     sync.Mutex
	limit  int // entries
	size   int // entries held
	lru    list.List
	byHash map[plumbing.Hash]*list.Element
}

// cachedTree is a decoded tree, shared by every reader: never modified.
type cachedTree struct {
	hash    plumbing.Hash
	entries []TreeEntry
	byName  map[string]int // index into entries; nil for small trees
}

func newTreeCache(limit int) *treeCache {
	return &treeCache{limit: limit, byHash: map[plumbing.Hash]*list.Element{}}
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

func (c *treeCache) get(h plumbing.Hash) *cachedTree {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byHash[h]
	if !ok {
		return nil
	}
	c.lru.MoveToFront(el)
	return el.Value.(*cachedTree)
}

// add caches a decoded tree and returns the cached one (another reader may
// have decoded it meanwhile). A tree larger than the whole cache is still
// cached, alone: lookups in a managed directory of more functions than the
// bound stay linear.
func (c *treeCache) add(h plumbing.Hash, entries []TreeEntry) *cachedTree {
	t := &cachedTree{hash: h, entries: entries}
	if len(entries) >= indexedTree {
		t.byName = make(map[string]int, len(entries))
		for i, e := range entries {
			t.byName[e.Name] = i
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byHash[h]; ok {
		c.lru.MoveToFront(el)
		return el.Value.(*cachedTree)
	}
	c.byHash[h] = c.lru.PushFront(t)
	c.size += treeCost(t)
	for c.size > c.limit && c.lru.Len() > 1 {
		old := c.lru.Back()
		ot := old.Value.(*cachedTree)
		c.lru.Remove(old)
		delete(c.byHash, ot.hash)
		c.size -= treeCost(ot)
	}
	return t
}

func treeCost(t *cachedTree) int { return len(t.entries) + treeOverhead }

// reset empties the cache.
func (c *treeCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Init()
	c.byHash = map[plumbing.Hash]*list.Element{}
	c.size = 0
}
