package gitstate

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// The checkout record ("journal"), .git/fcgit-checkout, is JSON:
//
//	{"version": 1,
//	 "phase": "worktree" | "refs",
//	 "operation": "fcgit pull",
//	 "writer": {"pid": 4242, "host": "...", "boot": "<kernel boot id>", "start": "<start time in ticks>"},
//	 "started": "<RFC 3339>",
//	 "lockToken": "fcgit 4242 9f2c...",           // what the writer put in its index.lock ("worktree" phase)
//	 "headRef": "refs/heads/main", "headAt": "<HEAD's commit when it started>",
//	 "from": "<tree>", "to": "<tree>",
//	 "conflicts": [{"path": "...", "stages": [{"mode": "100644", "hash": "..."}, null, {...}],
//	                "worktree": "<base64>", "worktreeMode": "100644", "absent": false}],
//	 "mergeState": {"mergeHead": "...", "message": "...", "origHead": "..."},
//	 "head": {"old": "...", "new": "...", "reflog": "..."},
//	 "index": "<digest of the index written>",        // "refs" phase
//	 "payload": "<base64, the caller's>"}
//
// It is published (written to a temporary file, fsynced, linked into place,
// which fails if a record exists) before index.lock is taken and anything
// changes; rewritten (renamed into place) with phase "refs" once the index is
// committed; removed when merge state and HEAD are written. The writer puts
// the record's lockToken in its index.lock, a file git never reads: a later
// run removes a leftover index.lock only when it holds that token and the
// writer is gone, so a lock another process holds is never touched. In the
// "worktree" phase the work tree and index belong to the checkout: a later
// run may redo it. In the "refs" phase they are the user's again and only
// the reference updates are left.

const (
	journalName    = "fcgit-checkout"
	journalVersion = 1
	phaseWorktree  = "worktree"
	phaseRefs      = "refs"
)

// ErrCheckoutRunning is wrapped when the process that started a checkout
// still runs (or runs on another host, where it cannot be checked).
var ErrCheckoutRunning = errors.New("another process is still writing the work tree")

// ErrCheckoutModified is wrapped when an interrupted checkout cannot be
// finished because paths it writes were changed since: finishing would
// overwrite them.
var ErrCheckoutModified = errors.New("the work tree changed since the checkout was interrupted")

type checkoutJournal struct {
	Version    int                `json:"version"`
	Phase      string             `json:"phase"`
	Operation  string             `json:"operation,omitempty"`
	Writer     processIdentity    `json:"writer"`
	Started    time.Time          `json:"started"`
	LockToken  string             `json:"lockToken,omitempty"`
	HeadRef    string             `json:"headRef,omitempty"`
	HeadAt     string             `json:"headAt"`
	From       string             `json:"from"`
	To         string             `json:"to"`
	Conflicts  []journalConflict  `json:"conflicts,omitempty"`
	MergeState *journalMergeState `json:"mergeState,omitempty"`
	Head       *journalHead       `json:"head,omitempty"`
	Index      string             `json:"index,omitempty"`
	Payload    []byte             `json:"payload,omitempty"`
}

type journalEntry struct {
	Mode string `json:"mode"`
	Hash string `json:"hash"`
}

type journalConflict struct {
	Path         string           `json:"path"`
	Stages       [3]*journalEntry `json:"stages"`
	Worktree     []byte           `json:"worktree,omitempty"`
	WorktreeMode string           `json:"worktreeMode,omitempty"`
	Absent       bool             `json:"absent,omitempty"`
}

type journalMergeState struct {
	MergeHead string `json:"mergeHead"`
	Message   string `json:"message"`
	OrigHead  string `json:"origHead,omitempty"`
}

type journalHead struct {
	Old    string `json:"old"`
	New    string `json:"new"`
	Reflog string `json:"reflog,omitempty"`
}

func modeString8(m filemode.FileMode) string { return strconv.FormatUint(uint64(m), 8) }

func parseMode8(s string) (filemode.FileMode, error) {
	n, err := strconv.ParseUint(s, 8, 32)
	return filemode.FileMode(n), err
}

