package fetch

import (
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/fcgit/fcgit/internal/mapkeys"
)

// rebuiltMarker ends the first line of the commits ResolveTip makes: they
// record what stamps say was deployed, not an observation of FC, so the
// absence of a function in them means "not known", never "deleted online".
const rebuiltMarker = "from deployed-from stamps"

// Contains reports whether head holds everything the online tip records,
// so that deploying it overwrites nothing fcgit recorded online that head has
// not taken in; missing names the functions whose recorded state head lacks.
//
// The tip in head's history is the plain case. Otherwise each function is
// checked by content, as a squash merge or a rebase holds the same state
// under other commits: the version the tip records appears in head's history
// (or, in a shallow clone, is unverified: exactly what was deployed from
// beyond the boundary); and a function the tip records as absent but head
// has was never recorded online, or its disappearance is in head's history
// (merged), or was only inferred from stamps.
//
// only, when not nil, limits the check to the functions it accepts (a push
// of some functions).
func (p *Prepared) Contains(head plumbing.Hash, only func(string) bool) (bool, []string, error) {
	if only == nil {
		only = func(string) bool { return true }
	}
	if p.Tip.Commit.IsZero() {
		return true, nil, nil
	}
	if head.IsZero() {
		return false, nil, nil
	}
	r := p.Stamps.resolver
	repo := r.repo
	if ok, err := repo.IsAncestor(p.Tip.Commit, head); err != nil || ok {
		return ok, nil, err
	}
	hist := r.hist
	if hist == nil || r.head != head {
		h, err := newHistory(repo, r.b, r.contents, head)
		if err != nil {
			return false, nil, err
		}
		hist = h
		if r.head == head {
			r.hist = h
		}
	}
	tipFns, err := dirEntries(p, p.Tip.Tree)
	if err != nil {
		return false, nil, err
	}
	var missing []string
	for _, name := range mapkeys.Sorted(tipFns) {
		if _, ok := p.Stamps.Unverified[name]; ok || !only(name) {
			continue
		}
		tree := tipFns[name]
		if _, ok, err := hist.hasTree(name, tree); err != nil {
			return false, nil, err
		} else if ok {
			continue
		}
		ids, err := r.contents.of(name, tree)
		if err != nil {
			return false, nil, err
		}
		// The same content, and the same recorded secret values: a
		// rotation fetched but not pulled differs only in its hashes.
		sig, err := r.contents.signature(name, tree)
		if err != nil {
			return false, nil, err
		}
		found, err := hist.any(name, func(v version) (bool, error) {
			vids, err := r.contents.of(name, v.Tree)
			if err != nil || !overlap(ids, vids) {
				return false, err
			}
			if sig == "" {
				return true, nil
			}
			vsig, err := r.contents.signature(name, v.Tree)
			return vsig == sig, err
		})
		if err != nil {
			return false, nil, err
		}
		if !found {
			missing = append(missing, name)
		}
	}
	hc, err := repo.ReadCommit(head)
	if err != nil {
		return false, nil, err
	}
	hm, err := r.b.ManagedFunctions(repo, hc.TreeHash)
	if err != nil {
		return false, nil, err
	}
	headFns, err := dirEntries(p, hm)
	if err != nil {
		return false, nil, err
	}
	for _, name := range mapkeys.Sorted(headFns) {
		if _, ok := tipFns[name]; ok || !only(name) {
			continue
		}
		merged, err := p.absenceMerged(name, head)
		if err != nil {
			return false, nil, err
		}
		if !merged {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	return len(missing) == 0, missing, nil
}

// absenceMerged reports, for a function the tip records as absent, whether
// head has taken that in: the online branch never recorded it, or the record
// of its disappearance is in head's history or was only inferred from stamps.
func (p *Prepared) absenceMerged(name string, head plumbing.Hash) (bool, error) {
	repo := p.Stamps.resolver.repo
	dir := p.Stamps.resolver.b.Dir
	// Walk the branch's first parents back to the newest commit that had
	// the function; its child on the walk recorded the disappearance.
	child := plumbing.ZeroHash
	cur := p.Tip.Commit
	seen := map[plumbing.Hash]bool{}
	for !cur.IsZero() && !seen[cur] {
		seen[cur] = true
		c, err := repo.ReadCommit(cur)
		if err != nil {
			return false, err
		}
		if _, ok, err := commitFunctionTreeIn(p, c.TreeHash, dir, name); err != nil {
			return false, err
		} else if ok {
			if child.IsZero() {
				return true, nil
			}
			cc, err := repo.ReadCommit(child)
			if err != nil {
				return false, err
			}
			first, _, _ := strings.Cut(cc.Message, "\n")
			if strings.HasSuffix(first, rebuiltMarker) {
				return true, nil
			}
			return repo.IsAncestor(child, head)
		}
		child = cur
		shallow, err := repo.IsShallow()
		if err != nil {
			return false, err
		}
		if len(c.ParentHashes) == 0 || shallow && !p.hasCommit(c.ParentHashes[0]) {
			break
		}
		cur = c.ParentHashes[0]
	}
	return true, nil
}

func (p *Prepared) hasCommit(h plumbing.Hash) bool {
	_, err := p.Stamps.resolver.repo.ReadCommit(h)
	return err == nil
}

func commitFunctionTreeIn(p *Prepared, root plumbing.Hash, dir, name string) (plumbing.Hash, bool, error) {
	m, err := p.Stamps.resolver.b.ManagedFunctions(p.Stamps.resolver.repo, root)
	if err != nil || m.IsZero() {
		return plumbing.ZeroHash, false, err
	}
	return functionTree(p.Stamps.resolver.repo, m, name)
}

// dirEntries maps the function directories of a managed tree to their trees.
func dirEntries(p *Prepared, managed plumbing.Hash) (map[string]plumbing.Hash, error) {
	out := map[string]plumbing.Hash{}
	if managed.IsZero() {
		return out, nil
	}
	entries, err := p.Stamps.resolver.repo.ReadTree(managed)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.Mode != filemode.Dir {
			continue
		}
		out[e.Name] = e.Hash
	}
	return out, nil
}

// Superseded reports whether head can replace the tip on the online branch
// without losing a record: the tip is a commit rebuilt from stamps (it
// records no observation of FC, only deploys), every parent of it is in
// head's history, and head holds every function state it records.
func (p *Prepared) Superseded(head plumbing.Hash) (bool, error) {
	if p.Tip.Commit.IsZero() || head.IsZero() {
		return false, nil
	}
	repo := p.Stamps.resolver.repo
	c, err := repo.ReadCommit(p.Tip.Commit)
	if err != nil {
		return false, err
	}
	first, _, _ := strings.Cut(c.Message, "\n")
	if !strings.HasSuffix(first, rebuiltMarker) {
		return false, nil
	}
	for _, parent := range c.ParentHashes {
		if ok, err := repo.IsAncestor(parent, head); err != nil || !ok {
			return false, err
		}
	}
	ok, _, err := p.Contains(head, nil)
	return ok, err
}

func overlap(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}
