package fetch

import (
	"errors"
	"io"
	"path"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/snapshot"
)

// DomainInHistory returns the newest commit of start's history whose file
// for domain holds the same desired state as want, with that file; accept,
// when set, can refuse a holder (one older than a record). Custom domains
// carry no deploy stamps (FC does not tag them): a state found in history is
// what some commit deployed.
func DomainInHistory(repo *gitstate.Repo, b Branch, start plumbing.Hash, want *snapshot.State, accept func(plumbing.Hash) (bool, error)) (*Domain, plumbing.Hash, error) {
	if start.IsZero() {
		return nil, plumbing.ZeroHash, nil
	}
	log, err := repo.NewLog(start)
	if err != nil {
		return nil, plumbing.ZeroHash, err
	}
	file := path.Join(b.DomainsDir, snapshot.DomainFile(want.Name))
	checked := map[plumbing.Hash]bool{}
	for {
		c, err := log.Next()
		if errors.Is(err, io.EOF) {
			return nil, plumbing.ZeroHash, nil
		}
		if err != nil {
			return nil, plumbing.ZeroHash, err
		}
		_, domains, err := b.Managed(repo, c.TreeHash)
		if err != nil {
			return nil, plumbing.ZeroHash, err
		}
		e, ok, err := repo.TreeEntryAt(domains, snapshot.DomainFile(want.Name))
		if err != nil {
			return nil, plumbing.ZeroHash, err
		}
		if domains.IsZero() {
			ok = false
		}
		if !ok || checked[e.Hash] {
			continue
		}
		checked[e.Hash] = true
		data, err := repo.ReadBlob(e.Hash)
		if err != nil {
			return nil, plumbing.ZeroHash, err
		}
		st, err := snapshot.DecodeDomain(file, data, want.Name)
		if err != nil || !snapshot.DomainEqual(st, want) {
			continue
		}
		if accept != nil {
			if ok, err := accept(c.Hash); err != nil || !ok {
				return nil, plumbing.ZeroHash, err
			}
		}
		return &Domain{Name: want.Name, State: st, TOML: data, Blob: e.Hash}, c.Hash, nil
	}
}

// TipDomains returns, for each domain, the state to compare online with:
// the online branch's record, unless the online state is a state HEAD's
// history holds under a commit the record does not already cover (a deploy
// from another clone, or a fresh clone without the branch): then that state.
// Unknown names the domains online whose state is in neither.
func (p *Prepared) TipDomains(repo *gitstate.Repo, b Branch, on *Online) (map[string]*Domain, error) {
	if b.DomainsDir == "" {
		return map[string]*Domain{}, nil
	}
	rec, err := LoadDomains(repo, b.DomainsDir, p.Tip.Domains)
	if err != nil {
		return nil, err
	}
	for _, name := range DomainNames(on.Domains) {
		d := on.Domains[name]
		if SameDomain(rec[name], d) {
			continue
		}
		found, _, err := DomainInHistory(repo, b, p.Head, d.State, func(c plumbing.Hash) (bool, error) {
			if p.Old.Commit.IsZero() || rec[name] == nil {
				return true, nil
			}
			older, err := repo.IsAncestor(c, p.Old.Commit)
			return !older, err
		})
		if err != nil {
			return nil, err
		}
		if found != nil {
			rec[name] = found
		}
	}
	return rec, nil
}
