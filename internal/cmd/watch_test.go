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
