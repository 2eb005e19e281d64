package gitstate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// statPolicy is the subset of config that decides how git compares stat data.
type statPolicy struct {
	trustCtime   bool // core.trustctime
	fullStat     bool // core.checkStat != minimal
	fileMode     bool // core.fileMode
	symlinks     bool // core.symlinks
	indexModTime time.Time
	clean        *cleanFilter // line-ending conversion for content comparisons
}

// LocalChanges lists paths under prefix (e.g. "functions/" or "" for the
// whole work tree) where the index differs from HEAD's tree, the work tree
// differs from the index, or files are untracked and not ignored. The work
// tree is compared as `git status` compares it: stat data first; a size
// change is a change; otherwise, when the stat data differ or the entry is
// racily clean, the hash of the file's content after git's line-ending
// conversion (core.autocrlf, the text, eol and crlf attributes; see eol.go).
// Unmerged paths count as changed. A nested repository shows as "dir/".
// Sorted.
func (r *Repo) LocalChanges(prefix string) ([]string, error) {
	out, err := r.localChanges(strings.Trim(prefix, "/"))
	if err != nil {
		return nil, fmt.Errorf("local changes under %q: %w", prefix, err)
	}
	return out, nil
}

func inPrefix(p, prefix string) bool {
	return prefix == "" || p == prefix || strings.HasPrefix(p, prefix+"/")
}

func (r *Repo) localChanges(prefix string) ([]string, error) {
	idx, err := readIndexFile(r.indexPath())
	if err != nil {
		return nil, err
	}
	headEntries, err := r.headEntriesUnder(prefix)
	if err != nil {
		return nil, err
	}
	pol, err := r.statPolicy(idx)
	if err != nil {
		return nil, err
	}
	changed := map[string]bool{}
	tracked := map[string]bool{}
	gitlinks := map[string]bool{}
	for _, e := range idx.entries {
		if !inPrefix(e.path, prefix) {
			continue
		}
		tracked[e.path] = true
		if filemode.FileMode(e.mode) == filemode.Submodule {
			gitlinks[e.path] = true
		}
		if e.stage() != 0 || e.extFlags&extFlagIntentToAdd != 0 {
			changed[e.path] = true
			continue
		}
		he, ok := headEntries[e.path]
		if !ok || he.Hash != e.hash || indexMode(he.Mode) != e.mode {
			changed[e.path] = true
			continue
		}
		if e.extFlags&extFlagSkipWorktree != 0 || e.flags&flagAssumeValid != 0 {
			continue
		}
		differs, err := r.worktreeDiffers(e, pol)
		if err != nil {
			return nil, err
		}
		if differs {
			changed[e.path] = true
		}
	}
	for p := range headEntries {
		if !tracked[p] {
			changed[p] = true
		}
	}
	untracked, err := r.untrackedUnder(prefix, tracked, gitlinks)
	if err != nil {
		return nil, err
	}
	for _, p := range untracked {
		changed[p] = true
	}
	out := make([]string, 0, len(changed))
	for p := range changed {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

// headEntriesUnder maps every leaf path under prefix in HEAD's tree.
func (r *Repo) headEntriesUnder(prefix string) (map[string]TreeEntry, error) {
	out := map[string]TreeEntry{}
	head, err := r.Head()
	if err != nil {
		return nil, err
	}
	if head.Hash.IsZero() {
		return out, nil
	}
	c, err := r.ReadCommit(head.Hash)
	if err != nil {
		return nil, err
	}
	te, ok, err := r.TreeEntryAt(c.TreeHash, prefix)
	if err != nil || !ok {
		return out, err
	}
	if te.Mode != filemode.Dir {
		out[prefix] = te
		return out, nil
	}
	base := ""
	if prefix != "" {
		base = prefix + "/"
	}
	err = r.WalkTree(te.Hash, func(p string, e TreeEntry) error {
		out[base+p] = e
		return nil
	})
	return out, err
}

func (r *Repo) statPolicy(idx *indexFile) (statPolicy, error) {
	cs, err := r.loadConfig()
	if err != nil {
		return statPolicy{}, err
	}
	pol := statPolicy{trustCtime: true, fullStat: true, fileMode: true, symlinks: true, indexModTime: idx.mtime,
		clean: r.newCleanFilter(cs, idx)}
	if v, ok := cs.get("core.trustctime"); ok {
		pol.trustCtime = parseBool(v, true)
	}
	if v, ok := cs.get("core.checkstat"); ok && strings.EqualFold(strings.TrimSpace(v), "minimal") {
		pol.fullStat = false
	}
	if v, ok := cs.get("core.filemode"); ok {
		pol.fileMode = parseBool(v, true)
	}
	if v, ok := cs.get("core.symlinks"); ok {
		pol.symlinks = parseBool(v, true)
	}
	return pol, nil
}

// worktreeDiffers compares a stage-0 index entry with the work tree.
func (r *Repo) worktreeDiffers(e *rawIndexEntry, pol statPolicy) (bool, error) {
	abs := r.absPath(e.path)
	fi, err := os.Lstat(abs)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("stat %s: %w", e.path, err)
	}
	mode := filemode.FileMode(e.mode)
	switch {
	case mode == filemode.Submodule:
		return !fi.IsDir(), nil
	case mode == filemode.Symlink:
		if pol.symlinks && fi.Mode()&fs.ModeSymlink == 0 {
			return true, nil
		}
	case fi.Mode()&fs.ModeSymlink != 0 || !fi.Mode().IsRegular():
		return true, nil
	case pol.fileMode && (fi.Mode().Perm()&0o100 != 0) != (mode == filemode.Executable):
		return true, nil
	}
	var cur rawIndexEntry
	fillStat(&cur, fi)
	if statMatches(e, &cur, pol) && !isRacy(e, pol.indexModTime) {
		return false, nil
	}
	// A different size is a change without reading the file (read-cache.c
	// ie_modified), even when line-ending conversion would make the
	// contents equal: git status says " M" then, and so must this. A zero
	// size is no information (an entry from read-tree, or one git smudged
	// as racily clean), so the content decides.
	if e.size != 0 && e.size != cur.size {
		return true, nil
	}
	var h plumbing.Hash
	if fi.Mode().IsRegular() {
		h, err = pol.clean.hashFile(e.path, abs, fi.Size())
	} else {
		h, err = hashWorktreeFile(abs, fi)
	}
	if err != nil {
		return false, fmt.Errorf("hash %s: %w", e.path, err)
	}
	return h != e.hash, nil
}

func statMatches(idx, cur *rawIndexEntry, pol statPolicy) bool {
	if idx.mtimeSec != cur.mtimeSec || idx.mtimeNsec != cur.mtimeNsec || idx.size != cur.size {
		return false
	}
	if pol.trustCtime && (idx.ctimeSec != cur.ctimeSec || idx.ctimeNsec != cur.ctimeNsec) {
		return false
	}
	if pol.fullStat && (idx.ino != cur.ino || idx.uid != cur.uid || idx.gid != cur.gid) {
		return false
	}
	return true
}

// isRacy: an entry not older than the index file may have changed within the
// same timestamp granularity after it was recorded, so git re-checks content.
func isRacy(e *rawIndexEntry, indexModTime time.Time) bool {
	if indexModTime.IsZero() {
		return true
	}
	is, ins := uint32(indexModTime.Unix()), uint32(indexModTime.Nanosecond())
	return is < e.mtimeSec || (is == e.mtimeSec && ins <= e.mtimeNsec)
}

// hashWorktreeFile computes the blob id of a work tree file or symlink.
func hashWorktreeFile(abs string, fi fs.FileInfo) (plumbing.Hash, error) {
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(abs)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		return hashObject(plumbing.BlobObject, strings.NewReader(target), int64(len(target)))
	}
	f, err := os.Open(abs)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	defer f.Close()
	return hashObject(plumbing.BlobObject, f, fi.Size())
}

