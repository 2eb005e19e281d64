package gitstate

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// fullNotesRef accepts "refs/notes/fcgit" or the short "fcgit".
func fullNotesRef(ref string) string {
	if strings.HasPrefix(ref, "refs/") {
		return ref
	}
	return "refs/notes/" + ref
}

// ReadNote returns the note attached to commit in notesRef. Notes trees
// written by git may fan out ("ab/cdef…", deeper for large note sets); any
// level is found.
func (r *Repo) ReadNote(notesRef string, commit plumbing.Hash) ([]byte, bool, error) {
	ref := fullNotesRef(notesRef)
	tip, found, err := r.ResolveRef(ref)
	if err != nil || !found {
		return nil, false, err
	}
	c, err := r.ReadCommit(tip)
	if err != nil {
		return nil, false, fmt.Errorf("read note for %s in %s: %w", commit, ref, err)
	}
	blob, _, found, err := r.findNote(c.TreeHash, commit.String())
	if err != nil {
		return nil, false, fmt.Errorf("read note for %s in %s: %w", commit, ref, err)
	}
	if !found {
		return nil, false, nil
	}
	data, err := r.ReadBlob(blob)
	if err != nil {
		return nil, false, fmt.Errorf("read note for %s in %s: %w", commit, ref, err)
	}
	return data, true, nil
}

// findNote looks for the note of hexID in a notes tree, returning the blob
// and its path ("ab/cdef…").
func (r *Repo) findNote(tree plumbing.Hash, hexID string) (plumbing.Hash, string, bool, error) {
	es, err := r.ReadTree(tree)
	if err != nil {
		return plumbing.ZeroHash, "", false, err
	}
	for _, e := range es {
		if e.Name == hexID && e.Mode != filemode.Dir {
			return e.Hash, e.Name, true, nil
		}
	}
	if len(hexID) <= 2 {
		return plumbing.ZeroHash, "", false, nil
	}
	for _, e := range es {
		if e.Name == hexID[:2] && e.Mode == filemode.Dir {
			h, p, ok, err := r.findNote(e.Hash, hexID[2:])
			return h, e.Name + "/" + p, ok, err
		}
	}
	return plumbing.ZeroHash, "", false, nil
}

// fanoutDepth reports how many two-hex-digit directory levels a notes tree
// uses, judged from its first fan-out directories, so a note is added where
// git would look for it first.
func (r *Repo) fanoutDepth(tree plumbing.Hash) (int, error) {
	depth := 0
	for depth < 19 {
		es, err := r.ReadTree(tree)
		if err != nil {
			return 0, err
		}
		next := plumbing.ZeroHash
		for _, e := range es {
			if e.Mode == filemode.Dir && len(e.Name) == 2 && isHex(e.Name) {
				next = e.Hash
				break
			}
		}
		if next.IsZero() {
			return depth, nil
		}
		depth++
		tree = next
	}
	return depth, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// maxNoteAttempts bounds retries when another writer moves the notes ref
// between our read and our compare-and-swap.
const maxNoteAttempts = 5

// WriteNote attaches data to commit in notesRef (replacing any previous
// note), as a new notes commit whose parent is the previous notes commit, and
// moves the ref with UpdateRef. An identical note is left alone.
func (r *Repo) WriteNote(notesRef string, commit plumbing.Hash, data []byte, msg string) error {
	ref := fullNotesRef(notesRef)
	if msg == "" {
		msg = "Notes added by 'fcgit'"
	}
	var err error
	for attempt := 0; attempt < maxNoteAttempts; attempt++ {
		err = r.writeNoteOnce(ref, commit, data, msg)
		if !errors.Is(err, ErrRefChanged) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("write note for %s in %s: %w", commit, ref, err)
	}
	return nil
}

func (r *Repo) writeNoteOnce(ref string, commit plumbing.Hash, data []byte, msg string) error {
	tip, found, err := r.ResolveRef(ref)
	if err != nil {
		return err
	}
	root := plumbing.ZeroHash
	var parents []plumbing.Hash
	if found {
		c, err := r.ReadCommit(tip)
		if err != nil {
			return err
		}
		root = c.TreeHash
		parents = []plumbing.Hash{tip}
	}
	blob, err := r.StoreBlob(data)
	if err != nil {
		return err
	}
	hexID := commit.String()
	depth := 0
	if !root.IsZero() {
		old, oldPath, ok, err := r.findNote(root, hexID)
		if err != nil {
			return err
		}
		if ok && old == blob {
			return nil
		}
		if ok {
			// Drop the old note wherever it is before placing the new one.
			if root, err = r.replaceBlobAt(root, strings.Split(oldPath, "/"), plumbing.ZeroHash); err != nil {
				return err
			}
		}
		if !root.IsZero() {
			// (Replacing the only note leaves no tree to look at.)
			if depth, err = r.fanoutDepth(root); err != nil {
				return err
			}
		}
	}
	var path []string
	rest := hexID
	for i := 0; i < depth; i++ {
		path = append(path, rest[:2])
		rest = rest[2:]
	}
	path = append(path, rest)
	newRoot, err := r.replaceBlobAt(root, path, blob)
	if err != nil {
		return err
	}
	if newRoot.IsZero() {
		if newRoot, err = r.storeEmptyTree(); err != nil {
			return err
		}
	}
	// Notes are fcgit's records: they never need the user's identity.
	author, committer, err := r.RecordSignature()
	if err != nil {
		return err
	}
	nc, err := r.StoreCommit(CommitSpec{Tree: newRoot, Parents: parents, Message: msg, Author: author, Committer: committer})
	if err != nil {
		return err
	}
	return r.UpdateRef(ref, nc, tip, "notes: "+msg)
}

// replaceBlobAt sets (or with a zero blob removes) a blob at path under
// tree, returning the new tree (zero when it ends up empty).
func (r *Repo) replaceBlobAt(tree plumbing.Hash, path []string, blob plumbing.Hash) (plumbing.Hash, error) {
	var es []TreeEntry
	if !tree.IsZero() {
		var err error
		if es, err = r.ReadTree(tree); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	name := path[0]
	idx := -1
	for i, e := range es {
		if e.Name == name {
			idx = i
			break
		}
	}
	child := blob
	mode := filemode.Regular
	if len(path) > 1 {
		mode = filemode.Dir
		var sub plumbing.Hash
		if idx >= 0 && es[idx].Mode == filemode.Dir {
			sub = es[idx].Hash
		}
		var err error
		if child, err = r.replaceBlobAt(sub, path[1:], blob); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	if idx >= 0 {
		es = append(es[:idx:idx], es[idx+1:]...)
	}
	if !child.IsZero() {
		es = append(es, TreeEntry{Name: name, Mode: mode, Hash: child})
	}
	if len(es) == 0 {
		return plumbing.ZeroHash, nil
	}
	return r.StoreTree(es)
}
