package gitstate

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// UpdateRef moves the full ref name from oldHash to newHash with git's
// protocol: <ref>.lock created exclusively (waiting up to about a second for
// another process), the current value (loose or packed) compared with
// oldHash (zero: the ref must not exist), the new value written and fsynced,
// a reflog line appended, the lock renamed over the ref. A zero newHash
// deletes the ref (packed-refs rewritten under packed-refs.lock, reflog
// removed). A mismatch returns an error wrapping ErrRefChanged.
func (r *Repo) UpdateRef(name string, newHash, oldHash plumbing.Hash, reflogMsg string) error {
	if err := checkRefName(name); err != nil {
		return fmt.Errorf("update ref: %w", err)
	}
	if name == "HEAD" {
		return fmt.Errorf("update ref HEAD: use UpdateHead")
	}
	if err := r.updateRef(name, newHash, oldHash, reflogMsg, false); err != nil {
		return fmt.Errorf("update ref %s: %w", name, err)
	}
	return nil
}

// UpdateHead moves what HEAD points to (the current branch, or HEAD itself
// when detached) with UpdateRef's semantics, logging to HEAD's reflog too.
// HEAD.lock is held throughout so a concurrent checkout cannot switch the
// branch underneath.
func (r *Repo) UpdateHead(newHash, oldHash plumbing.Hash, reflogMsg string) error {
	headPath := r.refPath("HEAD")
	hlock, err := acquireLock(headPath, lockTimeout)
	if err != nil {
		return fmt.Errorf("update HEAD: %w", err)
	}
	defer hlock.rollback()
	cur, target, found, err := r.readLooseRef("HEAD")
	if err != nil {
		return fmt.Errorf("update HEAD: %w", err)
	}
	if !found {
		return fmt.Errorf("update HEAD: %s missing", headPath)
	}
	if target != "" {
		if newHash.IsZero() {
			return fmt.Errorf("update HEAD: refusing to delete the current branch %s", target)
		}
		if err := r.updateRef(target, newHash, oldHash, reflogMsg, true); err != nil {
			return fmt.Errorf("update HEAD (%s): %w", target, err)
		}
		return nil
	}
	if newHash.IsZero() {
		return fmt.Errorf("update HEAD: refusing to delete a detached HEAD")
	}
	if cur != oldHash {
		return fmt.Errorf("update HEAD: %w: expected %s, found %s", ErrRefChanged, oldHash, cur)
	}
	if err := r.checkTarget("HEAD", newHash); err != nil {
		return fmt.Errorf("update HEAD: %w", err)
	}
	if _, err := fmt.Fprintf(hlock, "%s\n", newHash); err != nil {
		return fmt.Errorf("update HEAD: %w", err)
	}
	if err := r.appendReflog("HEAD", cur, newHash, reflogMsg); err != nil {
		return fmt.Errorf("update HEAD: %w", err)
	}
	if err := hlock.commit(); err != nil {
		return fmt.Errorf("update HEAD: %w", err)
	}
	return nil
}

// updateRef does the locked compare-and-swap of a non-symbolic ref.
func (r *Repo) updateRef(name string, newHash, oldHash plumbing.Hash, msg string, logHEAD bool) error {
	path := r.refPath(name)
	if err := r.prepareRefPath(name, path, newHash.IsZero()); err != nil {
		return err
	}
	lock, err := acquireLock(path, lockTimeout)
	if err != nil {
		return err
	}
	defer lock.rollback()

	cur, symref, _, err := r.readRefDirect(name)
	if err != nil {
		return err
	}
	if symref != "" {
		return fmt.Errorf("%s is a symbolic ref to %s", name, symref)
	}
	if cur != oldHash {
		return fmt.Errorf("%w: expected %s, found %s", ErrRefChanged, describeHash(oldHash), describeHash(cur))
	}
	if newHash.IsZero() {
		return r.deleteRefLocked(name, path)
	}
	if err := r.checkTarget(name, newHash); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(lock, "%s\n", newHash); err != nil {
		return fmt.Errorf("write %s: %w", lock.path, err)
	}
	if err := r.appendReflog(name, cur, newHash, msg); err != nil {
		return err
	}
	if logHEAD {
		if err := r.appendReflog("HEAD", cur, newHash, msg); err != nil {
			return err
		}
	}
	return lock.commit()
}

func describeHash(h plumbing.Hash) string {
	if h.IsZero() {
		return "no ref"
	}
	return h.String()
}

// checkTarget makes sure a ref will point at an existing object, and a branch
// at a commit, as git insists.
func (r *Repo) checkTarget(name string, h plumbing.Hash) error {
	typ := plumbing.AnyObject
	if name == "HEAD" || strings.HasPrefix(name, "refs/heads/") {
		typ = plumbing.CommitObject
	}
	if b := r.batch.Load(); b != nil && b.has(h) {
		// Until the batch is committed the object is in a temporary file
		// only: a ref to it would dangle for every other reader, and for
		// good after a crash.
		if ok, err := r.hasStoredObject(h); err != nil || !ok {
			return fmt.Errorf("cannot point %s at %s: the object is in an object batch not committed yet; commit the batch before updating refs", name, h)
		}
	}
	if _, err := r.encodedObject(typ, h); err != nil {
		return fmt.Errorf("cannot point %s at %s: %w", name, h, err)
	}
	return nil
}

