package watch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/gitremote"
)

// Error sources: an outage is tracked, and an error reported once, per
// source key: "remote" (fetching from the team's remote), "push <target>",
// "merge <target>", "fc <target>" (Function Compute), "local <target>"
// (this repository).
const (
	sourceRemote = "remote"
	sourcePush   = "push"
	sourceMerge  = "merge"
	sourceFC     = "fc"
	sourceLocal  = "local"
)

func sourceKey(source, target string) string {
	if target == "" {
		return source
	}
	return source + " " + target
}

// outage is a network or authentication failure under way.
type outage struct {
	kind  string
	since time.Time
}

// kindOf classifies an error for events and backoff.
func kindOf(err error) string {
	var rejected *rejectedError
	switch {
	case errors.As(err, &rejected):
		return KindRejected
	case errors.Is(err, gitremote.ErrUnreachable):
		return KindNetwork
	case errors.Is(err, gitremote.ErrAuthentication):
		return KindAuth
	}
	switch fc.KindOf(err) {
	case fc.KindNetwork, fc.KindThrottled, fc.KindServer:
		return KindNetwork
	case fc.KindAccessDenied:
		return KindAuth
	}
	return KindOther
}

// fail reports an error of a source (a key, see sourceKey) for a target
// ("" for all): once when a network or authentication outage starts, once
// per distinct message for other errors. The cycle's own cancellation is
// not reported.
func (w *Watcher) fail(ctx context.Context, key, target string, err error, sum *Summary) {
	sum.Errors++
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return
	}
	kind := kindOf(err)
	if kind == KindNetwork || kind == KindAuth {
		if o := w.outages[key]; o != nil && o.kind == kind {
			return
		}
		w.outages[key] = &outage{kind: kind, since: w.cfg.Now()}
		what := "unreachable"
		if kind == KindAuth {
			what = "refusing the credentials"
		}
		fmt.Fprintf(w.cfg.Log, "fcgit watch: %s %s since %s; retrying with backoff: %v\n", sourceName(key), what, w.cfg.Now().Format(time.RFC3339), err)
		w.emitError(ctx, target, kind, err.Error())
		return
	}
	if w.reported[key] == err.Error() {
		return
	}
	w.reported[key] = err.Error()
	fmt.Fprintf(w.cfg.Log, "fcgit watch: %s: %v\n", labelOr(target), err)
	w.emitError(ctx, target, kind, err.Error())
}

// succeed ends the source's outage, if one is under way, and forgets its
// last error, so that it is reported again should it come back.
func (w *Watcher) succeed(ctx context.Context, key, target string) {
	if o := w.outages[key]; o != nil {
		delete(w.outages, key)
		d := w.cfg.Now().Sub(o.since).Round(time.Millisecond)
		fmt.Fprintf(w.cfg.Log, "fcgit watch: %s reachable again (after %s)\n", sourceName(key), d)
		w.emit(ctx, &Event{Event: Recovered, Target: labelOr(target), Kind: o.kind,
			Message: fmt.Sprintf("%s reachable again after %s", sourceName(key), d)})
	}
	delete(w.reported, key)
}

func (w *Watcher) emitError(ctx context.Context, target, kind, msg string) {
	w.emit(ctx, &Event{Event: Error, Target: labelOr(target), Kind: kind, Message: msg})
}

// labelOr is the target of an event about the whole watcher: "" becomes
// "*" (every target).
func labelOr(target string) string {
	if target == "" {
		return "*"
	}
	return target
}

// sourceName names a source for people.
func sourceName(key string) string {
	source, target, _ := strings.Cut(key, " ")
	switch source {
	case sourceRemote, sourcePush, sourceMerge:
		return "the git remote"
	case sourceFC:
		return "Function Compute (" + target + ")"
	}
	return "the repository"
}

// maxBackoff bounds the wait between two cycles during an outage.
const maxBackoff = 5 * time.Minute

// backoff is the wait after the n-th failing cycle in a row: the interval,
// doubled each time, at most 16 intervals and at most maxBackoff (but
// never less than the interval).
func backoff(interval time.Duration, n int) time.Duration {
	limit := min(16*interval, max(maxBackoff, interval))
	d := interval
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}
