package pull

import (
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/merge"
)

// MergeResult is a merge made in objects only (MergeCommits).
type MergeResult struct {
	// Kind is "up-to-date" (ours already holds theirs), "fast-forward",
	// "merged" or "conflicts".
	Kind string
	// Commit is the result: ours, theirs, or the merge commit; zero for
	// conflicts.
	Commit    plumbing.Hash
	Conflicts []merge.Conflict
}

// MergeCommits merges the online branch's commit theirs into the commit
// ours as Pull merges it into HEAD (the same decisions between up to date,
// fast-forward and a three-way merge, the same base, file merges and
// message) without touching the work tree, the index or any ref. A clean
// three-way merge is stored as a commit whose parents are ours and theirs;
// a conflicted one stores no commit. The commit records the repository's
// record identity (the user's, else fcgit's own: an unattended watcher makes
// it, not a person). A zero ours is an unborn branch: theirs fast-forwards.
func MergeCommits(repo *gitstate.Repo, opts Options, ours, theirs plumbing.Hash) (*MergeResult, error) {
	if ours.IsZero() {
		return &MergeResult{Kind: "fast-forward", Commit: theirs}, nil
	}
	if up, err := repo.IsAncestor(theirs, ours); err != nil {
		return nil, err
	} else if up {
		return &MergeResult{Kind: "up-to-date", Commit: ours}, nil
	}
	oc, err := repo.ReadCommit(ours)
	if err != nil {
		return nil, err
	}
	if ff, err := repo.IsAncestor(ours, theirs); err != nil {
		return nil, err
	} else if ff {
		tc, err := repo.ReadCommit(theirs)
		if err != nil {
			return nil, err
		}
		own, err := ownFilesOfDeleted(repo, opts.Dir, oc.TreeHash, tc.TreeHash)
		if err != nil {
			return nil, err
		}
		if len(own) == 0 {
			return &MergeResult{Kind: "fast-forward", Commit: theirs}, nil
		}
	}
	res, baseTree, theirsTree, err := mergeTrees(repo, opts, ours, oc.TreeHash, theirs)
	if err != nil {
		return nil, err
	}
	if !res.Clean() {
		return &MergeResult{Kind: "conflicts", Conflicts: res.Conflicts}, nil
	}
	if opts.Description == "" {
		if opts.Description, err = incoming(repo, opts.Dir, baseTree, theirsTree); err != nil {
			return nil, err
		}
	}
	author, committer, err := repo.RecordSignature()
	if err != nil {
		return nil, err
	}
	commit, err := repo.StoreCommit(gitstate.CommitSpec{
		Tree: res.Tree, Parents: []plumbing.Hash{ours, theirs}, Message: mergeMessage(opts),
		Author: author, Committer: committer,
	})
	if err != nil {
		return nil, err
	}
	return &MergeResult{Kind: "merged", Commit: commit}, nil
}
