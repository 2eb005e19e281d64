package fetch

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/kinds"
	"github.com/fcgit/fcgit/snapshot"
)

// StampTag is the FC tag naming the commit a function was deployed from, and
// ContentTag the one naming the deployed state by content (ContentOf). push
// writes them after a function's config, code and triggers, so a stamp never
// claims a deploy that did not finish.
const (
	StampTag   = snapshot.StampTag
	ContentTag = snapshot.ContentTag
)

// Stamp is what push recorded on a deployed function.
type Stamp struct {
	Commit  string // the commit deployed (fcgit-commit)
	Content string // the deployed state's content id (fcgit-content); "" in stamps written before content ids
}

// IsZero reports whether the function carries no stamp at all.
func (s Stamp) IsZero() bool { return s.Commit == "" && s.Content == "" }

// StampOf returns what a function's tags say about its last deploy. FC
// returns tags as [{"Key":…,"Value":…}]; other casings are accepted.
func StampOf(f fc.Function) Stamp {
	var s Stamp
	list, _ := f["tags"].([]any)
	for _, t := range list {
		m, _ := t.(map[string]any)
		k, _ := firstString(m, "Key", "key")
		v, _ := firstString(m, "Value", "value")
		switch k {
		case StampTag:
			s.Commit = v
		case ContentTag:
			s.Content = v
		}
	}
	return s
}

// SecretsStampOf returns a function's deployed-secrets stamp (the
// snapshot.SecretsTag value), "" when it has none.
func SecretsStampOf(f fc.Function) string {
	list, _ := f["tags"].([]any)
	for _, t := range list {
		m, _ := t.(map[string]any)
		if k, _ := firstString(m, "Key", "key"); k == snapshot.SecretsTag {
			v, _ := firstString(m, "Value", "value")
			return v
		}
	}
	return ""
}

func firstString(m map[string]any, keys ...string) (string, bool) {
	for _, k := range keys {
		if s, ok := m[k].(string); ok {
			return s, true
		}
	}
	return "", false
}

// Stamps is what the deployed-from stamps of the online functions say.
type Stamps struct {
	// Rebuilt is set when the online branch did not know some deploy the
	// stamps name: Tip is then a commit built from them, not yet on the
	// branch (Commit moves the branch there).
	Rebuilt bool
	// Unknown maps functions to the commit of a deploy this repository does
	// not hold: neither that commit nor its content is in HEAD's history.
	Unknown map[string]string
	// Shallow is set in a shallow clone: history ends at a boundary, so a
	// deploy not found may lie beyond it.
	Shallow bool
	// Unverified maps functions of a shallow clone whose online state is
	// exactly what was deployed (by content) to the commit deployed, which
	// lies beyond the boundary: nothing online would be lost, but whether
	// HEAD descends from that deploy cannot be checked.
	Unverified map[string]string

	stamps   map[string]Stamp
	resolver *resolver
}

// StampOf returns the stamp a listed function carries.
func (s *Stamps) StampOf(function string) Stamp { return s.stamps[function] }

// Explain says what an unknown stamp means and how to proceed.
func (s *Stamps) Explain(function string) string {
	c := shortID(s.Unknown[function])
	if s.Shallow {
		return fmt.Sprintf("deployed from commit %s, which is not in this shallow clone's history: fetch full history (git fetch --unshallow; actions/checkout fetch-depth: 0) to compare", c)
	}
	return fmt.Sprintf("deployed from commit %s, which this repository does not have: fetch it from your git remote, or pull to import the online state", c)
}

// ExplainChanged describes an unknown deploy whose online state no longer
// matches what was deployed: changed online, but what changed cannot be
// shown without the deployed commit.
func (s *Stamps) ExplainChanged(function string) string {
	c := shortID(s.Unknown[function])
	if s.Shallow {
		return fmt.Sprintf("changed online since its deploy from commit %s, which is not in this shallow clone's history (git fetch --unshallow; actions/checkout fetch-depth: 0 shows what changed)", c)
	}
	return fmt.Sprintf("changed online since its deploy from commit %s, which this repository does not have (fetch it from your git remote to see what changed)", c)
}

func shortID(s string) string {
	if len(s) > 7 {
		return s[:7]
	}
	return s
}

// resolver answers, for one run, where the state each stamp names can be
// found: in the online branch, in HEAD's history, or in the stamped commit.
type resolver struct {
	repo     *gitstate.Repo
	b        Branch
	old      *Tip
	head     plumbing.Hash
	contents *contents
	hist     *history // HEAD's history, started on first use
}

