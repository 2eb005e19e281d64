package gitstate

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Temporary files a run of fcgit keeps while it works (zipped code packages
// on their way to FC, a downloaded package larger than memory, a pack being
// written) outlive a run that is killed. Each one's name says which
// process made it, so that the next run removes those whose process is
// gone (RemoveStaleTemps) and never one still in use: a push reopens its
// package for every attempt to send it.
//
// Packages go to .git/fcgit-tmp rather than the system's temporary
// directory: they belong to the repository, a clean-up there cannot touch
// anything else, and a repository on another machine's disk is cleaned by
// whoever runs fcgit in it. Packs stay in objects/pack under git's own
// temporary prefix (tmp_pack_, tmp_idx_): git prune removes them too, but
// only once older than gc.pruneExpire (two weeks by default).

// tempDirName is the directory of fcgit's temporary files in the git dir.
const tempDirName = "fcgit-tmp"

// staleTempAge is how old a temporary file made on another host must be
// before it is removed: whether its process still runs cannot be known.
const staleTempAge = 7 * 24 * time.Hour

// fcgitPackTemp prefixes fcgit's temporary packs and indexes after git's
// own "tmp_pack_" and "tmp_idx_".
const fcgitPackTemp = "fcgit-"

// tempTag names the current process in temporary file names:
// <host>.<boot>.<pid>.<start>, host and boot as short digests.
func tempTag() string {
	host, _ := os.Hostname()
	start := processStart(os.Getpid())
	if start == "" {
		start = "0"
	}
	return shortDigest(host) + "." + shortDigest(bootID()) + "." + strconv.Itoa(os.Getpid()) + "." + start
}

func shortDigest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:4])
}

// tempOwnerGone reports whether the process a temporary file's tag names
// has ended, so that the file is nobody's; mod is the file's modification
// time, for files of another host.
func tempOwnerGone(tag string, mod time.Time) bool {
	parts := strings.Split(tag, ".")
	if len(parts) != 4 {
		return false
	}
	pid, err := strconv.Atoi(parts[2])
	if err != nil {
		return false
	}
	host, _ := os.Hostname()
	switch {
	case parts[0] != shortDigest(host):
		return time.Since(mod) > staleTempAge
	case parts[1] != shortDigest(bootID()):
		return true // made before this machine last started
	case pid == os.Getpid():
		return false
	case !processAlive(pid):
		return true
	}
	// A live process with that pid: another one if it started later.
	start := processStart(pid)
	return parts[3] != "0" && start != "" && start != parts[3]
}

// TempDir returns the directory for fcgit's temporary files in this
// repository, creating it.
func (r *Repo) TempDir() (string, error) {
	dir := filepath.Join(r.gitDir, tempDirName)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	return dir, nil
}

// CreateTemp creates a temporary file in TempDir named after kind, the
// current process and ext ("fcgit-code", ".zip"), for RemoveStaleTemps to
// recognise once the process is gone. The caller removes it when done.
func (r *Repo) CreateTemp(kind, ext string) (*os.File, error) {
	dir, err := r.TempDir()
	if err != nil {
		return nil, err
	}
	return os.CreateTemp(dir, kind+"."+tempTag()+".*"+ext)
}

// RemoveStaleTemps removes the temporary files that runs of fcgit which
// ended without cleaning up (killed, crashed) left in this repository: in
// TempDir and fcgit's temporary packs in objects/pack. A file whose
// process may still run is kept. It returns how many files it removed;
// failures to remove are reported, with those files left.
func (r *Repo) RemoveStaleTemps() (int, error) {
	removed := 0
	var errs []error
	sweep := func(dir string, tagOf func(name string) (string, bool)) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
			return
		}
		for _, e := range entries {
			tag, ok := tagOf(e.Name())
			if !ok || e.IsDir() {
				continue
			}
			info, err := e.Info()
			if err != nil || !tempOwnerGone(tag, info.ModTime()) {
				continue
			}
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("remove a temporary file an earlier run left: %w", err))
				continue
			}
			removed++
		}
	}
	// kind.<tag>.<random><ext>: the tag is the four fields after kind.
	sweep(filepath.Join(r.gitDir, tempDirName), func(name string) (string, bool) {
		parts := strings.SplitN(name, ".", 6)
		if len(parts) < 6 {
			return "", false
		}
		return strings.Join(parts[1:5], "."), true
	})
	// tmp_pack_fcgit-<tag>-<random>, tmp_idx_fcgit-<tag>-<random>.
	sweep(filepath.Join(r.commonDir, "objects", "pack"), func(name string) (string, bool) {
		for _, p := range []string{"tmp_pack_" + fcgitPackTemp, "tmp_idx_" + fcgitPackTemp} {
			if rest, ok := strings.CutPrefix(name, p); ok {
				tag, _, ok := strings.Cut(rest, "-")
				return tag, ok
			}
		}
		return "", false
	})
	return removed, errors.Join(errs...)
}
