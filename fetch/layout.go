package fetch

import (
	"fmt"
	"path"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/snapshot"
)

// Layout maps a commit's files to what one target deploys (its view), and
// what runs online back to the files, for a repository whose targets share
// the function and domain files and keep what differs in an overlay each
// (snapshot.Overlay). Every commit fcgit stores, on the online branches
// too, has the repository's layout, so that git merges them as any other
// commits; every comparison with online state is made on views.
type Layout struct {
	// Target names the target; Overlay is its overlay file (path in the
	// repository).
	Target, Overlay string
	// InScope reports whether the target manages a function: the files of
	// the others are the other targets', and recording online state keeps
	// them as they are.
	InScope func(string) bool

	mu    sync.Mutex
	views map[[3]plumbing.Hash][2]plumbing.Hash
	decs  map[plumbing.Hash]*decodedOverlay
}

type decodedOverlay struct {
	o        *snapshot.Overlay
	problems snapshot.Problems
}

// NewLayout is the layout of a target with an overlay file.
func NewLayout(target, overlay string, inScope func(string) bool) *Layout {
	return &Layout{Target: target, Overlay: overlay, InScope: inScope,
		views: map[[3]plumbing.Hash][2]plumbing.Hash{}, decs: map[plumbing.Hash]*decodedOverlay{}}
}

// Managed returns the managed directory and the domains directory of a
// commit's root tree as the branch's target deploys them (zero when
// absent).
func (b Branch) Managed(repo *gitstate.Repo, root plumbing.Hash) (functions, domains plumbing.Hash, err error) {
	if functions, err = managedOf(repo, root, b.Dir); err != nil {
		return
	}
	if b.DomainsDir != "" {
		if domains, err = managedOf(repo, root, b.DomainsDir); err != nil {
			return
		}
	}
	if b.Layout == nil {
		return
	}
	return b.Layout.view(repo, b, root, functions, domains)
}

// ManagedFunctions is Managed's managed directory alone.
func (b Branch) ManagedFunctions(repo *gitstate.Repo, root plumbing.Hash) (plumbing.Hash, error) {
	f, _, err := b.Managed(repo, root)
	return f, err
}

// OverlayProblems returns the problems of the overlay file of a commit
// (nil when it reads cleanly or there is none).
func (b Branch) OverlayProblems(repo *gitstate.Repo, root plumbing.Hash) (snapshot.Problems, error) {
	if b.Layout == nil {
		return nil, nil
	}
	d, _, err := b.Layout.overlayAt(repo, root)
	if err != nil || d == nil {
		return nil, err
	}
	return d.problems, nil
}

// Unview returns root with the target's view of the managed directories
// (functions, domains; zero = empty) written back in the repository's
// layout: the shared files as root has them, what differs in the
// target's overlay, code and new or deleted functions in the shared
// directories. Without a layout it replaces the directories.
func (b Branch) Unview(repo *gitstate.Repo, root, functions, domains plumbing.Hash) (plumbing.Hash, error) {
	if root.IsZero() {
		root = gitstate.EmptyTree
	}
	if b.Layout == nil {
		out, err := repo.ReplaceSubtree(root, b.Dir, functions)
		if err != nil || b.DomainsDir == "" {
			return out, err
		}
		return repo.ReplaceSubtree(out, b.DomainsDir, domains)
	}
	return b.Layout.unview(repo, b, root, functions, domains)
}

func (l *Layout) overlayAt(repo *gitstate.Repo, root plumbing.Hash) (*decodedOverlay, plumbing.Hash, error) {
	e, ok, err := repo.TreeEntryAt(root, l.Overlay)
	if err != nil || !ok || !e.Mode.IsFile() {
		return nil, plumbing.ZeroHash, err
	}
	l.mu.Lock()
	d, cached := l.decs[e.Hash]
	l.mu.Unlock()
	if cached {
		return d, e.Hash, nil
	}
	data, err := repo.ReadBlob(e.Hash)
	if err != nil {
		return nil, plumbing.ZeroHash, err
	}
	o, problems := snapshot.DecodeOverlay(l.Overlay, data)
	if o == nil {
		o = &snapshot.Overlay{Functions: map[string]*snapshot.OverlayEntry{}, Domains: map[string]*snapshot.OverlayEntry{}}
	}
	d = &decodedOverlay{o: o, problems: problems}
	l.mu.Lock()
	l.decs[e.Hash] = d
	l.mu.Unlock()
	return d, e.Hash, nil
}

