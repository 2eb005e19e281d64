package fetch

import (
	"errors"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/snapshot"
)

// contents computes the ContentID of function directories (function.toml and
// code/), cached by the directory's tree id: history holds the same version
// of a function in many commits.
type contents struct {
	loader *Loader
	byTree map[plumbing.Hash][]string
	sigs   map[plumbing.Hash]string
}

func newContents(loader *Loader) *contents {
	return &contents{loader: loader, byTree: map[plumbing.Hash][]string{}, sigs: map[plumbing.Hash]string{}}
}

// signature returns the recorded secret hashes of a function directory
// (snapshot.State.SecretsSignature), "" when none or unreadable.
func (c *contents) signature(name string, tree plumbing.Hash) (string, error) {
	if _, err := c.of(name, tree); err != nil {
		return "", err
	}
	return c.sigs[tree], nil
}

// has reports whether function name's directory tree holds the state a
// content stamp names.
func (c *contents) has(name string, tree plumbing.Hash, id string) (bool, error) {
	ids, err := c.of(name, tree)
	if err != nil {
		return false, err
	}
	for _, v := range ids {
		if v == id {
			return true, nil
		}
	}
	return false, nil
}

// of returns the content ids function name's directory tree may have been
// deployed as (snapshot.ContentIDs), none when it is not a readable function
// (no function.toml, or one that does not decode): such a version was never
// deployed as it is.
func (c *contents) of(name string, tree plumbing.Hash) ([]string, error) {
	if ids, ok := c.byTree[tree]; ok {
		return ids, nil
	}
	var ids []string
	fn, err := c.loader.function(name, tree)
	if err != nil {
		return nil, err
	}
	if fn != nil {
		code := ""
		if !fn.CodeTree.IsZero() {
			code = fn.CodeTree.String()
		}
		ids = snapshot.ContentIDs(fn.State, code)
		c.sigs[tree] = fn.State.SecretsSignature()
	}
	c.byTree[tree] = ids
	return ids, nil
}

// ContentOf is the content id push stamps on a deployed function: its
// configuration, triggers and code as ContentID sees them.
func ContentOf(fn *Function) string {
	code := ""
	if !fn.CodeTree.IsZero() {
		code = fn.CodeTree.String()
	}
	return snapshot.ContentID(fn.State, code)
}

// MatchesStamp reports whether an online function is exactly what the
// content stamp says was deployed.
func MatchesStamp(fn *Function, content string) bool {
	if content == "" || fn == nil || fn.State == nil {
		return false
	}
	code := ""
	if !fn.CodeTree.IsZero() {
		code = fn.CodeTree.String()
	}
	return snapshot.MatchesContent(fn.State, code, content)
}

// version is one function's directory as some commit holds it.
type version struct {
	Commit plumbing.Hash
	Tree   plumbing.Hash
}

// history indexes the versions of the functions along a line of history,
// newest first (committer date, as git log), walking only as far as the
// questions asked need: most answers are found at or near its start.
type history struct {
	repo *gitstate.Repo
	// b says where the managed directory is, and how a target sees it.
	b        Branch
	contents *contents
	log      *gitstate.Log // nil: empty history
	done     bool

	seenManaged map[plumbing.Hash]bool
	// trees lists each function's directory trees in the order met (newest
	// first) with the newest commit holding each; ids caches their content.
	trees   map[string][]version
	seen    map[string]map[plumbing.Hash]bool
	checked map[string]int
	byID    map[string]map[string]version
}

func newHistory(repo *gitstate.Repo, b Branch, c *contents, start plumbing.Hash) (*history, error) {
	h := &history{
		repo: repo, b: b, contents: c,
		seenManaged: map[plumbing.Hash]bool{},
		trees:       map[string][]version{}, seen: map[string]map[plumbing.Hash]bool{},
		checked: map[string]int{}, byID: map[string]map[string]version{},
	}
	if start.IsZero() {
		h.done = true
		return h, nil
	}
	log, err := repo.NewLog(start)
	if err != nil {
		return nil, err
	}
	h.log = log
	return h, nil
}

