package fetch

import (
	"fmt"
	"path"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/internal/lru"
	"github.com/fcgit/fcgit/snapshot"
)

// A Loader decodes function directories and remembers them by tree: HEAD,
// the online branch's tip and the base a read compares with hold, almost
// always, the same versions of the same functions, and a status or push of
// 10,000 functions decoded each function.toml four times over. With a Loader
// shared through Options.Loader each version is decoded once per command.
// A Loader serves one managed directory. Functions it returns are shared
// between callers: they are read, never changed. Safe for concurrent use.
type Loader struct {
	repo *gitstate.Repo
	dir  string // the managed directory, for the paths errors name

	// dirs are the directories decoded (nil: nothing is remembered),
	// bounded or not.
	dirs *lru.Cache[loaderKey, *loadedDir]
}

type loaderKey struct {
	name string
	tree plumbing.Hash
}

// loadedDir is what one function directory holds.
type loadedDir struct {
	fn *Function // nil when the directory holds no function.toml that is TOML
	// problems are function.toml's (file:line); fn, when there is one, is
	// as far as it decodes.
	problems snapshot.Problems
}

// NewLoader returns a Loader for the managed directory dir of repo that
// remembers everything it decodes for as long as it is kept: for commands
// that keep the functions they load anyway.
func NewLoader(repo *gitstate.Repo, dir string) *Loader {
	return &Loader{repo: repo, dir: dir, dirs: lru.New[loaderKey, *loadedDir](0, nil)}
}

// boundedLoader remembers the limit directories used last: a read looks
// at the base's version of a function and at HEAD's (Options.Declared) one
// right after the other, and they are mostly the same.
func boundedLoader(repo *gitstate.Repo, dir string, limit int) *Loader {
	return &Loader{repo: repo, dir: dir, dirs: lru.New[loaderKey, *loadedDir](limit, nil)}
}

// Repo is the repository the Loader reads.
func (l *Loader) Repo() *gitstate.Repo { return l.repo }

// loaderFor is l, or a Loader remembering nothing when l is nil.
func loaderFor(l *Loader, repo *gitstate.Repo, dir string) *Loader {
	if l != nil {
		return l
	}
	return &Loader{repo: repo, dir: dir}
}

// Functions is LoadFunctions through the Loader: the functions of a managed
// directory tree (zero = none), in a map of the caller's. A file with
// problems stops it, with every problem of every file.
func (l *Loader) Functions(tree plumbing.Hash) (map[string]*Function, error) {
	fns, problems, err := l.ReadFunctions(tree)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return fns, nil
}

// ReadFunctions is ReadFunctions through the Loader: every function as far
// as its file decodes, and the problems of all files, sorted by file and
// line.
func (l *Loader) ReadFunctions(tree plumbing.Hash) (map[string]*Function, snapshot.Problems, error) {
	out := map[string]*Function{}
	if tree.IsZero() {
		return out, nil, nil
	}
	entries, err := l.repo.ReadTree(tree)
	if err != nil {
		return nil, nil, err
	}
	var problems snapshot.Problems
	for _, e := range entries {
		if e.Mode != filemode.Dir {
			// Files beside the function directories (a README) are not functions.
			continue
		}
		d, err := l.load(e.Name, e.Hash)
		if err != nil {
			return nil, nil, err
		}
		problems = append(problems, d.problems...)
		if d.fn != nil {
			out[e.Name] = d.fn
		}
	}
	problems.Sort()
	return out, problems, nil
}

// function returns function name's directory tree decoded, nil when it is
// not a function or its function.toml has problems.
func (l *Loader) function(name string, tree plumbing.Hash) (*Function, error) {
	d, err := l.load(name, tree)
	if err != nil || len(d.problems) > 0 {
		return nil, err
	}
	return d.fn, nil
}

// load reads and decodes one function directory, or returns what it
// remembers of it. Errors are the repository's; what the directory holds,
// problems included, is in the result.
func (l *Loader) load(name string, tree plumbing.Hash) (*loadedDir, error) {
	key := loaderKey{name, tree}
	if d, ok := l.dirs.Get(key); ok {
		return d, nil
	}
	d := &loadedDir{}
	p := path.Join(l.dir, name, "function.toml")
	te, ok, err := l.repo.TreeEntryAt(tree, "function.toml")
	if err != nil {
		return nil, err
	}
	ce, hasCode, err := l.repo.TreeEntryAt(tree, "code")
	if err != nil {
		return nil, err
	}
	switch {
	case !ok && hasCode:
		// Notes left of a function deleted online are not a function;
		// code without its function.toml is a mistake.
		d.problems = snapshot.Problems{&snapshot.DecodeError{Path: p, Msg: fmt.Sprintf("missing: a directory under %s/ with code/ is a function and needs one", l.dir)}}
	case !ok:
	case te.Mode == filemode.Dir:
		d.problems = snapshot.Problems{&snapshot.DecodeError{Path: p, Msg: "a directory, not a file"}}
	default:
		fn := &Function{Name: name, Tree: tree}
		if fn.TOML, err = l.repo.ReadBlob(te.Hash); err != nil {
			return nil, err
		}
		// A state with problems is kept, for further checks only (never
		// to deploy); a file that is not TOML at all has none.
		if fn.State, d.problems = snapshot.DecodeAll(p, fn.TOML, name); fn.State != nil {
			if hasCode && ce.Mode == filemode.Dir {
				fn.CodeTree = ce.Hash
			}
			d.fn = fn
		}
	}
	return l.dirs.Add(key, d), nil
}
