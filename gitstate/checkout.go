package gitstate

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// ConflictEntry is a path left conflicted by a merge: its index stages and
// the content (with conflict markers) to leave in the work tree. A nil
// Worktree with a zero WorktreeMode leaves the path absent from the work
// tree; a zero WorktreeMode otherwise means a regular file.
type ConflictEntry struct {
	Path         string
	Stages       [3]*IndexEntry // base, ours, theirs; nil = absent
	Worktree     []byte
	WorktreeMode filemode.FileMode
}

// MergeState is what WriteMergeState records: the merge in progress.
type MergeState struct {
	MergeHead plumbing.Hash
	Message   string
	OrigHead  plumbing.Hash // zero: ORIG_HEAD is not written
}

// HeadUpdate moves HEAD (the branch it names, or HEAD itself when
// detached) from Old to New, as UpdateHead does.
type HeadUpdate struct {
	Old, New plumbing.Hash
	Reflog   string
}

// CheckoutPlan is a checkout together with the reference updates that
// complete it. RunCheckout records the whole plan before it writes anything,
// so that a run cut off at any point (killed, power lost) can be recognised
// and finished by the next process: see InterruptedCheckout and
// FinishCheckout.
type CheckoutPlan struct {
	From, To  plumbing.Hash   // the index and work tree match From now, and will match To
	Conflicts []ConflictEntry // written over To's entries at their paths

	// Written after the index, in this order, when set.
	MergeState *MergeState
	Head       *HeadUpdate

	// Operation names what the checkout is part of ("fcgit pull"), for
	// messages about an interrupted run.
	Operation string
	// Payload is kept in the record for the caller, returned by
	// InterruptedCheckout: what it needs to report a finished run as the
	// original run would have.
	Payload []byte

	// StepHook, when set, is called before each step that changes the
	// repository ("journal", "lock", "remove <path>", "write <path>",
	// "rename <path>", "conflict <path>", "index", "index-commit", "refs",
	// "ORIG_HEAD", "MERGE_MSG", "MERGE_MODE", "MERGE_HEAD", "HEAD", "done").
	// A non-nil error stops the checkout right there without any cleanup,
	// locks included, as if the process had been killed: crash tests use it.
	StepHook func(step string) error
}

// ErrInterruptedCheckout is wrapped when a checkout cannot start because an
// earlier one was interrupted and not finished yet (FinishCheckout).
var ErrInterruptedCheckout = errors.New("an interrupted checkout has not been finished")

// Checkout makes the index and work tree match tree `to`, given that they
// match tree `from` now (the caller has checked there are no local changes
// in the affected paths). Only paths that differ are written or removed, and
// untouched index entries keep their stat data. Conflicts then replace the
// index entries of their paths with stages 1/2/3 and write their work tree
// content. The index is replaced atomically under index.lock. It is
// RunCheckout with no reference updates.
func (r *Repo) Checkout(from, to plumbing.Hash, conflicts []ConflictEntry) error {
	return r.RunCheckout(CheckoutPlan{From: from, To: to, Conflicts: conflicts})
}

// RunCheckout does what Checkout does, then writes the plan's merge state and
// moves HEAD. Before it takes index.lock and writes anything it records the
// plan in the git directory (the file "fcgit-checkout", created atomically,
// with the writer's process id; format in checkout_journal.go); the record
// goes only once everything is done. A record left by an earlier
// interrupted run makes it fail with an error wrapping
// ErrInterruptedCheckout.
//
// Work tree files are written to a temporary name beside their final one and
// renamed into place, so an interrupted run leaves each path with either its
// old or its new content, never a torn file: a later run tells both from a
// user's edit.
func (r *Repo) RunCheckout(p CheckoutPlan) error {
	if err := r.runCheckout(p); err != nil {
		return fmt.Errorf("checkout %s: %w", p.To, err)
	}
	return nil
}