func hashString(h plumbing.Hash) string {
	if h.IsZero() {
		return ""
	}
	return h.String()
}

func parseJournalHash(s string) (plumbing.Hash, error) {
	if s == "" {
		return plumbing.ZeroHash, nil
	}
	h, ok := parseHex(s)
	if !ok {
		return plumbing.ZeroHash, fmt.Errorf("bad object id %q", s)
	}
	return h, nil
}

func newJournal(p CheckoutPlan, head Head) *checkoutJournal {
	j := &checkoutJournal{
		Version: journalVersion, Phase: phaseWorktree, Operation: p.Operation,
		Writer: currentProcess(), Started: time.Now().UTC().Truncate(time.Second),
		HeadRef: head.Branch, HeadAt: hashString(head.Hash),
		From: hashString(p.From), To: hashString(p.To), Payload: p.Payload,
	}
	for _, c := range p.Conflicts {
		jc := journalConflict{Path: c.Path, Worktree: c.Worktree, Absent: c.Worktree == nil && c.WorktreeMode == 0}
		if c.WorktreeMode != 0 {
			jc.WorktreeMode = modeString8(c.WorktreeMode)
		}
		for i, s := range c.Stages {
			if s != nil {
				jc.Stages[i] = &journalEntry{Mode: modeString8(s.Mode), Hash: s.Hash.String()}
			}
		}
		j.Conflicts = append(j.Conflicts, jc)
	}
	if ms := p.MergeState; ms != nil {
		j.MergeState = &journalMergeState{MergeHead: ms.MergeHead.String(), Message: ms.Message, OrigHead: hashString(ms.OrigHead)}
	}
	if hu := p.Head; hu != nil {
		j.Head = &journalHead{Old: hashString(hu.Old), New: hashString(hu.New), Reflog: hu.Reflog}
	}
	return j
}

// newLockToken is what a writer puts in its index.lock: unique to this
// run, so that the lock is recognised as its own and nobody else's.
func newLockToken() string {
	var b [12]byte
	rand.Read(b[:])
	return fmt.Sprintf("fcgit %d %s\n", os.Getpid(), hex.EncodeToString(b[:]))
}

// takeIndexLock takes index.lock and writes token into it at once (no sync
// is needed: a killed process's writes survive it).
func (r *Repo) takeIndexLock(token string) (*lockFile, error) {
	lock, err := acquireLock(r.indexPath(), lockTimeout)
	if err != nil {
		return nil, err
	}
	if _, err := lock.Write([]byte(token)); err != nil {
		lock.rollback()
		return nil, fmt.Errorf("write %s: %w", lock.path, err)
	}
	return lock, nil
}

// plan decodes the record back into what RunCheckout was given.
func (j *checkoutJournal) plan() (CheckoutPlan, error) {
	var p CheckoutPlan
	var err error
	if j.Version != journalVersion {
		return p, fmt.Errorf("record version %d not understood", j.Version)
	}
	if p.From, err = parseJournalHash(j.From); err != nil {
		return p, err
	}
	if p.To, err = parseJournalHash(j.To); err != nil {
		return p, err
	}
	for _, jc := range j.Conflicts {
		c := ConflictEntry{Path: jc.Path, Worktree: jc.Worktree}
		if !jc.Absent && c.Worktree == nil {
			c.Worktree = []byte{}
		}
		if jc.WorktreeMode != "" {
			if c.WorktreeMode, err = parseMode8(jc.WorktreeMode); err != nil {
				return p, err
			}
		}
		for i, s := range jc.Stages {
			if s == nil {
				continue
			}
			e := &IndexEntry{Path: jc.Path, Stage: i + 1}
			if e.Mode, err = parseMode8(s.Mode); err != nil {
				return p, err
			}
			if e.Hash, err = parseJournalHash(s.Hash); err != nil {
				return p, err
			}
			c.Stages[i] = e
		}
		p.Conflicts = append(p.Conflicts, c)
	}
	if ms := j.MergeState; ms != nil {
		p.MergeState = &MergeState{Message: ms.Message}
		if p.MergeState.MergeHead, err = parseJournalHash(ms.MergeHead); err != nil {
			return p, err
		}
		if p.MergeState.OrigHead, err = parseJournalHash(ms.OrigHead); err != nil {
			return p, err
		}
	}
	if hu := j.Head; hu != nil {
		p.Head = &HeadUpdate{Reflog: hu.Reflog}
		if p.Head.Old, err = parseJournalHash(hu.Old); err != nil {
			return p, err
		}
		if p.Head.New, err = parseJournalHash(hu.New); err != nil {
			return p, err
		}
	}
	p.Operation, p.Payload = j.Operation, j.Payload
	return p, nil
}

