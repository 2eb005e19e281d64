package cmd

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fcgit/fcgit/emulator"
	"github.com/fcgit/fcgit/watch"
)

const watchFunction = `handler = "index.handler"
runtime = "python3.10"
timeout = 10
`

// teamRemote is the team's bare repository and the URL fcgit watch reaches
// it by.
type teamRemote struct {
	bare string
	url  string
	// down, for smart HTTP, makes the server answer 503 as an overloaded
	// or unreachable git host does.
	down *atomic.Bool
}

// watchTransports are the ways the watcher reaches the team's remote: git's
// own receive-pack over file://, and smart HTTP through git http-backend
// behind basic auth, the password coming from the repository's credential
// helper, as git would get it.
var watchTransports = []struct {
	name  string
	serve func(t *testing.T, w *world, bare string) teamRemote
}{
	{"file", func(t *testing.T, w *world, bare string) teamRemote {
		return teamRemote{bare: bare, url: "file://" + bare, down: &atomic.Bool{}}
	}},
	{"http", serveHTTP},
}

// serveHTTP serves bare over smart HTTP with basic auth, and configures a
// credential helper in w's repository that knows the password.
func serveHTTP(t *testing.T, w *world, bare string) teamRemote {
	t.Helper()
	gitPath, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	backend := &cgi.Handler{
		Path: gitPath, Args: []string{"http-backend"},
		Env:        []string{"GIT_PROJECT_ROOT=" + filepath.Dir(bare), "GIT_HTTP_EXPORT_ALL=1", "GIT_CONFIG_NOSYSTEM=1"},
		InheritEnv: []string{"PATH", "HOME"},
	}
	down := &atomic.Bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		if down.Load() {
			http.Error(rw, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		if u, p, ok := req.BasicAuth(); !ok || u != "alice" || p != "s3cret" {
			rw.Header().Set("WWW-Authenticate", `Basic realm="team"`)
			http.Error(rw, "authentication required", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(rw, req)
	}))
	t.Cleanup(srv.Close)
	helper := filepath.Join(t.TempDir(), "helper.sh")
	if err := os.WriteFile(helper, []byte("#!/bin/sh\nif [ \"$1\" = get ]; then echo username=alice; echo password=s3cret; fi\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	w.git("config", "credential.helper", helper)
	return teamRemote{bare: bare, url: srv.URL + "/" + filepath.Base(bare), down: down}
}

// watchWorld is a repository with one deployed function, hello (timeout
// 10), whose main branch is on the team's remote "origin".
func watchWorld(t *testing.T, serve func(*testing.T, *world, string) teamRemote, opts emulator.Options) (*world, teamRemote) {
	t.Helper()
	w := newWorld(t, opts)
	w.write("functions/hello/function.toml", watchFunction)
	w.write("functions/hello/code/index.py", "def handler(event, context):\n    return 'hello'\n")
	w.commitAll("hello")
	w.mustRun("push")
	bare := filepath.Join(t.TempDir(), "team.git")
	w.git("init", "-q", "--bare", "-b", "main", bare)
	w.git("-C", bare, "config", "http.receivepack", "true")
	w.git("push", "-q", bare, "main")
	remote := serve(t, w, bare)
	w.git("remote", "add", "origin", remote.url)
	return w, remote
}

// gitIn runs git in dir with the world's isolated configuration.
func (w *world) gitIn(dir string, args ...string) string {
	w.t.Helper()
	return w.git(append([]string{"-C", dir}, args...)...)
}

// gitTryIn is gitIn that returns the error.
func (w *world) gitTryIn(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+w.dir+"/.home")
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// remoteFile is a file of a branch on the team's remote ("" when absent).
func (w *world) remoteFile(bare, branch, path string) string {
	out, err := w.gitTryIn(bare, "show", branch+":"+path)
	if err != nil {
		return ""
	}
	return out
}

// consoleTimeout sets hello's timeout as an edit in the FC console would.
func (w *world) consoleTimeout(fn string, timeout int) {
	w.t.Helper()
	if _, err := w.client.UpdateFunction(w.t.Context(), fn, map[string]any{"timeout": timeout}); err != nil {
		w.t.Fatal(err)
	}
}

// watcher is fcgit watch running as a process of its own.
type watcher struct {
	t      testing.TB
	cmd    *exec.Cmd
	mu     sync.Mutex
	events []watch.Event
	stderr bytes.Buffer
	done   chan struct{}
	code   int
}

// fcgitEnv is the environment of fcgit processes: the test key pair, the
// world's git configuration.
func (w *world) fcgitEnv() []string {
	return append(os.Environ(), "ALIBABA_CLOUD_ACCESS_KEY_ID="+testAK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET="+testSK,
		"GIT_CONFIG_NOSYSTEM=1", "HOME="+w.dir+"/.home")
}

func fcgitBinary(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("fcgit")
	if err != nil {
		t.Skip("fcgit test binary not on PATH")
	}
	return bin
}

// startWatcher runs fcgit watch in dir with args.
func (w *world) startWatcher(dir string, args ...string) *watcher {
	t := w.t
	t.Helper()
	p := &watcher{t: t, done: make(chan struct{})}
	p.cmd = exec.Command(fcgitBinary(t), append([]string{"-C", dir, "watch"}, args...)...)
	p.cmd.Env = w.fcgitEnv()
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = &lockedWriter{mu: &p.mu, w: &p.stderr}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var e watch.Event
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Errorf("stdout line is not an event: %q: %v", sc.Text(), err)
				continue
			}
			p.mu.Lock()
			p.events = append(p.events, e)
			p.mu.Unlock()
		}
		err := p.cmd.Wait()
		p.code = 0
		if ee, ok := err.(*exec.ExitError); ok {
			p.code = ee.ExitCode()
		} else if err != nil {
			t.Error(err)
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func (p *watcher) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// all returns the events so far.
func (p *watcher) all() []watch.Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]watch.Event(nil), p.events...)
}