// stepper runs a plan's StepHook and remembers that it fired, so that the
// deferred cleanups stay away as a dead process's would.
type stepper struct {
	hook   func(string) error
	killed bool
}

func (s *stepper) step(name string) error {
	if s == nil || s.hook == nil {
		return nil
	}
	if err := s.hook(name); err != nil {
		s.killed = true
		return fmt.Errorf("stopped before %s: %w", name, err)
	}
	return nil
}

func validateConflicts(conflicts []ConflictEntry) (map[string]*ConflictEntry, error) {
	conflictPaths := make(map[string]*ConflictEntry, len(conflicts))
	for i := range conflicts {
		c := &conflicts[i]
		if _, err := splitTreePath(c.Path); err != nil || c.Path == "" {
			return nil, fmt.Errorf("conflict path %q is not valid", c.Path)
		}
		if conflictPaths[c.Path] != nil {
			return nil, fmt.Errorf("conflict path %q listed twice", c.Path)
		}
		if c.Stages[0] == nil && c.Stages[1] == nil && c.Stages[2] == nil {
			return nil, fmt.Errorf("conflict %q has no stages", c.Path)
		}
		conflictPaths[c.Path] = c
	}
	return conflictPaths, nil
}

func (r *Repo) checkoutChanges(from, to plumbing.Hash) ([]treeChange, error) {
	changes, err := r.diffTrees(from, to)
	if err != nil {
		return nil, err
	}
	for _, ch := range changes {
		if _, err := splitTreePath(ch.path); err != nil {
			return nil, fmt.Errorf("refusing to check out: %w", err)
		}
	}
	return changes, nil
}

func (r *Repo) runCheckout(p CheckoutPlan) error {
	if p.MergeState != nil && p.MergeState.MergeHead.IsZero() {
		return fmt.Errorf("zero MERGE_HEAD")
	}
	// Checked again under index.lock; first here, so that the refusal names
	// the unfinished checkout rather than what it left half-done.
	if j, err := r.readJournal(); err != nil {
		return err
	} else if j != nil {
		return fmt.Errorf("%w: %s", ErrInterruptedCheckout, j.describe())
	}
	if _, err := validateConflicts(p.Conflicts); err != nil {
		return err
	}
	changes, err := r.checkoutChanges(p.From, p.To)
	if err != nil {
		return err
	}
	head, err := r.Head()
	if err != nil {
		return err
	}
	if p.Head != nil && head.Hash != p.Head.Old {
		return fmt.Errorf("%w: HEAD is at %s, not %s", ErrRefChanged, describeHash(head.Hash), describeHash(p.Head.Old))
	}

	defer r.markActive()()
	st := &stepper{hook: p.StepHook}
	j := newJournal(p, head)
	j.LockToken = newLockToken()
	if err := st.step("journal"); err != nil {
		return err
	}
	if err := r.publishJournal(j); err != nil {
		return err
	}
	if err := st.step("lock"); err != nil {
		return err
	}
	lock, err := r.takeIndexLock(j.LockToken)
	if err != nil {
		// Nothing was written: there is nothing to finish.
		r.removeJournal()
		return err
	}
	defer func() {
		if st.killed {
			lock.abandon()
		} else {
			lock.rollback()
		}
	}()
	digest, err := r.applyCheckout(changes, p.Conflicts, lock, st)
	if err != nil {
		return r.failedCheckout(p, changes, err, st)
	}
	return r.finishRefs(j, digest, st)
}

// failedCheckout handles a checkout that failed with err while writing the
// work tree, index.lock still held: unless the failure stands for a kill
// (the crash tests' hook), the work tree is put back as p.From has it and
// the record dropped, so that the repository is as before and no later run
// retries the same failing write. When the undo fails too, the record stays
// for FinishCheckout, which tries again.
func (r *Repo) failedCheckout(p CheckoutPlan, changes []treeChange, err error, st *stepper) error {
	if st.killed {
		return err
	}
	if uerr := r.undoCheckout(p, changes); uerr != nil {
		return undone(err, uerr)
	}
	if rerr := r.removeJournal(); rerr != nil {
		return undone(err, rerr)
	}
	return undone(err, nil)
}

