// Package merge merges three trees the way `git merge` does (base = merge
// base, ours = HEAD, theirs = the online branch), with a key-level merge for
// function.toml files and git's text merge for everything else. It reads and
// writes git objects only; what to do with conflicts is the caller's business.
package merge

import (
	"fmt"
	"path"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/merge/textmerge"
)

// Store is the object access a tree merge needs.
type Store interface {
	ReadTree(h plumbing.Hash) ([]gitstate.TreeEntry, error)
	ReadBlob(h plumbing.Hash) ([]byte, error)
	StoreBlob(data []byte) (plumbing.Hash, error)
	StoreTree(entries []gitstate.TreeEntry) (plumbing.Hash, error)
}

// FileMerger merges one file's contents in place of the text merge; it
// returns handled=false to leave the file to the text merge. The TOML merge of
// function.toml plugs in here.
type FileMerger func(p string, base, ours, theirs []byte, opts textmerge.Options) (res FileResult, handled bool)

// FileResult is a merged file: its content (with markers when conflicted),
// and what conflicted, for the summary (e.g. keys of function.toml).
type FileResult struct {
	Content   []byte
	Conflicts []string // empty when clean
}

// Options tune a merge.
type Options struct {
	Text      textmerge.Options // labels, style, favour (-X ours|theirs)
	MergeFile FileMerger        // optional
	// MarkerSize, when set, gives a path's conflict-marker-size attribute
	// (0 = unset), as git reads it from the work tree's .gitattributes.
	MarkerSize func(path string) int
}

// Entry is one side of a path: a mode and an object.
type Entry struct {
	Mode filemode.FileMode
	Hash plumbing.Hash
}

// Conflict is a path the merge could not resolve. Stages are nil where that
// side has no such path. Worktree is what git leaves in the work tree (markers
// for text, ours for binary, the surviving side for modify/delete).
type Conflict struct {
	Path         string
	Kind         string // "content", "add/add", "modify/delete", "delete/modify", "binary", "mode", "symlink", "submodule"
	Base         *Entry
	Ours         *Entry
	Theirs       *Entry
	Worktree     []byte
	WorktreeMode filemode.FileMode
	Details      []string // e.g. conflicting keys of a function.toml
}

// Result is a merged tree. Tree holds every clean path with its merged
// content and, at conflicted paths, ours (absent when ours is absent): it is
// what the index holds at stage 0 once conflicts are set aside, and the merge
// commit's tree when Conflicts is empty.
type Result struct {
	Tree      plumbing.Hash
	Conflicts []Conflict
	// Merged lists paths whose content was merged from both sides, for output.
	Merged []string
}

// Clean reports whether the merge left no conflicts.
func (r *Result) Clean() bool { return len(r.Conflicts) == 0 }

// Trees merges ours and theirs against base. A zero base is the empty tree
// (unrelated histories: every path both sides have is an add/add).
func Trees(s Store, base, ours, theirs plumbing.Hash, opts Options) (*Result, error) {
	m := &treeMerger{s: s, opts: opts, res: &Result{}}
	h, err := m.mergeDir("", base, ours, theirs)
	if err != nil {
		return nil, err
	}
	if h.IsZero() {
		if h, err = s.StoreTree(nil); err != nil {
			return nil, err
		}
	}
	m.res.Tree = h
	sort.Slice(m.res.Conflicts, func(i, j int) bool { return m.res.Conflicts[i].Path < m.res.Conflicts[j].Path })
	return m.res, nil
}

type treeMerger struct {
	s    Store
	opts Options
	res  *Result
}

func (m *treeMerger) readDir(h plumbing.Hash) (map[string]gitstate.TreeEntry, error) {
	out := map[string]gitstate.TreeEntry{}
	if h.IsZero() {
		return out, nil
	}
	entries, err := m.s.ReadTree(h)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		out[e.Name] = e
	}
	return out, nil
}