// waitFor waits until cond holds, failing the test after timeout.
func (p *watcher) waitFor(what string, timeout time.Duration, cond func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		select {
		case <-p.done:
			if cond() {
				return
			}
			p.t.Fatalf("fcgit watch exited (%d) before %s\nstderr:\n%s", p.code, what, p.log())
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("no %s within %s\nevents: %+v\nstderr:\n%s", what, timeout, p.all(), p.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// event waits for the first event after the n-th matching pred.
func (p *watcher) event(from int, what string, pred func(watch.Event) bool) (watch.Event, int) {
	p.t.Helper()
	var found watch.Event
	var at int
	p.waitFor(what, 20*time.Second, func() bool {
		for i, e := range p.all() {
			if i >= from && pred(e) {
				found, at = e, i
				return true
			}
		}
		return false
	})
	return found, at
}

// stop sends SIGTERM and returns the exit code.
func (p *watcher) stop() int {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(40 * time.Second):
		p.t.Fatalf("fcgit watch did not stop after SIGTERM\nstderr:\n%s", p.log())
	}
	return p.code
}

func isEvent(kind, resource string) func(watch.Event) bool {
	return func(e watch.Event) bool { return e.Event == kind && (resource == "" || e.Resource == resource) }
}

// A console edit is on the team's remote within one interval, reported as
// drift with its values; merged and pushed by a colleague, the drift
// clears; --exec receives every event; SIGTERM ends the watcher cleanly.
func TestWatchConsoleEditReachesRemote(t *testing.T) {
	for _, tr := range watchTransports {
		t.Run(tr.name, func(t *testing.T) {
			w, remote := watchWorld(t, tr.serve, emulator.Options{})
			execLog := filepath.Join(t.TempDir(), "exec.log")
			p := w.startWatcher(w.dir, "--interval", "300ms", "--exec", `{ cat; echo "type=$FCGIT_EVENT"; } >> `+execLog)

			// The first cycle pushes the online branch: no drift.
			p.waitFor("online branch on the remote", 20*time.Second, func() bool {
				return strings.Contains(w.remoteFile(remote.bare, "fcgit/online", "functions/hello/function.toml"), "timeout = 10")
			})
			w.consoleTimeout("hello", 30)
			edited := time.Now()
			p.waitFor("console edit on the remote", 20*time.Second, func() bool {
				return strings.Contains(w.remoteFile(remote.bare, "fcgit/online", "functions/hello/function.toml"), "timeout = 30")
			})
			// One interval (300ms), plus a cycle's own time on a
			// loaded machine.
			if d := time.Since(edited); d > 10*time.Second {
				t.Errorf("the edit took %s to reach the remote", d)
			}
			e, at := p.event(0, "drift-appeared event", isEvent(watch.DriftAppeared, "hello"))
			if e.Target != "default" || len(e.Changes) != 1 || e.Changes[0].Path != "timeout" ||
				fmt.Sprint(e.Changes[0].Old) != "10" || fmt.Sprint(e.Changes[0].New) != "30" {
				t.Fatalf("drift event = %+v, want hello's timeout 10 → 30", e)
			}
			if tip := strings.TrimSpace(w.gitIn(remote.bare, "rev-parse", "fcgit/online")); e.OnlineCommit != tip {
				t.Errorf("onlineCommit = %s, want the remote's fcgit/online %s", e.OnlineCommit, tip)
			}

			// A colleague merges the online branch and pushes main.
			colleague := filepath.Join(t.TempDir(), "colleague")
			w.git("clone", "-q", remote.bare, colleague)
			w.gitIn(colleague, "config", "user.name", "Colleague")
			w.gitIn(colleague, "config", "user.email", "colleague@example.com")
			w.gitIn(colleague, "fetch", "-q", "origin", "fcgit/online:fcgit/online")
			if code, out := runIn(colleague, "pull"); code != 0 {
				t.Fatalf("fcgit pull in the colleague's clone: exit %d\n%s", code, out)
			}
			w.gitIn(colleague, "push", "-q", "origin", "main")
			p.event(at, "drift-cleared event", isEvent(watch.DriftCleared, "hello"))

			if code := p.stop(); code != 0 {
				t.Fatalf("exit %d after SIGTERM\n%s", code, p.log())
			}
			t.Logf("fcgit watch's stderr:\n%s", p.log())
			data, err := os.ReadFile(execLog)
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Count(string(data), "type=drift-")
			if want := len(p.all()); got != want || !strings.Contains(string(data), `"event":"drift-appeared"`) {
				t.Errorf("--exec saw %d drift events, stdout %d:\n%s", got, want, data)
			}
			for _, e := range p.all() {
				if e.Event == watch.Error {
					t.Errorf("error event: %+v", e)
				}
			}
			w.gitIn(w.dir, "fsck", "--strict")
			w.gitIn(remote.bare, "fsck", "--strict")
		})
	}
}

// cloneWatcher is a second repository of the team (a clone of the remote)
// in which another watcher runs.
func (w *world) cloneWatcher(remote teamRemote) string {
	w.t.Helper()
	dir := filepath.Join(w.t.TempDir(), "second")
	w.git("clone", "-q", remote.bare, dir)
	w.gitIn(dir, "config", "gc.auto", "0")
	w.gitIn(dir, "remote", "set-url", "origin", remote.url)
	if helper, err := w.gitTryIn(w.dir, "config", "credential.helper"); err == nil {
		w.gitIn(dir, "config", "credential.helper", helper)
	}
	return dir
}

// Two watchers of one remote (in two clones) both keep working through a
// series of console edits: each ends with the remote's online branch, which
// records the last edit, and the remote's history stays linear.
func TestWatchTwoWatchers(t *testing.T) {
	for _, tr := range watchTransports {
		t.Run(tr.name, func(t *testing.T) {
			w, remote := watchWorld(t, tr.serve, emulator.Options{})
			second := w.cloneWatcher(remote)
			a := w.startWatcher(w.dir, "--interval", "150ms")
			b := w.startWatcher(second, "--interval", "150ms")
			for i, timeout := range []int{20, 21, 22, 23} {
				w.consoleTimeout("hello", timeout)
				want := fmt.Sprintf("timeout = %d", timeout)
				a.waitFor(fmt.Sprintf("edit %d on the remote", i), 20*time.Second, func() bool {
					return strings.Contains(w.remoteFile(remote.bare, "fcgit/online", "functions/hello/function.toml"), want)
				})
				// A pause of a few cycles now and then, for both
				// watchers to see the same state.
				if i%2 == 1 {
					time.Sleep(400 * time.Millisecond)
				}
			}
			tip := strings.TrimSpace(w.gitIn(remote.bare, "rev-parse", "fcgit/online"))
			for _, dir := range []string{w.dir, second} {
				a.waitFor("both watchers at the remote's tip", 20*time.Second, func() bool {
					out, err := w.gitTryIn(dir, "rev-parse", "fcgit/online")
					return err == nil && out == tip
				})
			}
			for _, p := range []*watcher{a, b} {
				if code := p.stop(); code != 0 {
					t.Fatalf("exit %d\n%s", code, p.log())
				}
				for _, e := range p.all() {
					if e.Event == watch.Error {
						t.Errorf("error event: %+v\n%s", e, p.log())
					}
				}
			}
			if merges := w.gitIn(remote.bare, "rev-list", "--min-parents=2", "fcgit/online"); strings.TrimSpace(merges) != "" {
				t.Fatalf("the remote's online branch has merge commits:\n%s", w.gitIn(remote.bare, "log", "--graph", "--oneline", "fcgit/online"))
			}
			// Each edit is recorded (once or more: a watcher records
			// what it saw), in the order made.
			log := w.gitIn(remote.bare, "log", "--reverse", "-p", "--format=%s", "fcgit/online", "--", "functions/hello/function.toml")
			last := -1
			for _, timeout := range []int{20, 21, 22, 23} {
				i := strings.Index(log, fmt.Sprintf("+timeout = %d", timeout))
				if i < last {
					t.Fatalf("edit timeout = %d missing or out of order in the remote's history:\n%s", timeout, log)
				}
				last = i
			}
			for _, dir := range []string{w.dir, second, remote.bare} {
				w.gitIn(dir, "fsck", "--strict")
			}
		})
	}
}

// The remote unreachable: the watcher says so once (one error event, however
// many cycles), records console edits locally meanwhile, and when the remote
// is back says so and pushes them.
func TestWatchRemoteUnreachableThenBack(t *testing.T) {
	w, remote := watchWorld(t, serveHTTP, emulator.Options{})
	remote.down.Store(true)
	p := w.startWatcher(w.dir, "--interval", "100ms")
	p.event(0, "network error event", func(e watch.Event) bool { return e.Event == watch.Error && e.Kind == watch.KindNetwork })
	w.consoleTimeout("hello", 45)
	// Several cycles (with backoff) while down, and the edit recorded here.
	p.waitFor("the edit recorded locally", 20*time.Second, func() bool {
		out, err := w.gitTryIn(w.dir, "show", "fcgit/online:functions/hello/function.toml")
		return err == nil && strings.Contains(out, "timeout = 45")
	})
	time.Sleep(time.Second)
	remote.down.Store(false)
	p.event(0, "recovered event", isEvent(watch.Recovered, ""))
	p.waitFor("the edit on the remote", 20*time.Second, func() bool {
		return strings.Contains(w.remoteFile(remote.bare, "fcgit/online", "functions/hello/function.toml"), "timeout = 45")
	})
	if code := p.stop(); code != 0 {
		t.Fatalf("exit %d\n%s", code, p.log())
	}
	var errs int
	for _, e := range p.all() {
		if e.Event == watch.Error {
			errs++
		}
	}
	if errs != 1 || strings.Count(p.log(), "unreachable since") != 1 {
		t.Fatalf("%d error events, want 1 for the whole outage\n%s", errs, p.log())
	}
	w.gitIn(remote.bare, "fsck", "--strict")
}

// A second watcher on the same repository exits 1 naming the first; once
// the first is gone (even killed, its lock file left), one starts again.
func TestWatchLock(t *testing.T) {
	w, _ := watchWorld(t, watchTransports[0].serve, emulator.Options{})
	p := w.startWatcher(w.dir, "--interval", "200ms")
	p.waitFor("the lock taken", 20*time.Second, func() bool { return strings.Contains(p.log(), "watching default") })
	q := w.startWatcher(w.dir, "--interval", "200ms")
	<-q.done
	if want := fmt.Sprintf("another fcgit watch (pid %d on ", p.cmd.Process.Pid); q.code != 1 || !strings.Contains(q.log(), want) {
		t.Fatalf("second watcher: exit %d, want 1 and %q:\n%s", q.code, want, q.log())
	}
	p.cmd.Process.Kill()
	<-p.done
	if _, err := os.Stat(filepath.Join(w.dir, ".git", watch.LockFile)); err != nil {
		t.Fatalf("a killed watcher's lock file should be left behind: %v", err)
	}
	r := w.startWatcher(w.dir, "--once")
	<-r.done
	if r.code != 0 {
		t.Fatalf("after the first watcher died: exit %d\n%s", r.code, r.log())
	}
}

// --once exits as status --exit-code does: 0 without drift, 3 with it, 1
// when the remote cannot be reached; -t names only the implicit target.
func TestWatchOnceExitCodes(t *testing.T) {
	w, remote := watchWorld(t, serveHTTP, emulator.Options{})
	run := func(args ...string) (*watcher, int) {
		p := w.startWatcher(w.dir, append([]string{"--once"}, args...)...)
		<-p.done
		return p, p.code
	}
	if p, code := run(); code != 0 {
		t.Fatalf("no drift: exit %d\n%s", code, p.log())
	}
	w.consoleTimeout("hello", 31)
	p, code := run("-t", "default")
	if code != 3 {
		t.Fatalf("drift: exit %d, want 3\n%s", code, p.log())
	}
	if evs := p.all(); len(evs) != 1 || evs[0].Event != watch.DriftAppeared {
		t.Fatalf("events %+v, want the drift reported as appeared", evs)
	}
	if !strings.Contains(w.remoteFile(remote.bare, "fcgit/online", "functions/hello/function.toml"), "timeout = 31") {
		t.Fatal("--once did not push the recorded edit")
	}
	remote.down.Store(true)
	if p, code := run(); code != 1 || !strings.Contains(p.log(), "unreachable") {
		t.Fatalf("remote down: exit %d, want 1\n%s", code, p.log())
	}
	remote.down.Store(false)
	if p, code := run("-t", "staging"); code != 2 || !strings.Contains(p.log(), "declares no [targets]") {
		t.Fatalf("-t staging: exit %d, want 2\n%s", code, p.log())
	}
}

// --merge-branch pushes the merge of the online branch into main, the same
// merge fcgit pull makes; when it conflicts, nothing is pushed and the
// event names the path.
func TestWatchMergeBranch(t *testing.T) {
	for _, tr := range watchTransports {
		t.Run(tr.name, func(t *testing.T) {
			w, remote := watchWorld(t, tr.serve, emulator.Options{})
			// main moves on the remote with a change of its own.
			w.write("functions/hello/code/index.py", "def handler(event, context):\n    return 'hello, world'\n")
			w.commitAll("greet the world")
			w.git("push", "-q", remote.bare, "main")
			w.consoleTimeout("hello", 60)
			p := w.startWatcher(w.dir, "--once", "--merge-branch", "fcgit/merge")
			<-p.done
			if p.code != 3 {
				t.Fatalf("exit %d, want 3 (drift)\n%s", p.code, p.log())
			}
			var merge *watch.Event
			for _, e := range p.all() {
				if e.Event == watch.Merge {
					merge = &e
				}
			}
			mainTip := strings.TrimSpace(w.gitIn(remote.bare, "rev-parse", "main"))
			onlineTip := strings.TrimSpace(w.gitIn(remote.bare, "rev-parse", "fcgit/online"))
			mergeTip := strings.TrimSpace(w.gitIn(remote.bare, "rev-parse", "fcgit/merge"))
			if merge == nil || merge.Commit != mergeTip || merge.Base != mainTip || merge.OnlineCommit != onlineTip || merge.Branch != "fcgit/merge" {
				t.Fatalf("merge event %+v; remote: main %s, online %s, fcgit/merge %s\n%s", merge, mainTip, onlineTip, mergeTip, p.log())
			}
			if parents := w.gitIn(remote.bare, "log", "-1", "--format=%P", "fcgit/merge"); strings.TrimSpace(parents) != mainTip+" "+onlineTip {
				t.Fatalf("fcgit/merge's parents %q, want main and the online branch", parents)
			}
			// The same merge as fcgit pull's, message included.
			if code, out := runIn(w.dir, "pull"); code != 0 {
				t.Fatalf("fcgit pull: exit %d\n%s", code, out)
			}
			if got, want := w.gitIn(w.dir, "rev-parse", "fcgit/merge^{tree}"), w.gitIn(w.dir, "rev-parse", "HEAD^{tree}"); got != want {
				t.Fatalf("fcgit/merge's tree %s, fcgit pull's %s", got, want)
			}
			if got, want := w.gitIn(remote.bare, "log", "-1", "--format=%B", "fcgit/merge"), w.gitIn(w.dir, "log", "-1", "--format=%B", "HEAD"); got != want {
				t.Fatalf("message %q, fcgit pull's %q", got, want)
			}

			// Conflict: main sets the timeout one way, the console another.
			w.git("reset", "-q", "--hard", mainTip)
			w.write("functions/hello/function.toml", strings.Replace(watchFunction, "timeout = 10", "timeout = 15", 1))
			w.commitAll("timeout 15")
			w.git("push", "-q", "-f", remote.bare, "main")
			w.consoleTimeout("hello", 90)
			// A merge branch of its own: fcgit/merge still holds the
			// first merge, into which this edit merges cleanly.
			q := w.startWatcher(w.dir, "--once", "--merge-branch", "fcgit/merge-2")
			<-q.done
			if q.code != 1 {
				t.Fatalf("exit %d, want 1 (a conflicted merge)\n%s", q.code, q.log())
			}
			var conflict *watch.Event
			for _, e := range q.all() {
				if e.Event == watch.Error && e.Kind == watch.KindConflict {
					conflict = &e
				}
			}
			if conflict == nil || len(conflict.Conflicts) != 1 || conflict.Conflicts[0] != "functions/hello/function.toml" || conflict.Branch != "fcgit/merge-2" {
				t.Fatalf("conflict event %+v\n%s", conflict, q.log())
			}
			if _, err := w.gitTryIn(remote.bare, "rev-parse", "--verify", "refs/heads/fcgit/merge-2"); err == nil {
				t.Fatal("a conflicted merge was pushed")
			}
			// Into the open merge branch, the same edit merges cleanly.
			r := w.startWatcher(w.dir, "--once", "--merge-branch", "fcgit/merge")
			<-r.done
			if r.code != 3 || !strings.Contains(w.remoteFile(remote.bare, "fcgit/merge", "functions/hello/function.toml"), "timeout = 90") {
				t.Fatalf("exit %d, want 3 and the edit merged into fcgit/merge\n%s", r.code, r.log())
			}
			if ff, err := w.gitTryIn(remote.bare, "merge-base", "--is-ancestor", mergeTip, "fcgit/merge"); err != nil {
				t.Fatalf("fcgit/merge did not move fast-forward: %v %s", err, ff)
			}
			w.gitIn(remote.bare, "fsck", "--strict")
		})
	}
}

// SIGTERM at any point of a cycle (FC slowed down so that cycles take a
// while) ends the watcher after that cycle, exit 0, leaving both
// repositories whole (git fsck --strict) and no lock behind; the next
// watcher carries on.
func TestWatchSIGTERMMidCycle(t *testing.T) {
	w, remote := watchWorld(t, serveHTTP, emulator.Options{Latency: 40 * time.Millisecond})
	midCycle := 0
	for i, delay := range []time.Duration{0, 200 * time.Millisecond, 450 * time.Millisecond, 850 * time.Millisecond} {
		w.consoleTimeout("hello", 100+i)
		p := w.startWatcher(w.dir, "--interval", "100ms")
		// Until it says so, the process may not handle signals yet.
		p.waitFor("the watcher started", 20*time.Second, func() bool { return strings.Contains(p.log(), "watching default") })
		time.Sleep(delay)
		if code := p.stop(); code != 0 {
			t.Fatalf("SIGTERM after %s: exit %d\n%s", delay, code, p.log())
		}
		if strings.Contains(p.log(), "stopping after the current cycle") {
			midCycle++
		}
		if _, err := os.Stat(filepath.Join(w.dir, ".git", watch.LockFile)); !os.IsNotExist(err) {
			t.Fatalf("lock file left after SIGTERM: %v", err)
		}
		for _, dir := range []string{w.dir, remote.bare} {
			if out, err := w.gitTryIn(dir, "fsck", "--strict"); err != nil {
				t.Fatalf("SIGTERM after %s: git fsck --strict in %s: %v\n%s", delay, dir, err, out)
			}
		}
	}
	if midCycle == 0 {
		t.Fatal("no SIGTERM arrived during a cycle: slow FC down more")
	}
	p := w.startWatcher(w.dir, "--once")
	<-p.done
	if p.code != 3 || !strings.Contains(w.remoteFile(remote.bare, "fcgit/online", "functions/hello/function.toml"), "timeout = 103") {
		t.Fatalf("after the interrupted watchers: exit %d, want 3 and the last edit on the remote\n%s", p.code, p.log())
	}
}