// applyCheckout writes the work tree and the index for changes and
// conflicts, holding lock (index.lock), and commits the index. It is
// idempotent: run again over a work tree where any subset of its writes
// already happened (an interrupted run), it ends in the same state. It
// returns the digest of the index entries written.
func (r *Repo) applyCheckout(changes []treeChange, conflicts []ConflictEntry, lock *lockFile, st *stepper) (string, error) {
	conflictPaths, err := validateConflicts(conflicts)
	if err != nil {
		return "", err
	}
	idx, err := readIndexFile(r.indexPath()) // read under the lock, as git does
	if err != nil {
		return "", err
	}
	if !idx.exists {
		idx.version = r.configuredIndexVersion()
	}
	byPath := make(map[string][]*rawIndexEntry, len(idx.entries))
	for _, e := range idx.entries {
		byPath[e.path] = append(byPath[e.path], e)
	}

	// Removals first, deepest paths first, so a file can replace a directory
	// and a directory a file.
	for i := len(changes) - 1; i >= 0; i-- {
		ch := changes[i]
		if ch.to != nil || conflictPaths[ch.path] != nil {
			continue
		}
		if err := st.step("remove " + ch.path); err != nil {
			return "", err
		}
		if err := r.removeWorktreeEntry(ch.path, ch.from.Mode); err != nil {
			return "", err
		}
		delete(byPath, ch.path)
	}
	w := &worktreeWriter{r: r, st: st, dirs: map[string]bool{}}
	var writes []treeChange
	for _, ch := range changes {
		if ch.to != nil && conflictPaths[ch.path] == nil {
			writes = append(writes, ch)
		}
	}
	written, err := w.writeAll(writes)
	if err != nil {
		return "", err
	}
	for i, ch := range writes {
		byPath[ch.path] = []*rawIndexEntry{written[i]}
	}
	for _, c := range conflicts {
		if err := st.step("conflict " + c.Path); err != nil {
			return "", err
		}
		delete(byPath, c.Path)
		for i, s := range c.Stages {
			if s == nil {
				continue
			}
			byPath[c.Path] = append(byPath[c.Path], &rawIndexEntry{
				path:  c.Path,
				mode:  indexMode(s.Mode),
				hash:  s.Hash,
				flags: uint16(i+1) << flagStageShift,
			})
		}
		if err := w.writeConflict(c); err != nil {
			return "", err
		}
	}

	idx.entries = idx.entries[:0]
	for _, es := range byPath {
		idx.entries = append(idx.entries, es...)
	}
	sortIndexEntries(idx.entries)
	if err := st.step("index"); err != nil {
		return "", err
	}
	if err := r.commitIndex(lock, encodeIndex(idx), st); err != nil {
		return "", err
	}
	return indexDigest(idx.entries), nil
}

func (r *Repo) indexTempPath() string { return filepath.Join(r.gitDir, "fcgit-index.tmp") }

// commitIndex replaces the index while lock (index.lock) is held, as git's
// lock protocol allows, but through a temporary file of its own rather than
// the lock file: the lock file keeps the token that proves it the writer's
// (see takeIndexLock) until it is removed.
func (r *Repo) commitIndex(lock *lockFile, data []byte, st *stepper) error {
	tmp := r.indexTempPath()
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write index: %w", err)
	}
	if err := st.step("index-commit"); err != nil {
		return err
	}
	if err := os.Rename(tmp, r.indexPath()); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write index: %w", err)
	}
	lock.rollback() // released: the new index is in place
	return nil
}

