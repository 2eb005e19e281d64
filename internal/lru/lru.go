// Package lru is a map bounded by the cost of what it holds, the least
// recently used dropped first: the caches of decoded trees (gitstate) and of
// decoded function directories (fetch) are both one.
package lru

import (
	"container/list"
	"sync"
)

// Cache maps keys to values that never change under their key (a decoded
// object by its id), so that a value shared by several readers stays valid.
// It holds values of a total cost of at most its limit, and always the one
// added last, however costly: a lookup in one value larger than the limit
// still finds it. Safe for concurrent use. A nil *Cache holds nothing.
type Cache[K comparable, V any] struct {
	mu    sync.Mutex
	limit int         // 0: unbounded
	cost  func(V) int // nil: 1 each
	size  int         // the cost of what is held
	order list.List   // of *entry[K, V], most recently used first
	items map[K]*list.Element
}

type entry[K comparable, V any] struct {
	key K
	val V
}

// New returns a Cache holding values of a total cost of at most limit (0:
// no bound), each costing cost(v) (nil: 1, so that limit counts values).
func New[K comparable, V any](limit int, cost func(V) int) *Cache[K, V] {
	return &Cache[K, V]{limit: limit, cost: cost, items: map[K]*list.Element{}}
}

// Get returns the value held under k, if any, and makes it the most
// recently used.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	if c == nil {
		var zero V
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*entry[K, V]).val, true
}

// Add holds v under k and returns it, or returns the value already held
// under k (another reader's, made meanwhile), so that all share one.
func (c *Cache[K, V]) Add(k K, v V) V {
	if c == nil {
		return v
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*entry[K, V]).val
	}
	c.items[k] = c.order.PushFront(&entry[K, V]{k, v})
	c.size += c.costOf(v)
	for c.limit > 0 && c.size > c.limit && c.order.Len() > 1 {
		old := c.order.Back()
		e := old.Value.(*entry[K, V])
		c.order.Remove(old)
		delete(c.items, e.key)
		c.size -= c.costOf(e.val)
	}
	return v
}

// Reset drops everything.
func (c *Cache[K, V]) Reset() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order.Init()
	c.items = map[K]*list.Element{}
	c.size = 0
}

// Size is the cost of what is held.
func (c *Cache[K, V]) Size() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

// Len is how many values are held.
func (c *Cache[K, V]) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

func (c *Cache[K, V]) costOf(v V) int {
	if c.cost == nil {
		return 1
	}
	return c.cost(v)
}