func (r *resolver) headHistory() (*history, error) {
	if r.hist == nil {
		h, err := newHistory(r.repo, r.b, r.contents, r.head)
		if err != nil {
			return nil, err
		}
		r.hist = h
	}
	return r.hist, nil
}

// commitExists reports whether a stamp's commit is a commit this repository has.
func (r *resolver) commitExists(s string) (plumbing.Hash, bool) {
	h, ok := parseCommitID(s)
	if !ok {
		return plumbing.ZeroHash, false
	}
	if _, err := r.repo.ReadCommit(h); err != nil {
		return plumbing.ZeroHash, false
	}
	return h, true
}

func parseCommitID(s string) (plumbing.Hash, bool) {
	h := plumbing.NewHash(s)
	return h, len(s) == 40 && h.String() == strings.ToLower(s)
}

// known reports whether the online branch already records the deploy a stamp
// names, or something newer: the tip holds the stamped content, or the
// stamped commit is in the branch's history (later records, such as a
// console edit fetched after the deploy, then take precedence).
func (r *resolver) known(name string, s Stamp) (bool, error) {
	if r.old.Commit.IsZero() {
		return false, nil
	}
	t, ok, err := functionTree(r.repo, r.old.Tree, name)
	if err != nil || !ok {
		// A tip without the function never saw this deploy: it predates
		// it, or was rebuilt when the deploy could not be placed.
		return false, err
	}
	if s.Content != "" {
		if has, err := r.contents.has(name, t, s.Content); err != nil || has {
			return has, err
		}
	}
	if c, ok := r.commitExists(s.Commit); ok {
		return r.repo.IsAncestor(c, r.old.Commit)
	}
	return false, nil
}

// locate finds the deployed version of a function: the newest commit of
// HEAD's history holding the stamped content (a squash merge, rebase or
// cherry-pick holds it under another commit id), else the stamped commit
// itself. A holder the online branch already had is not taken: the branch
// recorded a different state after it, so this deploy came later, from
// commits this repository lacks.
func (r *resolver) locate(name string, s Stamp) (version, bool, error) {
	if s.Content != "" && !r.head.IsZero() {
		h, err := r.headHistory()
		if err != nil {
			return version{}, false, err
		}
		v, ok, err := h.find(name, s.Content, func(v version) (bool, error) {
			if r.old.Commit.IsZero() {
				return true, nil
			}
			older, err := r.repo.IsAncestor(v.Commit, r.old.Commit)
			return !older, err
		})
		if err != nil || ok {
			return v, ok, err
		}
	}
	c, ok := r.commitExists(s.Commit)
	if !ok {
		return version{}, false, nil
	}
	t, ok, err := commitFunctionTree(r.repo, c, r.b, name)
	if err != nil || !ok {
		// Deployed from a commit that does not hold it under this
		// directory (moved since): nothing to compare with.
		return version{}, false, err
	}
	if s.Content != "" {
		if has, err := r.contents.has(name, t, s.Content); err != nil || !has {
			return version{}, false, err
		}
	}
	return version{Commit: c, Tree: t}, true, nil
}

// ResolveTip returns the state to compare online functions with. Normally
// that is the online branch's tip. A fresh clone (CI) has no online branch,
// and deploys from other clones move functions past it: each stamp names
// what was deployed, by commit and by content, and the state recorded for
// such a function becomes that deployed version, looked up by content in
// HEAD's history first (so squash merges, rebases and cherry-picks, which
// hold it under other commit ids, are found), else in the stamped commit.
//
// The returned tip is then a commit holding the rebuilt state (stored, the
// branch not moved): a commit that already holds exactly that state when
// there is one (joined with the old tip when it does not descend from it, so
// no recorded state leaves the branch's history), else a new commit whose
// parent is the old tip (or, in a fresh clone, the oldest commit the state
// came from), so that merging it into HEAD takes the last deploy as base.
func ResolveTip(repo *gitstate.Repo, b Branch, old *Tip, fns []fc.Function, head plumbing.Hash) (*Tip, *Stamps, error) {
	return resolveTip(repo, b, old, fns, head, nil)
}

