package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/plan"
	"github.com/fcgit/fcgit/push"
)

// Event types (Event.Event).
const (
	DriftAppeared = "drift-appeared"
	DriftChanged  = "drift-changed"
	DriftCleared  = "drift-cleared"
	Merge         = "merge"
	Error         = "error"
	Recovered     = "recovered"
)

// Error kinds (Event.Kind of an error or recovered event).
const (
	KindNetwork  = "network"  // the remote or FC cannot be reached; retried with backoff
	KindAuth     = "auth"     // credentials missing or refused; retried with backoff
	KindConflict = "conflict" // the merge branch's merge conflicts
	KindRejected = "rejected" // the remote refused a ref (hook, protected branch) or has a tag elsewhere
	KindOther    = "other"
)

// Event is one line of fcgit watch's output (docs/commands.md documents
// it). Values of secrets are never in it: the plan masks them.
type Event struct {
	Event  string    `json:"event"`
	Time   time.Time `json:"time"`
	Target string    `json:"target"`
	// Resource is the function, or "domain <name>" (drift events).
	Resource string `json:"resource,omitempty"`
	// Kind is, for drift events, what happened online ("changed online",
	// "deleted online", "recorded on the online branch, not merged into
	// HEAD", ...); for error and recovered events, one of the Kind
	// constants.
	Kind string `json:"kind,omitempty"`
	// Changes are the field-level changes: base branch's value → online.
	Changes []plan.Change `json:"changes,omitempty"`
	// Code lists the code files that differ, when the code does.
	Code *plan.CodeChange `json:"code,omitempty"`
	// Secrets names secret environment variables whose value differs.
	Secrets []string `json:"secrets,omitempty"`
	// OnlineCommit is the online branch's commit recording the state.
	OnlineCommit string `json:"onlineCommit,omitempty"`
	// Branch, Commit and Base are a merge event's: the merge branch, the
	// commit pushed to it, and the base branch's commit it was built on.
	// An error of kind conflict names Branch too.
	Branch string `json:"branch,omitempty"`
	Commit string `json:"commit,omitempty"`
	Base   string `json:"base,omitempty"`
	// Conflicts are the paths a merge could not resolve.
	Conflicts []string `json:"conflicts,omitempty"`
	Message   string   `json:"message,omitempty"`
}

// drifted returns the resources of a status report that carry drift (see
// the package documentation), as events without type, time or commit.
func drifted(t Target, rep *push.StatusReport) map[string]*Event {
	out := map[string]*Event{}
	for _, list := range [][]*plan.Resource{rep.Functions, rep.Domains} {
		for _, r := range list {
			if r.Drift == nil || !(r.HasBlock(plan.BlockedDrift) || r.HasBlock(plan.BlockedUnmerged)) {
				continue
			}
			out[r.Name()] = &Event{Target: t.Label(), Resource: r.Name(), Kind: r.Drift.Kind,
				Changes: r.Drift.Changes, Code: r.Drift.CodeChanges, Secrets: r.Drift.Secrets}
		}
	}
	return out
}

// sameDrift reports whether two drift events say the same.
func sameDrift(a, b *Event) bool {
	x, errX := json.Marshal(struct {
		K string
		C []plan.Change
		D *plan.CodeChange
		S []string
	}{a.Kind, a.Changes, a.Code, a.Secrets})
	y, errY := json.Marshal(struct {
		K string
		C []plan.Change
		D *plan.CodeChange
		S []string
	}{b.Kind, b.Changes, b.Code, b.Secrets})
	return errX == nil && errY == nil && bytes.Equal(x, y)
}

// plan makes the target's status report against head and returns its
// drifted resources, and whether status --exit-code would exit 3.
func (w *Watcher) plan(ctx context.Context, t Target, head plumbing.Hash) (map[string]*Event, bool, error) {
	opts := t.Fetch
	opts.Head = head
	rep, err := push.Status(ctx, t.Client, w.cfg.Repo, push.Options{
		Branch: t.Branch, Fetch: opts, Getenv: w.cfg.Getenv, Hide: w.cfg.Hide,
	})
	if err != nil {
		return nil, false, fmt.Errorf("status: %w", err)
	}
	d := drifted(t, rep)
	return d, rep.Refused() || len(d) > 0, nil
}

