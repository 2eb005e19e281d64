package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/internal/mapkeys"
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
	// Versions matter where aliases name them: the functions whose files
	// declare aliases, and, aliases being read for every function by
	// default, those the online branch records with aliases (one created
	// in the console included), rather than every function, which would
	// cost a request per function on every status and pull.
	watched, err := release.Watched(w.loader, e.Hash, false, w.target.Name, names)
	if err != nil {
		return nil, fmt.Errorf("versions: %w", err)
	}
	if tip, err := fetch.LoadTip(w.repo, w.branch()); err != nil {
		return nil, err
	} else if !tip.Tree.IsZero() {
		recorded, err := release.Watched(w.loader, tip.Tree, false, w.target.Name, nil)
		if err != nil {
			return nil, fmt.Errorf("versions: %w", err)
		}
		watched = union(watched, recorded)
	}
	if len(watched) == 0 {
		return nil, nil
	}
	vs, err := release.Scan(ctx, w.client, w.repo, w.target.Name, watched, repair)
	if action, denied := fc.DeniedAction(err); denied {
		err = &fetch.DeniedError{Action: action, Err: err,
			Fix: "remove the aliases of the functions whose versions fcgit reads (and their version tags here), or leave aliases out of readForEveryFunction in fcgit.toml so that only the functions whose function.toml declares aliases have their aliases, and versions, read"}
	}
	if err != nil {
		return nil, fmt.Errorf("versions: %w", err)
	}
	return vs, nil
}

// union is the sorted union of two sorted lists.
func union(a, b []string) []string {
	set := map[string]bool{}
	for _, l := range [][]string{a, b} {
		for _, s := range l {
			set[s] = true
		}
	}
	return mapkeys.Sorted(set)
}

func printUntracked(env Env, vs []release.Version) {
	for _, v := range release.Untracked(vs) {
		fmt.Fprintf(env.Stdout, "  %s: version %s was published online, not from a commit (fcgit pull imports it as %s)\n", v.Function, v.ID, v.Tag())
	}
}

// printMovedTags reports version tags that name another commit than their
// version's, on every status until they are put back.
func printMovedTags(w io.Writer, vs []release.Version) {
	for _, v := range release.MovedTags(vs) {
		fmt.Fprintf(w, "  %s: %s\n", v.Function, v.MovedMessage())
	}
}
