package pull

import (
	"path"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/gitstate"
)

// deployedBase returns the tree to merge against: the merge base's, with
// each function that a push of some functions (pathspecs) deployed since, from
// a commit in HEAD's history, at its deployed version.
//
// Such a push records its deploy in a commit of the online branch that HEAD
// does not contain (HEAD may hold changes to other functions that were not
// deployed, and taking HEAD into the branch's history would make them look
// deployed). git's merge base then predates the deploy, and the function's
// later local edits would conflict with, or be reverted to, its own deployed
// version. The deployed version is the function's true base: what HEAD and
// online both started from.
//
// The online branch is walked by first parents from its tip down to the
// first commit HEAD's history holds: everything older is merged already.
// The newest record of a function wins.
func deployedBase(repo *gitstate.Repo, dir string, head, theirs, baseTree plumbing.Hash) (plumbing.Hash, error) {
	headHistory, err := repo.Reachable(head)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	deployed := map[string]plumbing.Hash{} // function -> record commit
	var order []string
	for c := theirs; !c.IsZero(); {
		if headHistory[c] {
			break
		}
		commit, err := repo.ReadCommit(c)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if joinsHead(commit.ParentHashes, headHistory) {
			// A push of everything over a branch HEAD did not contain:
			// HEAD's state as a whole was deployed there.
			break
		}
		if rec, ok := fetch.ParseDeployRecord(commit.Message); ok && inHistory(rec.From, headHistory) {
			for _, fn := range rec.Functions {
				if _, seen := deployed[fn]; !seen {
					deployed[fn] = c
					order = append(order, fn)
				}
			}
		}
		if len(commit.ParentHashes) == 0 {
			break
		}
		c = commit.ParentHashes[0]
	}
	tree := baseTree
	for _, fn := range order {
		rc, err := repo.ReadCommit(deployed[fn])
		if err != nil {
			return plumbing.ZeroHash, err
		}
		p := path.Join(dir, fn)
		e, ok, err := repo.TreeEntryAt(rc.TreeHash, p)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		sub := plumbing.ZeroHash // pruned by that push
		if ok {
			sub = e.Hash
		}
		if tree, err = repo.ReplaceSubtree(tree, p, sub); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	return tree, nil
}

// joinsHead reports whether a commit of the online branch has a parent other
// than its first in HEAD's history.
func joinsHead(parents []plumbing.Hash, headHistory map[plumbing.Hash]bool) bool {
	for _, p := range parents[min(1, len(parents)):] {
		if headHistory[p] {
			return true
		}
	}
	return false
}

// inHistory reports whether the commit a deploy record names (a full id, or
// the 12-digit prefix older records carry) is in HEAD's history.
func inHistory(id string, headHistory map[plumbing.Hash]bool) bool {
	if len(id) == 40 {
		return headHistory[plumbing.NewHash(id)]
	}
	for h := range headHistory {
		if strings.HasPrefix(h.String(), id) {
			return true
		}
	}
	return false
}
