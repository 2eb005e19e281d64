package gitremote

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// TestMain isolates every test from the machine's git configuration: a fresh
// HOME with a known identity, no system config, no inherited git variables.
func TestMain(m *testing.M) {
	home, err := os.MkdirTemp("", "gitremote-home-")
	if err != nil {
		panic(err)
	}
	os.Setenv("HOME", home)
	for _, v := range []string{"XDG_CONFIG_HOME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_COUNT", "GIT_DIR",
		"GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_ASKPASS", "SSH_ASKPASS", "SSH_AUTH_SOCK", "SSH_KNOWN_HOSTS"} {
		os.Unsetenv(v)
	}
	os.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(baseConfig), 0o644); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(home)
	os.Exit(code)
}

const baseConfig = "[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n[gc]\n\tauto = 0\n[maintenance]\n\tauto = false\n"

// useHome gives the test a HOME of its own whose .gitconfig adds extra to
// the base identity: where a credential helper is configured.
func useHome(t *testing.T, extra string) string {
	t.Helper()
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(baseConfig+extra), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	return home
}

// git runs the real git binary in dir and returns its trimmed stdout.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := gitTry(dir, args...)
	if err != nil {
		t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func gitTry(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%v: %s", err, stderr.String())
	}
	return strings.TrimSpace(stdout.String()), nil
}

// newBare creates an empty bare repository that accepts pushes over smart
// HTTP, and checks every object pushed to it (receive.fsckObjects).
func newBare(t *testing.T) string {
	t.Helper()
	bare := filepath.Join(t.TempDir(), "team.git")
	git(t, "", "init", "-q", "--bare", bare)
	git(t, bare, "config", "http.receivepack", "true")
	git(t, bare, "config", "receive.fsckObjects", "true")
	return bare
}

// newWork creates a work tree whose remote "origin" is url.
func newWork(t *testing.T, url string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "work")
	git(t, "", "init", "-q", dir)
	git(t, dir, "remote", "add", "origin", url)
	return dir
}

// commit writes file=content in dir and commits it on the current branch.
func commit(t *testing.T, dir, file, content string) plumbing.Hash {
	t.Helper()
	p := filepath.Join(dir, file)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "add", file)
	git(t, dir, "commit", "-q", "-m", "change "+file)
	return plumbing.NewHash(git(t, dir, "rev-parse", "HEAD"))
}

// revParse returns the value of ref in repo, zero when it does not exist.
func revParse(t *testing.T, repo, ref string) plumbing.Hash {
	t.Helper()
	out, err := gitTry(repo, "rev-parse", "--verify", "-q", ref)
	if err != nil {
		return plumbing.ZeroHash
	}
	return plumbing.NewHash(out)
}

// colleague clones the bare repository, lets change edit the clone and
// pushes the branch back with plain git: the other writer. It goes to the
// repository directly, whatever transport the test gives fcgit.
func colleague(t *testing.T, bare, branch string, change func(dir string)) plumbing.Hash {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "colleague")
	git(t, "", "clone", "-q", bare, dir)
	git(t, dir, "checkout", "-q", branch)
	change(dir)
	git(t, dir, "push", "-q", "origin", branch)
	return plumbing.NewHash(git(t, dir, "rev-parse", "HEAD"))
}

// fsck checks a repository the way git would before trusting it.
func fsck(t *testing.T, repo string) {
	t.Helper()
	if out, err := gitTry(repo, "fsck", "--strict", "--no-dangling"); err != nil {
		t.Fatalf("git fsck --strict in %s: %v\n%s", repo, err, out)
	}
}

// gitServer serves every repository under root over smart HTTP through the
// real `git http-backend`, requiring HTTP basic auth when user is set.
type gitServer struct {
	*httptest.Server
	authorized   atomic.Int64 // requests that carried the right credentials
	unauthorized atomic.Int64 // requests answered 401
}

func newGitServer(t *testing.T, root, user, password string) *gitServer {
	t.Helper()
	gitPath, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	backend := &cgi.Handler{
		Path:       gitPath,
		Args:       []string{"http-backend"},
		Env:        []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1", "GIT_CONFIG_NOSYSTEM=1"},
		InheritEnv: []string{"PATH", "HOME"},
		Stderr:     testLog{t},
	}
	s := &gitServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if user != "" {
			u, p, ok := req.BasicAuth()
			if !ok || u != user || p != password {
				s.unauthorized.Add(1)
				w.Header().Set("WWW-Authenticate", `Basic realm="team"`)
				http.Error(w, "authentication required", http.StatusUnauthorized)
				return
			}
			s.authorized.Add(1)
		}
		backend.ServeHTTP(w, req)
	}))
	t.Cleanup(s.Close)
	return s
}

// helperScript writes a git credential helper that answers "get" with
// user/password and logs every call, with the lines git sent, to log.
func helperScript(t *testing.T, user, password string) (path, log string) {
	t.Helper()
	dir := t.TempDir()
	path = filepath.Join(dir, "helper.sh")
	log = filepath.Join(dir, "helper.log")
	script := fmt.Sprintf(`#!/bin/sh
while IFS= read -r line && [ -n "$line" ]; do
	echo "$1 $line" >> %[1]q
done
echo "$1" >> %[1]q
if [ "$1" = get ]; then
	echo username=%[2]s
	echo password=%[3]s
fi
`, log, user, password)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path, log
}

func readLog(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

// transport is one way of reaching the bare repository under test.
type transportCase struct {
	name string
	// url makes the bare repository reachable and returns its URL; it may
	// set up the test's HOME (credential helper) and so runs first.
	url func(t *testing.T, bare string) string
}

// transports are the remotes every push and fetch scenario runs against:
// a file:// URL (git's own upload-pack and receive-pack), smart HTTP
// through git http-backend behind basic auth, with the credentials coming
// from a credential helper in the test's HOME, and ssh:// to an in-process
// ssh server running git's upload-pack and receive-pack, authenticated by
// an ssh-agent and checked against known_hosts.
var transports = []transportCase{
	{"file", func(t *testing.T, bare string) string { return "file://" + bare }},
	{"http", func(t *testing.T, bare string) string {
		helper, _ := helperScript(t, "alice", "s3cret")
		useHome(t, "[credential]\n\thelper = "+helper+"\n")
		srv := newGitServer(t, filepath.Dir(bare), "alice", "s3cret")
		return srv.URL + "/" + filepath.Base(bare)
	}},
	{"ssh", sshTransport},
}

func writeExecutable(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}

// testLog sends what the http-backend says on stderr to the test's log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Logf("git http-backend: %s", strings.TrimSpace(string(p)))
	return len(p), nil
}
