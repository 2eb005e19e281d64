package gitstate

import (
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// splitTreePath splits "a/b/c" into components, rejecting empty ones.
func splitTreePath(path string) ([]string, error) {
	path = strings.Trim(path, "/")
	if path == "" {
		return nil, nil
	}
	parts := strings.Split(path, "/")
	for _, p := range parts {
		if err := validateEntryName(p); err != nil {
			return nil, fmt.Errorf("path %q: %w", path, err)
		}
	}
	return parts, nil
}

// TreeEntryAt looks up path (e.g. "functions/api/code") under root. An empty
// path is the root itself. A zero root is the empty tree.
func (r *Repo) TreeEntryAt(root plumbing.Hash, path string) (TreeEntry, bool, error) {
	parts, err := splitTreePath(path)
	if err != nil {
		return TreeEntry{}, false, fmt.Errorf("tree entry at %s: %w", path, err)
	}
	cur := TreeEntry{Mode: filemode.Dir, Hash: root}
	if root.IsZero() {
		cur.Hash = EmptyTree
	}
	for _, name := range parts {
		if cur.Mode != filemode.Dir {
			return TreeEntry{}, false, nil
		}
		t, err := r.tree(cur.Hash)
		if err != nil {
			return TreeEntry{}, false, fmt.Errorf("tree entry at %s: %w", path, err)
		}
		e, found := t.lookup(name)
		if !found {
			return TreeEntry{}, false, nil
		}
		cur = e
	}
	return cur, true, nil
}

// ReplaceSubtree returns a new root equal to root with the subtree at path
// replaced by sub, creating intermediate trees as needed. A zero sub (or the
// empty tree, which git never stores below the root) removes the path, and
// trees left empty by the removal disappear, as with git write-tree. A file
// in the way of the path is replaced by the tree.
func (r *Repo) ReplaceSubtree(root plumbing.Hash, path string, sub plumbing.Hash) (plumbing.Hash, error) {
	parts, err := splitTreePath(path)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("replace subtree %s: %w", path, err)
	}
	if sub == EmptyTree {
		sub = plumbing.ZeroHash
	}
	if len(parts) == 0 {
		if sub.IsZero() {
			return r.storeEmptyTree()
		}
		return sub, nil
	}
	h, err := r.replaceIn(root, parts, sub)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("replace subtree %s: %w", path, err)
	}
	if h.IsZero() {
		return r.storeEmptyTree()
	}
	return h, nil
}

// replaceIn returns the new id of tree `tree` (zero = absent) after the
// replacement, or zero when the result is empty.
func (r *Repo) replaceIn(tree plumbing.Hash, parts []string, sub plumbing.Hash) (plumbing.Hash, error) {
	var es []TreeEntry
	if !tree.IsZero() {
		var err error
		if es, err = r.ReadTree(tree); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	name := parts[0]
	idx := -1
	for i, e := range es {
		if e.Name == name {
			idx = i
			break
		}
	}
	newChild := sub
	if len(parts) > 1 {
		var childTree plumbing.Hash
		if idx >= 0 && es[idx].Mode == filemode.Dir {
			childTree = es[idx].Hash
		}
		if childTree.IsZero() && sub.IsZero() {
			return tree, nil // nothing to remove
		}
		var err error
		if newChild, err = r.replaceIn(childTree, parts[1:], sub); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	if idx >= 0 {
		if !newChild.IsZero() && es[idx].Mode == filemode.Dir && es[idx].Hash == newChild {
			return tree, nil // unchanged
		}
		es = append(es[:idx:idx], es[idx+1:]...)
	} else if newChild.IsZero() {
		return tree, nil
	}
	if !newChild.IsZero() {
		es = append(es, TreeEntry{Name: name, Mode: filemode.Dir, Hash: newChild})
	}
	if len(es) == 0 {
		return plumbing.ZeroHash, nil
	}
	return r.StoreTree(es)
}

// WalkTree calls fn for every non-tree entry under root (files, symlinks,
// gitlinks), recursively, in git's order, which is byte order of full paths.
func (r *Repo) WalkTree(root plumbing.Hash, fn func(path string, e TreeEntry) error) error {
	if root.IsZero() {
		return nil
	}
	if err := r.walkTree(root, "", fn); err != nil {
		return fmt.Errorf("walk tree %s: %w", root, err)
	}
	return nil
}

func (r *Repo) walkTree(tree plumbing.Hash, prefix string, fn func(string, TreeEntry) error) error {
	t, err := r.tree(tree)
	if err != nil {
		return err
	}
	for _, e := range t.entries {
		p := prefix + e.Name
		if e.Mode == filemode.Dir {
			if err := r.walkTree(e.Hash, p+"/", fn); err != nil {
				return err
			}
			continue
		}
		if err := fn(p, e); err != nil {
			return err
		}
	}
	return nil
}