func (l *Layout) view(repo *gitstate.Repo, b Branch, root, functions, domains plumbing.Hash) (plumbing.Hash, plumbing.Hash, error) {
	d, oh, err := l.overlayAt(repo, root)
	if err != nil || d == nil {
		return functions, domains, err
	}
	key := [3]plumbing.Hash{functions, domains, oh}
	l.mu.Lock()
	v, ok := l.views[key]
	l.mu.Unlock()
	if ok {
		return v[0], v[1], nil
	}
	fv, err := l.viewFunctions(repo, b, functions, d.o)
	if err != nil {
		return plumbing.ZeroHash, plumbing.ZeroHash, fmt.Errorf("%s: %w", l.Overlay, err)
	}
	dv, err := l.viewDomains(repo, b, domains, d.o)
	if err != nil {
		return plumbing.ZeroHash, plumbing.ZeroHash, fmt.Errorf("%s: %w", l.Overlay, err)
	}
	l.mu.Lock()
	l.views[key] = [2]plumbing.Hash{fv, dv}
	l.mu.Unlock()
	return fv, dv, nil
}

// viewFunctions applies the overlay to the function files it names.
func (l *Layout) viewFunctions(repo *gitstate.Repo, b Branch, tree plumbing.Hash, o *snapshot.Overlay) (plumbing.Hash, error) {
	if tree.IsZero() || len(o.Functions) == 0 {
		return tree, nil
	}
	entries, err := repo.ReadTree(tree)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	changed := false
	for i, e := range entries {
		oe := o.Functions[e.Name]
		if e.Mode != filemode.Dir || oe.Empty() {
			continue
		}
		nd, err := rewriteFunctionFile(repo, b.Dir, e, func(st *snapshot.State) (*snapshot.State, error) {
			return snapshot.ApplyOverlay(st, oe), nil
		})
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if nd.IsZero() {
			continue // a file that does not decode is reported where it is read
		}
		entries[i].Hash = nd
		changed = true
	}
	if !changed {
		return tree, nil
	}
	return repo.StoreTree(entries)
}

// rewriteFunctionFile returns a function directory with its function.toml
// turned by change (zero: left as it is).
func rewriteFunctionFile(repo *gitstate.Repo, dir string, e gitstate.TreeEntry, change func(*snapshot.State) (*snapshot.State, error)) (plumbing.Hash, error) {
	files, err := repo.ReadTree(e.Hash)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	for i, f := range files {
		if f.Name != "function.toml" {
			continue
		}
		data, err := repo.ReadBlob(f.Hash)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		st, problems := snapshot.DecodeAll(path.Join(dir, e.Name, "function.toml"), data, e.Name)
		if st == nil || len(problems) > 0 {
			return plumbing.ZeroHash, nil
		}
		next, err := change(st)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		text, err := snapshot.Encode(next, st)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if files[i].Hash, err = repo.StoreBlob(text); err != nil {
			return plumbing.ZeroHash, err
		}
		return repo.StoreTree(files)
	}
	return plumbing.ZeroHash, nil
}

// viewDomains applies the overlay to the domain files it names.
func (l *Layout) viewDomains(repo *gitstate.Repo, b Branch, tree plumbing.Hash, o *snapshot.Overlay) (plumbing.Hash, error) {
	if tree.IsZero() || len(o.Domains) == 0 {
		return tree, nil
	}
	entries, err := repo.ReadTree(tree)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	changed := false
	kept := entries[:0:0]
	for i, e := range entries {
		name := snapshot.DomainOfFile(e.Name)
		oe := o.Domains[name]
		if oe != nil && oe.Skip {
			changed = true // another target's domain: not in this view
			continue
		}
		kept = append(kept, entries[i])
		if name == "" || !e.Mode.IsFile() || oe.Empty() {
			continue
		}
		i := len(kept) - 1
		data, err := repo.ReadBlob(e.Hash)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		st, problems := snapshot.DecodeDomainAll(path.Join(b.DomainsDir, e.Name), data, name)
		if st == nil || len(problems) > 0 {
			continue
		}
		text, err := snapshot.EncodeDomain(snapshot.ApplyDomainOverlay(st, oe), st)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if kept[i].Hash, err = repo.StoreBlob(text); err != nil {
			return plumbing.ZeroHash, err
		}
		changed = true
	}
	if !changed {
		return tree, nil
	}
	if len(kept) == 0 {
		return plumbing.ZeroHash, nil
	}
	return repo.StoreTree(kept)
}

