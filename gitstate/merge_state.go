package gitstate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// WriteMergeState records a merge in progress exactly as `git merge` does
// when it stops on conflicts: MERGE_HEAD ("<hash>\n"), MERGE_MSG (the
// message `git commit` will offer), MERGE_MODE (empty: a plain merge, no
// --no-ff), and ORIG_HEAD (HEAD before the merge, used by
// `git reset --merge ORIG_HEAD`). Each file is replaced atomically, and
// MERGE_HEAD, which is what makes git (and fcgit) see a merge in progress,
// comes last: a process cut off earlier leaves no merge without its message.
func (r *Repo) WriteMergeState(mergeHead plumbing.Hash, msg string, origHead plumbing.Hash) error {
	if mergeHead.IsZero() {
		return fmt.Errorf("write merge state: zero MERGE_HEAD")
	}
	return r.writeMergeState(MergeState{MergeHead: mergeHead, Message: msg, OrigHead: origHead}, nil)
}

func (r *Repo) writeMergeState(ms MergeState, st *stepper) error {
	msg := ms.Message
	if msg != "" && !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	var files []struct{ name, content string }
	if !ms.OrigHead.IsZero() {
		files = append(files, struct{ name, content string }{"ORIG_HEAD", ms.OrigHead.String() + "\n"})
	}
	files = append(files, []struct{ name, content string }{
		{"MERGE_MSG", msg},
		{"MERGE_MODE", ""},
		{"MERGE_HEAD", ms.MergeHead.String() + "\n"},
	}...)
	for _, f := range files {
		if err := st.step(f.name); err != nil {
			return err
		}
		if err := r.writeGitDirFile(f.name, f.content); err != nil {
			return fmt.Errorf("write merge state: %w", err)
		}
	}
	return nil
}

// writeGitDirFile replaces a file in the per-worktree git dir under its lock.
func (r *Repo) writeGitDirFile(name, content string) error {
	lock, err := acquireLock(filepath.Join(r.gitDir, name), lockTimeout)
	if err != nil {
		return err
	}
	defer lock.rollback()
	if _, err := lock.Write([]byte(content)); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return lock.commit()
}

// MergeInProgress reports whether MERGE_HEAD exists.
func (r *Repo) MergeInProgress() (bool, error) {
	_, err := os.Stat(filepath.Join(r.gitDir, "MERGE_HEAD"))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check MERGE_HEAD: %w", err)
	}
	return true, nil
}

// ClearMergeState removes the merge state files git removes when a merge is
// committed or aborted (ORIG_HEAD stays, as with git).
func (r *Repo) ClearMergeState() error {
	for _, name := range []string{"MERGE_HEAD", "MERGE_MSG", "MERGE_MODE", "AUTO_MERGE", "MERGE_RR"} {
		if err := os.Remove(filepath.Join(r.gitDir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("clear merge state: %w", err)
		}
	}
	return nil
}