// mergeState and headUpdate decode the follow-ups; the record was validated
// when read (readJournal), so errors cannot happen here.
func (j *checkoutJournal) mergeState() *MergeState {
	p, _ := j.plan()
	return p.MergeState
}

func (j *checkoutJournal) headUpdate() *HeadUpdate {
	p, _ := j.plan()
	return p.Head
}

func (j *checkoutJournal) describe() string {
	op := j.Operation
	if op == "" {
		op = "a checkout"
	}
	return fmt.Sprintf("%s by process %d on %s, started %s", op, j.Writer.PID, j.Writer.Host, j.Started.Local().Format(time.DateTime))
}

func (r *Repo) journalPath() string { return filepath.Join(r.gitDir, journalName) }

// readJournal returns the record, nil when there is none.
func (r *Repo) readJournal() (*checkoutJournal, error) {
	data, err := os.ReadFile(r.journalPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", r.journalPath(), err)
	}
	var j checkoutJournal
	if err := json.Unmarshal(data, &j); err == nil {
		_, err = j.plan()
	}
	if err != nil {
		return nil, fmt.Errorf("%s records an interrupted checkout but cannot be read (%v): if no fcgit runs, restore the work tree (git reset --hard) and remove that file", r.journalPath(), err)
	}
	return &j, nil
}

// writeJournal replaces the record atomically. Its writers are serialised
// by the record itself: only the process it names, or one finishing for a
// writer that is gone, writes it.
func (r *Repo) writeJournal(j *checkoutJournal) error {
	tmp, err := r.writeJournalTemp(j)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, r.journalPath()); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("record checkout: %w", err)
	}
	return nil
}

// publishJournal creates the record, failing with ErrInterruptedCheckout
// when one exists: a hard link does not replace its target.
func (r *Repo) publishJournal(j *checkoutJournal) error {
	tmp, err := r.writeJournalTemp(j)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	err = os.Link(tmp, r.journalPath())
	if err != nil && !errors.Is(err, fs.ErrExist) {
		// A file system without hard links: an exclusive create instead,
		// torn only if killed between creating and writing it.
		err = r.createJournalExclusive(j)
	}
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			other, rerr := r.readJournal()
			if rerr != nil {
				return rerr
			}
			if other != nil {
				return fmt.Errorf("%w: %s", ErrInterruptedCheckout, other.describe())
			}
		}
		return fmt.Errorf("record checkout: %w", err)
	}
	return nil
}

