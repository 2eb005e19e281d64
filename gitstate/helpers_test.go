package gitstate

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// TestMain isolates every test from the machine's git configuration: a fresh
// HOME with a known identity, no system config.
func TestMain(m *testing.M) {
	if dir := os.Getenv("GITSTATE_CRASH_HELPER"); dir != "" {
		runCrashHelper(dir)
	}
	if dir := os.Getenv("GITSTATE_TEMPS_HELPER"); dir != "" {
		runTempsHelper(dir)
	}
	home, err := os.MkdirTemp("", "gitstate-home-")
	if err != nil {
		panic(err)
	}
	os.Setenv("HOME", home)
	os.Unsetenv("XDG_CONFIG_HOME")
	os.Unsetenv("GIT_CONFIG_GLOBAL")
	os.Unsetenv("GIT_CONFIG_COUNT")
	os.Unsetenv("GIT_DIR")
	os.Unsetenv("GIT_WORK_TREE")
	os.Unsetenv("GIT_INDEX_FILE")
	for _, v := range []string{"NAME", "EMAIL", "DATE"} {
		os.Unsetenv("GIT_AUTHOR_" + v)
		os.Unsetenv("GIT_COMMITTER_" + v)
	}
	os.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	gitconfig := "[user]\n\tname = Test User\n\temail = test@example.com\n[advice]\n\tdetachedHead = false\n"
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(gitconfig), 0o644); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(home)
	if crashRoot != "" {
		os.RemoveAll(crashRoot)
	}
	os.Exit(code)
}

// gitCmd runs the real git binary in dir and returns trimmed stdout.
func gitCmd(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, err := gitTry(dir, nil, args...)
	if err != nil {
		t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// gitTry runs git and returns stdout, or an error carrying stderr.
func gitTry(dir string, env []string, args ...string) (string, error) {
	// No automatic gc: a detached background gc would still be writing into
	// the repository while the test's temporary directory is removed.
	cmd := exec.Command("git", append([]string{"-c", "gc.auto=0", "-c", "maintenance.auto=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), &gitError{err: err, stderr: stderr.String()}
	}
	return strings.TrimRight(stdout.String(), "\n"), nil
}

type gitError struct {
	err    error
	stderr string
}

func (e *gitError) Error() string { return e.err.Error() + ": " + e.stderr }

// gitStdin runs git with stdin.
func gitStdin(t *testing.T, dir, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimRight(stdout.String(), "\n")
}

func newRepo(t testing.TB) *Repo {
	t.Helper()
	r, err := Init(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func writeFile(t testing.TB, root, rel, content string, perm os.FileMode) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Remove(p)
	if err := os.WriteFile(p, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, perm); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, root, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fsck runs `git fsck --strict` and fails on any complaint.
func fsck(t *testing.T, dir string) {
	t.Helper()
	out, err := gitTry(dir, nil, "fsck", "--strict", "--no-progress", "--no-dangling")
	if err != nil || strings.TrimSpace(out) != "" {
		t.Fatalf("git fsck --strict: %v\n%s", err, out)
	}
}

func testSig(sec int64) Signature {
	return Signature{Name: "Test User", Email: "test@example.com", When: time.Unix(sec, 0).In(time.FixedZone("", 8*3600))}
}

func hashOf(t testing.TB, s string) plumbing.Hash {
	t.Helper()
	h, ok := parseHex(strings.TrimSpace(s))
	if !ok {
		t.Fatalf("not a hash: %q", s)
	}
	return h
}

// commitAll stages everything and commits with git, returning the commit id.
func commitAll(t testing.TB, dir, msg string) plumbing.Hash {
	t.Helper()
	gitCmd(t, dir, "add", "-A")
	gitCmd(t, dir, "commit", "-q", "--allow-empty", "-m", msg)
	return hashOf(t, gitCmd(t, dir, "rev-parse", "HEAD"))
}

func sortedLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}
