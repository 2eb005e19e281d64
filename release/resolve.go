package release

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/snapshot"
)

// Resolver finds, in one target, the versions files name by commit
// ("commit:<id>", snapshot.CommitRef): the version fcgit published there
// from that commit, known by its description. Each function's versions are
// listed once, on first need.
type Resolver struct {
	ctx    context.Context
	client Client

	mu   sync.Mutex
	byFn map[string]map[string]string // function -> commit -> version id
	ids  map[string]map[string]bool   // function -> every version id
}

// NewResolver resolves through client's ListVersions.
func NewResolver(ctx context.Context, client Client) *Resolver {
	return &Resolver{ctx: ctx, client: client, byFn: map[string]map[string]string{}, ids: map[string]map[string]bool{}}
}

// Resolve returns st with every version named by a commit that has a
// version in the target replaced by its id; the others stay as they are
// (push publishes them). A listing that fails leaves st as it is: the
// references then look unpublished, and push says so before writing.
func (r *Resolver) Resolve(fn string, st *snapshot.State) *snapshot.State {
	if r == nil || st == nil || len(st.CommitRefs()) == 0 {
		return st
	}
	versions, err := r.Versions(fn)
	if err != nil {
		return st
	}
	out, _ := st.ResolveCommitRefs(func(c string) (string, bool) { return lookup(versions, c) })
	return out
}

// Versions maps the commits fcgit published a function's versions from to
// their ids (the newest for a commit published twice).
func (r *Resolver) Versions(fn string) (map[string]string, error) {
	r.mu.Lock()
	m, ok := r.byFn[fn]
	r.mu.Unlock()
	if ok {
		return m, nil
	}
	list, err := r.client.ListVersions(r.ctx, fn)
	if fc.IsNotFound(err) {
		list, err = nil, nil // not online (yet): no versions
	}
	if err != nil {
		return nil, fmt.Errorf("versions of %s: %w", fn, err)
	}
	m = map[string]string{}
	all := map[string]bool{}
	for _, d := range list {
		desc, _ := d["description"].(string)
		c, ok := strings.CutPrefix(desc, descriptionPrefix)
		id := versionID(d)
		all[id] = true
		if !ok || !validVersionID(id) {
			continue
		}
		if cur, seen := m[c]; !seen || newer(id, cur) {
			m[c] = id
		}
	}
	r.mu.Lock()
	r.byFn[fn], r.ids[fn] = m, all
	r.mu.Unlock()
	return m, nil
}

// Has reports whether a function has a version of this id in the target.
func (r *Resolver) Has(fn, id string) (bool, error) {
	if _, err := r.Versions(fn); err != nil {
		return false, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ids[fn][id], nil
}

// Add records a version just published.
func (r *Resolver) Add(fn, commit, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byFn[fn] == nil {
		r.byFn[fn], r.ids[fn] = map[string]string{}, map[string]bool{}
	}
	r.byFn[fn][commit] = id
	r.ids[fn][id] = true
}

// lookup finds the version of a commit named in full or by a prefix that
// only one published commit starts with.
func lookup(versions map[string]string, c string) (string, bool) {
	if id, ok := versions[c]; ok {
		return id, true
	}
	found := ""
	for commit, id := range versions {
		if strings.HasPrefix(commit, c) {
			if found != "" {
				return "", false
			}
			found = id
		}
	}
	return found, found != ""
}

func newer(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}
