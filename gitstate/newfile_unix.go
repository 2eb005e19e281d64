//go:build unix

package gitstate

import (
	"io"
	"io/fs"
	"os"
	"syscall"
)

// createNew creates abs, which must not exist yet, holding content. It
// goes around os.OpenFile, which registers every file it opens with the
// runtime's poller: four fcntl calls and a refused epoll_ctl per file, more
// system calls than writing a small file takes, 250,000 of them in a
// checkout of 50,000 files.
func createNew(abs string, perm os.FileMode, content io.Reader) error {
	var fd int
	err := ignoringEINTR(func() (err error) {
		fd, err = syscall.Open(abs, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, uint32(perm.Perm()))
		return err
	})
	if err != nil {
		return &fs.PathError{Op: "open", Path: abs, Err: err}
	}
	if _, err := io.Copy(fdWriter(fd), content); err != nil {
		syscall.Close(fd)
		return &fs.PathError{Op: "write", Path: abs, Err: err}
	}
	if err := syscall.Close(fd); err != nil {
		return &fs.PathError{Op: "close", Path: abs, Err: err}
	}
	return nil
}

// fdWriter writes to a file descriptor, all of p or an error.
type fdWriter int

func (w fdWriter) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		var m int
		err := ignoringEINTR(func() (err error) {
			m, err = syscall.Write(int(w), p[n:])
			return err
		})
		if err != nil {
			return n, err
		}
		if m == 0 {
			return n, io.ErrShortWrite
		}
		n += m
	}
	return n, nil
}

func ignoringEINTR(f func() error) error {
	for {
		if err := f(); err != syscall.EINTR {
			return err
		}
	}
}

// renameOver renames from to to, replacing a file or symlink at to. It
// goes around os.Rename, which looks at to first (a stat per file) to
// refuse a directory there; rename(2) refuses one too.
func renameOver(from, to string) error {
	if err := ignoringEINTR(func() error { return syscall.Rename(from, to) }); err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	return nil
}
