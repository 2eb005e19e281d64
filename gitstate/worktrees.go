package gitstate

import (
	"os"
	"path/filepath"
	"strings"
)

// CheckedOut maps each branch checked out in a work tree of the repository,
// this one, the main one and the linked ones (git worktree add), to that
// work tree's directory ("" where git does not record it). Git itself
// refuses to move such a branch under another work tree (git branch -f); a
// commit fcgit adds to it would leave that work tree's index and files
// showing a revert.
func (r *Repo) CheckedOut() (map[string]string, error) {
	out := map[string]string{}
	add := func(gitDir, workDir string) error {
		data, err := os.ReadFile(filepath.Join(gitDir, "HEAD"))
		if os.IsNotExist(err) {
			return nil // a work tree being removed
		}
		if err != nil {
			return err
		}
		if ref, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "ref: "); ok {
			out[ref] = workDir
		}
		return nil
	}
	// The main work tree: its git directory is the common one.
	main := ""
	if filepath.Base(r.commonDir) == ".git" {
		main = filepath.Dir(r.commonDir)
	}
	if r.gitDir == r.commonDir {
		main = r.workDir
	}
	if err := add(r.commonDir, main); err != nil {
		return nil, err
	}
	linked, err := os.ReadDir(filepath.Join(r.commonDir, "worktrees"))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	for _, e := range linked {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(r.commonDir, "worktrees", e.Name())
		workDir := ""
		// gitdir names the linked work tree's .git file.
		if data, err := os.ReadFile(filepath.Join(dir, "gitdir")); err == nil {
			workDir = filepath.Dir(strings.TrimSpace(string(data)))
		}
		if err := add(dir, workDir); err != nil {
			return nil, err
		}
	}
	return out, nil
}
