package gitstate

import (
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// IndexEntry is one index entry as git sees it.
type IndexEntry struct {
	Path  string
	Stage int // 0 merged, 1 base, 2 ours, 3 theirs
	Mode  filemode.FileMode
	Hash  plumbing.Hash
}

func (r *Repo) indexPath() string { return filepath.Join(r.gitDir, "index") }

// ReadIndex returns the index entries sorted by path, then stage. A missing
// index is empty.
func (r *Repo) ReadIndex() ([]IndexEntry, error) {
	idx, err := readIndexFile(r.indexPath())
	if err != nil {
		return nil, err
	}
	out := make([]IndexEntry, len(idx.entries))
	for i, e := range idx.entries {
		out[i] = IndexEntry{Path: e.path, Stage: e.stage(), Mode: filemode.FileMode(e.mode), Hash: e.hash}
	}
	return out, nil
}

// HasConflicts reports whether any index entry has a stage other than 0.
func (r *Repo) HasConflicts() (bool, error) {
	idx, err := readIndexFile(r.indexPath())
	if err != nil {
		return false, err
	}
	for _, e := range idx.entries {
		if e.stage() != 0 {
			return true, nil
		}
	}
	return false, nil
}

// indexMode is the mode git records in the index for a tree mode: regular
// files are 100644 or 100755 only.
func indexMode(m filemode.FileMode) uint32 {
	switch m {
	case filemode.Regular, filemode.Deprecated:
		return uint32(filemode.Regular)
	}
	return uint32(m)
}
