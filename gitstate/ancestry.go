package gitstate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// IsAncestor reports whether a is reachable from b (a == b counts).
func (r *Repo) IsAncestor(a, b plumbing.Hash) (bool, error) {
	if a == b {
		return true, nil
	}
	found := false
	err := r.walkAncestors([]plumbing.Hash{b}, nil, func(h plumbing.Hash) bool {
		if h == a {
			found = true
			return false
		}
		return true
	})
	if err != nil {
		return false, fmt.Errorf("is %s an ancestor of %s: %w", a, b, err)
	}
	return found, nil
}

// walkAncestors visits every commit reachable from starts (breadth first)
// once. visit returning false stops the whole walk; stop(h) true means "do
// not descend into h's parents".
//
// In a shallow clone the walk ends at the boundary, as git's own does: the
// missing parents are not looked for.
func (r *Repo) walkAncestors(starts []plumbing.Hash, stop func(plumbing.Hash) bool, visit func(plumbing.Hash) bool) error {
	shallow, err := r.shallowCommits()
	if err != nil {
		return err
	}
	seen := make(map[plumbing.Hash]bool, len(starts))
	queue := append([]plumbing.Hash(nil), starts...)
	for _, s := range starts {
		seen[s] = true
	}
	for len(queue) > 0 {
		h := queue[0]
		queue = queue[1:]
		if !visit(h) {
			return nil
		}
		if stop != nil && stop(h) {
			continue
		}
		parents, _, err := r.parentsWithin(h, shallow)
		if err != nil {
			return err
		}
		for _, p := range parents {
			if !seen[p] {
				seen[p] = true
				queue = append(queue, p)
			}
		}
	}
	return nil
}

// MergeBases returns the best common ancestors of a and b, like
// `git merge-base --all`: common ancestors not reachable from another common
// ancestor. Empty when the histories are unrelated. Sorted by id.
func (r *Repo) MergeBases(a, b plumbing.Hash) ([]plumbing.Hash, error) {
	if a == b {
		return []plumbing.Hash{a}, nil
	}
	fromA := map[plumbing.Hash]bool{}
	if err := r.walkAncestors([]plumbing.Hash{a}, nil, func(h plumbing.Hash) bool {
		fromA[h] = true
		return true
	}); err != nil {
		return nil, fmt.Errorf("merge bases of %s and %s: %w", a, b, err)
	}
	// Walk from b, stopping at the first common commits on every path: all
	// their ancestors are common too but cannot be best.
	var candidates []plumbing.Hash
	if err := r.walkAncestors([]plumbing.Hash{b}, func(h plumbing.Hash) bool { return fromA[h] }, func(h plumbing.Hash) bool {
		if fromA[h] {
			candidates = append(candidates, h)
		}
		return true
	}); err != nil {
		return nil, fmt.Errorf("merge bases of %s and %s: %w", a, b, err)
	}
	// A candidate can still be an ancestor of another one reached by a
	// different path; drop those.
	var best []plumbing.Hash
	for i, c := range candidates {
		others := make([]plumbing.Hash, 0, len(candidates)-1)
		for j, o := range candidates {
			if j != i {
				others = append(others, o)
			}
		}
		redundant := false
		if len(others) > 0 {
			if err := r.walkAncestors(others, nil, func(h plumbing.Hash) bool {
				if h == c {
					redundant = true
					return false
				}
				return true
			}); err != nil {
				return nil, fmt.Errorf("merge bases of %s and %s: %w", a, b, err)
			}
		}
		if !redundant {
			best = append(best, c)
		}
	}
	sort.Slice(best, func(i, j int) bool { return best[i].String() < best[j].String() })
	return best, nil
}

// Reachable returns the commits reachable from h, h included (up to a
// shallow clone's boundary).
func (r *Repo) Reachable(h plumbing.Hash) (map[plumbing.Hash]bool, error) {
	out := map[plumbing.Hash]bool{}
	if err := r.walkAncestors([]plumbing.Hash{h}, nil, func(c plumbing.Hash) bool {
		out[c] = true
		return true
	}); err != nil {
		return nil, fmt.Errorf("history of %s: %w", h, err)
	}
	return out, nil
}

// ResolveCommitPrefix finds the commit a full id names, or the one commit of
// HEAD's history a shorter prefix (of at least 7 hex digits) starts.
func (r *Repo) ResolveCommitPrefix(p string) (plumbing.Hash, error) {
	if len(p) == 40 {
		h := plumbing.NewHash(p)
		if _, err := r.ReadCommit(h); err != nil {
			return plumbing.ZeroHash, fmt.Errorf("commit %s: %w", p, err)
		}
		return h, nil
	}
	if len(p) < 7 {
		return plumbing.ZeroHash, fmt.Errorf("%q: name a commit by at least 7 hex digits", p)
	}
	head, err := r.Head()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if head.Hash.IsZero() {
		return plumbing.ZeroHash, fmt.Errorf("commit %s: no commits yet", p)
	}
	all, err := r.Reachable(head.Hash)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	var found plumbing.Hash
	n := 0
	for h := range all {
		if strings.HasPrefix(h.String(), p) {
			found = h
			n++
		}
	}
	switch n {
	case 0:
		return plumbing.ZeroHash, fmt.Errorf("no commit %s in HEAD's history", p)
	case 1:
		return found, nil
	}
	return plumbing.ZeroHash, fmt.Errorf("%s names %d commits of HEAD's history: give more digits", p, n)
}