// untrackedUnder walks the work tree under prefix and returns files that are
// neither tracked nor ignored. Ignored directories are not entered (as in
// git, nothing below them counts).
func (r *Repo) untrackedUnder(prefix string, tracked, gitlinks map[string]bool) ([]string, error) {
	trackedDirs := map[string]bool{}
	for p := range tracked {
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			if trackedDirs[d] {
				break
			}
			trackedDirs[d] = true
		}
	}
	rules, err := r.baseIgnoreRules()
	if err != nil {
		return nil, err
	}
	if rules, err = rules.withDir(r.workDir, ""); err != nil {
		return nil, err
	}
	// Walk down to prefix, loading each level's .gitignore; an ignored
	// ancestor hides everything below it.
	dir := ""
	if prefix != "" {
		parts := strings.Split(prefix, "/")
		for i, p := range parts {
			rel := path.Join(dir, p)
			fi, err := os.Lstat(r.absPath(rel))
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
				return nil, nil
			}
			if err != nil {
				return nil, fmt.Errorf("stat %s: %w", rel, err)
			}
			isDir := fi.IsDir()
			if tracked[rel] && (!isDir || gitlinks[rel]) {
				return nil, nil
			}
			if !trackedDirs[rel] && rules.ignored(rel, isDir) {
				return nil, nil
			}
			if !isDir {
				if i == len(parts)-1 {
					return []string{rel}, nil
				}
				return nil, nil
			}
			if _, err := os.Stat(r.absPath(rel + "/.git")); err == nil && !trackedDirs[rel] {
				return []string{rel + "/"}, nil
			}
			dir = rel
			if rules, err = rules.withDir(r.workDir, dir); err != nil {
				return nil, err
			}
		}
	}
	var out []string
	err = r.walkUntracked(dir, rules, true, tracked, gitlinks, trackedDirs, &out)
	return out, err
}

// walkUntracked lists the untracked files under dir into out. rules are
// dir's parent's, or, when own is set, dir's own already.
func (r *Repo) walkUntracked(dir string, rules *ignoreRules, own bool, tracked, gitlinks, trackedDirs map[string]bool, out *[]string) error {
	ents, err := os.ReadDir(r.absPath(dir))
	if err != nil {
		return fmt.Errorf("read directory %q: %w", dir, err)
	}
	if !own {
		// The directory's .gitignore, looked for in its listing rather
		// than opened in every directory: a status of 10,000 functions
		// walks 50,000 directories, almost none with one.
		for _, de := range ents {
			if de.Name() == ".gitignore" {
				if rules, err = rules.withDir(r.workDir, dir); err != nil {
					return err
				}
				break
			}
		}
	}
	for _, de := range ents {
		name := de.Name()
		if name == ".git" {
			continue
		}
		rel := name
		if dir != "" {
			rel = dir + "/" + name
		}
		// A tracked path that is now a directory (a file replaced by a
		// directory) still has untracked content below it.
		if tracked[rel] && (!de.IsDir() || gitlinks[rel]) {
			continue
		}
		if de.IsDir() {
			if !trackedDirs[rel] {
				if rules.ignored(rel, true) {
					continue
				}
				if _, err := os.Lstat(r.absPath(rel + "/.git")); err == nil {
					*out = append(*out, rel+"/") // a nested repository
					continue
				}
			}
			if err := r.walkUntracked(rel, rules, false, tracked, gitlinks, trackedDirs, out); err != nil {
				return err
			}
			continue
		}
		if !rules.ignored(rel, false) {
			*out = append(*out, rel)
		}
	}
	return nil
}
