package watch

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/fcgit/fcgit/gitstate"
)

// LockFile is the watcher's lock, in the repository's (common) git
// directory: one watcher per repository, whichever work tree it runs in.
const LockFile = "fcgit-watch.lock"

// LockedError is returned by Lock when another watcher holds the lock.
type LockedError struct {
	PID  int
	Host string
	Path string
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("another fcgit watch (pid %d on %s) is watching this repository (lock %s): stop it first, or run this one in another clone", e.PID, e.Host, e.Path)
}

// Lock is a held watcher lock.
type Lock struct {
	f    *os.File
	path string
}

// TakeLock takes the repository's watcher lock, writing this process's pid
// and host into it. The lock is the operating system's lock on the open
// file (flock), so it ends with the process however the process ends: a
// lock file left by a watcher that is gone is taken over.
func TakeLock(repo *gitstate.Repo) (*Lock, error) {
	path := filepath.Join(repo.CommonDir(), LockFile)
	host, err := os.Hostname()
	if err != nil {
		host = "unknown host"
	}
	for range 10 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("watcher lock: %w", err)
		}
		held, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("watcher lock %s: %w", path, err)
		}
		if !held {
			data, _ := os.ReadFile(path)
			f.Close()
			pid, owner := parseLock(data)
			return nil, &LockedError{PID: pid, Host: owner, Path: path}
		}
		// The file may have been removed by the watcher that held it
		// between our open and our lock: a lock on a removed file is no
		// lock, try again.
		if same, err := samePath(f, path); err != nil || !same {
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("watcher lock %s: %w", path, err)
			}
			continue
		}
		if err := f.Truncate(0); err != nil {
			f.Close()
			return nil, fmt.Errorf("watcher lock %s: %w", path, err)
		}
		if _, err := f.WriteAt([]byte(fmt.Sprintf("%d %s\n", os.Getpid(), host)), 0); err != nil {
			f.Close()
			return nil, fmt.Errorf("watcher lock %s: %w", path, err)
		}
		return &Lock{f: f, path: path}, nil
	}
	return nil, fmt.Errorf("watcher lock %s: it keeps being replaced; is a watcher starting and stopping in a loop?", path)
}

// Release removes the lock file and lets the lock go.
func (l *Lock) Release() error {
	err := os.Remove(l.path)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// parseLock reads "<pid> <host>".
func parseLock(data []byte) (int, string) {
	pidText, host, _ := strings.Cut(strings.TrimSpace(string(data)), " ")
	pid, _ := strconv.Atoi(pidText)
	if host == "" {
		host = "an unknown host"
	}
	return pid, host
}

// samePath reports whether the open file is still the one at path.
func samePath(f *os.File, path string) (bool, error) {
	a, err := f.Stat()
	if err != nil {
		return false, err
	}
	b, err := os.Stat(path)
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(a, b), nil
}