// mergeDir merges three directories (zero hash = absent) and returns the
// merged directory's tree, zero when it ends up empty.
func (m *treeMerger) mergeDir(dir string, base, ours, theirs plumbing.Hash) (plumbing.Hash, error) {
	if ours == theirs {
		return ours, nil
	}
	if base == ours {
		return theirs, nil
	}
	if base == theirs {
		return ours, nil
	}
	b, err := m.readDir(base)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	o, err := m.readDir(ours)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	t, err := m.readDir(theirs)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	names := map[string]bool{}
	for _, set := range []map[string]gitstate.TreeEntry{b, o, t} {
		for n := range set {
			names[n] = true
		}
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	var out []gitstate.TreeEntry
	for _, name := range sorted {
		p := path.Join(dir, name)
		be, bok := b[name]
		oe, ook := o[name]
		te, tok := t[name]
		e, ok, err := m.mergeEntry(p, side(be, bok), side(oe, ook), side(te, tok))
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if ok {
			out = append(out, gitstate.TreeEntry{Name: name, Mode: e.Mode, Hash: e.Hash})
		}
	}
	if len(out) == 0 {
		return plumbing.ZeroHash, nil
	}
	return m.s.StoreTree(out)
}

func side(e gitstate.TreeEntry, ok bool) *Entry {
	if !ok {
		return nil
	}
	return &Entry{Mode: e.Mode, Hash: e.Hash}
}

func same(a, b *Entry) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func isDir(e *Entry) bool { return e != nil && e.Mode == filemode.Dir }

func hashOf(e *Entry) plumbing.Hash {
	if e == nil {
		return plumbing.ZeroHash
	}
	return e.Hash
}

// mergeEntry merges one path. It returns the entry for the result tree and
// whether there is one.
func (m *treeMerger) mergeEntry(p string, b, o, t *Entry) (Entry, bool, error) {
	pick := func(e *Entry) (Entry, bool, error) {
		if e == nil {
			return Entry{}, false, nil
		}
		return *e, true, nil
	}
	switch {
	case same(o, t):
		return pick(o)
	case same(b, o):
		return pick(t)
	case same(b, t):
		return pick(o)
	}
	// Both sides changed the path, differently.
	if isDir(b) || isDir(o) || isDir(t) {
		return m.mergeFileAndDir(p, b, o, t)
	}
	if o == nil || t == nil {
		return m.modifyDelete(p, b, o, t)
	}
	if kindOf(o.Mode) != kindOf(t.Mode) {
		// Git records both by renaming one to <path>~<branch>
		// ("CONFLICT (distinct types)"); fcgit does not invent paths.
		return Entry{}, false, fmt.Errorf("%s: a %s on one side is a %s on the other; fcgit cannot merge that: resolve it with git (git merge %s)",
			p, kindOf(o.Mode), kindOf(t.Mode), m.opts.Text.TheirsLabel)
	}
	return m.mergeFile(p, b, o, t)
}

// mergeFileAndDir merges a name that is a directory on at least one side.
// Like git, it merges the file and the directory at that name as two
// separate paths: a file deleted on one side and replaced by a directory on
// the other is a clean merge. Only when both a file and a non-empty directory
// survive is there a file/directory conflict, which git resolves by moving
// the file to <path>~<branch>; fcgit does not invent paths and refuses.
func (m *treeMerger) mergeFileAndDir(p string, b, o, t *Entry) (Entry, bool, error) {
	split := func(e *Entry) (file, dir *Entry) {
		if isDir(e) {
			return nil, e
		}
		return e, nil
	}
	bf, bd := split(b)
	of, od := split(o)
	tf, td := split(t)
	dir, err := m.mergeDir(p, hashOf(bd), hashOf(od), hashOf(td))
	if err != nil {
		return Entry{}, false, err
	}
	before := len(m.res.Conflicts)
	f, fileKept, err := m.mergeEntry(p, bf, of, tf)
	if err != nil {
		return Entry{}, false, err
	}
	fileStays := fileKept || len(m.res.Conflicts) > before
	switch {
	case !dir.IsZero() && fileStays:
		return Entry{}, false, fmt.Errorf("%s: a file on one side is a directory on the other; fcgit cannot merge that: resolve it with git (git merge %s)", p, m.opts.Text.TheirsLabel)
	case !dir.IsZero():
		return Entry{Mode: filemode.Dir, Hash: dir}, true, nil
	}
	return f, fileKept, nil
}

// kindOf names what a non-directory mode holds; git merges contents only
// between entries of the same kind.
func kindOf(m filemode.FileMode) string {
	switch m {
	case filemode.Symlink:
		return "symlink"
	case filemode.Submodule:
		return "submodule"
	}
	return "file"
}

// modifyDelete: one side deleted what the other changed. Git keeps the
// changed version in the work tree and records the stages it has.
func (m *treeMerger) modifyDelete(p string, b, o, t *Entry) (Entry, bool, error) {
	c := Conflict{Path: p, Base: b, Ours: o, Theirs: t}
	kept := o
	if o == nil {
		c.Kind = "delete/modify" // deleted in ours (HEAD), modified in theirs
		kept = t
	} else {
		c.Kind = "modify/delete"
	}
	data, err := m.s.ReadBlob(kept.Hash)
	if err != nil {
		return Entry{}, false, err
	}
	c.Worktree, c.WorktreeMode = data, kept.Mode
	m.res.Conflicts = append(m.res.Conflicts, c)
	if o == nil {
		return Entry{}, false, nil
	}
	return *o, true, nil
}

func (m *treeMerger) mergeFile(p string, b, o, t *Entry) (Entry, bool, error) {
	// The mode merges like a one-line file.
	mode, modeOK := o.Mode, true
	switch {
	case o.Mode == t.Mode:
	case b != nil && b.Mode == o.Mode:
		mode = t.Mode
	case b != nil && b.Mode == t.Mode:
	default:
		modeOK = false
	}
	kind := "content"
	if b == nil {
		kind = "add/add"
	}
	conflict := func(kind string, worktree []byte, details []string) (Entry, bool, error) {
		m.res.Conflicts = append(m.res.Conflicts, Conflict{Path: p, Kind: kind, Base: b, Ours: o, Theirs: t,
			Worktree: worktree, WorktreeMode: mode, Details: details})
		return *o, true, nil
	}
	if o.Mode == filemode.Submodule {
		return conflict("submodule", nil, nil)
	}
	if o.Mode == filemode.Symlink {
		// Both are symlinks (mergeEntry refuses mixed kinds) with different
		// targets: git does not merge link targets. Ours stays unless a side
		// is favoured, as in merge-ort's handle_content_merge.
		switch m.opts.Text.Favor {
		case textmerge.FavorOurs:
			return *o, true, nil
		case textmerge.FavorTheirs:
			return *t, true, nil
		}
		data, err := m.s.ReadBlob(o.Hash)
		if err != nil {
			return Entry{}, false, err
		}
		return conflict("symlink", data, nil)
	}
	if o.Hash == t.Hash {
		if !modeOK {
			data, err := m.s.ReadBlob(o.Hash)
			if err != nil {
				return Entry{}, false, err
			}
			return conflict("mode", data, nil)
		}
		return Entry{Mode: mode, Hash: o.Hash}, true, nil
	}
	var base []byte
	if b != nil {
		var err error
		if base, err = m.s.ReadBlob(b.Hash); err != nil {
			return Entry{}, false, err
		}
	}
	ours, err := m.s.ReadBlob(o.Hash)
	if err != nil {
		return Entry{}, false, err
	}
	theirs, err := m.s.ReadBlob(t.Hash)
	if err != nil {
		return Entry{}, false, err
	}
	var content []byte
	var details []string
	clean := false
	handled := false
	topts := m.opts.Text
	if m.opts.MarkerSize != nil {
		if n := m.opts.MarkerSize(p); n > 0 {
			topts.MarkerSize = n
		}
	}
	if m.opts.MergeFile != nil {
		var fr FileResult
		if fr, handled = m.opts.MergeFile(p, base, ours, theirs, topts); handled {
			content, details, clean = fr.Content, fr.Conflicts, len(fr.Conflicts) == 0
		}
	}
	if !handled {
		r := textmerge.Merge(base, ours, theirs, topts)
		content, clean = r.Content, r.Conflicts == 0
		if r.Binary && !clean {
			return conflict("binary", ours, nil)
		}
	}
	if !clean {
		return conflict(kind, content, details)
	}
	h, err := m.s.StoreBlob(content)
	if err != nil {
		return Entry{}, false, err
	}
	if !modeOK {
		return conflict("mode", content, nil)
	}
	if b == nil || (b.Hash != o.Hash && b.Hash != t.Hash) {
		// Content came from both sides (git's "Auto-merging"), not just
		// from the one side that changed it.
		m.res.Merged = append(m.res.Merged, p)
	}
	return Entry{Mode: mode, Hash: h}, true, nil
}
