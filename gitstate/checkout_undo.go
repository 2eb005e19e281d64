package gitstate

import (
	"errors"
	"fmt"
	"sort"

	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// ErrCheckoutUndone is wrapped when a checkout failed on an error (a path
// the file system refuses, a full disk, a permission) and was undone: the
// work tree is back as it was before it, the index and references were
// never changed, and no record of it is left. What failed is in the error.
var ErrCheckoutUndone = errors.New("the checkout was undone: the work tree, index and HEAD are as they were before it")

// undoCheckout puts back the paths a checkout of changes and conflicts
// (from plan.From to plan.To) may have written, as plan.From has them. It
// runs, holding index.lock, after the checkout failed on an error before
// committing its index: the index still describes plan.From, and every
// path it touched was, before, as plan.From has it (the caller checked
// there were no local changes there). Paths already as plan.From has them
// are left alone, so their index stat data stays valid.
//
// Unlike a kill, an error leaves the process able to clean up after
// itself; without this the record would make every later run redo the
// same failing write, and the work tree would stay half written.
func (r *Repo) undoCheckout(p CheckoutPlan, changes []treeChange) error {
	idx, err := readIndexFile(r.indexPath())
	if err != nil {
		return err
	}
	pol, err := r.statPolicy(idx)
	if err != nil {
		return err
	}
	back := make([]treeChange, 0, len(changes)+len(p.Conflicts))
	for _, ch := range changes {
		back = append(back, treeChange{path: ch.path, from: ch.to, to: ch.from})
	}
	for _, c := range p.Conflicts {
		var before *TreeEntry
		if te, ok, err := r.TreeEntryAt(p.From, c.Path); err != nil {
			return err
		} else if ok && te.Mode != filemode.Dir {
			before = &te
		}
		back = append(back, treeChange{path: c.Path, to: before})
	}
	sort.Slice(back, func(i, j int) bool { return back[i].path < back[j].path })
	// Removals first, deepest paths first, as applyCheckout does.
	for i := len(back) - 1; i >= 0; i-- {
		ch := back[i]
		if ch.to != nil || r.observe(ch.path, pol).matchesEntry(nil) {
			continue
		}
		mode := filemode.Regular
		if ch.from != nil {
			mode = ch.from.Mode
		}
		if err := r.removeWorktreeEntry(ch.path, mode); err != nil {
			return err
		}
	}
	w := &worktreeWriter{r: r, dirs: map[string]bool{}}
	for _, ch := range back {
		if ch.to == nil {
			continue
		}
		obs := r.observe(ch.path, pol)
		if obs.matchesEntry(ch.to) {
			continue
		}
		if obs.err != nil {
			return obs.err
		}
		if _, err := w.writeEntry(ch.path, *ch.to); err != nil {
			return err
		}
	}
	return nil
}

// undone reports a checkout that failed with err and was undone (undoErr
// nil), or that failed and could not be undone either.
func undone(err, undoErr error) error {
	if undoErr != nil {
		return fmt.Errorf("%w; undoing it failed too (%v): the work tree is partly written", err, undoErr)
	}
	return fmt.Errorf("%w (%w)", err, ErrCheckoutUndone)
}
