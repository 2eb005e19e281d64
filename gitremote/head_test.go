package gitremote

import (
	"context"
	"testing"
)

// DefaultBranch names the branch the remote's HEAD points to, over every
// transport, and reports none for an empty remote.
func TestDefaultBranch(t *testing.T) {
	for _, tc := range transports {
		t.Run(tc.name, func(t *testing.T) {
			bare := newBare(t)
			url := tc.url(t, bare)
			work := newWork(t, url)
			r := openOrigin(t, work)
			if ref, ok, err := r.DefaultBranch(context.Background()); err != nil || ok {
				t.Fatalf("empty remote: DefaultBranch = %q, %v, %v; want none", ref, ok, err)
			}
			commit(t, work, "fcgit.toml", "x\n")
			git(t, work, "branch", "trunk")
			pushOne(t, r, mainRef, "refs/heads/trunk")
			for _, want := range []string{"refs/heads/main", "refs/heads/trunk"} {
				git(t, bare, "symbolic-ref", "HEAD", want)
				ref, ok, err := r.DefaultBranch(context.Background())
				if err != nil || !ok || ref != want {
					t.Fatalf("DefaultBranch = %q, %v, %v; want %s", ref, ok, err, want)
				}
			}
		})
	}
}