// indexDigest identifies an index by what git reads from it (paths, stages,
// modes, object ids), not by stat data, which `git status` refreshes.
func indexDigest(es []*rawIndexEntry) string {
	h := sha1.New()
	for _, e := range es {
		fmt.Fprintf(h, "%o %d %s\t%s\n", e.mode, e.stage(), e.hash, e.path)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// finishRefs completes a checkout whose index is written: the record moves
// to its "refs" phase (from then on the work tree and index are the user's
// again), merge state and HEAD are written, and the record goes.
func (r *Repo) finishRefs(j *checkoutJournal, digest string, st *stepper) error {
	if j.MergeState != nil || j.Head != nil {
		if err := st.step("refs"); err != nil {
			return err
		}
		j.Phase, j.Index, j.LockToken = phaseRefs, digest, ""
		if err := r.writeJournal(j); err != nil {
			return err
		}
	}
	if ms := j.mergeState(); ms != nil {
		if err := r.writeMergeState(*ms, st); err != nil {
			return err
		}
	}
	if hu := j.headUpdate(); hu != nil {
		if err := st.step("HEAD"); err != nil {
			return err
		}
		cur, err := r.Head()
		if err != nil {
			return err
		}
		if cur.Hash != hu.New {
			if err := r.UpdateHead(hu.New, hu.Old, hu.Reflog); err != nil {
				return err
			}
		}
	}
	if err := st.step("done"); err != nil {
		return err
	}
	return r.removeJournal()
}

// configuredIndexVersion honours index.version for a new index.
func (r *Repo) configuredIndexVersion() uint32 {
	if v, ok, err := r.Config("index.version"); err == nil && ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 2 && n <= 4 {
			return uint32(n)
		}
	}
	return 2
}

func (r *Repo) absPath(rel string) string {
	return filepath.Join(r.workDir, filepath.FromSlash(rel))
}

// checkoutWorkers is how many files a checkout writes at once. Creating a
// file or a directory is a system call that waits on the file system (its
// journal, the parent directory's lock): with several under way a checkout
// of 50,000 files takes about as long as git's (which writes one at a time
// unless checkout.workers says otherwise, but with fewer system calls per
// file: no temporary name).
const checkoutWorkers = 4

// parallelWrites is the number of files from which a checkout writes them
// in parallel.
const parallelWrites = 64

// writeRun is how many neighbouring paths a worker takes at a time.
const writeRun = 16

// worktreeWriter writes the files of one checkout. It remembers the
// directories it has made or found, so that the parents of a path are
// looked at once per checkout rather than once per file below them.
type worktreeWriter struct {
	r  *Repo
	st *stepper

	mu   sync.Mutex
	dirs map[string]bool // directories (relative, slash-separated) known to be real ones
}

// writeAll writes the files of changes (none of them a removal) and returns
// their index entries, in order. The files are written by checkoutWorkers
// at once, each renamed into place whole, so that the order they land in
// does not matter to a later run finishing an interrupted one; with a step
// hook (crash tests), one at a time, in order, as the steps are numbered.
func (w *worktreeWriter) writeAll(changes []treeChange) ([]*rawIndexEntry, error) {
	out := make([]*rawIndexEntry, len(changes))
	if w.st.hook != nil || len(changes) < parallelWrites {
		for i, ch := range changes {
			if err := w.st.step("write " + ch.path); err != nil {
				return nil, err
			}
			e, err := w.writeEntry(ch.path, *ch.to)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	}
	var (
		next     atomic.Int64
		done     atomic.Int64
		failed   atomic.Bool
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	for range checkoutWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				// Runs of neighbouring paths, so that workers seldom race
				// to make the same directory.
				start := int(next.Add(writeRun) - writeRun)
				if start >= len(changes) {
					return
				}
				for i := start; i < min(start+writeRun, len(changes)) && !failed.Load(); i++ {
					e, err := w.writeEntry(changes[i].path, *changes[i].to)
					if err != nil {
						errOnce.Do(func() { firstErr = err })
						failed.Store(true)
						return
					}
					out[i] = e
					if n := done.Add(1); w.r.written != nil {
						w.r.written(n)
					}
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// prepareParents creates the directories leading to rel, refusing to write
// through a symlink or over a file that is in the way.
func (w *worktreeWriter) prepareParents(rel string) error {
	for i := 0; i < len(rel); i++ {
		if rel[i] != '/' {
			continue
		}
		dir := rel[:i]
		w.mu.Lock()
		known := w.dirs[dir]
		w.mu.Unlock()
		if known {
			continue
		}
		abs := w.r.absPath(dir)
		// Most directories a checkout needs are new: make it first, and
		// look at what is there only when something is.
		if err := os.Mkdir(abs, 0o777); err != nil {
			if !errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("create directory for %s: %w", rel, err)
			}
			fi, err := os.Lstat(abs)
			switch {
			case err != nil:
				return fmt.Errorf("check %s: %w", abs, err)
			case !fi.IsDir():
				return fmt.Errorf("cannot write %s: %s is in the way (not a directory)", rel, abs)
			}
		}
		w.mu.Lock()
		w.dirs[dir] = true
		w.mu.Unlock()
	}
	return nil
}

// parentsAreDirs reports whether every directory leading to rel is a real
// directory. When one is a symlink or a file, rel is not in the work tree:
// following the symlink would reach outside it.
func (r *Repo) parentsAreDirs(rel string) bool {
	parts := strings.Split(rel, "/")
	dir := r.workDir
	for _, p := range parts[:len(parts)-1] {
		dir = filepath.Join(dir, p)
		fi, err := os.Lstat(dir)
		if err != nil || !fi.IsDir() {
			return false
		}
	}
	return true
}

// clearPath removes whatever is at abs (file, symlink, empty directory).
func clearPath(rel, abs string) error {
	fi, err := os.Lstat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check %s: %w", rel, err)
	}
	if err := os.Remove(abs); err != nil {
		if fi.IsDir() {
			return fmt.Errorf("cannot write %s: a non-empty directory is in the way", rel)
		}
		return fmt.Errorf("remove %s: %w", rel, err)
	}
	return nil
}

// writeEntry writes one tree entry to the work tree and returns its index
// entry with fresh stat data.
func (w *worktreeWriter) writeEntry(rel string, te TreeEntry) (*rawIndexEntry, error) {
	e := &rawIndexEntry{path: rel, mode: indexMode(te.Mode), hash: te.Hash}
	if err := w.prepareParents(rel); err != nil {
		return nil, err
	}
	abs := w.r.absPath(rel)
	if te.Mode == filemode.Submodule {
		// An uninitialised submodule is an empty directory; git keeps no
		// stat data for gitlinks.
		if fi, err := os.Lstat(abs); err == nil && fi.IsDir() {
			return e, nil
		}
		if err := clearPath(rel, abs); err != nil {
			return nil, err
		}
		if err := os.Mkdir(abs, 0o777); err != nil {
			return nil, fmt.Errorf("create submodule directory %s: %w", rel, err)
		}
		return e, nil
	}
	rc, _, err := w.r.OpenBlob(te.Hash)
	if err != nil {
		return nil, fmt.Errorf("check out %s: %w", rel, err)
	}
	defer rc.Close()
	if err := replaceWorktreeFile(rel, abs, te.Mode, rc, w.st); err != nil {
		return nil, err
	}
	fi, err := os.Lstat(abs)
	if err != nil {
		return nil, fmt.Errorf("check out %s: %w", rel, err)
	}
	fillStat(e, fi)
	return e, nil
}

// tempPathFor is where rel's new content is written before it is renamed
// into place. The name is derived from the path so that a later run finds
// and replaces what an interrupted one left there.
func tempPathFor(abs, rel string) string {
	sum := sha1.Sum([]byte(rel))
	return filepath.Join(filepath.Dir(abs), ".fcgit-tmp-"+hex.EncodeToString(sum[:8]))
}

// replaceWorktreeFile puts content at abs as a regular file, executable file
// or symlink: written to a temporary name, then renamed over whatever file or
// symlink is there, so abs holds the old or the new content at any instant.
// An empty directory in the way is replaced too.
func replaceWorktreeFile(rel, abs string, mode filemode.FileMode, content io.Reader, st *stepper) error {
	tmp := tempPathFor(abs, rel)
	if err := writeWorktreeContent(tmp, mode, content); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("check out %s: %w", rel, err)
	}
	if err := st.step("rename " + rel); err != nil {
		return err
	}
	err := renameOver(tmp, abs)
	if err != nil {
		// A directory where the file goes (the path's entries moved away
		// from below it): it goes, when empty. Looked at only now: it is
		// rare, and the rename says so.
		if fi, lerr := os.Lstat(abs); lerr == nil && fi.IsDir() {
			if rerr := os.Remove(abs); rerr != nil {
				os.Remove(tmp)
				return fmt.Errorf("cannot write %s: a non-empty directory is in the way", rel)
			}
			err = renameOver(tmp, abs)
		}
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("check out %s: %w", rel, err)
	}
	return nil
}

// writeWorktreeContent creates abs as a regular file, executable file or
// symlink holding content. What an interrupted run left at abs (it is a
// temporary name) is replaced.
func writeWorktreeContent(abs string, mode filemode.FileMode, content io.Reader) error {
	if mode == filemode.Symlink {
		target, err := io.ReadAll(content)
		if err != nil {
			return err
		}
		err = os.Symlink(string(target), abs)
		if errors.Is(err, fs.ErrExist) && os.Remove(abs) == nil {
			err = os.Symlink(string(target), abs)
		}
		return err
	}
	perm := os.FileMode(0o666)
	if mode == filemode.Executable {
		perm = 0o777
	}
	err := createNew(abs, perm, content)
	if errors.Is(err, fs.ErrExist) && os.Remove(abs) == nil {
		// Nothing was read from content: the file was not created.
		err = createNew(abs, perm, content)
	}
	return err
}

// removeWorktreeEntry deletes a checked-out path and the directories it
// leaves empty. What is already gone, or replaced by a directory (the
// path's entries moved below it, by this checkout or an interrupted one), is
// left alone.
func (r *Repo) removeWorktreeEntry(rel string, mode filemode.FileMode) error {
	if !r.parentsAreDirs(rel) {
		return nil
	}
	abs := r.absPath(rel)
	fi, err := os.Lstat(abs)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.ENAMETOOLONG) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove %s: %w", rel, err)
	}
	switch {
	case mode == filemode.Submodule:
		os.Remove(abs) // only if empty: never delete a submodule's work
	case fi.IsDir():
		return nil
	default:
		if err := os.Remove(abs); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", rel, err)
		}
	}
	pruneEmptyDirs(filepath.Dir(abs), r.workDir)
	return nil
}

func (w *worktreeWriter) writeConflict(c ConflictEntry) error {
	r := w.r
	abs := r.absPath(c.Path)
	if c.Worktree == nil && c.WorktreeMode == 0 {
		if !r.parentsAreDirs(c.Path) {
			return nil
		}
		if err := clearPath(c.Path, abs); err != nil {
			return err
		}
		pruneEmptyDirs(filepath.Dir(abs), r.workDir)
		w.forgetDirs()
		return nil
	}
	mode := c.WorktreeMode
	if mode == 0 {
		mode = filemode.Regular
	}
	if err := w.prepareParents(c.Path); err != nil {
		return err
	}
	if err := replaceWorktreeFile(c.Path, abs, mode, strings.NewReader(string(c.Worktree)), w.st); err != nil {
		return fmt.Errorf("write conflicted %s: %w", c.Path, err)
	}
	return nil
}

// forgetDirs drops what the writer knows of directories: a removal may have
// pruned some.
func (w *worktreeWriter) forgetDirs() {
	w.mu.Lock()
	w.dirs = map[string]bool{}
	w.mu.Unlock()
}
