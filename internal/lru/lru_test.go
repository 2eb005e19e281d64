package lru

import (
	"fmt"
	"sync"
	"testing"
)

func TestCache(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		limit int
		cost  func(string) int
		adds  []string // keys, added in order; the value is the key
		gets  []string // looked up after the adds, before the next step
		held  []string
		gone  []string
		size  int
	}{
		{name: "unbounded keeps all", adds: []string{"a", "b", "c"}, held: []string{"a", "b", "c"}, size: 3},
		{name: "least recently added goes", limit: 2, adds: []string{"a", "b", "c"}, held: []string{"b", "c"}, gone: []string{"a"}, size: 2},
		{name: "cost counts", limit: 5, cost: func(s string) int { return len(s) }, adds: []string{"aa", "bbb", "c"},
			held: []string{"bbb", "c"}, gone: []string{"aa"}, size: 4},
		{name: "one over the limit is held alone", limit: 3, cost: func(s string) int { return len(s) }, adds: []string{"a", "bbbbbb"},
			held: []string{"bbbbbb"}, gone: []string{"a"}, size: 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := New[string, string](tt.limit, tt.cost)
			for _, k := range tt.adds {
				if got := c.Add(k, k); got != k {
					t.Fatalf("Add(%q) = %q", k, got)
				}
			}
			for _, k := range tt.held {
				if v, ok := c.Get(k); !ok || v != k {
					t.Errorf("Get(%q) = %q, %v; want it held", k, v, ok)
				}
			}
			for _, k := range tt.gone {
				if _, ok := c.Get(k); ok {
					t.Errorf("Get(%q) found it; want it dropped", k)
				}
			}
			if c.Len() != len(tt.held) {
				t.Errorf("Len() = %d, want %d", c.Len(), len(tt.held))
			}
			if c.Size() != tt.size {
				t.Errorf("Size() = %d, want %d", c.Size(), tt.size)
			}
		})
	}
}

// TestRecentUseKeeps: a value looked up is the last to go.
func TestRecentUseKeeps(t *testing.T) {
	t.Parallel()
	c := New[int, int](2, nil)
	c.Add(1, 1)
	c.Add(2, 2)
	c.Get(1)
	c.Add(3, 3)
	if _, ok := c.Get(1); !ok {
		t.Error("1, used last, was dropped")
	}
	if _, ok := c.Get(2); ok {
		t.Error("2, used least recently, is still held")
	}
}

// TestAddSharesTheHeldValue: a second Add under a held key returns the
// first value, so that concurrent readers share one.
func TestAddSharesTheHeldValue(t *testing.T) {
	t.Parallel()
	c := New[string, *int](0, nil)
	first, second := new(int), new(int)
	if got := c.Add("k", first); got != first {
		t.Fatal("first Add did not return its value")
	}
	if got := c.Add("k", second); got != first {
		t.Fatal("second Add did not return the value held")
	}
	if c.Size() != 1 {
		t.Fatalf("Size() = %d after adding one key twice", c.Size())
	}
	c.Reset()
	if _, ok := c.Get("k"); ok || c.Size() != 0 {
		t.Fatal("Reset left something held")
	}
}

func TestNilHoldsNothing(t *testing.T) {
	t.Parallel()
	var c *Cache[string, int]
	if got := c.Add("a", 1); got != 1 {
		t.Fatalf("Add on nil = %d", got)
	}
	if _, ok := c.Get("a"); ok {
		t.Fatal("nil cache held a value")
	}
	c.Reset()
	if c.Size() != 0 {
		t.Fatal("nil cache has a size")
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	c := New[string, int](64, nil)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				k := fmt.Sprint((g * i) % 100)
				c.Add(k, i)
				c.Get(k)
			}
		}()
	}
	wg.Wait()
	if c.Size() > 64 {
		t.Fatalf("Size() = %d over the limit of 64", c.Size())
	}
}
