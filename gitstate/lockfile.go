package gitstate

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"time"
)

// ErrLocked is wrapped when a git lock file stays in place: another git
// process is running, or a crashed one left the lock behind.
var ErrLocked = errors.New("lock held by another process")

// lockTimeout is how long to wait for another process to release a lock,
// like git's core.filesRefLockTimeout (git waits 100 ms by default; a
// little longer is kinder to a concurrent fcgit).
const lockTimeout = time.Second

// lockFile is git's lock protocol: "<path>.lock" created exclusively, written,
// then renamed over path (commit) or removed (rollback).
type lockFile struct {
	target string
	path   string
	f      *os.File
}

// acquireLock creates target+".lock", retrying with backoff for up to
// timeout while it exists.
func acquireLock(target string, timeout time.Duration) (*lockFile, error) {
	lockPath := target + ".lock"
	deadline := time.Now().Add(timeout)
	backoff := time.Millisecond
	for {
		f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if err == nil {
			return &lockFile{target: target, path: lockPath, f: f}, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("create lock %s: %w", lockPath, err)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("unable to create %s: %w: another git process seems to be running in this repository (or one crashed and left the lock behind: if none is running, remove the file and try again)", lockPath, ErrLocked)
		}
		sleep := backoff + time.Duration(rand.Int64N(int64(backoff)))
		time.Sleep(sleep)
		backoff = min(backoff*2, 50*time.Millisecond)
	}
}

func (l *lockFile) Write(p []byte) (int, error) { return l.f.Write(p) }

// commit flushes the lock file to disk and renames it over the target.
func (l *lockFile) commit() error {
	if err := l.f.Sync(); err != nil {
		l.rollback()
		return fmt.Errorf("sync %s: %w", l.path, err)
	}
	if err := l.f.Close(); err != nil {
		l.f = nil
		l.rollback()
		return fmt.Errorf("close %s: %w", l.path, err)
	}
	l.f = nil
	if err := os.Rename(l.path, l.target); err != nil {
		l.rollback()
		return fmt.Errorf("rename %s: %w", l.path, err)
	}
	l.path = "" // released by the rename; never remove someone else's lock
	return nil
}

// abandon forgets the lock without removing it, as a killed process would:
// crash tests leave it for the next run to find.
func (l *lockFile) abandon() {
	if l.f != nil {
		l.f.Close()
		l.f = nil
	}
	l.path = ""
}

// rollback releases the lock without touching the target. Safe to call
// after commit (it is then a no-op).
func (l *lockFile) rollback() {
	if l.f != nil {
		l.f.Close()
		l.f = nil
	}
	if l.path != "" {
		os.Remove(l.path)
		l.path = ""
	}
}