// resolveTip is ResolveTip decoding function directories through loader
// (nil: a Loader of its own).
func resolveTip(repo *gitstate.Repo, b Branch, old *Tip, fns []fc.Function, head plumbing.Hash, loader *Loader) (*Tip, *Stamps, error) {
	st := &Stamps{Unknown: map[string]string{}, Unverified: map[string]string{}, stamps: map[string]Stamp{}}
	shallow, err := repo.IsShallow()
	if err != nil {
		return nil, nil, err
	}
	st.Shallow = shallow
	r := &resolver{repo: repo, b: b, old: old, head: head, contents: newContents(loaderFor(loader, repo, b.Dir))}
	st.resolver = r
	stale := map[string]version{}
	for _, f := range fns {
		s := StampOf(f)
		if s.IsZero() {
			continue
		}
		name := f.Name()
		st.stamps[name] = s
		known, err := r.known(name, s)
		if err != nil {
			return nil, nil, err
		}
		if known {
			continue
		}
		v, ok, err := r.locate(name, s)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			stale[name] = v
			continue
		}
		id := s.Commit
		if id == "" {
			id = s.Content
		}
		st.Unknown[name] = id
	}
	if len(stale) == 0 {
		return old, st, nil
	}
	tip, err := rebuild(repo, b, old, stale)
	if err != nil {
		return nil, nil, err
	}
	st.Rebuilt = true
	return tip, st, nil
}

// rebuild makes the tip holding the old tip's state with the stale functions
// at their deployed versions.
func rebuild(repo *gitstate.Repo, b Branch, old *Tip, stale map[string]version) (*Tip, error) {
	var sources []plumbing.Hash
	seen := map[plumbing.Hash]bool{}
	names := make([]string, 0, len(stale))
	for n, v := range stale {
		names = append(names, n)
		if !seen[v.Commit] {
			seen[v.Commit] = true
			sources = append(sources, v.Commit)
		}
	}
	sort.Strings(names)
	sort.Slice(sources, func(i, j int) bool { return sources[i].String() < sources[j].String() })

	// The functions as the rebuilt tip holds them.
	want := map[string]plumbing.Hash{}
	if !old.Tree.IsZero() {
		entries, err := repo.ReadTree(old.Tree)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.Mode == filemode.Dir {
				want[e.Name] = e.Hash
			}
		}
	}
	for n, v := range stale {
		want[n] = v.Tree
	}

	// A source that holds exactly those functions is the tip itself.
	holders, err := holding(repo, b, sources, want)
	if err != nil {
		return nil, err
	}
	if len(holders) > 0 {
		s, err := newest(repo, holders)
		if err != nil {
			return nil, err
		}
		if s.IsZero() {
			s = holders[0]
		}
		sc, err := repo.ReadCommit(s)
		if err != nil {
			return nil, err
		}
		managed, err := b.ManagedFunctions(repo, sc.TreeHash)
		if err != nil {
			return nil, err
		}
		out := &Tip{Commit: s, Root: sc.TreeHash, Tree: managed, Note: &Note{Functions: map[string]FunctionMeta{}}}
		after := old.Commit.IsZero()
		if !after {
			if after, err = repo.IsAncestor(old.Commit, s); err != nil {
				return nil, err
			}
		}
		if after {
			return out, nil
		}
		// The branch never goes back: join the old tip, whose records
		// stay in its history, with the commit holding the deployed state.
		msg := fmt.Sprintf("Online state of %s as deployed (%s), %s\n", b.Region, shortID(s.String()), rebuiltMarker)
		if out.Commit, err = storeRecord(repo, sc.TreeHash, []plumbing.Hash{old.Commit, s}, msg); err != nil {
			return nil, err
		}
		return out, nil
	}

	// A true mix of deploys: a commit of its own.
	parent := old.Commit
	if parent.IsZero() {
		if parent, err = oldest(repo, sources); err != nil {
			return nil, err
		}
	}
	root := gitstate.EmptyTree
	var kept []gitstate.TreeEntry
	if !parent.IsZero() {
		pc, err := repo.ReadCommit(parent)
		if err != nil {
			return nil, err
		}
		root = pc.TreeHash
		// Files beside the function directories (a README) stay as the
		// parent has them: the stamps say nothing about them.
		pm, err := b.ManagedFunctions(repo, root)
		if err != nil {
			return nil, err
		}
		if !pm.IsZero() {
			entries, err := repo.ReadTree(pm)
			if err != nil {
				return nil, err
			}
			for _, e := range entries {
				if e.Mode != filemode.Dir {
					kept = append(kept, e)
				}
			}
		}
	}
	list := kept
	for n, h := range want {
		list = append(list, gitstate.TreeEntry{Name: n, Mode: filemode.Dir, Hash: h})
	}
	managed, err := repo.StoreTree(list)
	if err != nil {
		return nil, err
	}
	_, domains, err := b.Managed(repo, root)
	if err != nil {
		return nil, err
	}
	if root, err = b.Unview(repo, root, managed, domains); err != nil {
		return nil, err
	}
	var parents []plumbing.Hash
	if !parent.IsZero() {
		parents = []plumbing.Hash{parent}
	}
	var msg strings.Builder
	fmt.Fprintf(&msg, "Online state of %s as deployed, %s\n\n", b.Region, rebuiltMarker)
	for _, n := range names {
		fmt.Fprintf(&msg, "%s: deployed from %s\n", n, stale[n].Commit)
	}
	out := &Tip{Root: root, Tree: managed, Note: &Note{Functions: map[string]FunctionMeta{}}}
	if out.Commit, err = storeRecord(repo, root, parents, msg.String()); err != nil {
		return nil, err
	}
	return out, nil
}

