//go:build unix

package gitstate

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// TestCheckoutKilledForReal kills a real process with SIGKILL at a step
// and finishes its checkout from this one: the pid check is the real one.
func TestCheckoutKilledForReal(t *testing.T) {
	t.Parallel()
	tmpl := sharedCrashTemplate(t)
	want, _ := referenceRun(t, tmpl, "conflicted merge")
	for _, step := range []string{"rename functions/api/code/run.sh", "MERGE_HEAD"} {
		t.Run(step, func(t *testing.T) {
			t.Parallel()
			killAndFinish(t, tmpl, "conflicted merge", want, "GITSTATE_CRASH_STEP="+step)
		})
	}
}

// killAndFinish runs the template's plan name on a copy in a helper
// process that env has SIGKILL itself mid-way, then finishes the checkout
// from this process: the end state must be want, the uninterrupted run's.
func killAndFinish(t *testing.T, tmpl crashTemplate, name, want string, env ...string) {
	t.Helper()
	dir := copyTemplate(t, tmpl)
	plan := tmpl.plans[name]
	pf, _ := json.Marshal(crashPlanFile{From: plan.From, To: plan.To, Conflicts: plan.Conflicts,
		MergeState: plan.MergeState, Head: plan.Head, Operation: plan.Operation, Payload: plan.Payload})
	planPath := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(planPath, pf, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), "GITSTATE_CRASH_HELPER="+dir, "GITSTATE_CRASH_PLAN="+planPath), env...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	r := openRepo(t, dir)
	ic, err := r.InterruptedCheckout()
	if err != nil || ic == nil || ic.WriterRunning || ic.Stale || len(ic.Modified) > 0 {
		t.Fatalf("InterruptedCheckout = %+v, %v", ic, err)
	}
	if _, err := r.FinishCheckout(); err != nil {
		t.Fatal(err)
	}
	if got := snapshot(t, dir); got != want {
		t.Fatalf("after finishing:\n%s\n\nuninterrupted:\n%s", got, want)
	}
	fsck(t, dir)
}

type crashPlanFile struct {
	From, To   plumbing.Hash
	Conflicts  []ConflictEntry
	MergeState *MergeState
	Head       *HeadUpdate
	Operation  string
	Payload    []byte
}

// runCrashHelper is the child of TestCheckoutKilledForReal: it runs the
// checkout and SIGKILLs itself at the step.
func runCrashHelper(dir string) {
	var pf crashPlanFile
	data, err := os.ReadFile(os.Getenv("GITSTATE_CRASH_PLAN"))
	if err == nil {
		err = json.Unmarshal(data, &pf)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	r, err := Open(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	plan := CheckoutPlan{From: pf.From, To: pf.To, Conflicts: pf.Conflicts, MergeState: pf.MergeState,
		Head: pf.Head, Operation: pf.Operation, Payload: pf.Payload}
	if n, err := strconv.Atoi(os.Getenv("GITSTATE_CRASH_FILES")); err == nil {
		// No step hook: the checkout writes its files in parallel, as it
		// does for real, and is killed once n are in place, the other
		// workers in the middle of theirs.
		r.written = func(done int64) {
			if done >= int64(n) {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
		}
	} else {
		step := os.Getenv("GITSTATE_CRASH_STEP")
		plan.StepHook = func(s string) error {
			if s == step {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
			return nil
		}
	}
	err = r.RunCheckout(plan)
	fmt.Fprintln(os.Stderr, "not killed:", err)
	os.Exit(3)
}

func killHelperAvailable() bool { return true }

func killSelf() {
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

// killedBy describes how a finished helper ended.
func killedBy(cmd *exec.Cmd) string {
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ws.Signal().String()
	}
	return cmd.ProcessState.String()
}

// TestParallelCheckoutKilledForReal kills, with SIGKILL, a real process in
// the middle of a checkout large enough to be written by
// several workers at once (no step hook: the path a pull of many functions
// takes), at several points, and finishes it from this process: the end
// state is the uninterrupted checkout's.
func TestParallelCheckoutKilledForReal(t *testing.T) {
	t.Parallel()
	base, err := os.MkdirTemp(scratchBase(), "gitstate-parallel-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	tmpl := crashTemplate{dir: filepath.Join(base, "template"), plans: map[string]CheckoutPlan{}}
	r, err := Init(tmpl.dir)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, tmpl.dir, "README", "a repository\n", 0o644)
	first := commitAll(t, tmpl.dir, "first")
	files := map[string]string{}
	modes := map[string]filemode.FileMode{}
	const functions = 300
	for i := range functions {
		fn := fmt.Sprintf("functions/fn-%03d/", i)
		files[fn+"function.toml"] = fmt.Sprintf("memorySize = %d\n", 128*(1+i%8))
		files[fn+"code/index.py"] = fmt.Sprintf("# %d\n", i)
		files[fn+"code/lib/util.py"] = strings.Repeat("x = 1\n", 1+i%40)
		files[fn+"code/bin/run.sh"] = "#!/bin/sh\n"
		modes[fn+"code/bin/run.sh"] = filemode.Executable
		files[fn+"code/current"] = "index.py"
		modes[fn+"code/current"] = filemode.Symlink
	}
	total := len(files)
	if total < 4*parallelWrites {
		t.Fatalf("%d files: too few to be written in parallel", total)
	}
	to := treeWithTB(t, r, mustHeadTree(t, r), files, modes)
	next := commitTreeTB(t, r, to, "many functions", first)
	tmpl.plans["parallel"] = CheckoutPlan{From: mustHeadTree(t, r), To: to, Operation: "test",
		Head: &HeadUpdate{Old: first, New: next, Reflog: "test: many functions"}}
	want, _ := referenceRun(t, tmpl, "parallel")
	for _, after := range []int{1, total / 3, total * 2 / 3} {
		t.Run(fmt.Sprintf("after %d files", after), func(t *testing.T) {
			t.Parallel()
			killAndFinish(t, tmpl, "parallel", want, fmt.Sprintf("GITSTATE_CRASH_FILES=%d", after))
		})
	}
}