// unview writes the target's view back into the repository's layout.
func (l *Layout) unview(repo *gitstate.Repo, b Branch, root, functions, domains plumbing.Hash) (plumbing.Hash, error) {
	d, _, err := l.overlayAt(repo, root)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	o := &snapshot.Overlay{Functions: map[string]*snapshot.OverlayEntry{}, Domains: map[string]*snapshot.OverlayEntry{}}
	if d != nil {
		for k, v := range d.o.Functions {
			o.Functions[k] = v
		}
		for k, v := range d.o.Domains {
			o.Domains[k] = v
		}
	}
	sharedF, err := managedOf(repo, root, b.Dir)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	newF, err := l.unviewFunctions(repo, b, sharedF, functions, o)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	out, err := repo.ReplaceSubtree(root, b.Dir, newF)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if b.DomainsDir != "" {
		sharedD, err := managedOf(repo, root, b.DomainsDir)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		newD, err := l.unviewDomains(repo, b, sharedD, domains, o)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if out, err = repo.ReplaceSubtree(out, b.DomainsDir, newD); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	text, err := o.Encode(l.Target)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if len(o.Functions) == 0 && len(o.Domains) == 0 && d == nil {
		return out, nil
	}
	blob, err := repo.StoreBlob(text)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return putFile(repo, out, l.Overlay, blob)
}

// putFile returns root with a regular file at p (in a directory that
// may not exist yet).
func putFile(repo *gitstate.Repo, root plumbing.Hash, p string, blob plumbing.Hash) (plumbing.Hash, error) {
	dir, name := path.Split(p)
	dir = path.Clean(dir)
	var entries []gitstate.TreeEntry
	if dir != "." {
		sub, err := managedOf(repo, root, dir)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if !sub.IsZero() {
			if entries, err = repo.ReadTree(sub); err != nil {
				return plumbing.ZeroHash, err
			}
		}
	} else {
		var err error
		if entries, err = repo.ReadTree(root); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	kept := entries[:0]
	for _, e := range entries {
		if e.Name != name {
			kept = append(kept, e)
		}
	}
	kept = append(kept, gitstate.TreeEntry{Name: name, Mode: filemode.Regular, Hash: blob})
	sub, err := repo.StoreTree(kept)
	if err != nil || dir == "." {
		return sub, err
	}
	return repo.ReplaceSubtree(root, dir, sub)
}

// sharedAndView reads the shared tree, by name, and the target's view of
// it (either may be zero: none).
func sharedAndView(repo *gitstate.Repo, shared, view plumbing.Hash) (map[string]gitstate.TreeEntry, []gitstate.TreeEntry, error) {
	sharedEntries := map[string]gitstate.TreeEntry{}
	if !shared.IsZero() {
		list, err := repo.ReadTree(shared)
		if err != nil {
			return nil, nil, err
		}
		for _, e := range list {
			sharedEntries[e.Name] = e
		}
	}
	if view.IsZero() {
		return sharedEntries, nil, nil
	}
	viewEntries, err := repo.ReadTree(view)
	return sharedEntries, viewEntries, err
}

func (l *Layout) unviewFunctions(repo *gitstate.Repo, b Branch, shared, view plumbing.Hash, o *snapshot.Overlay) (plumbing.Hash, error) {
	sharedEntries, viewEntries, err := sharedAndView(repo, shared, view)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	out := map[string]gitstate.TreeEntry{}
	inView := map[string]bool{}
	for _, e := range viewEntries {
		inView[e.Name] = true
		s, hasShared := sharedEntries[e.Name]
		if e.Mode != filemode.Dir || !hasShared || s.Mode != filemode.Dir {
			out[e.Name] = e // a file beside the functions, or a function new here
			delete(o.Functions, e.Name)
			continue
		}
		dir, entry, err := unviewFunction(repo, b.Dir, s, e)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		out[e.Name] = dir
		if entry.Empty() {
			delete(o.Functions, e.Name)
		} else {
			o.Functions[e.Name] = entry
		}
	}
	for name, s := range sharedEntries {
		if inView[name] {
			continue
		}
		if s.Mode == filemode.Dir && l.InScope != nil && l.InScope(name) {
			// Deleted online: it goes, with its overlay entry.
			delete(o.Functions, name)
			continue
		}
		out[name] = s // another target's, or a file beside the functions
	}
	list := make([]gitstate.TreeEntry, 0, len(out))
	for _, e := range out {
		list = append(list, e)
	}
	if len(list) == 0 {
		return plumbing.ZeroHash, nil
	}
	return repo.StoreTree(list)
}

// unviewFunction returns a function's shared directory with the view's
// code, and the overlay entry turning its shared file into the view's.
func unviewFunction(repo *gitstate.Repo, dir string, shared, view gitstate.TreeEntry) (gitstate.TreeEntry, *snapshot.OverlayEntry, error) {
	read := func(e gitstate.TreeEntry) (map[string]gitstate.TreeEntry, *snapshot.State, error) {
		files := map[string]gitstate.TreeEntry{}
		list, err := repo.ReadTree(e.Hash)
		if err != nil {
			return nil, nil, err
		}
		var st *snapshot.State
		for _, f := range list {
			files[f.Name] = f
			if f.Name == "function.toml" {
				data, err := repo.ReadBlob(f.Hash)
				if err != nil {
					return nil, nil, err
				}
				if s, problems := snapshot.DecodeAll(path.Join(dir, e.Name, "function.toml"), data, e.Name); len(problems) == 0 {
					st = s
				}
			}
		}
		return files, st, nil
	}
	sf, ss, err := read(shared)
	if err != nil {
		return gitstate.TreeEntry{}, nil, err
	}
	vf, vs, err := read(view)
	if err != nil {
		return gitstate.TreeEntry{}, nil, err
	}
	if ss == nil || vs == nil {
		// A shared file that does not decode: the view replaces it.
		return view, nil, nil
	}
	entry := snapshot.OverlayBetween(ss, vs)
	delete(sf, "code")
	if c, ok := vf["code"]; ok {
		sf["code"] = c
	}
	list := make([]gitstate.TreeEntry, 0, len(sf))
	for _, f := range sf {
		list = append(list, f)
	}
	h, err := repo.StoreTree(list)
	if err != nil {
		return gitstate.TreeEntry{}, nil, err
	}
	return gitstate.TreeEntry{Name: shared.Name, Mode: filemode.Dir, Hash: h}, entry, nil
}

func (l *Layout) unviewDomains(repo *gitstate.Repo, b Branch, shared, view plumbing.Hash, o *snapshot.Overlay) (plumbing.Hash, error) {
	sharedEntries, viewEntries, err := sharedAndView(repo, shared, view)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	decode := func(e gitstate.TreeEntry, name string) *snapshot.State {
		data, err := repo.ReadBlob(e.Hash)
		if err != nil {
			return nil
		}
		st, problems := snapshot.DecodeDomainAll(path.Join(b.DomainsDir, e.Name), data, name)
		if len(problems) > 0 {
			return nil
		}
		return st
	}
	out := map[string]gitstate.TreeEntry{}
	inView := map[string]bool{}
	for _, e := range viewEntries {
		inView[e.Name] = true
		name := snapshot.DomainOfFile(e.Name)
		s, hasShared := sharedEntries[e.Name]
		if name == "" || !hasShared {
			out[e.Name] = e
			if oe := o.Domains[name]; oe == nil || !oe.Skip {
				delete(o.Domains, name)
			}
			continue
		}
		ss, vs := decode(s, name), decode(e, name)
		if ss == nil || vs == nil {
			out[e.Name] = e
			delete(o.Domains, name)
			continue
		}
		out[e.Name] = s
		if entry := snapshot.DomainOverlayBetween(ss, vs); entry.Empty() {
			delete(o.Domains, name)
		} else {
			o.Domains[name] = entry
		}
	}
	for file, s := range sharedEntries {
		if inView[file] {
			continue
		}
		if oe := o.Domains[snapshot.DomainOfFile(file)]; oe != nil && oe.Skip {
			out[file] = s // another target's
			continue
		}
		// A domain routing to this target's functions is this target's:
		// not online, it was deleted. The others are other targets'.
		if name := snapshot.DomainOfFile(file); name != "" {
			if st := decode(s, name); st != nil && l.InScope != nil && DomainInScope(st, l.InScope) {
				delete(o.Domains, name)
				continue
			}
		}
		out[file] = s
	}
	list := make([]gitstate.TreeEntry, 0, len(out))
	for _, e := range out {
		list = append(list, e)
	}
	if len(list) == 0 {
		return plumbing.ZeroHash, nil
	}
	return repo.StoreTree(list)
}
