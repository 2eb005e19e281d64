//go:build !unix

package watch

import (
	"errors"
	"os"
)

// tryLock has no lock to take where flock is missing.
func tryLock(f *os.File) (bool, error) {
	return false, errors.New("fcgit watch's lock needs a Unix system (flock)")
}
