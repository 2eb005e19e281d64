package push

import (
	"context"
	"fmt"
	"io"
	"path"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/gitdiff"
	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/snapshot"
)

// DiffOptions say what fcgit diff compares.
type DiffOptions struct {
	Options
	// Drift compares the online branch's record (the last fetch or deploy)
	// with what is online now, instead of online with HEAD.
	Drift bool
}

// Diff writes, as `git diff` would, how the files of every function (and
// custom domain) differ between online state and HEAD: "a/" is online,
// "b/" is HEAD, so the diff reads as what push would change. With Drift,
// "a/" is the online branch's record and "b/" is online: what changed
// online since. Functions whose states are the same (FC's defaults and
// absent keys alike) are left out; function.toml's online side is encoded
// in the other side's style, so the lines that differ are the values that
// differ. It returns whether anything differs.
func Diff(ctx context.Context, client fetch.Client, repo *gitstate.Repo, w io.Writer, o DiffOptions) (bool, error) {
	b := o.Branch
	fopts := o.Fetch
	fopts.Hide = o.Hide
	s, err := gather(ctx, client, repo, gatherOptions{branch: b, fetch: fopts, sel: newSelection(o.Only)})
	if err != nil {
		return false, err
	}
	from, to := s.sel.filter(s.on.Functions), s.local
	if o.Drift {
		from, to = s.sel.filter(s.allTip), s.sel.filter(s.on.Functions)
	}
	d := &differ{repo: repo, w: w}
	names := map[string]bool{}
	for n := range from {
		names[n] = true
	}
	for n := range to {
		names[n] = true
	}
	for _, name := range mapkeys.Sorted(names) {
		if _, unmanaged := s.on.Unmanaged[name]; unmanaged {
			continue // what runs is not known: status says why
		}
		f, t := from[name], to[name]
		rotated := f != nil && len(f.SecretsChanged) > 0 || t != nil && len(t.SecretsChanged) > 0
		if fetch.Same(f, t) && !rotated {
			continue
		}
		if err := d.function(path.Join(b.Dir, name), f, t, !o.Drift); err != nil {
			return d.changed, fmt.Errorf("diff %s: %w", name, err)
		}
	}
	if s.domains {
		fromD, toD := s.on.Domains, s.localDomains
		if o.Drift {
			fromD, toD = s.recDomains, s.on.Domains
		}
		dn := map[string]bool{}
		for n := range fromD {
			dn[n] = true
		}
		for n := range toD {
			dn[n] = true
		}
		for _, name := range mapkeys.Sorted(dn) {
			f, t := fromD[name], toD[name]
			if fetch.SameDomain(f, t) {
				continue
			}
			fb, tb := domainText(f), domainText(t)
			if !o.Drift && f != nil && t != nil {
				// Online in HEAD's style.
				if fb, err = snapshot.EncodeDomain(f.State, t.State); err != nil {
					return d.changed, err
				}
			}
			if err := d.file(path.Join(b.DomainsDir, snapshot.DomainFile(name)), regular(fb, f != nil), regular(tb, t != nil)); err != nil {
				return d.changed, err
			}
		}
	}
	return d.changed, nil
}

type differ struct {
	repo    *gitstate.Repo
	w       io.Writer
	changed bool
}

func (d *differ) file(p string, from, to *gitdiff.File) error {
	if from == nil && to == nil {
		return nil
	}
	if from != nil && to != nil && from.Mode == to.Mode && string(from.Data) == string(to.Data) {
		return nil
	}
	d.changed = true
	return gitdiff.Write(d.w, p, from, to)
}

// function writes the difference of one function's function.toml and
// code. restyle encodes the "from" side's function.toml in the "to"
// side's style (online against HEAD).
func (d *differ) function(dir string, f, t *fetch.Function, restyle bool) error {
	ft, tt := tomlOf(f), tomlOf(t)
	if restyle && f != nil && t != nil {
		var err error
		if ft, err = snapshot.Encode(f.State, t.State); err != nil {
			return err
		}
	}
	if err := d.file(path.Join(dir, "function.toml"), regular(ft, f != nil), regular(tt, t != nil)); err != nil {
		return err
	}
	changes, err := d.repo.DiffTrees(codeOf(f), codeOf(t))
	if err != nil {
		return err
	}
	for _, c := range changes {
		from, err := d.side(c.From)
		if err != nil {
			return err
		}
		to, err := d.side(c.To)
		if err != nil {
			return err
		}
		if err := d.file(path.Join(dir, "code", c.Path), from, to); err != nil {
			return err
		}
	}
	return nil
}

func (d *differ) side(e *gitstate.TreeEntry) (*gitdiff.File, error) {
	if e == nil {
		return nil, nil
	}
	if e.Mode == filemode.Submodule {
		return &gitdiff.File{Mode: e.Mode, Data: []byte("Subproject commit " + e.Hash.String() + "\n")}, nil
	}
	data, err := d.repo.ReadBlob(e.Hash)
	if err != nil {
		return nil, err
	}
	return &gitdiff.File{Mode: e.Mode, Data: data}, nil
}

func tomlOf(f *fetch.Function) []byte {
	if f == nil {
		return nil
	}
	return f.TOML
}

func codeOf(f *fetch.Function) plumbing.Hash {
	if f == nil {
		return plumbing.ZeroHash
	}
	return f.CodeTree
}

func domainText(d *fetch.Domain) []byte {
	if d == nil {
		return nil
	}
	return d.TOML
}

func regular(data []byte, present bool) *gitdiff.File {
	if !present {
		return nil
	}
	return &gitdiff.File{Mode: filemode.Regular, Data: data}
}
