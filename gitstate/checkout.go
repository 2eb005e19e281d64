package gitstate

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// ConflictEntry is a path left conflicted by a merge: its index stages and
// the content (with conflict markers) to leave in the work tree. A nil
// Worktree with a zero WorktreeMode leaves the path absent from the work
// tree; a zero WorktreeMode otherwise means a regular file.
type ConflictEntry struct {
	Path         string
	Stages       [3]*IndexEntry // base, ours, theirs; nil = absent
	Worktree     []byte
	WorktreeMode filemode.FileMode
}

// Checkout makes the index and work tree match tree `to`, given that they
// match tree `from` now (the caller has checked there are no local changes
// in the affected paths). Only paths that differ are written or removed, and
// untouched index entries keep their stat data. Conflicts then replace the
// index entries of their paths with stages 1/2/3 and write their work tree
// content. The index is replaced atomically under index.lock.
func (r *Repo) Checkout(from, to plumbing.Hash, conflicts []ConflictEntry) error {
	if err := r.checkout(from, to, conflicts); err != nil {
		return fmt.Errorf("checkout %s: %w", to, err)
	}
	return nil
}

func (r *Repo) checkout(from, to plumbing.Hash, conflicts []ConflictEntry) error {
	conflictPaths := make(map[string]*ConflictEntry, len(conflicts))
	for i := range conflicts {
		c := &conflicts[i]
		if _, err := splitTreePath(c.Path); err != nil || c.Path == "" {
			return fmt.Errorf("conflict path %q is not valid", c.Path)
		}
		if conflictPaths[c.Path] != nil {
			return fmt.Errorf("conflict path %q listed twice", c.Path)
		}
		if c.Stages[0] == nil && c.Stages[1] == nil && c.Stages[2] == nil {
			return fmt.Errorf("conflict %q has no stages", c.Path)
		}
		conflictPaths[c.Path] = c
	}
	changes, err := r.diffTrees(from, to)
	if err != nil {
		return err
	}
	for _, ch := range changes {
		if _, err := splitTreePath(ch.path); err != nil {
			return fmt.Errorf("refusing to check out: %w", err)
		}
	}

	lock, err := acquireLock(r.indexPath(), lockTimeout)
	if err != nil {
		return err
	}
	defer lock.rollback()
	idx, err := readIndexFile(r.indexPath()) // read under the lock, as git does
	if err != nil {
		return err
	}
	if !idx.exists {
		idx.version = r.configuredIndexVersion()
	}
	byPath := make(map[string][]*rawIndexEntry, len(idx.entries))
	for _, e := range idx.entries {
		byPath[e.path] = append(byPath[e.path], e)
	}

	// Removals first, deepest paths first, so a file can replace a directory
	// and a directory a file.
	for i := len(changes) - 1; i >= 0; i-- {
		ch := changes[i]
		if ch.to != nil || conflictPaths[ch.path] != nil {
			continue
		}
		if err := r.removeWorktreeEntry(ch.path, ch.from.Mode); err != nil {
			return err
		}
		delete(byPath, ch.path)
	}
	for _, ch := range changes {
		if ch.to == nil || conflictPaths[ch.path] != nil {
			continue
		}
		e, err := r.writeWorktreeEntry(ch.path, *ch.to)
		if err != nil {
			return err
		}
		byPath[ch.path] = []*rawIndexEntry{e}
	}
	for _, c := range conflicts {
		delete(byPath, c.Path)
		for i, s := range c.Stages {
			if s == nil {
				continue
			}
			byPath[c.Path] = append(byPath[c.Path], &rawIndexEntry{
				path:  c.Path,
				mode:  indexMode(s.Mode),
				hash:  s.Hash,
				flags: uint16(i+1) << flagStageShift,
			})
		}
		if err := r.writeConflictWorktree(c); err != nil {
			return err
		}
	}

	idx.entries = idx.entries[:0]
	for _, es := range byPath {
		idx.entries = append(idx.entries, es...)
	}
	sortIndexEntries(idx.entries)
	if _, err := lock.Write(encodeIndex(idx)); err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	return lock.commit()
}

// configuredIndexVersion honours index.version for a new index.
func (r *Repo) configuredIndexVersion() uint32 {
	if v, ok, err := r.Config("index.version"); err == nil && ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 2 && n <= 4 {
			return uint32(n)
		}
	}
	return 2
}

func (r *Repo) absPath(rel string) string {
	return filepath.Join(r.workDir, filepath.FromSlash(rel))
}

