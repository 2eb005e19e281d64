package gitstate

import (
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

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

var errKill = errors.New("simulated kill")

// crashTemplate is a repository ready for a checkout (HEAD = ours on main),
// copied for every run so that all runs start from the same bytes.
type crashTemplate struct {
	dir   string
	plans map[string]CheckoutPlan
}

var (
	crashOnce sync.Once
	crashTmpl crashTemplate
	crashErr  error
	crashRoot string
)

// sharedCrashTemplate builds the template once per test binary.
func sharedCrashTemplate(t *testing.T) crashTemplate {
	t.Helper()
	crashOnce.Do(func() {
		var err error
		if crashRoot, err = os.MkdirTemp(scratchBase(), "gitstate-crash-"); err != nil {
			crashErr = err
			return
		}
		crashTmpl, crashErr = buildCrashTemplate(filepath.Join(crashRoot, "template"))
	})
	if crashErr != nil {
		t.Fatal(crashErr)
	}
	return crashTmpl
}

// buildCrashTemplate makes every kind of change a pull writes: edits, new
// files in new directories, deletions that empty directories, a file
// becoming a directory and back, a symlink retargeted, an executable bit
// dropped, and conflicts of each shape (both modified, added by both,
// deleted by us, deleted by them).
func buildCrashTemplate(dir string) (crashTemplate, error) {
	var tb crashTB
	tmpl := crashTemplate{dir: dir, plans: map[string]CheckoutPlan{}}
	func() {
		defer func() {
			if r := recover(); r != nil && r != &tb {
				panic(r)
			}
		}()
		r, err := Init(dir)
		if err != nil {
			tb.Fatal(err)
		}
		files := map[string]string{
			"keep.txt":                          "untouched\n",
			"functions/api/function.toml":       "memorySize = 128\n",
			"functions/api/code/index.js":       "v1\n",
			"functions/api/code/run.sh":         "#!/bin/sh\n",
			"functions/api/code/to-dir":         "a file, soon a directory\n",
			"functions/api/code/from-dir/a.txt": "a\n",
			"functions/api/code/from-dir/b.txt": "b\n",
			"functions/old/function.toml":       "gone soon\n",
			"functions/old/code/deep/x.js":      "x\n",
			"functions/uu.txt":                  "ours\n",
			"functions/ud.txt":                  "ours ud\n",
			"functions/aa.txt":                  "ours aa\n",
		}
		for p, c := range files {
			perm := os.FileMode(0o644)
			if strings.HasSuffix(p, ".sh") {
				perm = 0o755
			}
			writeFile(&tb, dir, p, c, perm)
		}
		os.Symlink("index.js", filepath.Join(dir, "functions/api/code/link"))
		ours := commitAll(&tb, dir, "ours")
		oursTree := mustHeadTree(&tb, r)

		changes := map[string]string{
			"functions/api/function.toml":       "memorySize = 256\n",
			"functions/api/code/index.js":       "v2\n",
			"functions/api/code/run.sh":         "#!/bin/sh\necho\n",
			"functions/api/code/to-dir":         "",
			"functions/api/code/to-dir/x.txt":   "inside\n",
			"functions/api/code/from-dir/a.txt": "",
			"functions/api/code/from-dir/b.txt": "",
			"functions/api/code/from-dir":       "now a file\n",
			"functions/api/code/link":           "run.sh",
			"functions/old/function.toml":       "",
			"functions/old/code/deep/x.js":      "",
			"functions/new/function.toml":       "memorySize = 64\n",
			"functions/new/code/a/b/c.txt":      "deep\n",
		}
		modes := map[string]filemode.FileMode{
			"functions/api/code/run.sh": filemode.Regular,
			"functions/api/code/link":   filemode.Symlink,
		}
		theirsTree := treeWithTB(&tb, r, oursTree, changes, modes)
		theirs := commitTreeTB(&tb, r, theirsTree, "online", ours)
		tmpl.plans["fast-forward"] = CheckoutPlan{
			From: oursTree, To: theirsTree, Operation: "test fast-forward",
			Head: &HeadUpdate{Old: ours, New: theirs, Reflog: "test: fast-forward"},
		}

		blob := func(s string) *IndexEntry {
			h, err := r.StoreBlob([]byte(s))
			if err != nil {
				tb.Fatal(err)
			}
			return &IndexEntry{Mode: filemode.Regular, Hash: h}
		}
		merged := treeWithTB(&tb, r, oursTree, changes, modes) // clean part: theirs' changes
		conflicts := []ConflictEntry{
			{Path: "functions/uu.txt", Stages: [3]*IndexEntry{blob("base\n"), blob("ours\n"), blob("theirs\n")},
				Worktree: []byte("<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> online\n")},
			{Path: "functions/aa.txt", Stages: [3]*IndexEntry{nil, blob("ours aa\n"), blob("theirs aa\n")},
				Worktree: []byte("<<<<<<< HEAD\nours aa\n=======\ntheirs aa\n>>>>>>> online\n")},
			{Path: "functions/ud.txt", Stages: [3]*IndexEntry{blob("base ud\n"), blob("ours ud\n"), nil},
				Worktree: []byte("ours ud\n")},
			{Path: "functions/du.txt", Stages: [3]*IndexEntry{blob("base du\n"), nil, blob("theirs du\n")},
				Worktree: []byte("theirs du\n")},
		}
		tmpl.plans["conflicted merge"] = CheckoutPlan{
			From: oursTree, To: merged, Conflicts: conflicts, Operation: "test merge",
			MergeState: &MergeState{MergeHead: theirs, Message: "Merge online\n\n# Conflicts:\n#\tfunctions/uu.txt\n", OrigHead: ours},
			Payload:    []byte(`{"kind":"conflicts"}`),
		}
		tmpl.plans["plain checkout"] = CheckoutPlan{From: oursTree, To: theirsTree}
		// Packed, the template copies in far fewer file creations.
		gitCmd(&tb, dir, "repack", "-a", "-d", "-q", "--keep-unreachable")
		gitCmd(&tb, dir, "prune-packed")
	}()
	if tb.err != nil {
		return crashTemplate{}, tb.err
	}
	return tmpl, nil
}

// crashTB lets the shared template use the test helpers outside a test.
type crashTB struct {
	testing.TB
	err error
}

func (c *crashTB) Helper() {}
func (c *crashTB) Fatal(args ...any) {
	c.err = errors.New(fmt.Sprint(args...))
	panic(c)
}
func (c *crashTB) Fatalf(format string, args ...any) {
	c.err = fmt.Errorf(format, args...)
	panic(c)
}

func mustHeadTree(tb testing.TB, r *Repo) plumbing.Hash {
	h, err := r.Head()
	if err != nil {
		tb.Fatal(err)
	}
	c, err := r.ReadCommit(h.Hash)
	if err != nil {
		tb.Fatal(err)
	}
	return c.TreeHash
}

func commitTreeTB(tb testing.TB, r *Repo, tree plumbing.Hash, msg string, parents ...plumbing.Hash) plumbing.Hash {
	c, err := r.StoreCommit(CommitSpec{Tree: tree, Parents: parents, Message: msg, Author: testSig(1700000000), Committer: testSig(1700000000)})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func treeWithTB(tb testing.TB, r *Repo, root plumbing.Hash, files map[string]string, modes map[string]filemode.FileMode) plumbing.Hash {
	all := map[string]TreeEntry{}
	r.WalkTree(root, func(p string, e TreeEntry) error { all[p] = e; return nil })
	for p, c := range files {
		if c == "" && modes[p] == 0 {
			delete(all, p)
			continue
		}
		h, err := r.StoreBlob([]byte(c))
		if err != nil {
			tb.Fatal(err)
		}
		m := modes[p]
		if m == 0 {
			m = filemode.Regular
		}
		all[p] = TreeEntry{Mode: m, Hash: h}
	}
	h, err := buildNested(r, all, "")
	if err != nil {
		tb.Fatal(err)
	}
	return h
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

// copyTemplate gives a test its own copy of the template repository.
func copyTemplate(t *testing.T, tmpl crashTemplate) string {
	t.Helper()
	base, err := os.MkdirTemp(scratchBase(), "gitstate-copy-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	dir := filepath.Join(base, "repo")
	if out, err := exec.Command("cp", "-a", tmpl.dir, dir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v: %s", err, out)
	}
	return dir
}

func openRepo(t *testing.T, dir string) *Repo {
	t.Helper()
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func killAt(step string) func(string) error {
	return func(s string) error {
		if s == step {
			return errKill
		}
		return nil
	}
}

// snapshot is everything a user or git sees of a repository after a
// checkout: status, index, HEAD, merge state, work tree bytes and modes,
// and the absence of fcgit's record, temporary files and locks.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "status:\n%s\n", gitCmd(t, dir, "status", "--porcelain", "--untracked-files=all"))
	fmt.Fprintf(&b, "index:\n%s\n", gitCmd(t, dir, "ls-files", "-s"))
	fmt.Fprintf(&b, "HEAD: %s\n", gitCmd(t, dir, "rev-parse", "--symbolic-full-name", "HEAD", "HEAD"))
	for _, name := range []string{"MERGE_HEAD", "MERGE_MSG", "MERGE_MODE", "ORIG_HEAD", "fcgit-checkout", "index.lock"} {
		data, err := os.ReadFile(filepath.Join(dir, ".git", name))
		if err != nil {
			fmt.Fprintf(&b, "%s: absent\n", name)
		} else {
			fmt.Fprintf(&b, "%s: %q\n", name, data)
		}
	}
	var lines []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == ".git" {
			return filepath.SkipDir
		}
		fi, _ := os.Lstat(p)
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			lines = append(lines, fmt.Sprintf("%s -> %s", rel, target))
		case fi.IsDir():
			lines = append(lines, rel+"/")
		default:
			data, _ := os.ReadFile(p)
			lines = append(lines, fmt.Sprintf("%s %o %q", rel, fi.Mode().Perm()&0o111, data))
		}
		return nil
	})
	sort.Strings(lines)
	b.WriteString(strings.Join(lines, "\n"))
	return b.String()
}

// referenceRun checks the plan out, uninterrupted, on a fresh copy and
// returns the end state and the steps it went through.
func referenceRun(t *testing.T, tmpl crashTemplate, name string) (string, []string) {
	t.Helper()
	dir := copyTemplate(t, tmpl)
	plan := tmpl.plans[name]
	var steps []string
	plan.StepHook = func(s string) error { steps = append(steps, s); return nil }
	if err := openRepo(t, dir).RunCheckout(plan); err != nil {
		t.Fatal(err)
	}
	fsck(t, dir)
	return snapshot(t, dir), steps
}

// TestCheckoutKilledAtEveryStepIsFinished stops a checkout before each of
// its steps, as a kill would (locks and half-written work tree left), then
// lets a fresh Repo, as the next process would, find and finish it: the end
// state must be the uninterrupted run's.
func TestCheckoutKilledAtEveryStepIsFinished(t *testing.T) {
	tmpl := sharedCrashTemplate(t)
	for _, name := range []string{"conflicted merge", "fast-forward", "plain checkout"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want, steps := referenceRun(t, tmpl, name)
			if len(steps) < 20 {
				t.Fatalf("only %d steps: %v", len(steps), steps)
			}
			switch name {
			case "conflicted merge":
				// "write <path>" is the state "rename <previous path>"
				// leaves plus that rename: killing at every file's rename
				// (its new content written, not yet in place) covers both.
				var kept []string
				for i, step := range steps {
					if !strings.HasPrefix(step, "write ") || strings.HasPrefix(steps[i-1], "remove ") || steps[i-1] == "lock" {
						kept = append(kept, step)
					}
				}
				steps = kept
			case "fast-forward":
				// Its work tree steps are the conflicted merge's, each of
				// which is killed there; what differs is the end.
				steps = refSteps(steps)
			case "plain checkout":
				// What differs is the end, with no references to update.
				steps = []string{"lock", "index-commit", "done"}
			}
			for _, step := range steps {
				t.Run(step, func(t *testing.T) {
					t.Parallel()
					dir := copyTemplate(t, tmpl)
					plan := tmpl.plans[name]
					plan.StepHook = killAt(step)
					if err := openRepo(t, dir).RunCheckout(plan); !errors.Is(err, errKill) {
						t.Fatalf("RunCheckout = %v, want the simulated kill", err)
					}
					next := openRepo(t, dir)
					if step == "journal" {
						// Killed before recording anything: nothing changed,
						// nothing is left, the next checkout is a fresh one.
						if ic, err := next.InterruptedCheckout(); err != nil || ic != nil {
							t.Fatalf("InterruptedCheckout = %+v, %v", ic, err)
						}
						plan.StepHook = nil
						if err := next.RunCheckout(plan); err != nil {
							t.Fatal(err)
						}
					} else {
						ic, err := next.InterruptedCheckout()
						if err != nil || ic == nil || ic.WriterRunning || ic.Stale || len(ic.Modified) > 0 {
							t.Fatalf("InterruptedCheckout = %+v, %v", ic, err)
						}
						if ic.From != plan.From || ic.To != plan.To || len(ic.Conflicts) != len(plan.Conflicts) || string(ic.Payload) != string(plan.Payload) {
							t.Fatalf("record does not hold the plan: %+v", ic)
						}
						if _, err := os.Stat(filepath.Join(dir, ".git", "index.lock")); err == nil {
							t.Fatal("the dead writer's index.lock is still there")
						}
						plan.StepHook = nil
						if err := next.RunCheckout(plan); !errors.Is(err, ErrInterruptedCheckout) {
							t.Fatalf("a new checkout over an interrupted one = %v", err)
						}
						if _, err := next.FinishCheckout(); err != nil {
							t.Fatal(err)
						}
					}
					if got := snapshot(t, dir); got != want {
						t.Fatalf("after finishing:\n%s\n\nuninterrupted:\n%s", got, want)
					}
					fsck(t, dir)
				})
			}
		})
	}
}

