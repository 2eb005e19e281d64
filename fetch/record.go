package fetch

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/snapshot"
)

// Branch names the online branch and the managed directory inside its trees.
type Branch struct {
	Ref    string // "refs/heads/fcgit/online"
	Dir    string // "functions"
	Region string // named in commit messages and notes
	// DomainsDir is the directory of custom domain files ("domains");
	// "" when this repository does not manage custom domains.
	DomainsDir string
	// Target names the target of fcgit.toml's [targets] the branch records
	// ("" for a repository without targets).
	Target string
	// Layout maps commits to what the target deploys (nil: the files as
	// they are, for a repository without targets).
	Layout *Layout
}

// Tip is the online branch's current state.
type Tip struct {
	Commit  plumbing.Hash // zero when the branch does not exist yet
	Root    plumbing.Hash // the commit's tree
	Tree    plumbing.Hash // the managed directory inside it; zero when absent
	Domains plumbing.Hash // the domains directory inside it; zero when absent
	Note    *Note         // never nil
}

// LoadTip reads the online branch's tip, its managed directory and its note.
func LoadTip(repo *gitstate.Repo, b Branch) (*Tip, error) {
	t := &Tip{Note: &Note{Functions: map[string]FunctionMeta{}}}
	h, ok, err := repo.ResolveRef(b.Ref)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", b.Ref, err)
	}
	if !ok {
		return t, nil
	}
	t.Commit = h
	c, err := repo.ReadCommit(h)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", b.Ref, err)
	}
	t.Root = c.TreeHash
	if t.Tree, t.Domains, err = b.Managed(repo, t.Root); err != nil {
		return nil, err
	}
	data, ok, err := repo.ReadNote(b.NotesRef(), h)
	if err != nil {
		return nil, fmt.Errorf("read note of %s: %w", b.Ref, err)
	}
	if ok {
		// An unreadable note only costs downloads.
		if n, err := DecodeNote(data); err == nil {
			t.Note = n
		}
	}
	return t, nil
}

// Base returns what the tip offers to the next Read.
func (t *Tip) Base() Base { return Base{Tree: t.Tree, Note: t.Note, Domains: t.Domains} }

// Change is what happened to one function between two snapshots.
type Change struct {
	Name   string
	Kind   string   // "added", "deleted", "changed"
	Config []string // changed configuration paths (snapshot.Diff), triggers included
	Code   bool     // code tree changed
	// Secrets names secret environment variables whose value changed
	// (values are never shown).
	Secrets []string
	// Domain: Name is a custom domain, not a function.
	Domain bool
	// InHead: HEAD holds this online state already (merged long ago, the
	// record being rebuilt from deployed-from stamps in a fresh clone):
	// nothing to pull.
	InHead bool
}

// MarkInHead marks the changes whose online state HEAD's managed directory
// (its view, zero: none) holds exactly.
func MarkInHead(repo *gitstate.Repo, changes []Change, on *Online, head plumbing.Hash) error {
	if head.IsZero() {
		return nil
	}
	for i, c := range changes {
		fn := on.Functions[c.Name]
		if c.Domain || c.Kind == "deleted" || fn == nil {
			continue
		}
		e, ok, err := repo.TreeEntryAt(head, c.Name)
		if err != nil {
			return err
		}
		changes[i].InHead = ok && e.Hash == fn.Tree
	}
	return nil
}

// Label names what changed: the function, or "domain <name>", escaped
// (snapshot.Printable) as every name from FC is where it is shown.
func (c Change) Label() string {
	if c.Domain {
		return "domain " + snapshot.Printable(c.Name)
	}
	return snapshot.Printable(c.Name)
}