// prepareParents creates the directories leading to rel, refusing to write
// through a symlink or over a file that is in the way.
func (r *Repo) prepareParents(rel string) error {
	parts := strings.Split(rel, "/")
	dir := r.workDir
	for _, p := range parts[:len(parts)-1] {
		dir = filepath.Join(dir, p)
		fi, err := os.Lstat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := os.Mkdir(dir, 0o777); err != nil {
				return fmt.Errorf("create directory for %s: %w", rel, err)
			}
		case err != nil:
			return fmt.Errorf("check %s: %w", dir, err)
		case !fi.IsDir():
			return fmt.Errorf("cannot write %s: %s is in the way (not a directory)", rel, dir)
		}
	}
	return nil
}

// clearPath removes whatever is at abs (file, symlink, empty directory).
func clearPath(rel, abs string) error {
	fi, err := os.Lstat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check %s: %w", rel, err)
	}
	if err := os.Remove(abs); err != nil {
		if fi.IsDir() {
			return fmt.Errorf("cannot write %s: a non-empty directory is in the way", rel)
		}
		return fmt.Errorf("remove %s: %w", rel, err)
	}
	return nil
}

// writeWorktreeEntry writes one tree entry to the work tree and returns its
// index entry with fresh stat data.
func (r *Repo) writeWorktreeEntry(rel string, te TreeEntry) (*rawIndexEntry, error) {
	e := &rawIndexEntry{path: rel, mode: indexMode(te.Mode), hash: te.Hash}
	if err := r.prepareParents(rel); err != nil {
		return nil, err
	}
	abs := r.absPath(rel)
	if te.Mode == filemode.Submodule {
		// An uninitialised submodule is an empty directory; git keeps no
		// stat data for gitlinks.
		if fi, err := os.Lstat(abs); err == nil && fi.IsDir() {
			return e, nil
		}
		if err := clearPath(rel, abs); err != nil {
			return nil, err
		}
		if err := os.Mkdir(abs, 0o777); err != nil {
			return nil, fmt.Errorf("create submodule directory %s: %w", rel, err)
		}
		return e, nil
	}
	if err := clearPath(rel, abs); err != nil {
		return nil, err
	}
	rc, _, err := r.OpenBlob(te.Hash)
	if err != nil {
		return nil, fmt.Errorf("check out %s: %w", rel, err)
	}
	defer rc.Close()
	if err := writeWorktreeContent(abs, te.Mode, rc); err != nil {
		return nil, fmt.Errorf("check out %s: %w", rel, err)
	}
	fi, err := os.Lstat(abs)
	if err != nil {
		return nil, fmt.Errorf("check out %s: %w", rel, err)
	}
	fillStat(e, fi)
	return e, nil
}

// writeWorktreeContent creates abs (which must not exist) as a regular file,
// executable file or symlink holding content.
func writeWorktreeContent(abs string, mode filemode.FileMode, content io.Reader) error {
	if mode == filemode.Symlink {
		target, err := io.ReadAll(content)
		if err != nil {
			return err
		}
		return os.Symlink(string(target), abs)
	}
	perm := os.FileMode(0o666)
	if mode == filemode.Executable {
		perm = 0o777
	}
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, content); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// removeWorktreeEntry deletes a checked-out path and the directories it
// leaves empty.
func (r *Repo) removeWorktreeEntry(rel string, mode filemode.FileMode) error {
	abs := r.absPath(rel)
	if mode == filemode.Submodule {
		os.Remove(abs) // only if empty: never delete a submodule's work
	} else if err := os.Remove(abs); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", rel, err)
	}
	pruneEmptyDirs(filepath.Dir(abs), r.workDir)
	return nil
}

func (r *Repo) writeConflictWorktree(c ConflictEntry) error {
	abs := r.absPath(c.Path)
	if c.Worktree == nil && c.WorktreeMode == 0 {
		if err := clearPath(c.Path, abs); err != nil {
			return err
		}
		pruneEmptyDirs(filepath.Dir(abs), r.workDir)
		return nil
	}
	mode := c.WorktreeMode
	if mode == 0 {
		mode = filemode.Regular
	}
	if err := r.prepareParents(c.Path); err != nil {
		return err
	}
	if err := clearPath(c.Path, abs); err != nil {
		return err
	}
	if err := writeWorktreeContent(abs, mode, strings.NewReader(string(c.Worktree))); err != nil {
		return fmt.Errorf("write conflicted %s: %w", c.Path, err)
	}
	return nil
}
