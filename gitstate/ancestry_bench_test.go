package gitstate

import (
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// BenchmarkIsAncestorAlongHistory asks, for each of the 2,000 commits of a
// line of history, whether it is an ancestor of the tip, as resolving
// deployed-from stamps asks it of each function's stamped commit against
// the online branch: the walk from the tip is resumed, not repeated.
func BenchmarkIsAncestorAlongHistory(b *testing.B) {
	const commits = 2000
	r := newRepo(b)
	batch, err := r.BeginBatch()
	if err != nil {
		b.Fatal(err)
	}
	var chain []plumbing.Hash
	parent := plumbing.ZeroHash
	for i := range commits {
		var parents []plumbing.Hash
		if !parent.IsZero() {
			parents = []plumbing.Hash{parent}
		}
		c, err := r.StoreCommit(CommitSpec{Tree: EmptyTree, Parents: parents, Message: "c", Author: testSig(int64(1700000000 + i)), Committer: testSig(int64(1700000000 + i))})
		if err != nil {
			b.Fatal(err)
		}
		chain = append(chain, c)
		parent = c
	}
	if err := batch.Commit(); err != nil {
		b.Fatal(err)
	}
	tip := chain[len(chain)-1]
	for b.Loop() {
		fresh, err := Open(r.WorkDir())
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range chain {
			if ok, err := fresh.IsAncestor(c, tip); err != nil || !ok {
				b.Fatalf("IsAncestor(%s, tip) = %v, %v", c, ok, err)
			}
		}
	}
}
