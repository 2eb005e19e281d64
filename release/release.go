// Package release ties FC's published versions to commits: a version is a
// commit. push --publish publishes a version of each function it deploys,
// names the commit in the version's description, and tags that commit
// fcgit/<function>/v<id>, so git log, git diff fcgit/api/v3..fcgit/api/v4 and
// git checkout answer "what runs in prod". A version published in the
// console, from no commit, is found and imported as a commit of its own.
package release

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/snapshot"
)

// TagPrefix is where version tags live: refs/tags/fcgit/<function>/v<id>,
// and, for a target of fcgit.toml's [targets], whose version ids are its
// own, refs/tags/fcgit/<target>/<function>/v<id>.
const TagPrefix = "refs/tags/fcgit/"

// tagPrefix is the prefix of a target's version tags ("" target: the
// repository without targets).
func tagPrefix(target string) string {
	if target == "" {
		return TagPrefix
	}
	return TagPrefix + target + "/"
}

// descriptionPrefix starts the description of a version fcgit published:
// "fcgit <commit id>".
const descriptionPrefix = "fcgit "

// TagRef is the tag of a function's version in a target.
func TagRef(target, function, version string) string {
	return tagPrefix(target) + function + "/v" + version
}

// TagName is TagRef without refs/tags/, as git commands take it.
func TagName(target, function, version string) string {
	return strings.TrimPrefix(TagRef(target, function, version), "refs/tags/")
}

// Client is the part of the FC client releases need.
type Client interface {
	fetch.VersionClient
	PublishVersion(ctx context.Context, fn, description string) (fc.Doc, error)
	ListVersions(ctx context.Context, fn string) ([]fc.Doc, error)
}

// Published is a version push published.
type Published struct {
	Function string `json:"function"`
	Version  string `json:"version"`
	Tag      string `json:"tag"`
}

// Publish publishes a version of each function from what is deployed now,
// which is commit, and tags commit with it. A function unchanged since its
// newest version is not published again (FC refuses that): it is skipped.
func Publish(ctx context.Context, client Client, repo *gitstate.Repo, target string, functions []string, commit plumbing.Hash) ([]Published, error) {
	var out []Published
	for _, fn := range functions {
		v, err := client.PublishVersion(ctx, fn, descriptionPrefix+commit.String())
		if err != nil {
			if fc.IsNothingToPublish(err) {
				continue
			}
			return out, fmt.Errorf("publish %s: %w", fn, err)
		}
		id := versionID(v)
		if !validVersionID(id) {
			return out, fmt.Errorf("publish %s: FC returned the version id %s, not a version number", fn, snapshot.Printable(id))
		}
		if err := tag(repo, target, fn, id, commit, "fcgit push --publish"); err != nil {
			return out, err
		}
		out = append(out, Published{Function: fn, Version: id, Tag: TagName(target, fn, id)})
	}
	return out, nil
}

func versionID(d fc.Doc) string {
	switch x := d["versionId"].(type) {
	case string:
		return x
	case fmt.Stringer:
		return x.String()
	}
	return ""
}

// tag points a version's tag at commit; one already there is left alone,
// one pointing elsewhere is an error (a version holds one commit).
func tag(repo *gitstate.Repo, target, fn, id string, commit plumbing.Hash, msg string) error {
	ref := TagRef(target, fn, id)
	cur, ok, err := repo.ResolveRef(ref)
	if err != nil {
		return err
	}
	if ok {
		if cur == commit {
			return nil
		}
		return fmt.Errorf("%s already names commit %s, not %s: delete the tag if it is stale (git tag -d %s)", ref, cur, commit, TagName(target, fn, id))
	}
	return repo.UpdateRef(ref, commit, plumbing.ZeroHash, msg)
}

// Version is one published version of a function.
type Version struct {
	Function string `json:"function"`
	ID       string `json:"version"`
	// Commit is the commit fcgit published it from; "" for a version
	// published in the console.
	Commit string `json:"commit,omitempty"`
	// Tagged: the version's tag exists here.
	Tagged bool `json:"tagged"`
	// TagCommit is the commit the tag names, when Tagged.
	TagCommit string `json:"tagCommit,omitempty"`
	// Target is the target whose version it is ("" without targets).
	Target string `json:"target,omitempty"`
}

// Tag is the version's tag name.
func (v Version) Tag() string { return TagName(v.Target, v.Function, v.ID) }

