package pull

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/fcgit/fcgit/gitstate"
)

// TestMain isolates git from the machine's configuration and fixes commit
// dates, so that a merge commit made by a finished interrupted pull is the
// very commit an uninterrupted pull makes. A child started with
// PULL_CRASH_HELPER runs one pull and kills itself instead.
func TestMain(m *testing.M) {
	if dir := os.Getenv("PULL_CRASH_HELPER"); dir != "" {
		runPullCrashHelper(dir) // with the parent's environment
	}
	home, err := os.MkdirTemp("", "pull-home-")
	if err != nil {
		panic(err)
	}
	for k, v := range map[string]string{
		"HOME": home, "GIT_CONFIG_NOSYSTEM": "1",
		"GIT_AUTHOR_NAME": "Test User", "GIT_AUTHOR_EMAIL": "test@example.com",
		"GIT_COMMITTER_NAME": "Test User", "GIT_COMMITTER_EMAIL": "test@example.com",
		"GIT_AUTHOR_DATE": "1700000000 +0800", "GIT_COMMITTER_DATE": "1700000000 +0800",
	} {
		os.Setenv(k, v)
	}
	for _, k := range []string{"XDG_CONFIG_HOME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_COUNT", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"} {
		os.Unsetenv(k)
	}
	code := m.Run()
	os.RemoveAll(home)
	if pullTemplatesRoot != "" {
		os.RemoveAll(pullTemplatesRoot)
	}
	os.Exit(code)
}

func git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "gc.auto=0"}, args...)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimRight(stdout.String(), "\n")
}

