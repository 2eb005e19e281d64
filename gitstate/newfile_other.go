//go:build !unix

package gitstate

import (
	"io"
	"os"
)

// createNew creates abs, which must not exist yet, holding content.
func createNew(abs string, perm os.FileMode, content io.Reader) error {
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, content); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// renameOver renames from to to, replacing a file or symlink at to.
func renameOver(from, to string) error { return os.Rename(from, to) }
