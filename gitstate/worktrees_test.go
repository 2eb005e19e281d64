package gitstate

import (
	"path/filepath"
	"testing"
)

// TestCheckedOut: the branches git itself would not move under another
// work tree (git worktree add), seen from the main work tree and from a
// linked one.
func TestCheckedOut(t *testing.T) {
	dir := t.TempDir()
	main := filepath.Join(dir, "main")
	look := filepath.Join(dir, "look")
	gitCmd(t, dir, "init", "-q", "-b", "main", main)
	gitCmd(t, main, "commit", "-q", "--allow-empty", "-m", "one")
	gitCmd(t, main, "branch", "side")
	gitCmd(t, main, "worktree", "add", "-q", look, "side")
	gitCmd(t, main, "worktree", "add", "-q", "--detach", filepath.Join(dir, "detached"))
	for _, from := range []string{main, look} {
		r, err := Open(from)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.CheckedOut()
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"refs/heads/main": main, "refs/heads/side": look}
		if len(got) != len(want) {
			t.Fatalf("from %s: %v, want %v", from, got, want)
		}
		for ref, wd := range want {
			if g, ok := got[ref]; !ok || evalPath(t, g) != evalPath(t, wd) {
				t.Errorf("from %s: %s checked out in %q, want %q", from, ref, g, wd)
			}
		}
	}
}

func evalPath(t *testing.T, p string) string {
	t.Helper()
	out, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