func (r *Repo) createJournalExclusive(j *checkoutJournal) error {
	data, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(r.journalPath(), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return err
	}
	_, err = f.Write(append(data, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(r.journalPath())
	}
	return err
}

// writeJournalTemp writes the record to a new temporary file, synced, and
// returns its path.
func (r *Repo) writeJournalTemp(j *checkoutJournal) (string, error) {
	data, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(r.gitDir, journalName+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("record checkout: %w", err)
	}
	_, err = f.Write(append(data, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("record checkout: %w", err)
	}
	return f.Name(), nil
}

func (r *Repo) removeJournal() error {
	if err := os.Remove(r.journalPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove checkout record: %w", err)
	}
	return nil
}

// removeDeadWriterTemps removes the temporary files a writer killed while
// writing them left in the git directory. Called by the process the record
// names, once the writer is known to be gone: no other process can be
// writing either.
func (r *Repo) removeDeadWriterTemps() {
	tmps, _ := filepath.Glob(r.journalPath() + ".tmp-*")
	for _, t := range append(tmps, r.indexTempPath()) {
		os.Remove(t)
	}
}

// processIdentity names the process that wrote a record well enough to tell,
// later, whether it still runs: a pid alone may have been reused.
type processIdentity struct {
	PID   int    `json:"pid"`
	Host  string `json:"host,omitempty"`
	Boot  string `json:"boot,omitempty"`  // kernel boot id: after a reboot nothing from before runs
	Start string `json:"start,omitempty"` // start time: a reused pid starts later
}

func currentProcess() processIdentity {
	host, _ := os.Hostname()
	return processIdentity{PID: os.Getpid(), Host: host, Boot: bootID(), Start: processStart(os.Getpid())}
}

// activeCheckouts counts checkouts running in this process per git dir: a
// record naming this very process is a live writer only while one runs.
var activeCheckouts = struct {
	sync.Mutex
	n map[string]int
}{n: map[string]int{}}

func (r *Repo) markActive() func() {
	activeCheckouts.Lock()
	activeCheckouts.n[r.gitDir]++
	activeCheckouts.Unlock()
	return func() {
		activeCheckouts.Lock()
		activeCheckouts.n[r.gitDir]--
		activeCheckouts.Unlock()
	}
}

// isRunning reports whether the writer of a record may still be at work.
// A process on another host cannot be checked and counts as running.
func (r *Repo) isRunning(p processIdentity) bool {
	if r.writerRunning != nil {
		return r.writerRunning(p)
	}
	if p == currentProcess() {
		activeCheckouts.Lock()
		defer activeCheckouts.Unlock()
		return activeCheckouts.n[r.gitDir] > 0
	}
	if host, _ := os.Hostname(); p.Host != host {
		return true
	}
	if boot := bootID(); p.Boot != "" && boot != "" && p.Boot != boot {
		return false
	}
	if !processAlive(p.PID) {
		return false
	}
	if p.Start != "" {
		if s := processStart(p.PID); s != "" && s != p.Start {
			return false
		}
	}
	return true
}

// releaseDeadWriterLock removes the index.lock a dead writer left, proven
// its own by the token it holds: git's tools (git reset --hard, git merge
// --abort) work again, and a lock another process holds now is never
// touched.
func (r *Repo) releaseDeadWriterLock(j *checkoutJournal) error {
	if j.LockToken == "" {
		return nil
	}
	lockPath := r.indexPath() + ".lock"
	data, err := os.ReadFile(lockPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check %s: %w", lockPath, err)
	}
	if string(data) != j.LockToken {
		return nil
	}
	if err := os.Remove(lockPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s left by an interrupted checkout: %w", lockPath, err)
	}
	return nil
}

// InterruptedCheckout is a checkout (RunCheckout) whose writer stopped
// before finishing it: killed, crashed, or failed midway.
type InterruptedCheckout struct {
	Operation string // CheckoutPlan.Operation
	PID       int
	Host      string
	Started   time.Time

	From, To   plumbing.Hash
	Conflicts  []ConflictEntry
	MergeState *MergeState
	Head       *HeadUpdate
	Payload    []byte

	// WorktreeWritten: the index and work tree were completely written;
	// only merge state and HEAD were left to write.
	WorktreeWritten bool
	// WriterRunning: the process that started it still runs (or runs on
	// another host, where that cannot be checked): nothing may be touched.
	WriterRunning bool
	// Stale: HEAD or the index moved on since (the user undid or finished
	// the operation with git): there is nothing left to finish, and
	// FinishCheckout only drops the record.
	Stale bool
	// Modified lists the paths the checkout writes whose work tree content
	// is neither their old nor their new version: changed since by someone
	// else. FinishCheckout refuses to overwrite them.
	Modified []string
}

// InterruptedCheckout returns the checkout an earlier process left
// unfinished, or nil. Unless its writer still runs, it also removes the
// index.lock that writer left (see releaseDeadWriterLock) and lists the
// paths changed since (Modified).
func (r *Repo) InterruptedCheckout() (*InterruptedCheckout, error) {
	j, err := r.readJournal()
	if err != nil || j == nil {
		return nil, err
	}
	ic, err := r.inspectJournal(j)
	if err != nil {
		return nil, fmt.Errorf("interrupted checkout: %w", err)
	}
	return ic, nil
}

func (r *Repo) inspectJournal(j *checkoutJournal) (*InterruptedCheckout, error) {
	ic, p, err := j.describeFull()
	if err != nil {
		return nil, err
	}
	if ic.WriterRunning = r.isRunning(j.Writer); ic.WriterRunning {
		return ic, nil
	}
	if err := r.releaseDeadWriterLock(j); err != nil {
		return nil, err
	}
	if ic.Stale, err = r.journalStale(j); err != nil || ic.Stale || j.Phase != phaseWorktree {
		return ic, err
	}
	ic.Modified, err = r.unexpectedWorktree(p)
	return ic, err
}

// describeFull decodes the record into its public form.
func (j *checkoutJournal) describeFull() (*InterruptedCheckout, CheckoutPlan, error) {
	p, err := j.plan()
	if err != nil {
		return nil, p, err
	}
	return &InterruptedCheckout{
		Operation: j.Operation, PID: j.Writer.PID, Host: j.Writer.Host, Started: j.Started,
		From: p.From, To: p.To, Conflicts: p.Conflicts, MergeState: p.MergeState, Head: p.Head, Payload: p.Payload,
		WorktreeWritten: j.Phase == phaseRefs,
	}, p, nil
}

// journalStale reports a record the user has moved past with git: HEAD on
// another branch or commit than the checkout started from or moves to, or,
// once the work tree was written, an index no longer holding what the
// checkout wrote (a resolved or aborted merge).
func (r *Repo) journalStale(j *checkoutJournal) (bool, error) {
	head, err := r.Head()
	if err != nil {
		return false, err
	}
	if head.Branch != j.HeadRef {
		return true, nil
	}
	switch {
	case hashString(head.Hash) == j.HeadAt:
	case j.Head != nil && hashString(head.Hash) == j.Head.New:
		return false, nil
	default:
		return true, nil
	}
	if j.Phase != phaseRefs {
		return false, nil
	}
	idx, err := readIndexFile(r.indexPath())
	if err != nil {
		return false, err
	}
	return indexDigest(idx.entries) != j.Index, nil
}

// FinishCheckout finishes the checkout an earlier process left unfinished,
// as that process would have: the work tree and index are written again
// (idempotently) unless they were complete, then the merge state and HEAD.
// It returns what it finished, or nil when there was nothing to finish. A
// stale record (see InterruptedCheckout.Stale) is dropped without touching
// anything else. It refuses, with an error wrapping ErrCheckoutRunning, while
// the writer still runs, and, wrapping ErrCheckoutModified (the paths in the
// returned value's Modified), when paths it would write have changed since.
// A stale index.lock is removed only when it is the dead writer's.
func (r *Repo) FinishCheckout() (*InterruptedCheckout, error) {
	ic, err := r.finishCheckout()
	if err != nil {
		return ic, fmt.Errorf("finish interrupted checkout: %w", err)
	}
	return ic, nil
}

func (r *Repo) finishCheckout() (*InterruptedCheckout, error) {
	j, err := r.readJournal()
	if err != nil || j == nil {
		return nil, err
	}
	if r.isRunning(j.Writer) {
		ic, _, err := j.describeFull()
		if err != nil {
			return nil, err
		}
		ic.WriterRunning = true
		return ic, fmt.Errorf("%w: %s", ErrCheckoutRunning, j.describe())
	}
	if err := r.releaseDeadWriterLock(j); err != nil {
		return nil, err
	}
	ic, p, err := j.describeFull()
	if err != nil {
		return nil, err
	}
	if ic.Stale, err = r.journalStale(j); err != nil {
		return nil, err
	}
	if ic.Stale {
		return ic, r.removeJournal()
	}
	if j.Phase == phaseWorktree {
		// Refused before the record changes hands, so that it keeps naming
		// the run that was interrupted; checked again under the lock.
		if ic.Modified, err = r.unexpectedWorktree(p); err != nil {
			return nil, err
		}
		if len(ic.Modified) > 0 {
			return ic, fmt.Errorf("%w: %s: %s", ErrCheckoutModified, j.describe(), strings.Join(ic.Modified, ", "))
		}
	}
	defer r.markActive()()
	st := &stepper{hook: r.finishHook}
	// The record names this process and its lock token before the lock is
	// taken, so that wherever this run is cut off, the next one can prove
	// the lock it left.
	j.Writer, j.LockToken = currentProcess(), ""
	if j.Phase == phaseWorktree {
		j.LockToken = newLockToken()
	}
	if err := st.step("journal"); err != nil {
		return nil, err
	}
	if err := r.writeJournal(j); err != nil {
		return nil, err
	}
	if j.Phase == phaseRefs {
		// The index is as the checkout wrote it: only references are left.
		r.removeDeadWriterTemps()
		return ic, r.finishRefs(j, j.Index, st)
	}
	if err := st.step("lock"); err != nil {
		return nil, err
	}
	lock, err := r.takeIndexLock(j.LockToken)
	if err != nil {
		return nil, err
	}
	defer func() {
		if st.killed {
			lock.abandon()
		} else {
			lock.rollback()
		}
	}()
	r.removeDeadWriterTemps()
	// Under the lock, the record is still ours unless another process
	// finishing it at the same time wrote it since.
	if cur, err := r.readJournal(); err != nil || cur == nil {
		return nil, err
	} else if cur.Writer != j.Writer {
		if r.isRunning(cur.Writer) {
			return nil, fmt.Errorf("%w: %s", ErrCheckoutRunning, cur.describe())
		}
		if err := r.writeJournal(j); err != nil {
			return nil, err
		}
	}
	if ic.Modified, err = r.unexpectedWorktree(p); err != nil {
		return nil, err
	}
	if len(ic.Modified) > 0 {
		return ic, fmt.Errorf("%w: %s: %s", ErrCheckoutModified, j.describe(), strings.Join(ic.Modified, ", "))
	}
	changes, err := r.checkoutChanges(p.From, p.To)
	if err != nil {
		return nil, err
	}
	digest, err := r.applyCheckout(changes, p.Conflicts, lock, st)
	if err != nil {
		// The checkout cannot be finished (the write that stopped it fails
		// again): undo it rather than leave the record to fail every run.
		return ic, r.failedCheckout(p, changes, err, st)
	}
	return ic, r.finishRefs(j, digest, st)
}

// unexpectedWorktree lists the paths plan writes whose work tree state is
// neither what they were (plan.From, before) nor what the checkout makes of
// them (plan.To or the conflict content): someone else changed them. A path
// counts as the same content when its bytes, or its bytes after git's
// line-ending conversion, hash to the expected blob.
func (r *Repo) unexpectedWorktree(p CheckoutPlan) ([]string, error) {
	changes, err := r.checkoutChanges(p.From, p.To)
	if err != nil {
		return nil, err
	}
	idx, err := readIndexFile(r.indexPath())
	if err != nil {
		return nil, err
	}
	pol, err := r.statPolicy(idx)
	if err != nil {
		return nil, err
	}
	conflictAt := map[string]*ConflictEntry{}
	for i := range p.Conflicts {
		conflictAt[p.Conflicts[i].Path] = &p.Conflicts[i]
	}
	var out []string
	for _, ch := range changes {
		if conflictAt[ch.path] != nil {
			continue
		}
		obs := r.observe(ch.path, pol)
		if !obs.matchesEntry(ch.from) && !obs.matchesEntry(ch.to) {
			out = append(out, ch.path)
		}
		if obs.err != nil {
			return nil, obs.err
		}
	}
	for _, c := range p.Conflicts {
		var before *TreeEntry
		if te, ok, err := r.TreeEntryAt(p.From, c.Path); err != nil {
			return nil, err
		} else if ok && te.Mode != filemode.Dir {
			before = &te
		}
		obs := r.observe(c.Path, pol)
		if !obs.matchesEntry(before) && !obs.matchesConflict(c) {
			out = append(out, c.Path)
		}
		if obs.err != nil {
			return nil, obs.err
		}
	}
	sort.Strings(out)
	return out, nil
}

type observedKind int

const (
	observedAbsent observedKind = iota // nothing, a directory, or a parent that is not a directory
	observedFile
	observedSymlink
	observedOther
)

// observed is one work tree path, hashed on demand.
type observed struct {
	r      *Repo
	pol    statPolicy
	path   string
	abs    string
	kind   observedKind
	exec   bool
	size   int64
	raw    *plumbing.Hash
	clean  *plumbing.Hash
	err    error
	target string
}

func (r *Repo) observe(p string, pol statPolicy) *observed {
	o := &observed{r: r, pol: pol, path: p, abs: r.absPath(p)}
	if !r.parentsAreDirs(p) {
		return o
	}
	fi, err := os.Lstat(o.abs)
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.ENAMETOOLONG):
		// A name the file system refuses holds nothing: absent.
	case err != nil:
		o.err = fmt.Errorf("stat %s: %w", p, err)
	case fi.IsDir():
		// A directory where a file was or will be: the path's entries are
		// moving below it (or from it), and the path itself is absent.
	case fi.Mode()&fs.ModeSymlink != 0:
		o.kind = observedSymlink
		o.target, o.err = os.Readlink(o.abs)
	case fi.Mode().IsRegular():
		o.kind, o.exec, o.size = observedFile, fi.Mode().Perm()&0o100 != 0, fi.Size()
	default:
		o.kind = observedOther
	}
	return o
}