func write(t testing.TB, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// pullScenarios: one per way a pull ends.
var pullScenarios = map[string]struct {
	ours     map[string]string // committed on main after the base; "" deletes
	online   map[string]string // committed on fcgit/online after the base
	noCommit bool
	kind     string
}{
	"conflicts": {
		ours: map[string]string{
			"functions/a/code/index.js": "exports.v = 'local'\n",
			"functions/a/function.toml": "handler = \"index.handler\"\nmemorySize = 256\n",
			"functions/d/function.toml": "handler = \"index.handler\"\n",
		},
		online: map[string]string{
			"functions/a/code/index.js": "exports.v = 'console'\n",
			"functions/a/function.toml": "handler = \"index.handler\"\nmemorySize = 512\n",
			"functions/b/function.toml": "", "functions/b/code/main.py": "",
			"functions/c/function.toml":     "handler = \"main.handler\"\n",
			"functions/c/code/lib/x.py":     "x = 1\n",
			"functions/a/code/util.js":      "util v2\n",
			"functions/a/code/data/seed.js": "seed\n",
		},
		kind: "conflicts",
	},
	"merge commit": {
		ours: map[string]string{"functions/d/function.toml": "handler = \"index.handler\"\n"},
		online: map[string]string{
			"functions/a/code/util.js":  "util v2\n",
			"functions/b/function.toml": "", "functions/b/code/main.py": "",
			"functions/c/function.toml": "handler = \"main.handler\"\n",
		},
		kind: "merged",
	},
	"no-commit": {
		ours:     map[string]string{"functions/d/function.toml": "handler = \"index.handler\"\n"},
		online:   map[string]string{"functions/c/function.toml": "handler = \"main.handler\"\n", "functions/a/code/util.js": "util v2\n"},
		noCommit: true, kind: "merged-uncommitted",
	},
	"fast-forward": {
		online: map[string]string{
			"functions/a/code/util.js":  "util v2\n",
			"functions/b/function.toml": "", "functions/b/code/main.py": "",
			"functions/c/function.toml": "handler = \"main.handler\"\n",
		},
		kind: "fast-forward",
	},
}

var (
	pullTemplatesMu   sync.Mutex
	pullTemplates     = map[string]string{}
	pullTemplatesRoot string
)

// pullTemplate builds (once) a repository for the scenario: main and
// fcgit/online diverged from a base, main checked out.
func pullTemplate(t *testing.T, name string) string {
	t.Helper()
	pullTemplatesMu.Lock()
	defer pullTemplatesMu.Unlock()
	if dir, ok := pullTemplates[name]; ok {
		return dir
	}
	if pullTemplatesRoot == "" {
		root, err := os.MkdirTemp(scratchBase(), "pull-crash-")
		if err != nil {
			t.Fatal(err)
		}
		pullTemplatesRoot = root
	}
	sc := pullScenarios[name]
	dir := filepath.Join(pullTemplatesRoot, strings.ReplaceAll(name, " ", "-"))
	if _, err := gitstate.Init(dir); err != nil {
		t.Fatal(err)
	}
	base := map[string]string{
		"fcgit.toml":                "region = \"cn-hangzhou\"\n",
		"functions/a/function.toml": "handler = \"index.handler\"\nmemorySize = 128\n",
		"functions/a/code/index.js": "exports.v = 'base'\n",
		"functions/a/code/util.js":  "util v1\n",
		"functions/b/function.toml": "handler = \"main.handler\"\n",
		"functions/b/code/main.py":  "print(1)\n",
	}
	apply := func(files map[string]string, msg string) {
		for p, c := range files {
			if c == "" {
				os.Remove(filepath.Join(dir, filepath.FromSlash(p)))
				continue
			}
			write(t, dir, p, c)
		}
		git(t, dir, "add", "-A")
		git(t, dir, "commit", "-q", "--allow-empty", "-m", msg)
	}
	apply(base, "base")
	git(t, dir, "branch", "fcgit/online")
	if len(sc.ours) > 0 {
		apply(sc.ours, "local work")
	}
	git(t, dir, "switch", "-q", "fcgit/online")
	apply(sc.online, "online changes")
	git(t, dir, "switch", "-q", "main")
	git(t, dir, "repack", "-a", "-d", "-q")
	pullTemplates[name] = dir
	return dir
}

// scratchBase is where the crash tests put their many small repository
// copies: a RAM file system when the machine has one, since creating files
// on a slow disk would dominate the tests' time; nothing they check depends
// on the file system.
func scratchBase() string {
	if f, err := os.CreateTemp("/dev/shm", "probe-"); err == nil {
		f.Close()
		os.Remove(f.Name())
		return "/dev/shm"
	}
	return os.TempDir()
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	base, err := os.MkdirTemp(scratchBase(), "pull-copy-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	dst := filepath.Join(base, "repo")
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v: %s", err, out)
	}
	return dst
}

func pullOptions(name string) Options {
	return Options{BranchRef: "refs/heads/fcgit/online", BranchName: "fcgit/online", Dir: "functions",
		Region: "cn-hangzhou", NoCommit: pullScenarios[name].noCommit}
}

func openAt(t *testing.T, dir string) *gitstate.Repo {
	t.Helper()
	r, err := gitstate.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// pullResult is what a pull reports.
func pullResult(out *Outcome, err error) string {
	var b strings.Builder
	if out != nil {
		fmt.Fprintf(&b, "kind=%s old=%s new=%s merged=%v\n", out.Kind, out.Old, out.New, out.Merged)
		for _, c := range out.Conflicts {
			fmt.Fprintf(&b, "conflict %s %s %v ours=%v theirs=%v worktree=%q\n", c.Kind, c.Path, c.Details, c.Ours, c.Theirs, c.Worktree)
		}
	}
	var ce *ConflictError
	switch {
	case errors.As(err, &ce):
		fmt.Fprintf(&b, "conflict error: %d paths, exit %d\n", len(ce.Conflicts), ce.ExitCode())
	case err != nil:
		fmt.Fprintf(&b, "error: %v\n", err)
	}
	return b.String()
}

// repoState is what git and the user see: status, index, HEAD and the
// commit it names, merge state, every work tree file, and no leftover of
// fcgit's (record, temporary files, locks).
func repoState(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "status:\n%s\n", git(t, dir, "status", "--porcelain", "--untracked-files=all"))
	fmt.Fprintf(&b, "index:\n%s\n", git(t, dir, "ls-files", "-s"))
	fmt.Fprintf(&b, "HEAD: %s\n", git(t, dir, "log", "-1", "--format=%H %T %P%n%B", "HEAD"))
	for _, name := range []string{"MERGE_HEAD", "MERGE_MSG", "MERGE_MODE", "ORIG_HEAD", "fcgit-checkout", "index.lock", "fcgit-index.tmp"} {
		data, err := os.ReadFile(filepath.Join(dir, ".git", name))
		if err != nil {
			fmt.Fprintf(&b, "%s: absent\n", name)
		} else {
			fmt.Fprintf(&b, "%s: %q\n", name, data)
		}
	}
	var files []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, p)
		if rel == ".git" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			data, _ := os.ReadFile(p)
			files = append(files, fmt.Sprintf("%s %q", rel, data))
		}
		return nil
	})
	sort.Strings(files)
	b.WriteString(strings.Join(files, "\n"))
	return b.String()
}