// refSteps are the steps from committing the index on, where checkouts
// that end differently (a branch moved, merge state written) differ.
func refSteps(steps []string) []string {
	for i, s := range steps {
		if s == "index-commit" {
			return steps[i:]
		}
	}
	return steps
}

// TestFinishCheckoutKilledAgain: the process finishing an interrupted
// checkout is killed too, at each of its own steps; a third one finishes.
func TestFinishCheckoutKilledAgain(t *testing.T) {
	tmpl := sharedCrashTemplate(t)
	want, _ := referenceRun(t, tmpl, "conflicted merge")
	for _, first := range []string{"rename functions/api/code/run.sh", "MERGE_MSG"} {
		t.Run(first, func(t *testing.T) {
			t.Parallel()
			// The finishing run's own steps.
			dir := copyTemplate(t, tmpl)
			plan := tmpl.plans["conflicted merge"]
			plan.StepHook = killAt(first)
			openRepo(t, dir).RunCheckout(plan)
			var steps []string
			r := openRepo(t, dir)
			r.finishHook = func(s string) error { steps = append(steps, s); return nil }
			if _, err := r.FinishCheckout(); err != nil {
				t.Fatal(err)
			}
			if first == "MERGE_MSG" {
				steps = []string{"journal", "MERGE_HEAD"}
			} else {
				steps = append(steps[:3:3], refSteps(steps)...)
			}
			for _, second := range steps {
				t.Run(second, func(t *testing.T) {
					t.Parallel()
					dir := copyTemplate(t, tmpl)
					plan := tmpl.plans["conflicted merge"]
					plan.StepHook = killAt(first)
					openRepo(t, dir).RunCheckout(plan)
					r := openRepo(t, dir)
					r.finishHook = killAt(second)
					if _, err := r.FinishCheckout(); !errors.Is(err, errKill) {
						t.Fatalf("FinishCheckout = %v, want the simulated kill", err)
					}
					if _, err := openRepo(t, dir).FinishCheckout(); err != nil {
						t.Fatal(err)
					}
					if got := snapshot(t, dir); got != want {
						t.Fatalf("after finishing:\n%s\n\nuninterrupted:\n%s", got, want)
					}
				})
			}
		})
	}
}

