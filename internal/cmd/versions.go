package cmd

import (
	"context"
	"fmt"

	"github.com/fcgit/fcgit/release"
)

// versions scans the published versions of the functions whose versions
// matter here (release.Watched): with repair, missing tags of fcgit's own
// versions are written (status never writes).
func (w *workspace) versions(ctx context.Context, names []string, repair bool) ([]release.Version, error) {
	head, err := w.repo.Head()
	if err != nil || head.Hash.IsZero() {
		return nil, err
	}
	c, err := w.repo.ReadCommit(head.Hash)
	if err != nil {
		return nil, err
	}
	e, ok, err := w.repo.TreeEntryAt(c.TreeHash, w.cfg.Dir)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, nil
	}
	all := false
	for _, k := range w.cfg.Watch {
		all = all || k == "aliases"
	}
	watched, err := release.Watched(w.loader, e.Hash, all, names)
	if err != nil {
		return nil, fmt.Errorf("versions: %w", err)
	}
	if len(watched) == 0 {
		return nil, nil
	}
	vs, err := release.Scan(ctx, w.client, w.repo, watched, repair)
	if err != nil {
		return nil, fmt.Errorf("versions: %w", err)
	}
	return vs, nil
}

func printUntracked(env Env, vs []release.Version) {
	for _, v := range release.Untracked(vs) {
		fmt.Fprintf(env.Stdout, "  %s: version %s was published online, not from a commit (fcgit pull imports it as %s)\n", v.Function, v.ID, release.TagName(v.Function, v.ID))
	}
}