// storeRecord stores one of fcgit's own commits (no identity needed).
func storeRecord(repo *gitstate.Repo, tree plumbing.Hash, parents []plumbing.Hash, msg string) (plumbing.Hash, error) {
	author, committer, err := repo.RecordSignature()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return repo.StoreCommit(gitstate.CommitSpec{Tree: tree, Parents: parents, Message: msg, Author: author, Committer: committer})
}

// managedOf returns the managed directory's tree in a commit tree, zero if absent.
func managedOf(repo *gitstate.Repo, root plumbing.Hash, dir string) (plumbing.Hash, error) {
	e, ok, err := repo.TreeEntryAt(root, dir)
	if err != nil || !ok || e.Mode != filemode.Dir {
		return plumbing.ZeroHash, err
	}
	return e.Hash, nil
}

// holding returns the commits among cs whose function directories are
// exactly want (files beside them do not count).
func holding(repo *gitstate.Repo, b Branch, cs []plumbing.Hash, want map[string]plumbing.Hash) ([]plumbing.Hash, error) {
	var out []plumbing.Hash
	for _, c := range cs {
		cc, err := repo.ReadCommit(c)
		if err != nil {
			return nil, err
		}
		m, err := b.ManagedFunctions(repo, cc.TreeHash)
		if err != nil {
			return nil, err
		}
		got := map[string]plumbing.Hash{}
		if !m.IsZero() {
			entries, err := repo.ReadTree(m)
			if err != nil {
				return nil, err
			}
			for _, e := range entries {
				if e.Mode == filemode.Dir {
					got[e.Name] = e.Hash
				}
			}
		}
		same := len(got) == len(want)
		for n, h := range want {
			if got[n] != h {
				same = false
				break
			}
		}
		if same {
			out = append(out, c)
		}
	}
	return out, nil
}

// oldest returns the commit among cs that all others descend from, or else
// the merge base of all of them (zero when they share no history).
func oldest(repo *gitstate.Repo, cs []plumbing.Hash) (plumbing.Hash, error) {
	if c, err := extreme(repo, cs, true); err != nil || !c.IsZero() {
		return c, err
	}
	base := cs[0]
	for _, c := range cs[1:] {
		bs, err := repo.MergeBases(base, c)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if len(bs) == 0 {
			return plumbing.ZeroHash, nil
		}
		base = bs[0]
	}
	return base, nil
}

// newest returns the commit among cs that descends from all others, zero if
// none does.
func newest(repo *gitstate.Repo, cs []plumbing.Hash) (plumbing.Hash, error) {
	return extreme(repo, cs, false)
}

// extreme returns the commit among cs that is an ancestor of all others
// (first = true) or a descendant of all others, zero if there is none.
func extreme(repo *gitstate.Repo, cs []plumbing.Hash, first bool) (plumbing.Hash, error) {
	for _, c := range cs {
		all := true
		for _, d := range cs {
			a, b := c, d
			if !first {
				a, b = d, c
			}
			ok, err := repo.IsAncestor(a, b)
			if err != nil {
				return plumbing.ZeroHash, err
			}
			if !ok {
				all = false
				break
			}
		}
		if all {
			return c, nil
		}
	}
	return plumbing.ZeroHash, nil
}