func (o *observed) rawHash() plumbing.Hash {
	if o.raw == nil {
		var h plumbing.Hash
		switch o.kind {
		case observedSymlink:
			h = hashBytes(plumbing.BlobObject, []byte(o.target))
		case observedFile:
			f, err := os.Open(o.abs)
			if err != nil {
				o.err = err
				break
			}
			h, err = hashObject(plumbing.BlobObject, f, o.size)
			f.Close()
			if err != nil {
				o.err = err
			}
		}
		o.raw = &h
	}
	return *o.raw
}

func (o *observed) cleanHash() plumbing.Hash {
	if o.clean == nil {
		h, err := o.pol.clean.hashFile(o.path, o.abs, o.size)
		if err != nil {
			o.err = err
		}
		o.clean = &h
	}
	return *o.clean
}

func (o *observed) fileMatches(mode filemode.FileMode, h plumbing.Hash) bool {
	if o.kind != observedFile || (o.pol.fileMode && o.exec != (mode == filemode.Executable)) {
		return false
	}
	return o.rawHash() == h || o.cleanHash() == h
}

// matchesEntry: the path is as tree entry te says (nil: absent).
func (o *observed) matchesEntry(te *TreeEntry) bool {
	switch {
	case te == nil:
		return o.kind == observedAbsent
	case te.Mode == filemode.Submodule:
		return o.kind == observedAbsent
	case te.Mode == filemode.Symlink:
		if o.kind == observedSymlink {
			return o.rawHash() == te.Hash
		}
		return !o.pol.symlinks && o.kind == observedFile && o.rawHash() == te.Hash
	}
	return o.fileMatches(te.Mode, te.Hash)
}

// matchesConflict: the path holds what the checkout leaves for conflict c.
func (o *observed) matchesConflict(c ConflictEntry) bool {
	if c.Worktree == nil && c.WorktreeMode == 0 {
		return o.kind == observedAbsent
	}
	h := hashBytes(plumbing.BlobObject, c.Worktree)
	if c.WorktreeMode == filemode.Symlink {
		return o.kind == observedSymlink && o.rawHash() == h
	}
	mode := c.WorktreeMode
	if mode == 0 {
		mode = filemode.Regular
	}
	return o.fileMatches(mode, h)
}