// step visits one more commit; false when the history is exhausted.
func (h *history) step() (bool, error) {
	if h.done {
		return false, nil
	}
	c, err := h.log.Next()
	if errors.Is(err, io.EOF) {
		h.done = true
		return false, nil
	}
	if err != nil {
		return false, err
	}
	managed, err := h.b.ManagedFunctions(h.repo, c.TreeHash)
	if err != nil || managed.IsZero() || h.seenManaged[managed] {
		return true, err
	}
	h.seenManaged[managed] = true
	entries, err := h.repo.ReadTree(managed)
	if err != nil {
		return false, err
	}
	for _, fe := range entries {
		if fe.Mode != filemode.Dir {
			continue
		}
		s := h.seen[fe.Name]
		if s == nil {
			s = map[plumbing.Hash]bool{}
			h.seen[fe.Name] = s
		}
		if !s[fe.Hash] {
			s[fe.Hash] = true
			h.trees[fe.Name] = append(h.trees[fe.Name], version{Commit: c.Hash, Tree: fe.Hash})
		}
	}
	return true, nil
}

// hasTree returns the newest commit holding function name with exactly this
// directory tree.
func (h *history) hasTree(name string, tree plumbing.Hash) (version, bool, error) {
	for {
		if h.seen[name][tree] {
			for _, v := range h.trees[name] {
				if v.Tree == tree {
					return v, true, nil
				}
			}
		}
		more, err := h.step()
		if err != nil || !more {
			return version{}, false, err
		}
	}
}

// find returns the newest commit whose version of function name has content
// id, skipping versions that accept rejects (nil accepts all).
func (h *history) find(name, id string, accept func(version) (bool, error)) (version, bool, error) {
	if id == "" {
		return version{}, false, nil
	}
	for {
		// Content ids of the versions met so far, computed lazily.
		for h.checked[name] < len(h.trees[name]) {
			v := h.trees[name][h.checked[name]]
			h.checked[name]++
			vids, err := h.contents.of(name, v.Tree)
			if err != nil {
				return version{}, false, err
			}
			m := h.byID[name]
			if m == nil {
				m = map[string]version{}
				h.byID[name] = m
			}
			for _, vid := range vids {
				if _, ok := m[vid]; !ok {
					m[vid] = v
				}
			}
		}
		if v, ok := h.byID[name][id]; ok {
			if accept == nil {
				return v, true, nil
			}
			ok, err := accept(v)
			if err != nil || ok {
				return v, ok, err
			}
			// The newest holder is refused, and older ones would be too
			// (the caller refuses what is too old).
			return version{}, false, nil
		}
		more, err := h.step()
		if err != nil || !more {
			return version{}, false, err
		}
	}
}

// any reports whether some version of function name along the history
// satisfies pred, walking as far as needed.
func (h *history) any(name string, pred func(version) (bool, error)) (bool, error) {
	i := 0
	for {
		for ; i < len(h.trees[name]); i++ {
			if ok, err := pred(h.trees[name][i]); err != nil || ok {
				return ok, err
			}
		}
		more, err := h.step()
		if err != nil || !more {
			return false, err
		}
	}
}

// truncated reports whether the walk stopped at a shallow clone's boundary.
func (h *history) truncated() bool { return h.log != nil && h.log.Truncated() }

// functionTree returns function name's directory in a managed tree.
func functionTree(repo *gitstate.Repo, managed plumbing.Hash, name string) (plumbing.Hash, bool, error) {
	if managed.IsZero() {
		return plumbing.ZeroHash, false, nil
	}
	e, ok, err := repo.TreeEntryAt(managed, name)
	if err != nil || !ok || e.Mode != filemode.Dir {
		return plumbing.ZeroHash, false, err
	}
	return e.Hash, true, nil
}

// commitFunctionTree returns function name's directory in commit c.
func commitFunctionTree(repo *gitstate.Repo, c plumbing.Hash, b Branch, name string) (plumbing.Hash, bool, error) {
	cc, err := repo.ReadCommit(c)
	if err != nil {
		return plumbing.ZeroHash, false, err
	}
	managed, err := b.ManagedFunctions(repo, cc.TreeHash)
	if err != nil {
		return plumbing.ZeroHash, false, err
	}
	return functionTree(repo, managed, name)
}