// CommitTip moves the online branch to a tip ResolveTip rebuilt.
func CommitTip(repo *gitstate.Repo, b Branch, old, rebuilt *Tip) error {
	if rebuilt.Commit == old.Commit {
		return nil
	}
	if err := repo.UpdateRef(b.Ref, rebuilt.Commit, old.Commit, "fcgit: rebuild from deployed-from stamps"); err != nil {
		return fmt.Errorf("update %s: %w", b.Ref, err)
	}
	return nil
}

// Prepared is the start of every command that compares with online state:
// the listed functions, the tip to compare them with and, once read, the
// online state itself.
type Prepared struct {
	Old    *Tip // the online branch as it is
	Tip    *Tip // Old, or rebuilt from stamps (see ResolveTip)
	Stamps *Stamps
	// Listed are the in-scope functions' documents as listed, for Read,
	// which lets go of each once read (Online.Functions has what is kept).
	Listed []fc.Function
	Head   plumbing.Hash
	opts   Options
	// pipe holds the requests started while listing, for Read.
	pipe *pipeline
	read bool // Read was called
}

// Prepare lists the in-scope functions and resolves the tip from the online
// branch, HEAD's history and the functions' deployed-from stamps. It writes
// objects only.
func Prepare(ctx context.Context, client Client, repo *gitstate.Repo, b Branch, opts Options) (*Prepared, error) {
	old, err := LoadTip(repo, b)
	if err != nil {
		return nil, err
	}
	head, err := repo.Head()
	if err != nil {
		return nil, err
	}
	if !opts.Head.IsZero() {
		head = gitstate.Head{Hash: opts.Head}
	}
	// Reading starts with the listing: the region's settings and domains,
	// and each listed page's triggers, are read while the listing goes on.
	pipe := newPipeline(ctx, opts.Jobs)
	pipe.startRegion(client, opts)
	p, err := prepare(ctx, client, repo, b, opts, old, head.Hash, pipe)
	if err != nil {
		pipe.cancel()
		return nil, err
	}
	return p, nil
}

func prepare(ctx context.Context, client Client, repo *gitstate.Repo, b Branch, opts Options, old *Tip, head plumbing.Hash, pipe *pipeline) (*Prepared, error) {
	fns, err := pipe.listStarting(ctx, client, opts)
	if err != nil {
		return nil, err
	}
	if opts.Loader == nil {
		opts.Loader = boundedLoader(repo, b.Dir, readLoaderLimit)
	}
	if opts.Declared == nil {
		if opts.declared, err = declaredAt(opts.Loader, b, head); err != nil {
			return nil, err
		}
		opts.Declared = opts.declared.has
	}
	tip, st, err := resolveTip(repo, b, old, fns, head, opts.Loader)
	if err != nil {
		return nil, fmt.Errorf("deployed-from stamps: %w", err)
	}
	if err := fillChecksums(repo, tip, fns); err != nil {
		return nil, err
	}
	return &Prepared{Old: old, Tip: tip, Stamps: st, Listed: fns, Head: head, opts: opts, pipe: pipe}, nil
}

// readLoaderLimit bounds the function directories a Prepare keeps decoded
// when its caller shares no Loader: enough for the functions a read has
// under way, whose base and HEAD versions it looks at one after the other.
const readLoaderLimit = 256

// declaredKinds is what HEAD's files declare of the kinds read where
// declared. A function's file is decoded when asked about, as the read
// reaches the function: right after the base's version of it, mostly the
// same one. A file with problems declares nothing: they are reported where
// they matter (push); reading online state does not depend on them.
type declaredKinds struct {
	loader  *Loader
	managed plumbing.Hash // HEAD's managed directory (zero: none)
}

// config is function fn's configuration in HEAD, nil when none.
func (d *declaredKinds) config(fn string) map[string]any {
	t, ok, err := functionTree(d.loader.repo, d.managed, fn)
	if err != nil || !ok {
		return nil
	}
	f, err := d.loader.function(fn, t)
	if err != nil || f == nil {
		return nil
	}
	return f.State.Config
}

func (d *declaredKinds) has(fn, key string) bool {
	_, ok := d.config(fn)[key]
	return ok
}

// qualifiers are the qualifiers HEAD declares of function fn's qualified
// setting key.
func (d *declaredKinds) qualifiers(fn, key string) []string {
	v, ok := d.config(fn)[key]
	if !ok {
		return nil
	}
	if s := kinds.SettingFor(key); s != nil && s.Qualified {
		m, _ := v.(map[string]any)
		return mapkeys.Sorted(m)
	}
	return nil
}