// interrupted copies the template and kills the named plan at step.
func interrupted(t *testing.T, name, step string) (string, CheckoutPlan) {
	t.Helper()
	tmpl := sharedCrashTemplate(t)
	dir := copyTemplate(t, tmpl)
	plan := tmpl.plans[name]
	plan.StepHook = killAt(step)
	if err := openRepo(t, dir).RunCheckout(plan); !errors.Is(err, errKill) {
		t.Fatalf("RunCheckout = %v", err)
	}
	plan.StepHook = nil
	return dir, plan
}

func TestFinishCheckoutRefusesUserChanges(t *testing.T) {
	t.Parallel()
	tmpl := sharedCrashTemplate(t)
	want, _ := referenceRun(t, tmpl, "conflicted merge")
	cases := []struct {
		name    string
		change  func(dir string)
		changed []string
		restore func(t *testing.T, dir string)
	}{
		{"edit of a file already written", func(dir string) {
			writeFile(t, dir, "functions/api/code/index.js", "my edit\n", 0o644)
		}, []string{"functions/api/code/index.js"}, func(t *testing.T, dir string) {
			gitCmd(t, dir, "checkout", "HEAD", "--", "functions/api/code/index.js")
		}},
		{"edit of a file not written yet", func(dir string) {
			writeFile(t, dir, "functions/uu.txt", "my edit\n", 0o644)
		}, []string{"functions/uu.txt"}, func(t *testing.T, dir string) {
			gitCmd(t, dir, "reset", "-q", "--hard")
		}},
		{"new file where the checkout adds one", func(dir string) {
			os.Remove(filepath.Join(dir, "functions/new/code/a/b/c.txt"))
			writeFile(t, dir, "functions/du.txt", "mine\n", 0o644)
		}, []string{"functions/du.txt"}, func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "functions/du.txt"))
		}},
		{"executable bit", func(dir string) {
			os.Chmod(filepath.Join(dir, "keep.txt"), 0o755) // not the checkout's: ignored
			os.Chmod(filepath.Join(dir, "functions/api/function.toml"), 0o755)
		}, []string{"functions/api/function.toml"}, func(t *testing.T, dir string) {
			os.Chmod(filepath.Join(dir, "keep.txt"), 0o644)
			gitCmd(t, dir, "reset", "-q", "--hard")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir, _ := interrupted(t, "conflicted merge", "write functions/new/function.toml")
			tc.change(dir)
			r := openRepo(t, dir)
			ic, err := r.InterruptedCheckout()
			if err != nil || ic == nil || fmt.Sprint(ic.Modified) != fmt.Sprint(tc.changed) {
				t.Fatalf("InterruptedCheckout = %+v, %v; want Modified %v", ic, err, tc.changed)
			}
			before := snapshot(t, dir)
			if _, err := r.FinishCheckout(); !errors.Is(err, ErrCheckoutModified) {
				t.Fatalf("FinishCheckout = %v", err)
			}
			if after := snapshot(t, dir); after != before {
				t.Fatalf("a refused finish changed the repository:\n%s\n\nbefore:\n%s", after, before)
			}
			// The stale lock is gone, so git's tools work to put things back.
			tc.restore(t, dir)
			if _, err := openRepo(t, dir).FinishCheckout(); err != nil {
				t.Fatal(err)
			}
			if got := snapshot(t, dir); got != want {
				t.Fatalf("after finishing:\n%s\n\nuninterrupted:\n%s", got, want)
			}
		})
	}
}

