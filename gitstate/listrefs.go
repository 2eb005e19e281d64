package gitstate

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// ListRefs returns the refs whose full names start with prefix (such as
// "refs/tags/fcgit/"), loose ones winning over packed ones as in git, each
// resolved to the object it names.
func (r *Repo) ListRefs(prefix string) (map[string]plumbing.Hash, error) {
	out := map[string]plumbing.Hash{}
	packed, _, err := r.readPackedRefs()
	if err != nil {
		return nil, err
	}
	for name, h := range packed {
		if strings.HasPrefix(name, prefix) {
			out[name] = h
		}
	}
	root := filepath.Join(r.commonDir, "refs")
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(r.commonDir, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if !strings.HasPrefix(name, prefix) || strings.HasSuffix(name, ".lock") {
			return nil
		}
		h, found, err := r.ResolveRef(name)
		if err != nil {
			return err
		}
		if found {
			out[name] = h
		}
		return nil
	})
	return out, err
}