// declaredAt reports which of the kinds read where declared HEAD's files
// declare.
func declaredAt(loader *Loader, b Branch, head plumbing.Hash) (*declaredKinds, error) {
	d := &declaredKinds{loader: loader}
	if head.IsZero() {
		return d, nil
	}
	c, err := loader.repo.ReadCommit(head)
	if err != nil {
		return nil, err
	}
	if d.managed, err = b.ManagedFunctions(loader.repo, c.TreeHash); err != nil {
		return nil, err
	}
	return d, nil
}

// fillChecksums completes a tip's note where it has no code checksum for a
// function (a tip rebuilt from stamps in a fresh clone has no note at all):
// push uploads deterministic zips, so when the zip of the tip's code tree has
// the checksum FC reports, that tree is what runs online and fetch can reuse
// it instead of downloading the package. Zipping is local and far cheaper
// than a download.
func fillChecksums(repo *gitstate.Repo, tip *Tip, fns []fc.Function) error {
	if tip.Tree.IsZero() {
		return nil
	}
	for _, f := range fns {
		name, sum := f.Name(), f.CodeChecksum()
		if sum == "" || tip.Note.Functions[name].CodeChecksum != "" {
			continue
		}
		e, ok, err := repo.TreeEntryAt(tip.Tree, path.Join(name, "code"))
		if err != nil {
			return err
		}
		if !ok || e.Mode != filemode.Dir {
			continue
		}
		files, err := CodeFiles(repo, e.Hash)
		if err != nil {
			return err
		}
		h := fc.NewChecksum()
		if err := snapshot.WriteZip(h, files); err != nil {
			return err
		}
		if fmt.Sprint(h.Sum64()) == sum {
			meta := tip.Note.Functions[name]
			meta.CodeChecksum = sum
			tip.Note.Functions[name] = meta
		}
	}
	return nil
}

// Read reads the listed functions with the resolved tip as the base, then
// settles what the stamps could not: in a shallow clone, a function whose
// deploy lies beyond the boundary but whose online state is exactly the
// stamped content is unverified, not unknown.
func (p *Prepared) Read(ctx context.Context, client Client, repo *gitstate.Repo, opts Options) (*Online, error) {
	if opts.Declared == nil {
		opts.Declared, opts.declared = p.opts.Declared, p.opts.declared
	}
	if opts.Loader == nil {
		opts.Loader = p.opts.Loader
	}
	if p.Stamps.Shallow && len(p.Stamps.Unknown) > 0 {
		// Settled below against the functions' states.
		opts.ChangedOnly = false
	}
	// The listed documents are let go of as they are read: a Prepared is
	// read once.
	if p.read {
		return nil, errors.New("online state already read: Prepare again to read it again")
	}
	p.read = true
	pipe := p.pipe
	p.pipe = nil
	on, err := readPipelined(ctx, client, repo, p.Tip.Base(), p.Listed, opts, pipe)
	if err != nil {
		return nil, err
	}
	if p.Stamps.Shallow {
		for name, commit := range p.Stamps.Unknown {
			if MatchesStamp(on.Functions[name], p.Stamps.stamps[name].Content) {
				p.Stamps.Unverified[name] = commit
				delete(p.Stamps.Unknown, name)
			}
		}
	}
	return on, nil
}

// TipFunctions loads the functions the tip records, with the unverified
// functions of a shallow clone taken as recorded at their online state
// (which is exactly what was deployed).
func (p *Prepared) TipFunctions(repo *gitstate.Repo, b Branch, on *Online) (map[string]*Function, error) {
	fns, err := loaderFor(p.opts.Loader, repo, b.Dir).Functions(p.Tip.Tree)
	if err != nil {
		return nil, err
	}
	for name := range p.Stamps.Unverified {
		if o := on.Functions[name]; o != nil {
			fns[name] = o
		}
	}
	return fns, nil
}

// Commit moves the online branch to a rebuilt tip; nothing when not rebuilt.
func (p *Prepared) Commit(repo *gitstate.Repo, b Branch) error {
	if !p.Stamps.Rebuilt {
		return nil
	}
	if err := CommitTip(repo, b, p.Old, p.Tip); err != nil {
		return err
	}
	p.Old = p.Tip
	return nil
}