// Moved reports a tag that names another commit than the one fcgit
// published the version from (moved with git tag -f, or made by hand): it
// says the version holds what it does not. The version's description is
// what FC keeps, so it is the reference. A version published in the
// console names no commit and cannot be checked this way.
func (v Version) Moved() bool { return v.Tagged && v.Commit != "" && v.TagCommit != v.Commit }

// MovedTags returns the versions whose tags are Moved.
func MovedTags(vs []Version) []Version {
	var out []Version
	for _, v := range vs {
		if v.Moved() {
			out = append(out, v)
		}
	}
	return out
}

// MovedMessage says what is wrong with a moved tag and how to repair it.
func (v Version) MovedMessage() string {
	return fmt.Sprintf("tag %s names commit %s, but version %s of %s was published from %s: the tag says the version holds what it does not; put it back with git tag -f %s %s",
		v.Tag(), short(v.TagCommit), v.ID, v.Function, short(v.Commit), v.Tag(), v.Commit)
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// validVersionID: FC numbers versions 1, 2, 3, …. The id becomes part of
// a tag name, so anything else from the endpoint is refused.
func validVersionID(id string) bool {
	if id == "" || len(id) > 20 {
		return false
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Scan lists the published versions of the functions. With repair, it also
// finishes what a cut-off publish left undone: a version fcgit published
// whose commit this repository has but whose tag is missing gets its tag.
// It returns every version found, sorted by function and id.
func Scan(ctx context.Context, client Client, repo *gitstate.Repo, target string, functions []string, repair bool) ([]Version, error) {
	var out []Version
	for _, fn := range functions {
		list, err := client.ListVersions(ctx, fn)
		if fc.IsNotFound(err) {
			continue // not online (new locally, deleted online): no versions
		}
		if err != nil {
			return nil, fmt.Errorf("versions of %s: %w", snapshot.Printable(fn), err)
		}
		for _, d := range list {
			v := Version{Function: fn, ID: versionID(d)}
			if !validVersionID(v.ID) {
				return nil, fmt.Errorf("versions of %s: FC listed a version with id %s, not a version number", fn, snapshot.Printable(v.ID))
			}
			desc, _ := d["description"].(string)
			if c, ok := strings.CutPrefix(desc, descriptionPrefix); ok {
				if h := plumbing.NewHash(c); len(c) == 40 && h.String() == c {
					v.Commit = c
				}
			}
			v.Target = target
			cur, tagged, err := repo.ResolveRef(TagRef(target, fn, v.ID))
			if err != nil {
				return nil, err
			}
			if !tagged && v.Commit != "" && repair {
				if _, err := repo.ReadCommit(plumbing.NewHash(v.Commit)); err == nil {
					if err := tag(repo, target, fn, v.ID, plumbing.NewHash(v.Commit), "fcgit: tag a published version"); err != nil {
						return nil, err
					}
					tagged, cur = true, plumbing.NewHash(v.Commit)
				}
			}
			v.Tagged = tagged
			if tagged {
				// A tag made with git tag -a names a tag object.
				c, err := repo.PeelToCommit(cur)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", TagRef(target, fn, v.ID), err)
				}
				v.TagCommit = c.String()
			}
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Function != out[j].Function {
			return out[i].Function < out[j].Function
		}
		a, _ := strconv.Atoi(out[i].ID)
		b, _ := strconv.Atoi(out[j].ID)
		return a < b
	})
	return out, nil
}

// Untracked returns the versions published in the console (from no
// commit) that this repository has not imported yet.
func Untracked(vs []Version) []Version {
	var out []Version
	for _, v := range vs {
		if v.Commit == "" && !v.Tagged {
			out = append(out, v)
		}
	}
	return out
}

// Import records a version published in the console as a commit: the
// online branch's tree with the function's directory as the version holds
// it (configuration and code), parent the online branch's tip, tagged
// fcgit/<function>/v<id>. The online branch itself does not move: it records
// what LATEST is.
func Import(ctx context.Context, client Client, repo *gitstate.Repo, b fetch.Branch, v Version, opts fetch.Options) (plumbing.Hash, error) {
	tip, err := fetch.LoadTip(repo, b)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	var prev *snapshot.State
	fns, err := fetch.LoadFunctions(repo, b.Dir, tip.Tree)
	if err == nil && fns[v.Function] != nil {
		prev = fns[v.Function].State
	}
	tree, err := fetch.ReadVersion(ctx, client, repo, v.Function, v.ID, prev, opts)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("import version %s of %s: %w", v.ID, v.Function, err)
	}
	// The function's directory in the tip's view, written back in the
	// repository's layout (for a target: its overlay).
	view := tip.Tree
	if view.IsZero() {
		view = gitstate.EmptyTree
	}
	if view, err = repo.ReplaceSubtree(view, v.Function, tree); err != nil {
		return plumbing.ZeroHash, err
	}
	root, err := b.Unview(repo, tip.Root, view, tip.Domains)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	author, committer, err := repo.RecordSignature()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	var parents []plumbing.Hash
	if !tip.Commit.IsZero() {
		parents = []plumbing.Hash{tip.Commit}
	}
	c, err := repo.StoreCommit(gitstate.CommitSpec{Tree: root, Parents: parents, Author: author, Committer: committer,
		Message: fmt.Sprintf("Version %s of %s, published online (not from a commit)\n", v.ID, v.Function)})
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return c, tag(repo, b.Target, v.Function, v.ID, c, "fcgit pull: import a version published online")
}

// Watched lists the functions whose versions are looked at: those whose
// files in tree (a commit's managed directory, read through loader) declare
// aliases, and those with version tags here; every function in functions
// when all is set.
func Watched(loader *fetch.Loader, tree plumbing.Hash, all bool, target string, functions []string) ([]string, error) {
	set := map[string]bool{}
	if all {
		for _, f := range functions {
			set[f] = true
		}
	}
	// A file with problems still says whether it declares aliases: the
	// problems are status's and push's to report.
	fns, _, err := loader.ReadFunctions(tree)
	if err != nil {
		return nil, err
	}
	for name, f := range fns {
		if _, ok := f.State.Config["aliases"]; ok {
			set[name] = true
		}
	}
	tags, err := loader.Repo().ListRefs(tagPrefix(target))
	if err != nil {
		return nil, err
	}
	for ref := range tags {
		// <function>/v<id>: a deeper name is another target's.
		if fn, rest, ok := strings.Cut(strings.TrimPrefix(ref, tagPrefix(target)), "/"); ok && !strings.Contains(rest, "/") {
			set[fn] = true
		}
	}
	out := make([]string, 0, len(set))
	for f := range set {
		out = append(out, f)
	}
	sort.Strings(out)
	return out, nil
}

// Pending is a version push --publish would publish.
type Pending struct {
	Function string `json:"function"`
	// Since is the newest version, which differs from what would run; ""
	// for a function with no version yet.
	Since string `json:"since,omitempty"`
}

// WouldPublish lists what Publish would publish once commit is deployed:
// each function whose newest version was not published from the same state
// (by the function's tree at the version's commit) — a console-published
// newest version, whose state is not at hand, counts as different; FC
// itself skips one that is not.
func WouldPublish(repo *gitstate.Repo, dir string, vs []Version, functions []string, commit plumbing.Hash) ([]Pending, error) {
	newest := map[string]Version{}
	for _, v := range vs {
		newest[v.Function] = v // Scan sorts by id
	}
	c, err := repo.ReadCommit(commit)
	if err != nil {
		return nil, err
	}
	var out []Pending
	for _, fn := range functions {
		v, ok := newest[fn]
		if !ok {
			out = append(out, Pending{Function: fn})
			continue
		}
		if v.Commit != "" {
			same, err := sameFunction(repo, dir, fn, c.TreeHash, plumbing.NewHash(v.Commit))
			if err != nil {
				return nil, err
			}
			if same {
				continue
			}
		}
		out = append(out, Pending{Function: fn, Since: v.ID})
	}
	return out, nil
}

// sameFunction reports whether a function's directory is the same in a
// root tree and at another commit (false when that commit is missing).
func sameFunction(repo *gitstate.Repo, dir, fn string, root, other plumbing.Hash) (bool, error) {
	oc, err := repo.ReadCommit(other)
	if err != nil {
		return false, nil
	}
	p := dir + "/" + fn
	a, okA, err := repo.TreeEntryAt(root, p)
	if err != nil {
		return false, err
	}
	b, okB, err := repo.TreeEntryAt(oc.TreeHash, p)
	if err != nil {
		return false, err
	}
	return okA && okB && a.Hash == b.Hash, nil
}