// Changes compares the tip's managed directory with the online state.
func Changes(repo *gitstate.Repo, tip *Tip, on *Online) ([]Change, error) {
	old := map[string]gitstate.TreeEntry{}
	if !tip.Tree.IsZero() {
		entries, err := repo.ReadTree(tip.Tree)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.Mode == filemode.Dir {
				old[e.Name] = e
			}
		}
	}
	var out []Change
	for _, name := range on.Names() {
		fn := on.Functions[name]
		e, ok := old[name]
		delete(old, name)
		switch {
		case !ok:
			out = append(out, Change{Name: name, Kind: "added"})
		case e.Hash != fn.Tree:
			ch := Change{Name: name, Kind: "changed", Secrets: fn.SecretsChanged}
			prevCode, _, err := repo.TreeEntryAt(tip.Tree, path.Join(name, "code"))
			if err != nil {
				return nil, err
			}
			ch.Code = prevCode.Hash != fn.CodeTree
			prevTOML, ok, err := repo.TreeEntryAt(tip.Tree, path.Join(name, "function.toml"))
			if err != nil {
				return nil, err
			}
			if ok {
				data, err := repo.ReadBlob(prevTOML.Hash)
				if err != nil {
					return nil, err
				}
				if prev, err := snapshot.Decode(name+"/function.toml", data, name); err == nil {
					ch.Config = snapshot.Diff(prev, fn.State)
				} else if string(data) != string(fn.TOML) {
					ch.Config = []string{"function.toml"}
				}
			}
			out = append(out, ch)
		}
	}
	if len(old) > 0 && !on.Tree.IsZero() {
		// Directories kept as they were (functions outside the scope)
		// did not change.
		now, err := repo.ReadTree(on.Tree)
		if err != nil {
			return nil, err
		}
		for _, e := range now {
			if o, ok := old[e.Name]; ok && o.Hash == e.Hash {
				delete(old, e.Name)
			}
		}
	}
	for name := range old {
		out = append(out, Change{Name: name, Kind: "deleted"})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	domains, err := domainChanges(repo, tip, on)
	if err != nil {
		return nil, err
	}
	return append(out, domains...), nil
}

// domainChanges compares the tip's domain files with the online domains.
func domainChanges(repo *gitstate.Repo, tip *Tip, on *Online) ([]Change, error) {
	old, err := LoadDomains(repo, "", tip.Domains)
	if err != nil {
		// A record that does not decode: every online domain counts as
		// changed, and the new record replaces it.
		old = map[string]*Domain{}
	}
	var out []Change
	for _, name := range DomainNames(on.Domains) {
		d, o := on.Domains[name], old[name]
		switch {
		case o == nil:
			out = append(out, Change{Name: name, Kind: "added", Domain: true})
		case o.Blob != d.Blob:
			out = append(out, Change{Name: name, Kind: "changed", Domain: true, Config: snapshot.DomainDiff(o.State, d.State)})
		}
	}
	for _, name := range DomainNames(old) {
		if on.Domains[name] == nil {
			out = append(out, Change{Name: name, Kind: "deleted", Domain: true})
		}
	}
	return out, nil
}

// Describe renders changes for people: "config: memorySize; code". Keys
// come from FC, which may send any text as a field or variable name: each
// is escaped (snapshot.Printable), since this text goes to the terminal and
// into commit messages.
func (c Change) Describe() string {
	var parts []string
	var cfg, trg []string
	for _, p := range c.Config {
		if strings.HasPrefix(p, "triggers.") {
			trg = append(trg, snapshot.Printable(strings.TrimPrefix(p, "triggers.")))
		} else {
			cfg = append(cfg, snapshot.Printable(p))
		}
	}
	if len(cfg) > 0 {
		parts = append(parts, "config: "+strings.Join(cfg, ", "))
	}
	if c.Code {
		parts = append(parts, "code")
	}
	if len(trg) > 0 {
		parts = append(parts, "triggers: "+strings.Join(trg, ", "))
	}
	if len(c.Secrets) > 0 {
		names := make([]string, len(c.Secrets))
		for i, n := range c.Secrets {
			names[i] = snapshot.Printable(n)
		}
		parts = append(parts, "secrets: "+strings.Join(names, ", ")+" (values hidden)")
	}
	if len(parts) == 0 && c.Kind == "changed" {
		// Only the files changed: hashes of secrets recorded for the first
		// time, or a re-encoding.
		parts = append(parts, "recorded form of function.toml")
	}
	return strings.Join(parts, "; ")
}

