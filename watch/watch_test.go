package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/gitremote"
	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/plan"
)

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		interval time.Duration
		n        int
		want     time.Duration
	}{
		{time.Minute, 1, time.Minute},
		{time.Minute, 2, 2 * time.Minute},
		{time.Minute, 3, 4 * time.Minute},
		{time.Minute, 4, 5 * time.Minute}, // maxBackoff
		{time.Minute, 50, 5 * time.Minute},
		{100 * time.Millisecond, 5, 1600 * time.Millisecond},
		{100 * time.Millisecond, 9, 1600 * time.Millisecond}, // 16 intervals
		{10 * time.Minute, 3, 10 * time.Minute},              // never below the interval
	} {
		if got := backoff(tc.interval, tc.n); got != tc.want {
			t.Errorf("backoff(%s, %d) = %s, want %s", tc.interval, tc.n, got, tc.want)
		}
	}
}

func TestKindOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&gitremote.Error{Op: "push", Kind: gitremote.ErrUnreachable, Err: errors.New("connection refused")}, KindNetwork},
		{&gitremote.Error{Op: "push", Kind: gitremote.ErrAuthentication, Err: errors.New("401")}, KindAuth},
		{fmt.Errorf("fetch: %w", &fc.Error{Op: "ListFunctions", Kind: fc.KindNetwork}), KindNetwork},
		{&fc.Error{Op: "ListFunctions", Kind: fc.KindThrottled}, KindNetwork},
		{&fc.Error{Op: "ListFunctions", Kind: fc.KindAccessDenied}, KindAuth},
		{&rejectedError{"the remote refused refs/heads/x: hook"}, KindRejected},
		{errors.New("no such repository"), KindOther},
	} {
		if got := kindOf(tc.err); got != tc.want {
			t.Errorf("kindOf(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
}

// Drift events follow the drifted set from cycle to cycle: appeared,
// changed only when what drifted changed, cleared; one JSON line each, and
// the exec command gets the same line.
func TestDriftEvents(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", dir).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	repo, err := gitstate.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out, log bytes.Buffer
	execLog := filepath.Join(dir, "exec.log")
	w := New(Config{Repo: repo, Events: &out, Log: &log, Exec: "cat >> " + execLog,
		Now: func() time.Time { return time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC) }})
	tgt := Target{}
	drift := func(kv ...any) map[string]*Event {
		m := map[string]*Event{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = &Event{Target: DefaultTarget, Resource: kv[i].(string), Kind: "changed online",
				Changes: []plan.Change{{Path: "timeout", Old: 10, New: kv[i+1]}}}
		}
		return m
	}
	var commit [20]byte
	commit[0] = 1
	cycles := []struct {
		now  map[string]*Event
		want []string
	}{
		{drift("a", 30), []string{"drift-appeared a"}},
		{drift("a", 30), nil},
		{drift("a", 31, "b", 5), []string{"drift-changed a", "drift-appeared b"}},
		{drift("b", 5), []string{"drift-cleared a"}},
		{drift(), []string{"drift-cleared b"}},
	}
	for i, c := range cycles {
		out.Reset()
		w.driftEvents(context.Background(), tgt, c.now, commit)
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			if line == "" {
				continue
			}
			var e Event
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatalf("cycle %d: %q: %v", i, line, err)
			}
			if e.Target != DefaultTarget || e.OnlineCommit == "" || e.Time.IsZero() {
				t.Errorf("cycle %d: event %+v lacks target, commit or time", i, e)
			}
			got = append(got, e.Event+" "+e.Resource)
		}
		if strings.Join(got, ", ") != strings.Join(c.want, ", ") {
			t.Errorf("cycle %d: events %v, want %v", i, got, c.want)
		}
	}
	data, err := os.ReadFile(execLog)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "\n"); n != 5 {
		t.Errorf("--exec ran for %d events, want 5:\n%s", n, data)
	}
}

// An outage is reported once, its end once; other errors once per
// message.
func TestOutageReportedOnce(t *testing.T) {
	var out, log bytes.Buffer
	w := New(Config{Events: &out, Log: &log})
	ctx := context.Background()
	down := &gitremote.Error{Op: "fetch", URL: "https://git.example.com/x.git", Kind: gitremote.ErrUnreachable, Err: errors.New("connection refused")}
	var sum Summary
	for range 3 {
		w.fail(ctx, sourceRemote, "", down, &sum)
	}
	w.succeed(ctx, sourceRemote, "")
	w.succeed(ctx, sourceRemote, "")
	other := errors.New("no such repository")
	for range 2 {
		w.fail(ctx, sourceRemote, "", other, &sum)
	}
	var events []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var e Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatal(err)
		}
		events = append(events, e.Event+" "+e.Kind)
	}
	if want := "error network, recovered network, error other"; strings.Join(events, ", ") != want {
		t.Fatalf("events %v, want %s", events, want)
	}
	if sum.Errors != 5 {
		t.Fatalf("errors counted %d, want 5", sum.Errors)
	}
	if n := strings.Count(log.String(), "unreachable since"); n != 1 {
		t.Fatalf("outage logged %d times:\n%s", n, log.String())
	}
}

// The lock: a second taker is told who holds it; once released, or its
// holder's file left behind without a holder, it is taken.
func TestLock(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", dir).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	repo, err := gitstate.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := TakeLock(repo)
	if err != nil {
		t.Fatal(err)
	}
	_, err = TakeLock(repo)
	var locked *LockedError
	if !errors.As(err, &locked) || locked.PID != os.Getpid() {
		t.Fatalf("second TakeLock = %v, want a LockedError naming pid %d", err, os.Getpid())
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("another fcgit watch (pid %d on ", os.Getpid())) {
		t.Fatalf("message %q", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	// A file left by a watcher that is gone (no process holds it).
	path := filepath.Join(repo.CommonDir(), LockFile)
	if err := os.WriteFile(path, []byte("999999 elsewhere\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err = TakeLock(repo)
	if err != nil {
		t.Fatalf("a stale lock file was not taken over: %v", err)
	}
	data, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(data), fmt.Sprint(os.Getpid())+" ") {
		t.Fatalf("lock file says %q", data)
	}
	l.Release()
}
