package gitstate

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// EmptyTree is the id of the tree with no entries. Operations that produce it
// also store it, so it can be used as any other tree.
var EmptyTree = mustHex("4b825dc642cb6eb9a060e54bf8d69288fbee4904")

// TreeEntry is one entry of a tree object.
type TreeEntry struct {
	Name string
	Mode filemode.FileMode
	Hash plumbing.Hash
}

// storableModes are the modes git writes (fsck --strict rejects others).
var storableModes = map[filemode.FileMode]bool{
	filemode.Dir:        true,
	filemode.Regular:    true,
	filemode.Executable: true,
	filemode.Symlink:    true,
	filemode.Submodule:  true,
}

// StoreTree writes a tree of entries, sorting them the way git does (a tree
// sorts as name+"/"). It rejects empty names, names with "/" or NUL, ".",
// "..", ".git", duplicates and modes git would not write.
func (r *Repo) StoreTree(entries []TreeEntry) (plumbing.Hash, error) {
	sorted := append([]TreeEntry(nil), entries...)
	for _, e := range sorted {
		if err := validateEntryName(e.Name); err != nil {
			return plumbing.ZeroHash, fmt.Errorf("store tree: %w", err)
		}
		if !storableModes[e.Mode] {
			return plumbing.ZeroHash, fmt.Errorf("store tree: entry %q has mode %o, which git does not write", e.Name, uint32(e.Mode))
		}
		if e.Hash.IsZero() {
			return plumbing.ZeroHash, fmt.Errorf("store tree: entry %q has a zero hash", e.Name)
		}
	}
	sortTreeEntries(sorted)
	for i := 1; i < len(sorted); i++ {
		if sorted[i].Name == sorted[i-1].Name {
			return plumbing.ZeroHash, fmt.Errorf("store tree: duplicate entry %q", sorted[i].Name)
		}
	}
	// A file and a directory of the same name sort apart; git still rejects them.
	names := make(map[string]bool, len(sorted))
	for _, e := range sorted {
		if names[e.Name] {
			return plumbing.ZeroHash, fmt.Errorf("store tree: duplicate entry %q", e.Name)
		}
		names[e.Name] = true
	}
	data := encodeTree(sorted)
	h, err := r.storeObject(plumbing.TreeObject, data)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("store tree: %w", err)
	}
	return h, nil
}

func validateEntryName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty entry name")
	case strings.ContainsAny(name, "/\x00"):
		return fmt.Errorf("entry name %q contains '/' or NUL", name)
	case name == "." || name == "..":
		return fmt.Errorf("entry name %q is not allowed", name)
	case strings.EqualFold(name, ".git"):
		return fmt.Errorf("entry name %q is reserved by git", name)
	}
	return nil
}

// sortTreeEntries orders entries as git's base_name_compare: byte order,
// with a directory compared as if its name ended in "/".
func sortTreeEntries(es []TreeEntry) {
	sort.SliceStable(es, func(i, j int) bool {
		return treeEntryLess(es[i].Name, es[i].Mode == filemode.Dir, es[j].Name, es[j].Mode == filemode.Dir)
	})
}

func treeEntryLess(a string, aDir bool, b string, bDir bool) bool {
	n := min(len(a), len(b))
	if c := strings.Compare(a[:n], b[:n]); c != 0 {
		return c < 0
	}
	return nextSortByte(a, n, aDir) < nextSortByte(b, n, bDir)
}

func nextSortByte(name string, n int, isDir bool) byte {
	if n < len(name) {
		return name[n]
	}
	if isDir {
		return '/'
	}
	return 0
}

func encodeTree(es []TreeEntry) []byte {
	var b bytes.Buffer
	for _, e := range es {
		b.WriteString(strconv.FormatUint(uint64(e.Mode), 8))
		b.WriteByte(' ')
		b.WriteString(e.Name)
		b.WriteByte(0)
		b.Write(e.Hash[:])
	}
	return b.Bytes()
}

// ReadTree returns the entries of tree h in stored order. The slice is the
// caller's to change.
func (r *Repo) ReadTree(h plumbing.Hash) ([]TreeEntry, error) {
	t, err := r.tree(h)
	if err != nil {
		return nil, err
	}
	return append([]TreeEntry(nil), t.entries...), nil
}

// tree returns tree h decoded, from the cache when it holds it. The result
// is shared: never modify it.
func (r *Repo) tree(h plumbing.Hash) (*cachedTree, error) {
	if h == EmptyTree {
		return &cachedTree{hash: h}, nil // git knows this tree without storing it
	}
	if t, ok := r.trees.Get(h); ok {
		return t, nil
	}
	data, err := r.readObjectBytes(plumbing.TreeObject, h)
	if err != nil {
		return nil, fmt.Errorf("read tree %s: %w", h, err)
	}
	es, err := decodeTree(data)
	if err != nil {
		return nil, fmt.Errorf("read tree %s: %w", h, err)
	}
	return r.trees.Add(h, newCachedTree(h, es)), nil
}

// decodeTree parses a tree object. The entries' names share one string (one
// allocation per tree, not per entry).
func decodeTree(data []byte) ([]TreeEntry, error) {
	s := string(data)
	es := make([]TreeEntry, 0, len(s)/32+1)
	for len(s) > 0 {
		sp := strings.IndexByte(s, ' ')
		if sp < 0 {
			return nil, fmt.Errorf("malformed tree entry (no mode)")
		}
		mode, err := strconv.ParseUint(s[:sp], 8, 32)
		if err != nil {
			return nil, fmt.Errorf("malformed tree entry mode %q", s[:sp])
		}
		s = s[sp+1:]
		nul := strings.IndexByte(s, 0)
		if nul < 0 || len(s) < nul+1+20 {
			return nil, fmt.Errorf("malformed tree entry (truncated)")
		}
		e := TreeEntry{Name: s[:nul], Mode: filemode.FileMode(mode)}
		copy(e.Hash[:], s[nul+1:nul+21])
		es = append(es, e)
		s = s[nul+21:]
	}
	return es, nil
}

// storeEmptyTree makes sure the empty tree object exists (git knows it
// implicitly, go-git and other tools do not).
func (r *Repo) storeEmptyTree() (plumbing.Hash, error) {
	return r.StoreTree(nil)
}
