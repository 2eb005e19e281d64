package emulator

import (
	"container/heap"
	"sync"
	"time"
)

// defaultMaxNonces bounds the replay cache: at roughly 150 bytes an entry
// this is about 40 MB, and it admits close to 300 signed requests a second
// sustained over a 15-minute skew window before new ones are throttled.
const defaultMaxNonces = 1 << 18

type nonceResult int

const (
	nonceFresh nonceResult = iota
	nonceReplayed
	nonceCacheFull
)

// nonceCache remembers the ACS3 nonces seen until their expiry. Memory is
// bounded: expired entries are dropped first, and when the cache is still
// full a new request is throttled (429 ResourceThrottled, which clients
// retry; inferred, FC documents no such limit) rather than an unexpired
// nonce forgotten, which would reopen the replay window for it.
type nonceCache struct {
	mu      sync.Mutex
	max     int
	expires map[string]time.Time
	order   nonceHeap // the same keys, soonest expiry first
}

func newNonceCache(max int) *nonceCache {
	return &nonceCache{max: max, expires: map[string]time.Time{}}
}

// use records key as seen until expires and reports whether it was fresh.
func (c *nonceCache) use(key string, expires, now time.Time) nonceResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.order) > 0 && c.order[0].expires.Before(now) {
		e := heap.Pop(&c.order).(nonceEntry)
		delete(c.expires, e.key)
	}
	if _, seen := c.expires[key]; seen {
		return nonceReplayed
	}
	if len(c.expires) >= c.max {
		return nonceCacheFull
	}
	c.expires[key] = expires
	heap.Push(&c.order, nonceEntry{key: key, expires: expires})
	return nonceFresh
}

func (c *nonceCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.expires)
}

type nonceEntry struct {
	key     string
	expires time.Time
}

// nonceHeap is a min-heap by expiry; request dates arrive out of order
// within the skew window, so insertion order is not expiry order.
type nonceHeap []nonceEntry

func (h nonceHeap) Len() int           { return len(h) }
func (h nonceHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h nonceHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *nonceHeap) Push(x any)        { *h = append(*h, x.(nonceEntry)) }
func (h *nonceHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