func TestFinishCheckoutLeavesLiveWritersAlone(t *testing.T) {
	t.Parallel()
	t.Run("writer still running", func(t *testing.T) {
		t.Parallel()
		dir, _ := interrupted(t, "fast-forward", "rename functions/api/code/index.js")
		r := openRepo(t, dir)
		r.writerRunning = func(processIdentity) bool { return true }
		ic, err := r.InterruptedCheckout()
		if err != nil || ic == nil || !ic.WriterRunning {
			t.Fatalf("InterruptedCheckout = %+v, %v", ic, err)
		}
		if _, err := r.FinishCheckout(); !errors.Is(err, ErrCheckoutRunning) {
			t.Fatalf("FinishCheckout = %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, ".git", "index.lock")); err != nil {
			t.Fatal("a running writer's index.lock was removed")
		}
	})
	t.Run("writer on another host", func(t *testing.T) {
		t.Parallel()
		dir, _ := interrupted(t, "fast-forward", "index")
		r := openRepo(t, dir)
		j, err := r.readJournal()
		if err != nil {
			t.Fatal(err)
		}
		j.Writer.Host = "elsewhere.example"
		if err := r.writeJournal(j); err != nil {
			t.Fatal(err)
		}
		if _, err := r.FinishCheckout(); !errors.Is(err, ErrCheckoutRunning) {
			t.Fatalf("FinishCheckout = %v", err)
		}
	})
	t.Run("index.lock now held by another process", func(t *testing.T) {
		t.Parallel()
		dir, _ := interrupted(t, "fast-forward", "write functions/new/function.toml")
		// Someone removed the dead writer's lock, and git took it since.
		lock := filepath.Join(dir, ".git", "index.lock")
		os.Remove(lock)
		os.WriteFile(lock, nil, 0o644)
		if _, err := openRepo(t, dir).FinishCheckout(); !errors.Is(err, ErrLocked) {
			t.Fatalf("FinishCheckout = %v", err)
		}
		if _, err := os.Stat(lock); err != nil {
			t.Fatal("another process's index.lock was removed")
		}
	})
}

// TestInterruptedCheckoutStale: the user dealt with the interruption with
// git alone; the record is dropped without touching anything.
func TestInterruptedCheckoutStale(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, plan, step string
		undo             func(t *testing.T, dir string)
	}{
		{"reset and committed in the work tree phase", "conflicted merge", "rename functions/api/code/index.js", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, ".git", "index.lock"))
			gitCmd(t, dir, "reset", "-q", "--hard")
			gitCmd(t, dir, "commit", "-q", "--allow-empty", "-m", "moved on")
		}},
		{"switched branch", "fast-forward", "index-commit", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, ".git", "index.lock"))
			gitCmd(t, dir, "reset", "-q", "--hard")
			gitCmd(t, dir, "switch", "-q", "-c", "other")
		}},
		{"reset after the index was written", "conflicted merge", "MERGE_HEAD", func(t *testing.T, dir string) {
			gitCmd(t, dir, "reset", "-q", "--hard")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir, _ := interrupted(t, tc.plan, tc.step)
			tc.undo(t, dir)
			r := openRepo(t, dir)
			ic, err := r.InterruptedCheckout()
			if err != nil || ic == nil || !ic.Stale {
				t.Fatalf("InterruptedCheckout = %+v, %v", ic, err)
			}
			if _, err := r.FinishCheckout(); err != nil {
				t.Fatal(err)
			}
			after := snapshot(t, dir)
			if !strings.Contains(after, "fcgit-checkout: absent") || strings.Contains(after, "MERGE_HEAD: \"") {
				t.Fatalf("stale record not dropped cleanly:\n%s", after)
			}
			if ic, err := r.InterruptedCheckout(); ic != nil || err != nil {
				t.Fatalf("InterruptedCheckout after = %+v, %v", ic, err)
			}
		})
	}
}
