package gitstate

import (
	"os"
	"path/filepath"
	"testing"
)

func TestInitDefaultBranchAndGitAcceptsIt(t *testing.T) {
	cases := []struct {
		name, defaultBranch, want string
	}{
		{"builtin default", "", "refs/heads/main"},
		{"init.defaultBranch", "trunk", "refs/heads/trunk"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.defaultBranch != "" {
				cfg := filepath.Join(t.TempDir(), "gitconfig")
				os.WriteFile(cfg, []byte("[init]\n\tdefaultBranch = "+tc.defaultBranch+"\n[user]\n\tname = T\n\temail = t@e\n"), 0o644)
				t.Setenv("GIT_CONFIG_GLOBAL", cfg)
			}
			dir := filepath.Join(t.TempDir(), "new", "repo")
			r, err := Init(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := gitCmd(t, dir, "symbolic-ref", "HEAD"); got != tc.want {
				t.Fatalf("HEAD -> %s, want %s", got, tc.want)
			}
			h, err := r.Head()
			if err != nil || h.Branch != tc.want || !h.Hash.IsZero() {
				t.Fatalf("Head() = %+v, %v", h, err)
			}
			if got := gitCmd(t, dir, "rev-parse", "--is-bare-repository"); got != "false" {
				t.Fatalf("git sees bare=%s", got)
			}
			if got := gitCmd(t, dir, "status", "--porcelain"); got != "" {
				t.Fatalf("status: %q", got)
			}
			fsck(t, dir)
			// Re-initialising opens the same repository.
			again, err := Init(dir)
			if err != nil || again.GitDir() != r.GitDir() {
				t.Fatalf("re-init: %v, %s vs %s", err, again.GitDir(), r.GitDir())
			}
		})
	}
}