// Message is the commit message for recording changes seen online.
func Message(region string, changes []Change) string {
	count := map[string]int{}
	for _, c := range changes {
		count[c.Kind]++
	}
	var head []string
	for _, k := range []string{"added", "changed", "deleted"} {
		if count[k] > 0 {
			head = append(head, fmt.Sprintf("%d %s", count[k], k))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Online state of %s: %s\n\n", region, strings.Join(head, ", "))
	for _, c := range changes {
		switch c.Kind {
		case "changed":
			fmt.Fprintf(&b, "changed: %s (%s)\n", c.Label(), c.Describe())
		default:
			fmt.Fprintf(&b, "%s: %s\n", c.Kind, c.Label())
		}
	}
	return b.String()
}

// ErrBranchMoved is returned when the online branch moved while fetch ran
// (another fcgit or git command): nothing was recorded.
var ErrBranchMoved = errors.New("the online branch moved while fetch was running; run fetch again")

// Record commits the online state on the online branch when it differs from
// the tip: parent = old tip, tree = old tip's tree with only the managed
// directory replaced (a root commit holding the managed directory alone the
// first time). It then attaches the note. It returns the new tip commit, or
// the old one with changed=false when online state equals the tip; the note is
// refreshed in that case too, since volatile metadata may have moved.
func Record(repo *gitstate.Repo, b Branch, tip *Tip, on *Online, changes []Change) (plumbing.Hash, bool, error) {
	on.Note.Region = b.Region
	if tip.Commit.IsZero() && len(on.Functions) == 0 && len(on.Domains) == 0 {
		// Nothing online and nothing recorded: there is no state to record.
		return plumbing.ZeroHash, false, nil
	}
	if !tip.Commit.IsZero() && tip.Tree == on.Tree && (b.DomainsDir == "" || tip.Domains == on.DomainsTree) {
		if !tip.Note.Equal(on.Note) {
			if err := repo.WriteNote(b.NotesRef(), tip.Commit, on.Note.Encode(), "fcgit: refresh metadata"); err != nil {
				return tip.Commit, false, fmt.Errorf("write note: %w", err)
			}
		}
		return tip.Commit, false, nil
	}
	root := tip.Root
	if root.IsZero() {
		root = gitstate.EmptyTree
	}
	newRoot, err := b.Unview(repo, root, on.Tree, on.DomainsTree)
	if err != nil {
		return plumbing.ZeroHash, false, fmt.Errorf("build tree: %w", err)
	}
	var parents []plumbing.Hash
	if !tip.Commit.IsZero() {
		parents = []plumbing.Hash{tip.Commit}
	}
	commit, err := storeRecord(repo, newRoot, parents, Message(b.Region, changes))
	if err != nil {
		return plumbing.ZeroHash, false, fmt.Errorf("store commit: %w", err)
	}
	if err := repo.UpdateRef(b.Ref, commit, tip.Commit, "fcgit fetch"); err != nil {
		if errors.Is(err, gitstate.ErrRefChanged) {
			return plumbing.ZeroHash, false, fmt.Errorf("%w (%v)", ErrBranchMoved, err)
		}
		return plumbing.ZeroHash, false, fmt.Errorf("update %s: %w", b.Ref, err)
	}
	if err := repo.WriteNote(b.NotesRef(), commit, on.Note.Encode(), "fcgit: metadata of "+commit.String()[:12]); err != nil {
		// Keep "all or nothing": without its note the commit would make the
		// next fetch download every package again, but more importantly the
		// caller was told nothing changed on failure.
		if rerr := repo.UpdateRef(b.Ref, tip.Commit, commit, "fcgit fetch: undo, note failed"); rerr != nil {
			return plumbing.ZeroHash, false, fmt.Errorf("write note: %w (and undoing the branch update failed: %v)", err, rerr)
		}
		return plumbing.ZeroHash, false, fmt.Errorf("write note: %w", err)
	}
	return commit, true, nil
}
