//go:build !linux

package gitstate

import (
	"errors"
	"os"
	"syscall"
)

// processAlive reports whether a process with this pid may exist; where the
// platform cannot tell, it says yes, which only makes fcgit refuse to
// touch a checkout that might still be written.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return !errors.Is(err, os.ErrProcessDone) && !errors.Is(err, syscall.ESRCH)
}

func processStart(pid int) string { return "" }

func bootID() string { return "" }
