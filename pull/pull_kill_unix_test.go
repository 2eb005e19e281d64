//go:build unix

package pull

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/fcgit/fcgit/gitstate"
)

// refSteps are the steps from committing the index on: where pulls that end
// differently (a branch moved, merge state written) differ.
func refSteps(steps []string) []string {
	for i, s := range steps {
		if s == "index-commit" {
			return steps[i:]
		}
	}
	return steps
}

// TestPullKilledIsFinishedByTheNextPull kills a real `fcgit pull` process
// (SIGKILL) at its steps, then runs the next pull as a new process would:
// it must finish the interrupted pull and report it as the pull would have
// (a conflicted merge stays a conflicted merge), leaving the repository
// exactly as an uninterrupted pull leaves it.
func TestPullKilledIsFinishedByTheNextPull(t *testing.T) {
	for name, sc := range pullScenarios {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tmpl := pullTemplate(t, name)
			ref := copyDir(t, tmpl)
			var steps []string
			opts := pullOptions(name)
			opts.stepHook = func(s string) error { steps = append(steps, s); return nil }
			out, err := Pull(openAt(t, ref), opts)
			if out == nil || out.Kind != sc.kind {
				t.Fatalf("reference pull: %s", pullResult(out, err))
			}
			wantResult := pullResult(out, err)
			wantState := repoState(t, ref)
			fsck(t, ref)

			kill := killSteps(steps)
			if name != "conflicts" {
				// The work tree steps are the conflicts scenario's; what
				// differs is how each pull ends.
				kill = refSteps(steps)
			}
			for _, step := range kill {
				t.Run(step, func(t *testing.T) {
					t.Parallel()
					dir := copyDir(t, tmpl)
					cmd := exec.Command(os.Args[0], "-test.run=^$")
					cmd.Env = append(os.Environ(), "PULL_CRASH_HELPER="+dir, "PULL_CRASH_STEP="+step, "PULL_CRASH_SCENARIO="+name)
					output, err := cmd.CombinedOutput()
					var ee *exec.ExitError
					if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
						t.Fatalf("pull process: %v\n%s", err, output)
					}
					repo := openAt(t, dir)
					if step == "journal" {
						// Killed before recording anything: nothing changed,
						// and the next pull is a fresh one.
						out, err := Pull(repo, pullOptions(name))
						if got := pullResult(out, err); got != wantResult || out.Resumed {
							t.Fatalf("pull:\n%s\nuninterrupted:\n%s", got, wantResult)
						}
					} else {
						if err := CheckMergeable(repo); err != nil {
							t.Fatalf("CheckMergeable: %v", err)
						}
						out, err := Pull(repo, pullOptions(name))
						if out == nil || !out.Resumed {
							t.Fatalf("the next pull did not finish the interrupted one: %s", pullResult(out, err))
						}
						var ce *ConflictError
						if errors.As(err, &ce) && !ce.Resumed {
							t.Fatal("ConflictError.Resumed not set")
						}
						if got := pullResult(out, err); got != wantResult {
							t.Fatalf("finished pull reports:\n%s\nuninterrupted:\n%s", got, wantResult)
						}
					}
					if got := repoState(t, dir); got != wantState {
						t.Fatalf("after the next pull:\n%s\n\nuninterrupted:\n%s", got, wantState)
					}
					fsck(t, dir)
					// And the pull after that is an ordinary one.
					if sc.kind == "fast-forward" || sc.kind == "merged" {
						if out, err := Pull(openAt(t, dir), pullOptions(name)); err != nil || out.Kind != "up-to-date" {
							t.Fatalf("third pull: %s", pullResult(out, err))
						}
					}
				})
			}
		})
	}
}

// runPullCrashHelper is the pull process of the test above.
func runPullCrashHelper(dir string) {
	step, name := os.Getenv("PULL_CRASH_STEP"), os.Getenv("PULL_CRASH_SCENARIO")
	repo, err := gitstate.Open(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	opts := pullOptions(name)
	opts.stepHook = func(s string) error {
		if s == step {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
		return nil
	}
	out, err := Pull(repo, opts)
	fmt.Fprintln(os.Stderr, "not killed:", pullResult(out, err))
	os.Exit(3)
}
