package fetch

import (
	"fmt"
	"io"
	"io/fs"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/snapshot"
)

// LoadFunctions reads the functions of a managed directory tree (a commit's
// <dir>/, zero = none): each sub-directory's function.toml, decoded strictly,
// and its code tree. A file that does not decode stops it, with every
// problem of every file at file:line (snapshot.Problems), so a typo in a
// committed function.toml stops push with its file and line.
func LoadFunctions(repo *gitstate.Repo, dir string, tree plumbing.Hash) (map[string]*Function, error) {
	return loaderFor(nil, repo, dir).Functions(tree)
}

// ReadFunctions is LoadFunctions that goes on past files with problems, so
// that they all come out at once: it returns every function as far as its
// file decodes (snapshot.DecodeAll; a file that is not TOML at all, or
// missing, leaves its function out) and the problems of all files, sorted
// by file and line. The error is for failures to read the repository.
// Functions with problems are for further checks only, never to deploy.
func ReadFunctions(repo *gitstate.Repo, dir string, tree plumbing.Hash) (map[string]*Function, snapshot.Problems, error) {
	return loaderFor(nil, repo, dir).ReadFunctions(tree)
}

// Same reports whether two functions hold the same desired state: equal
// configuration (FC's defaults and absent keys alike) and the same code.
func Same(a, b *Function) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if a == b {
		return true // one version loaded once (Loader)
	}
	return a.CodeTree == b.CodeTree && snapshot.Equal(a.State, b.State)
}

// CodeFiles lists a code tree's files for zipping, reading blobs lazily.
func CodeFiles(repo *gitstate.Repo, tree plumbing.Hash) ([]snapshot.CodeFile, error) {
	var files []snapshot.CodeFile
	err := repo.WalkTree(tree, func(p string, e gitstate.TreeEntry) error {
		var mode = fileMode(e.Mode)
		if mode == 0 {
			return fmt.Errorf("code/%s: unsupported entry (mode %v)", p, e.Mode)
		}
		h := e.Hash
		rc, size, err := repo.OpenBlob(h)
		if err != nil {
			return err
		}
		rc.Close()
		files = append(files, snapshot.CodeFile{Path: p, Mode: mode, Size: size, Open: func() (io.ReadCloser, error) {
			rc, _, err := repo.OpenBlob(h)
			return rc, err
		}})
		return nil
	})
	return files, err
}

// fileMode maps git's modes to the modes code archives carry; 0 for entries a
// code package cannot hold (submodules).
func fileMode(m filemode.FileMode) fs.FileMode {
	switch m {
	case filemode.Regular, filemode.Deprecated:
		return 0o644
	case filemode.Executable:
		return 0o755
	case filemode.Symlink:
		return fs.ModeSymlink | 0o777
	}
	return 0
}
