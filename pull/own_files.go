package pull

import (
	"path"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/fcgit/fcgit/gitstate"
)

// Files in a function's directory other than function.toml and code/ (notes,
// tests) are the repository's, not online state. A function deleted online
// disappears from the online branch with its whole directory, and git's merge
// would delete those files with it. A pull never does: the function goes, its
// other files stay (a directory without function.toml or code/ is not a
// function).

// isOwnFile reports whether a function directory's entry is the repository's.
func isOwnFile(name string) bool { return name != "function.toml" && name != "code" }

// ownFilesOfDeleted lists, for each function directory of ours that theirs
// no longer has, ours' own files in it (nil when it has none).
func ownFilesOfDeleted(repo *gitstate.Repo, dir string, ours, theirs plumbing.Hash) (map[string][]gitstate.TreeEntry, error) {
	oursFns, err := functionDirs(repo, ours, dir)
	if err != nil {
		return nil, err
	}
	theirsFns, err := functionDirs(repo, theirs, dir)
	if err != nil {
		return nil, err
	}
	out := map[string][]gitstate.TreeEntry{}
	for name, h := range oursFns {
		if _, ok := theirsFns[name]; ok {
			continue
		}
		entries, err := repo.ReadTree(h)
		if err != nil {
			return nil, err
		}
		var own []gitstate.TreeEntry
		hasFunction := false
		for _, e := range entries {
			if isOwnFile(e.Name) {
				own = append(own, e)
			} else {
				hasFunction = true
			}
		}
		if hasFunction && len(own) > 0 {
			out[name] = own
		}
	}
	return out, nil
}

// keepOwnFiles puts back, into a merge result, the own files of functions
// the merge deleted (it has no such directory any more).
func keepOwnFiles(repo *gitstate.Repo, dir string, result plumbing.Hash, own map[string][]gitstate.TreeEntry) (plumbing.Hash, error) {
	for name, entries := range own {
		p := path.Join(dir, name)
		if _, ok, err := repo.TreeEntryAt(result, p); err != nil {
			return plumbing.ZeroHash, err
		} else if ok {
			continue // kept, or in conflict: the merge decided
		}
		sub, err := repo.StoreTree(entries)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if result, err = repo.ReplaceSubtree(result, p, sub); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	return result, nil
}

// functionDirs maps the directories of a root tree's managed directory to
// their trees.
func functionDirs(repo *gitstate.Repo, root plumbing.Hash, dir string) (map[string]plumbing.Hash, error) {
	out := map[string]plumbing.Hash{}
	e, ok, err := repo.TreeEntryAt(root, dir)
	if err != nil || !ok || e.Mode != filemode.Dir {
		return out, err
	}
	entries, err := repo.ReadTree(e.Hash)
	if err != nil {
		return nil, err
	}
	for _, fe := range entries {
		if fe.Mode == filemode.Dir {
			out[fe.Name] = fe.Hash
		}
	}
	return out, nil
}