// prepareRefPath creates the ref's parent directories and rejects
// directory/file conflicts (refs/heads/a versus refs/heads/a/b) as git does,
// in loose and packed refs.
func (r *Repo) prepareRefPath(name, path string, deleting bool) error {
	if deleting {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		// git removes an empty directory in the way; anything else is a conflict.
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("cannot create %s: refs exist below it", name)
		}
	}
	packed, _, err := r.readPackedRefs()
	if err != nil {
		return err
	}
	for other := range packed {
		if strings.HasPrefix(other, name+"/") || strings.HasPrefix(name, other+"/") {
			return fmt.Errorf("cannot create %s: %s exists", name, other)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("cannot create %s: a ref is in the way: %w", name, err)
	}
	return nil
}

// deleteRefLocked removes a ref whose lock is held: packed-refs first (so a
// stale packed value cannot resurface), then the loose file and reflog.
func (r *Repo) deleteRefLocked(name, path string) error {
	if err := r.removePackedRef(name); err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	logPath := r.reflogPath(name)
	if err := os.Remove(logPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete reflog of %s: %w", name, err)
	}
	pruneEmptyDirs(filepath.Dir(path), filepath.Join(r.refBaseDir(name), "refs"))
	pruneEmptyDirs(filepath.Dir(logPath), filepath.Join(r.refBaseDir(name), "logs", "refs"))
	return nil
}

// removePackedRef rewrites packed-refs without name (and its peeled line).
func (r *Repo) removePackedRef(name string) error {
	packed, _, err := r.readPackedRefs()
	if err != nil {
		return err
	}
	if _, ok := packed[name]; !ok {
		return nil
	}
	target := filepath.Join(r.commonDir, "packed-refs")
	plock, err := acquireLock(target, lockTimeout)
	if err != nil {
		return err
	}
	defer plock.rollback()
	raw, err := os.ReadFile(target) // re-read under the lock
	if err != nil {
		return fmt.Errorf("read packed-refs: %w", err)
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	skipPeel := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "^") && skipPeel {
			continue
		}
		skipPeel = false
		if _, ref, ok := strings.Cut(line, " "); ok && line[0] != '#' && ref == name {
			skipPeel = true
			continue
		}
		out.WriteString(line)
		out.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read packed-refs: %w", err)
	}
	if _, err := plock.Write(out.Bytes()); err != nil {
		return fmt.Errorf("write packed-refs: %w", err)
	}
	return plock.commit()
}

// pruneEmptyDirs removes dir and its empty parents, stopping at stop.
func pruneEmptyDirs(dir, stop string) {
	for dir != stop && strings.HasPrefix(dir, stop+string(filepath.Separator)) {
		if os.Remove(dir) != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}

// shouldLog follows core.logAllRefUpdates (default true in a work tree):
// branches, remote-tracking refs, notes and HEAD get a reflog; "always"
// logs every ref; an existing reflog is always appended to.
func (r *Repo) shouldLog(name string) (bool, error) {
	if _, err := os.Stat(r.reflogPath(name)); err == nil {
		return true, nil
	}
	v, ok, err := r.Config("core.logAllRefUpdates")
	if err != nil {
		return false, err
	}
	switch {
	case ok && strings.EqualFold(strings.TrimSpace(v), "always"):
		return true, nil
	case ok && !parseBool(v, true):
		return false, nil
	}
	return name == "HEAD" || strings.HasPrefix(name, "refs/heads/") ||
		strings.HasPrefix(name, "refs/remotes/") || strings.HasPrefix(name, "refs/notes/"), nil
}

// appendReflog adds "<old> <new> <ident> <unix> <tz>\t<msg>" to the ref's log.
func (r *Repo) appendReflog(name string, oldHash, newHash plumbing.Hash, msg string) error {
	ok, err := r.shouldLog(name)
	if err != nil || !ok {
		return err
	}
	ident := r.reflogIdent()
	line := fmt.Sprintf("%s %s %s <%s> %d %s", oldHash, newHash, ident.Name, ident.Email, ident.When.Unix(), ident.When.Format("-0700"))
	if msg = cleanReflogMsg(msg); msg != "" {
		line += "\t" + msg
	}
	path := r.reflogPath(name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create reflog for %s: %w", name, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
	if err != nil {
		return fmt.Errorf("open reflog for %s: %w", name, err)
	}
	if _, err := f.WriteString(line + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("append reflog for %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("append reflog for %s: %w", name, err)
	}
	return nil
}

// reflogIdent is the committer identity; like git, a reflog entry does not
// fail for lack of one and falls back to user@host.
func (r *Repo) reflogIdent() Signature {
	if _, c, err := r.DefaultSignature(); err == nil {
		return c
	}
	name := "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	host, _ := os.Hostname()
	return Signature{Name: name, Email: name + "@" + host, When: time.Now()}
}

// cleanReflogMsg folds whitespace runs (including newlines) into single
// spaces, as git's copy_reflog_msg does.
func cleanReflogMsg(msg string) string {
	return strings.Join(strings.Fields(msg), " ")
}
