package gitstate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// Init creates a repository in dir like `git init` (default branch from
// init.defaultBranch, else "main") and opens it. An existing repository in
// dir is simply opened, as `git init` re-initialising changes nothing fcgit
// relies on.
func Init(dir string) (*Repo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("init %s: %w", dir, err)
	}
	if _, err := os.Stat(filepath.Join(abs, ".git")); err == nil {
		return Open(abs)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("init %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o777); err != nil {
		return nil, fmt.Errorf("init %s: %w", dir, err)
	}
	cs, err := loadConfigFiles("")
	if err != nil {
		return nil, fmt.Errorf("init %s: %w", dir, err)
	}
	branch := "main"
	if b, ok := cs.get("init.defaultbranch"); ok && strings.TrimSpace(b) != "" {
		branch = strings.TrimSpace(b)
	}
	ref := plumbing.NewBranchReferenceName(branch)
	if err := checkRefName(ref.String()); err != nil {
		return nil, fmt.Errorf("init %s: init.defaultBranch: %w", dir, err)
	}
	if _, err := git.PlainInitWithOptions(abs, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: ref},
	}); err != nil {
		return nil, fmt.Errorf("init %s: %w", dir, err)
	}
	if err := writeInitialConfig(filepath.Join(abs, ".git")); err != nil {
		return nil, fmt.Errorf("init %s: %w", dir, err)
	}
	return Open(abs)
}

// writeInitialConfig writes the [core] section `git init` writes (go-git
// writes only "bare"), probing whether the file system keeps the executable
// bit as git does.
func writeInitialConfig(gitDir string) error {
	fileMode := "true"
	probe := filepath.Join(gitDir, "config.probe")
	if err := os.WriteFile(probe, nil, 0o666); err == nil {
		if os.Chmod(probe, 0o777) != nil {
			fileMode = "false"
		} else if fi, err := os.Stat(probe); err != nil || fi.Mode().Perm()&0o100 == 0 {
			fileMode = "false"
		}
		os.Remove(probe)
	}
	cfg := "[core]\n\trepositoryformatversion = 0\n\tfilemode = " + fileMode +
		"\n\tbare = false\n\tlogallrefupdates = true\n"
	lock, err := acquireLock(filepath.Join(gitDir, "config"), lockTimeout)
	if err != nil {
		return err
	}
	defer lock.rollback()
	if _, err := lock.Write([]byte(cfg)); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	return lock.commit()
}
