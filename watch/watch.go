package watch

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/gitremote"
	"github.com/fcgit/fcgit/gitstate"
)

// Target is one deployment target to watch: what fcgit fetch reads and
// where it records it.
type Target struct {
	// Name is the target's name; "" for a repository without targets
	// (events and logs call it DefaultTarget).
	Name   string
	Branch fetch.Branch
	Fetch  fetch.Options
	Client fetch.Client
}

// DefaultTarget is the name events give the implicit target of a
// repository without targets.
const DefaultTarget = "default"

// Label is the target's name in events and logs.
func (t Target) Label() string {
	if t.Name == "" {
		return DefaultTarget
	}
	return t.Name
}

// Remote is the team's git remote (a *gitremote.Remote).
type Remote interface {
	Fetch(ctx context.Context, refs []string) (map[string]plumbing.Hash, error)
	PushFastForward(ctx context.Context, refs []string) (*gitremote.PushResult, error)
	DefaultBranch(ctx context.Context) (string, bool, error)
	TrackingRef(ref string) string
	String() string
}

// Config is what a Watcher works with.
type Config struct {
	Repo    *gitstate.Repo
	Remote  Remote
	Targets []Target
	// Interval is the time between the starts of two cycles.
	Interval time.Duration
	// Base is the branch the drift is measured against and the merge
	// branch is built on ("main"); "" takes the remote's default branch.
	Base string
	// MergeBranch, when set, is the branch to push the merge of each
	// online branch into the base branch to (see mergeBranchName).
	MergeBranch string
	// Getenv and Hide are status's (push.Options).
	Getenv func(string) string
	Hide   func(string)
	// Events receives one JSON line per event; Log the messages for
	// people.
	Events io.Writer
	Log    io.Writer
	// Verbose logs every cycle, not only what changed.
	Verbose bool
	// Exec, when set, is a shell command run for each event with the
	// event's JSON on its standard input.
	Exec string
	// Grace is how long the cycle under way may go on once the context
	// is cancelled before it is cancelled too (0: DefaultGrace).
	Grace time.Duration
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// DefaultGrace is how long a cycle may go on after SIGINT or SIGTERM.
const DefaultGrace = 30 * time.Second

// Watcher runs cycles and remembers, between them, the drift reported and
// the outages under way.
type Watcher struct {
	cfg Config
	// drift is the last reported drift of each target (by label), by
	// resource name; nil for a target not planned yet.
	drift map[string]map[string]*Event
	// outages are the network or authentication failures under way, by
	// source ("remote", "fc <target>").
	outages map[string]*outage
	// reported are the last messages of other errors, by source, so that
	// one repeated every cycle is reported once.
	reported map[string]string
}

// New returns a Watcher for cfg.
func New(cfg Config) *Watcher {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Grace <= 0 {
		cfg.Grace = DefaultGrace
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.Events == nil {
		cfg.Events = io.Discard
	}
	return &Watcher{cfg: cfg, drift: map[string]map[string]*Event{}, outages: map[string]*outage{}, reported: map[string]string{}}
}

// Summary is what one cycle found.
type Summary struct {
	// Drift: some target has drift (push of the base branch would refuse
	// because of online state, as `fcgit status --exit-code` says).
	Drift bool
	// Errors counts the errors of the cycle, reported or not.
	Errors int
	// Outage: a network or authentication failure is under way.
	Outage bool
}

// Once runs one cycle. When ctx is cancelled the cycle goes on for the
// grace period, then is cancelled too.
func (w *Watcher) Once(ctx context.Context) Summary {
	return w.graceful(ctx, w.cycle)
}

// Run runs cycles until ctx is cancelled, then returns after the current
// cycle ends (see Once). While a network or authentication outage lasts
// the wait between cycles doubles, up to maxBackoff.
func (w *Watcher) Run(ctx context.Context) {
	failing := 0
	for {
		start := w.cfg.Now()
		sum := w.Once(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := w.cfg.Interval
		if sum.Outage {
			failing++
			wait = backoff(w.cfg.Interval, failing)
		} else {
			failing = 0
		}
		if elapsed := w.cfg.Now().Sub(start); !sum.Outage && elapsed < wait {
			// The interval is from start to start: a console edit is on
			// the remote within one interval of the cycle that sees it.
			wait -= elapsed
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// graceful runs f with a context that outlives ctx by the grace period.
func (w *Watcher) graceful(ctx context.Context, f func(context.Context) Summary) Summary {
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-done:
			return
		case <-ctx.Done():
		}
		fmt.Fprintf(w.cfg.Log, "fcgit watch: stopping after the current cycle (at most %s)\n", w.cfg.Grace)
		t := time.NewTimer(w.cfg.Grace)
		defer t.Stop()
		select {
		case <-done:
		case <-t.C:
			cancel()
		}
	}()
	return f(cctx)
}

// cycle is one pass over every target.
func (w *Watcher) cycle(ctx context.Context) Summary {
	var sum Summary
	remoteOK, base := w.syncRemote(ctx, &sum)
	for _, t := range w.cfg.Targets {
		w.target(ctx, t, remoteOK, base, &sum)
		if ctx.Err() != nil {
			break
		}
	}
	sum.Outage = len(w.outages) > 0
	return sum
}

// baseInfo is the base branch as the remote has it.
type baseInfo struct {
	ref    string        // "refs/heads/main"; "" when unknown
	commit plumbing.Hash // zero when the remote has no such branch
}

// syncRemote fetches the base branch, the online branches and the merge
// branches into their tracking refs. It reports whether the remote
// answered.
func (w *Watcher) syncRemote(ctx context.Context, sum *Summary) (bool, baseInfo) {
	var base baseInfo
	if w.cfg.Base != "" {
		base.ref = "refs/heads/" + w.cfg.Base
	} else {
		ref, ok, err := w.cfg.Remote.DefaultBranch(ctx)
		if err != nil {
			w.fail(ctx, sourceRemote, "", err, sum)
			return false, base
		}
		if ok {
			base.ref = ref
		}
	}
	refs := []string{}
	if base.ref != "" {
		refs = append(refs, base.ref)
	}
	for _, t := range w.cfg.Targets {
		refs = appendNew(refs, t.Branch.Ref)
		if w.cfg.MergeBranch != "" {
			refs = appendNew(refs, "refs/heads/"+w.mergeBranchName(t))
		}
	}
	got, err := w.cfg.Remote.Fetch(ctx, refs)
	if err != nil {
		w.fail(ctx, sourceRemote, "", err, sum)
		return false, base
	}
	w.succeed(ctx, sourceRemote, "")
	if base.ref != "" {
		base.commit = got[base.ref]
	}
	return true, base
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// mergeBranchName is the merge branch of a target: the name given for the
// implicit target, "<name>-<target>" for a named one (two targets' merge
// branches cannot share a name, and "<name>/<target>" could not coexist
// with "<name>").
func (w *Watcher) mergeBranchName(t Target) string {
	if t.Name == "" {
		return w.cfg.MergeBranch
	}
	return w.cfg.MergeBranch + "-" + t.Name
}

// target is one target's part of a cycle.
func (w *Watcher) target(ctx context.Context, t Target, remoteOK bool, base baseInfo, sum *Summary) {
	label := t.Label()
	src, local := sourceKey(sourceFC, label), sourceKey(sourceLocal, label)
	if remoteOK {
		if err := w.integrate(t, w.cfg.Remote.TrackingRef(t.Branch.Ref)); err != nil {
			w.fail(ctx, local, label, err, sum)
			return
		}
	}
	head, err := w.headFor(base)
	if err != nil {
		w.fail(ctx, local, label, err, sum)
		return
	}
	if err := w.record(ctx, t, head); err != nil {
		w.fail(ctx, src, label, err, sum)
		return
	}
	drifted, refused, err := w.plan(ctx, t, head)
	if err != nil {
		w.fail(ctx, src, label, err, sum)
		return
	}
	w.succeed(ctx, src, label)
	w.succeed(ctx, local, label)
	sum.Drift = sum.Drift || refused
	tip, _, err := w.cfg.Repo.ResolveRef(t.Branch.Ref)
	if err != nil {
		w.fail(ctx, local, label, err, sum)
		return
	}
	w.driftEvents(ctx, t, drifted, tip)
	if !remoteOK {
		return
	}
	pushKey := sourceKey(sourcePush, label)
	if err := w.push(ctx, t, sum); err != nil {
		w.fail(ctx, pushKey, label, err, sum)
		return
	}
	w.succeed(ctx, pushKey, label)
	if w.cfg.MergeBranch != "" {
		mergeKey := sourceKey(sourceMerge, label)
		if err := w.mergeBranch(ctx, t, base, sum); err != nil {
			w.fail(ctx, mergeKey, label, err, sum)
		} else {
			w.succeed(ctx, mergeKey, label)
		}
	}
}

// headFor is the commit standing for HEAD in the fetch and the plan: the
// base branch as the remote has it, else HEAD itself (zero).
func (w *Watcher) headFor(base baseInfo) (plumbing.Hash, error) {
	if base.commit.IsZero() {
		return plumbing.ZeroHash, nil
	}
	// The tracking ref holds it, with its history, once fetched.
	if _, err := w.cfg.Repo.ReadCommit(base.commit); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read the base branch %s at %s: %w", base.ref, base.commit, err)
	}
	return base.commit, nil
}

// record reads the target's online state and records it on its online
// branch, as fcgit fetch does.
func (w *Watcher) record(ctx context.Context, t Target, head plumbing.Hash) error {
	opts := t.Fetch
	opts.Head = head
	prep, err := fetch.Prepare(ctx, t.Client, w.cfg.Repo, t.Branch, opts)
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	on, err := prep.Read(ctx, t.Client, w.cfg.Repo, opts)
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	if err := prep.Commit(w.cfg.Repo, t.Branch); err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	changes, err := fetch.Changes(w.cfg.Repo, prep.Tip, on)
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	commit, changed, err := fetch.Record(w.cfg.Repo, t.Branch, prep.Tip, on, changes)
	if err != nil {
		// fetch.ErrBranchMoved (another fcgit recorded meanwhile) too:
		// the next cycle reads again from that record.
		return fmt.Errorf("fetch: %w", err)
	}
	if changed {
		fmt.Fprintf(w.cfg.Log, "fcgit watch: %s: recorded the online state on %s (%s)\n", t.Label(), shortRef(t.Branch.Ref), short(commit))
		for _, ch := range changes {
			if d := ch.Describe(); d != "" {
				fmt.Fprintf(w.cfg.Log, "  %-8s %s (%s)\n", ch.Kind, ch.Label(), d)
			} else {
				fmt.Fprintf(w.cfg.Log, "  %-8s %s\n", ch.Kind, ch.Label())
			}
		}
	} else if w.cfg.Verbose {
		fmt.Fprintf(w.cfg.Log, "fcgit watch: %s: online state unchanged (%s)\n", t.Label(), short(commit))
	}
	return nil
}

func short(h plumbing.Hash) string {
	if h.IsZero() {
		return "none"
	}
	return h.String()[:12]
}

// shortRef is a branch's name without refs/heads/.
func shortRef(ref string) string {
	const heads = "refs/heads/"
	if len(ref) > len(heads) && ref[:len(heads)] == heads {
		return ref[len(heads):]
	}
	return ref
}
