package gitstate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
)

// IsAncestor reports whether a is reachable from b (a == b counts).
//
// The walk from b is kept and resumed by the next question about b: the
// commands ask it about many commits (a stamp's commit per function, each
// against the online branch's tip), and walking b's whole history for each
// made them quadratic in history times functions.
func (r *Repo) IsAncestor(a, b plumbing.Hash) (bool, error) {
	if a == b {
		return true, nil
	}
	found, err := r.ancestry.reaches(r, b, a)
	if err != nil {
		return false, fmt.Errorf("is %s an ancestor of %s: %w", a, b, err)
	}
	return found, nil
}

// ancestorWalks bounds how many walks from distinct commits are kept.
const ancestorWalks = 4

// ancestry keeps IsAncestor's walks, breadth first, from the last few
// commits asked about: the commits met so far and those still to visit.
type ancestry struct {
	mu      sync.Mutex
	walks   map[plumbing.Hash]*ancestorWalk
	order   []plumbing.Hash // oldest first, for eviction
	shallow string          // the shallow boundary the walks were made within
}

type ancestorWalk struct {
	seen  map[plumbing.Hash]bool
	queue []plumbing.Hash
}

// reaches reports whether target is reachable from start, walking on from
// where the last walk from start stopped.
func (an *ancestry) reaches(r *Repo, start, target plumbing.Hash) (bool, error) {
	boundary, err := os.ReadFile(filepath.Join(r.commonDir, "shallow"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("read shallow boundary: %w", err)
	}
	shallow, err := r.shallowCommits()
	if err != nil {
		return false, err
	}
	an.mu.Lock()
	defer an.mu.Unlock()
	if an.walks == nil || an.shallow != string(boundary) {
		// git fetch --deepen or --unshallow moved the boundary: what was
		// walked no longer says what is reachable.
		an.walks, an.order, an.shallow = map[plumbing.Hash]*ancestorWalk{}, nil, string(boundary)
	}
	w := an.walks[start]
	if w == nil {
		w = &ancestorWalk{seen: map[plumbing.Hash]bool{start: true}, queue: []plumbing.Hash{start}}
		an.walks[start] = w
		an.order = append(an.order, start)
		if len(an.order) > ancestorWalks {
			delete(an.walks, an.order[0])
			an.order = an.order[1:]
		}
	}
	for !w.seen[target] && len(w.queue) > 0 {
		h := w.queue[0]
		parents, _, err := r.parentsWithin(h, shallow)
		if err != nil {
			// Nothing was taken from the walk: it stays resumable.
			return false, err
		}
		w.queue = w.queue[1:]
		for _, p := range parents {
			if !w.seen[p] {
				w.seen[p] = true
				w.queue = append(w.queue, p)
			}
		}
	}
	return w.seen[target], nil
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