// driftEvents reports how the target's drift moved since the last cycle.
func (w *Watcher) driftEvents(ctx context.Context, t Target, now map[string]*Event, tip plumbing.Hash) {
	prev := w.drift[t.Label()]
	online := ""
	if !tip.IsZero() {
		online = tip.String()
	}
	for _, name := range mapkeys.Sorted(prev) {
		if now[name] == nil {
			w.emit(ctx, &Event{Event: DriftCleared, Target: t.Label(), Resource: name, OnlineCommit: online})
		}
	}
	for _, name := range mapkeys.Sorted(now) {
		e := *now[name]
		e.OnlineCommit = online
		switch p := prev[name]; {
		case p == nil:
			e.Event = DriftAppeared
		case !sameDrift(p, &e):
			e.Event = DriftChanged
		default:
			continue
		}
		w.emit(ctx, &e)
	}
	w.drift[t.Label()] = now
}

// emit writes the event as one JSON line, tells people on the log, and
// runs the exec command with it.
func (w *Watcher) emit(ctx context.Context, e *Event) {
	e.Time = w.cfg.Now().UTC()
	line, err := json.Marshal(e)
	if err != nil {
		fmt.Fprintf(w.cfg.Log, "fcgit watch: cannot encode an event: %v\n", err)
		return
	}
	line = append(line, '\n')
	if _, err := w.cfg.Events.Write(line); err != nil {
		fmt.Fprintf(w.cfg.Log, "fcgit watch: cannot write an event: %v\n", err)
	}
	w.logEvent(e)
	if w.cfg.Exec != "" {
		w.runExec(ctx, e, line)
	}
}

// logEvent says what an event says, for people.
func (w *Watcher) logEvent(e *Event) {
	var msg string
	switch e.Event {
	case DriftAppeared, DriftChanged:
		var parts []string
		for _, c := range e.Changes {
			parts = append(parts, c.String())
		}
		if e.Code != nil {
			parts = append(parts, plural(len(e.Code.Files), "code file")+" changed")
		}
		msg = fmt.Sprintf("drift %s: %s: %s", strings.TrimPrefix(e.Event, "drift-"), e.Resource, e.Kind)
		if len(parts) > 0 {
			msg += " (" + strings.Join(parts, "; ") + ")"
		}
	case DriftCleared:
		msg = fmt.Sprintf("drift cleared: %s", e.Resource)
	case Merge:
		msg = fmt.Sprintf("pushed %s (%s): the online state merged into %s", e.Branch, e.Commit[:12], e.Base[:12])
	default:
		// Errors and recoveries are logged where they are found, with
		// the outage's wording.
		return
	}
	fmt.Fprintf(w.cfg.Log, "fcgit watch: %s: %s\n", e.Target, msg)
}

// execTimeout bounds an --exec command: a hung webhook must not stop the
// watcher.
const execTimeout = time.Minute

// runExec runs the exec command with the event on its standard input;
// FCGIT_EVENT holds the event's type. Its output goes to the log; a
// failure is logged, never an event (which would run it again).
func (w *Watcher) runExec(ctx context.Context, e *Event, line []byte) {
	ctx, cancel := context.WithTimeout(ctx, execTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", w.cfg.Exec)
	cmd.Dir = w.cfg.Repo.WorkDir()
	cmd.Stdin = bytes.NewReader(line)
	cmd.Stdout, cmd.Stderr = w.cfg.Log, w.cfg.Log
	cmd.Env = append(os.Environ(), "FCGIT_EVENT="+e.Event, "FCGIT_TARGET="+e.Target)
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(w.cfg.Log, "fcgit watch: --exec %q for a %s event: %v\n", w.cfg.Exec, e.Event, err)
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
