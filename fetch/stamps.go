package fetch

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/snapshot"
)

// StampTag is the FC tag naming the commit a function was deployed from.
// push writes it after a function's config, code and triggers, so a stamp
// never claims a deploy that did not finish.
const StampTag = snapshot.StampTag

// StampOf returns the commit id a function was deployed from, "" if none.
// FC returns tags as [{"Key":…,"Value":…}]; other casings are accepted.
func StampOf(f fc.Function) string {
	list, _ := f["tags"].([]any)
	for _, t := range list {
		m, _ := t.(map[string]any)
		k, _ := firstString(m, "Key", "key")
		if k == StampTag {
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
	// stamps name: Tip is then a commit built from the stamps, not yet on
	// the branch (CommitTip moves the branch there).
	Rebuilt bool
	// Unknown maps functions to stamps naming commits this repository lacks.
	Unknown map[string]string
	// Sources are the commits a rebuilt tip was assembled from (the stamped
	// commits and the old tip): a HEAD containing them all contains every
	// deploy the rebuilt tip records.
	Sources []plumbing.Hash
}

// Explain says what an unknown stamp means and how to proceed.
func (s *Stamps) Explain(function string) string {
	c := s.Unknown[function]
	if len(c) > 7 {
		c = c[:7]
	}
	return fmt.Sprintf("deployed from commit %s, which this repository does not have: fetch it from your git remote, or pull to import the online state", c)
}

// ResolveTip returns the state to compare online functions with. Normally
// that is the online branch's tip. A fresh clone (CI) has no online branch,
// and a colleague's deploys move functions past it: when stamps name commits
// this repository has but the branch does not contain, the recorded state of
// each such function is its version in the stamped commit. The returned tip
// then holds a commit with that tree (stored, but the branch is not moved):
// its parent is the oldest of the stamped commits and the old tip (the one
// all others descend from, else their merge base), so that merging it into
// HEAD takes the last deploy as the merge base. When every function comes
// from one stamped commit, the tip is that commit itself.
func ResolveTip(repo *gitstate.Repo, b Branch, tip *Tip, fns []fc.Function) (*Tip, *Stamps, error) {
	st := &Stamps{Unknown: map[string]string{}}
	stale := map[plumbing.Hash]bool{}
	from := map[string]plumbing.Hash{}
	for _, f := range fns {
		s := StampOf(f)
		if s == "" {
			continue
		}
		h := plumbing.NewHash(s)
		if len(s) != 40 || h.String() != strings.ToLower(s) {
			st.Unknown[f.Name()] = s
			continue
		}
		if _, err := repo.ReadCommit(h); err != nil {
			st.Unknown[f.Name()] = s
			continue
		}
		if !tip.Commit.IsZero() {
			known, err := repo.IsAncestor(h, tip.Commit)
			if err != nil {
				return nil, nil, err
			}
			if known {
				continue
			}
		}
		from[f.Name()] = h
		stale[h] = true
	}
	if len(stale) == 0 {
		return tip, st, nil
	}
	candidates := make([]plumbing.Hash, 0, len(stale)+1)
	for h := range stale {
		candidates = append(candidates, h)
	}
	sort.Slice(candidates, func(i, j int) bool { return candidates[i].String() < candidates[j].String() })
	if !tip.Commit.IsZero() {
		candidates = append(candidates, tip.Commit)
	}
	st.Sources = candidates
	parent, err := oldest(repo, candidates)
	if err != nil {
		return nil, nil, err
	}

	// The rebuilt managed directory: stamped functions from their commits,
	// the rest as the old tip had them.
	entries := map[string]gitstate.TreeEntry{}
	if !tip.Tree.IsZero() {
		old, err := repo.ReadTree(tip.Tree)
		if err != nil {
			return nil, nil, err
		}
		for _, e := range old {
			entries[e.Name] = e
		}
	}
	for name, h := range from {
		c, err := repo.ReadCommit(h)
		if err != nil {
			return nil, nil, err
		}
		e, ok, err := repo.TreeEntryAt(c.TreeHash, path.Join(b.Dir, name))
		if err != nil {
			return nil, nil, err
		}
		if ok && e.Mode == filemode.Dir {
			entries[name] = gitstate.TreeEntry{Name: name, Mode: filemode.Dir, Hash: e.Hash}
		} else {
			// Deployed from a commit that does not hold it under this
			// directory (renamed since): nothing to compare with.
			delete(entries, name)
		}
	}
	list := make([]gitstate.TreeEntry, 0, len(entries))
	for _, e := range entries {
		list = append(list, e)
	}
	managed, err := repo.StoreTree(list)
	if err != nil {
		return nil, nil, err
	}
	st.Rebuilt = true
	out := &Tip{Tree: managed, Note: &Note{Functions: map[string]FunctionMeta{}}}
	// When a commit already holds exactly the rebuilt state, it is the tip:
	// the newest candidate (usually a fast-forward of the branch), else the
	// oldest. Only a true mix of deploys needs a commit of its own.
	newest, err := newest(repo, candidates)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range []plumbing.Hash{newest, parent} {
		if c.IsZero() {
			continue
		}
		cc, err := repo.ReadCommit(c)
		if err != nil {
			return nil, nil, err
		}
		if e, ok, err := repo.TreeEntryAt(cc.TreeHash, b.Dir); err != nil {
			return nil, nil, err
		} else if ok && e.Hash == managed {
			out.Commit, out.Root = c, cc.TreeHash
			if c == tip.Commit {
				out.Note = tip.Note
			}
			return out, st, nil
		}
	}
	out.Root = gitstate.EmptyTree
	if !parent.IsZero() {
		pc, err := repo.ReadCommit(parent)
		if err != nil {
			return nil, nil, err
		}
		out.Root = pc.TreeHash
	}
	if out.Root, err = repo.ReplaceSubtree(out.Root, b.Dir, managed); err != nil {
		return nil, nil, err
	}
	author, committer, err := repo.DefaultSignature()
	if err != nil {
		return nil, nil, err
	}
	var parents []plumbing.Hash
	if !parent.IsZero() {
		parents = []plumbing.Hash{parent}
	}
	names := make([]string, 0, len(from))
	for n := range from {
		names = append(names, n)
	}
	sort.Strings(names)
	var msg strings.Builder
	fmt.Fprintf(&msg, "Online state of %s as deployed, from deployed-from stamps\n\n", b.Region)
	for _, n := range names {
		fmt.Fprintf(&msg, "%s: deployed from %s\n", n, from[n])
	}
	out.Commit, err = repo.StoreCommit(gitstate.CommitSpec{Tree: out.Root, Parents: parents, Message: msg.String(), Author: author, Committer: committer})
	if err != nil {
		return nil, nil, err
	}
	return out, st, nil
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
// the listed functions and the tip to compare them with.
type Prepared struct {
	Old    *Tip // the online branch as it is
	Tip    *Tip // Old, or rebuilt from stamps (see ResolveTip)
	Stamps *Stamps
	Listed []fc.Function
}

// Prepare lists the in-scope functions and resolves the tip from the online
// branch and the functions' deployed-from stamps. It writes objects only.
func Prepare(ctx context.Context, client Client, repo *gitstate.Repo, b Branch, opts Options) (*Prepared, error) {
	old, err := LoadTip(repo, b)
	if err != nil {
		return nil, err
	}
	fns, err := List(ctx, client, opts)
	if err != nil {
		return nil, err
	}
	tip, st, err := ResolveTip(repo, b, old, fns)
	if err != nil {
		return nil, fmt.Errorf("deployed-from stamps: %w", err)
	}
	if err := fillChecksums(repo, tip, fns); err != nil {
		return nil, err
	}
	return &Prepared{Old: old, Tip: tip, Stamps: st, Listed: fns}, nil
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

// Read reads the listed functions with the resolved tip as the base.
func (p *Prepared) Read(ctx context.Context, client Client, repo *gitstate.Repo, opts Options) (*Online, error) {
	return ReadListed(ctx, client, repo, p.Tip.Base(), p.Listed, opts)
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
