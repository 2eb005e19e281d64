package fetch

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/fcgit/fcgit/gitstate"
)

// treeStore is the part of the repository that building trees needs.
type treeStore interface {
	StoreTree(entries []gitstate.TreeEntry) (plumbing.Hash, error)
}

// fileEntry is one file of a tree to build, by its slash-separated path.
type fileEntry struct {
	Path string
	Mode filemode.FileMode
	Hash plumbing.Hash
}

// buildTree stores the nested trees holding files and returns the root.
// Directories are implied by paths, as in git; an empty list gives the empty
// tree.
func buildTree(s treeStore, files []fileEntry) (plumbing.Hash, error) {
	direct := []gitstate.TreeEntry{}
	sub := map[string][]fileEntry{}
	for _, f := range files {
		dir, rest, nested := strings.Cut(f.Path, "/")
		if !nested {
			direct = append(direct, gitstate.TreeEntry{Name: dir, Mode: f.Mode, Hash: f.Hash})
			continue
		}
		sub[dir] = append(sub[dir], fileEntry{Path: rest, Mode: f.Mode, Hash: f.Hash})
	}
	names := make([]string, 0, len(sub))
	for n := range sub {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		h, err := buildTree(s, sub[n])
		if err != nil {
			return plumbing.ZeroHash, err
		}
		direct = append(direct, gitstate.TreeEntry{Name: n, Mode: filemode.Dir, Hash: h})
	}
	return s.StoreTree(direct)
}

// gitMode maps a code file's mode to the modes git records.
func gitMode(m fs.FileMode) (filemode.FileMode, error) {
	switch {
	case m&fs.ModeSymlink != 0:
		return filemode.Symlink, nil
	case m.IsRegular() && m&0o111 != 0:
		return filemode.Executable, nil
	case m.IsRegular():
		return filemode.Regular, nil
	}
	return 0, fmt.Errorf("unsupported file mode %v", m)
}
