package gitstate

import (
	"fmt"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// treeChange is a leaf (non-tree) path whose entry differs between two
// trees; from or to is nil when the path is absent on that side.
type treeChange struct {
	path     string
	from, to *TreeEntry
}

// diffTrees lists leaf changes from tree a to tree b (zero = empty), sorted
// by path, skipping identical subtrees without reading them.
func (r *Repo) diffTrees(a, b plumbing.Hash) ([]treeChange, error) {
	var out []treeChange
	if err := r.diffDir(a, b, "", &out); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out, nil
}

func (r *Repo) diffDir(a, b plumbing.Hash, prefix string, out *[]treeChange) error {
	if a == b {
		return nil
	}
	read := func(h plumbing.Hash) (map[string]TreeEntry, error) {
		m := map[string]TreeEntry{}
		if h.IsZero() {
			return m, nil
		}
		es, err := r.ReadTree(h)
		for _, e := range es {
			m[e.Name] = e
		}
		return m, err
	}
	am, err := read(a)
	if err != nil {
		return err
	}
	bm, err := read(b)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(am)+len(bm))
	for n := range am {
		names = append(names, n)
	}
	for n := range bm {
		if _, ok := am[n]; !ok {
			names = append(names, n)
		}
	}
	for _, n := range names {
		ea, inA := am[n]
		eb, inB := bm[n]
		if inA && inB && ea.Mode == eb.Mode && ea.Hash == eb.Hash {
			continue
		}
		aDir := inA && ea.Mode == filemode.Dir
		bDir := inB && eb.Mode == filemode.Dir
		if aDir || bDir {
			var sa, sb plumbing.Hash
			if aDir {
				sa = ea.Hash
			}
			if bDir {
				sb = eb.Hash
			}
			if err := r.diffDir(sa, sb, prefix+n+"/", out); err != nil {
				return err
			}
		}
		ch := treeChange{path: prefix + n}
		if inA && !aDir {
			e := ea
			ch.from = &e
		}
		if inB && !bDir {
			e := eb
			ch.to = &e
		}
		if ch.from != nil || ch.to != nil {
			*out = append(*out, ch)
		}
	}
	return nil
}

// ChangedPaths lists the file paths (blobs, symlinks, gitlinks) whose entry
// differs between trees a and b (zero = empty), sorted.
func (r *Repo) ChangedPaths(a, b plumbing.Hash) ([]string, error) {
	changes, err := r.diffTrees(a, b)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(changes))
	for i, c := range changes {
		out[i] = c.path
	}
	return out, nil
}

// TreeChange is a file (blob, symlink, gitlink) whose entry differs between
// two trees; From or To is nil when the path is absent on that side.
type TreeChange struct {
	Path     string
	From, To *TreeEntry
}

// DiffTrees lists the files whose entry differs from tree a to tree b
// (zero = empty), sorted by path.
func (r *Repo) DiffTrees(a, b plumbing.Hash) ([]TreeChange, error) {
	changes, err := r.diffTrees(a, b)
	if err != nil {
		return nil, err
	}
	out := make([]TreeChange, len(changes))
	for i, c := range changes {
		out[i] = TreeChange{Path: c.path, From: c.from, To: c.to}
	}
	return out, nil
}

// BlobSize returns the size of a blob without reading it.
func (r *Repo) BlobSize(h plumbing.Hash) (int64, error) {
	obj, err := r.encodedObject(plumbing.BlobObject, h)
	if err != nil {
		return 0, fmt.Errorf("blob %s: %w", h, err)
	}
	return obj.Size(), nil
}
