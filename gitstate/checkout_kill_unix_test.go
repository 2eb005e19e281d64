//go:build unix

package gitstate

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
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
			dir := copyTemplate(t, tmpl)
			plan := tmpl.plans["conflicted merge"]
			pf, _ := json.Marshal(crashPlanFile{From: plan.From, To: plan.To, Conflicts: plan.Conflicts,
				MergeState: plan.MergeState, Head: plan.Head, Operation: plan.Operation, Payload: plan.Payload})
			planPath := filepath.Join(t.TempDir(), "plan.json")
			os.WriteFile(planPath, pf, 0o644)
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "GITSTATE_CRASH_HELPER="+dir, "GITSTATE_CRASH_STEP="+step, "GITSTATE_CRASH_PLAN="+planPath)
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
		})
	}
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
	step := os.Getenv("GITSTATE_CRASH_STEP")
	err = r.RunCheckout(CheckoutPlan{From: pf.From, To: pf.To, Conflicts: pf.Conflicts, MergeState: pf.MergeState,
		Head: pf.Head, Operation: pf.Operation, Payload: pf.Payload,
		StepHook: func(s string) error {
			if s == step {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
			return nil
		}})
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
