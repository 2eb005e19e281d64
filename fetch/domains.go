package fetch

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/snapshot"
)

// DomainsClient is the part of the FC client reading custom domains.
type DomainsClient interface {
	ListCustomDomains(ctx context.Context, prefix string) ([]fc.Doc, error)
}

// Domain is a custom domain's state as a file of the domains directory.
type Domain struct {
	Name  string
	State *snapshot.State
	TOML  []byte
	Blob  plumbing.Hash
}

// DomainInScope reports whether this repository manages a domain: every
// route goes to a function in its scope (a domain routing elsewhere, or
// nowhere, belongs to someone else).
func DomainInScope(st *snapshot.State, inScope func(string) bool) bool {
	routes := snapshot.DomainRoutes(st)
	if len(routes) == 0 {
		return false
	}
	for _, fn := range routes {
		if inScope != nil && !inScope(fn) {
			return false
		}
	}
	return true
}

// LoadDomains reads the domain files of a domains directory tree (zero =
// none), decoded strictly: a broken file stops it with its file and line.
// Files whose names are no domain's are passed over: a record may hold
// them from before ReadHeadDomains refused them.
func LoadDomains(repo *gitstate.Repo, dir string, tree plumbing.Hash) (map[string]*Domain, error) {
	out, problems, err := readDomainFiles(repo, dir, tree, false)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return out, nil
}

// ReadHeadDomains reads the domain files of the commit push deploys (or
// status compares) as ReadFunctions reads its functions: every problem of
// every file at once, and the domains as far as they decode. A .toml file
// whose name is no domain name (notadomain.toml, a..b.com.toml) is a
// problem, never silently left out; other files (a README) are not
// domains and stay out.
func ReadHeadDomains(repo *gitstate.Repo, dir string, tree plumbing.Hash) (map[string]*Domain, snapshot.Problems, error) {
	return readDomainFiles(repo, dir, tree, true)
}

func readDomainFiles(repo *gitstate.Repo, dir string, tree plumbing.Hash, strictNames bool) (map[string]*Domain, snapshot.Problems, error) {
	out := map[string]*Domain{}
	if tree.IsZero() {
		return out, nil, nil
	}
	entries, err := repo.ReadTree(tree)
	if err != nil {
		return nil, nil, err
	}
	var problems snapshot.Problems
	for _, e := range entries {
		if e.Mode == filemode.Dir {
			continue
		}
		file := path.Join(dir, e.Name)
		name := snapshot.DomainOfFile(e.Name)
		if name == "" {
			if base, isTOML := strings.CutSuffix(e.Name, ".toml"); isTOML && strictNames {
				problems = append(problems, &snapshot.DecodeError{Path: file, Msg: fmt.Sprintf(
					"%s is not a custom domain name, so this file is no domain's: name it after its domain (e.g. api.example.com.toml, *.example.com.toml for a wildcard), or move it out of %s/",
					snapshot.Printable(strconv.Quote(base)), dir)})
			}
			continue // a README beside the domain files
		}
		data, err := repo.ReadBlob(e.Hash)
		if err != nil {
			return nil, nil, err
		}
		st, fileProblems := snapshot.DecodeDomainAll(file, data, name)
		problems = append(problems, fileProblems...)
		if st == nil {
			continue
		}
		out[name] = &Domain{Name: name, State: st, TOML: data, Blob: e.Hash}
	}
	problems.Sort()
	return out, problems, nil
}

// readDomains lists the region's custom domains in scope and stores them as
// the domains directory's tree; a domain unchanged since the base keeps
// its file byte for byte.
func (r *reader) readDomains(ctx context.Context, dc DomainsClient) (map[string]*Domain, plumbing.Hash, error) {
	var docs []fc.Doc
	var err error
	if r.pipe != nil && r.pipe.domains != nil {
		docs, err = r.pipe.domains.wait(ctx)
	} else {
		err = r.request(ctx, func() (err error) {
			docs, err = dc.ListCustomDomains(ctx, "")
			return denied(err, `set domains = "" in fcgit.toml to leave custom domains unmanaged`)
		})
	}
	if err != nil {
		return nil, plumbing.ZeroHash, fmt.Errorf("list custom domains: %w", err)
	}
	prev := map[string]*Domain{}
	if !r.base.Domains.IsZero() {
		// A base file that does not decode is simply not reused.
		if p, err := LoadDomains(r.repo, r.opts.DomainsDir, r.base.Domains); err == nil {
			prev = p
		}
	}
	out := map[string]*Domain{}
	var entries []gitstate.TreeEntry
	for _, doc := range docs {
		name, _ := doc["domainName"].(string)
		var pst *snapshot.State
		if p := prev[name]; p != nil {
			pst = p.State
		}
		st, err := snapshot.DomainFromAPI(doc, pst)
		if err != nil {
			return nil, plumbing.ZeroHash, err
		}
		if !DomainInScope(st, r.opts.InScope) {
			continue
		}
		d := &Domain{Name: name, State: st}
		if p := prev[name]; p != nil && snapshot.DomainEqual(p.State, st) {
			d.TOML, d.Blob = p.TOML, p.Blob
		} else {
			if d.TOML, err = snapshot.EncodeDomain(st, pst); err != nil {
				return nil, plumbing.ZeroHash, err
			}
			if d.Blob, err = r.repo.StoreBlob(d.TOML); err != nil {
				return nil, plumbing.ZeroHash, err
			}
		}
		out[name] = d
		entries = append(entries, gitstate.TreeEntry{Name: snapshot.DomainFile(name), Mode: filemode.Regular, Hash: d.Blob})
	}
	// Other files there (a README) stay as the base has them.
	kept, err := r.baseFiles(r.base.Domains, func(e gitstate.TreeEntry) bool { return snapshot.DomainOfFile(e.Name) == "" })
	if err != nil {
		return nil, plumbing.ZeroHash, err
	}
	entries = append(entries, kept...)
	if len(entries) == 0 {
		return out, plumbing.ZeroHash, nil
	}
	tree, err := r.repo.StoreTree(entries)
	return out, tree, err
}

// DomainNames returns the names of domains, sorted.
func DomainNames(m map[string]*Domain) []string {
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// SameDomain reports whether two domains hold the same desired state.
func SameDomain(a, b *Domain) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return snapshot.DomainEqual(a.State, b.State)
}