func fsck(t *testing.T, dir string) {
	t.Helper()
	if out := git(t, dir, "fsck", "--strict", "--no-progress", "--no-dangling"); out != "" {
		t.Fatalf("git fsck --strict:\n%s", out)
	}
}

// killSteps picks the steps to kill a pull at: every step outside the
// file-by-file work (gitstate's tests kill at each file), and the first and
// last of each kind of file step.
func killSteps(steps []string) []string {
	var out []string
	seen := map[string]int{}
	last := map[string]string{}
	for _, s := range steps {
		kind, _, found := strings.Cut(s, " ")
		if !found {
			out = append(out, s)
			continue
		}
		if seen[kind] == 0 {
			out = append(out, s)
		}
		seen[kind]++
		last[kind] = s
	}
	for kind, s := range last {
		if seen[kind] > 1 {
			out = append(out, s)
		}
	}
	return out
}

// interruptedPull leaves the conflicts scenario's pull killed (simulated:
// the step hook stops it where it is) before writing its new function.
func interruptedPull(t *testing.T) string {
	t.Helper()
	dir := copyDir(t, pullTemplate(t, "conflicts"))
	opts := pullOptions("conflicts")
	stop := errors.New("stopped")
	opts.stepHook = func(s string) error {
		if s == "write functions/c/code/lib/x.py" {
			return stop
		}
		return nil
	}
	if _, err := Pull(openAt(t, dir), opts); !errors.Is(err, stop) {
		t.Fatalf("pull: %v", err)
	}
	return dir
}

func TestPullRefusesToFinishOverUserChanges(t *testing.T) {
	t.Parallel()
	ref := copyDir(t, pullTemplate(t, "conflicts"))
	wantResult := pullResult(Pull(openAt(t, ref), pullOptions("conflicts")))
	wantState := repoState(t, ref)

	dir := interruptedPull(t)
	write(t, dir, "functions/a/code/util.js", "my own edit\n")      // already written by the pull
	write(t, dir, "functions/c/function.toml", "handler = \"x\"\n") // not written yet, new
	repo := openAt(t, dir)
	err := CheckMergeable(repo)
	var re *RefusedError
	if !errors.As(err, &re) {
		t.Fatalf("CheckMergeable = %v", err)
	}
	for _, want := range []string{"was interrupted", "functions/a/code/util.js\n", "functions/c/function.toml (not in HEAD)",
		"git reset --hard", "git checkout HEAD -- <path>", "run fcgit pull again"} {
		if !strings.Contains(re.Reason, want) {
			t.Errorf("refusal lacks %q:\n%s", want, re.Reason)
		}
	}
	if _, err := Pull(repo, pullOptions("conflicts")); !errors.As(err, &re) {
		t.Fatalf("Pull = %v", err)
	}
	if got := readFileOr(dir, "functions/a/code/util.js"); got != "my own edit\n" {
		t.Fatalf("the user's edit was overwritten: %q", got)
	}
	// Following the advice: git works (the dead pull's index.lock is gone).
	git(t, dir, "reset", "-q", "--hard")
	os.Remove(filepath.Join(dir, "functions/c/function.toml"))
	out, err := Pull(openAt(t, dir), pullOptions("conflicts"))
	if got := pullResult(out, err); got != wantResult || !out.Resumed {
		t.Fatalf("pull after recovery:\n%s\nuninterrupted:\n%s", got, wantResult)
	}
	if got := repoState(t, dir); got != wantState {
		t.Fatalf("after recovery:\n%s\n\nuninterrupted:\n%s", got, wantState)
	}
}

func TestPullRefusesWhileTheInterruptedPullRuns(t *testing.T) {
	t.Parallel()
	dir := interruptedPull(t)
	// The record as a process on another machine sharing the directory
	// would leave it: its liveness cannot be checked.
	path := filepath.Join(dir, ".git", "fcgit-checkout")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	rec["writer"].(map[string]any)["host"] = "build-agent-7"
	data, _ = json.Marshal(rec)
	os.WriteFile(path, data, 0o644)
	var re *RefusedError
	if err := CheckMergeable(openAt(t, dir)); !errors.As(err, &re) || !strings.Contains(re.Reason, "still writing the work tree") ||
		!strings.Contains(re.Reason, "build-agent-7") {
		t.Fatalf("CheckMergeable = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".git", "index.lock")); err != nil {
		t.Fatal("the running writer's index.lock was removed")
	}
}

func readFileOr(dir, rel string) string {
	b, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	return string(b)
}
