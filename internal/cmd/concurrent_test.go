package cmd

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fcgit/fcgit/emulator"
)

// TestConcurrentFetches runs two fcgit processes against one repository at
// once. Git's lock protocol decides: each either records the online state,
// finds it recorded, or fails clearly; the repository is never corrupted and
// the state is recorded once.
func TestConcurrentFetches(t *testing.T) {
	bin, err := exec.LookPath("fcgit")
	if err != nil {
		t.Skip("fcgit test binary not on PATH")
	}
	w := newWorld(t, emulator.Options{})
	populate(t, w, 30)
	w.mustRun("fetch")
	for round := range 5 {
		if _, err := w.client.UpdateFunction(t.Context(), "fn-001", map[string]any{"timeout": 10 + round}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		outs := make([]string, 2)
		codes := make([]int, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(bin, "-C", w.dir, "fetch")
				cmd.Env = append(os.Environ(), "ALIBABA_CLOUD_ACCESS_KEY_ID="+testAK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET="+testSK)
				out, err := cmd.CombinedOutput()
				outs[i] = string(out)
				if ee, ok := err.(*exec.ExitError); ok {
					codes[i] = ee.ExitCode()
				} else if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		for i := range 2 {
			if codes[i] != 0 && !strings.Contains(outs[i], "moved while fetch was running") && !strings.Contains(outs[i], "lock") {
				t.Fatalf("round %d, process %d: exit %d with an unclear error:\n%s", round, i, codes[i], outs[i])
			}
		}
		if codes[0] != 0 && codes[1] != 0 {
			t.Fatalf("round %d: both fetches failed:\n%s\n%s", round, outs[0], outs[1])
		}
		w.git("fsck", "--strict")
		w.mustRun("fetch") // whatever happened, a later fetch finds it recorded or records it
		if diff := w.git("diff", "fcgit/online~1", "fcgit/online", "--stat"); !strings.Contains(diff, "fn-001/function.toml") {
			t.Fatalf("round %d: last online commit is not the edit:\n%s", round, diff)
		}
	}
	if n := strings.TrimSpace(w.git("rev-list", "--count", "fcgit/online")); n != "6" {
		t.Fatalf("online branch has %s commits, want 6 (the first fetch, then one per edit)", n)
	}
}

// TestConcurrentPushes: two clones change the same function differently and
// push at the same moment. FC has no compare-and-swap, so at most one deploy
// may stick, and a push whose write did not stick must say so (exit 3,
// naming the function) instead of reporting success.
func TestConcurrentPushes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs processes with 100 ms of latency per request")
	}
	bin, err := exec.LookPath("fcgit")
	if err != nil {
		t.Skip("fcgit test binary not on PATH")
	}
	for trial := range 4 {
		w := newWorld(t, emulator.Options{})
		w.write("functions/hello/function.toml", "handler = \"index.handler\"\nruntime = \"python3.10\"\ntimeout = 10\n")
		w.write("functions/hello/code/index.py", "def handler(e, c):\n    return 1\n")
		w.commitAll("hello")
		w.mustRun("push")
		other := t.TempDir()
		w.git("clone", "-q", w.dir, other)
		for i, dir := range []string{w.dir, other} {
			cmd := exec.Command("git", "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-q", "-am", "timeout")
			cmd.Dir = dir
			data, err := os.ReadFile(dir + "/functions/hello/function.toml")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dir+"/functions/hello/function.toml", []byte(strings.Replace(string(data), "timeout = 10", "timeout = "+[]string{"20", "40"}[i], 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("commit: %v %s", err, out)
			}
		}
		w.srv.SetFaults(100*time.Millisecond, 0, 0)
		var wg sync.WaitGroup
		outs, codes := make([]string, 2), make([]int, 2)
		for i, dir := range []string{w.dir, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(bin, "-C", dir, "push")
				cmd.Env = append(os.Environ(), "ALIBABA_CLOUD_ACCESS_KEY_ID="+testAK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET="+testSK)
				out, err := cmd.CombinedOutput()
				outs[i] = string(out)
				if ee, ok := err.(*exec.ExitError); ok {
					codes[i] = ee.ExitCode()
				} else if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		w.srv.SetFaults(0, 0, 0)
		f, err := w.client.GetFunction(t.Context(), "hello")
		if err != nil {
			t.Fatal(err)
		}
		online := fmt.Sprint(f["timeout"])
		for i, want := range []string{"20", "40"} {
			switch codes[i] {
			case 0:
				if online != want {
					t.Fatalf("trial %d: push %d reported success but online timeout is %s, not its %s:\n%s", trial, i, online, want, outs[i])
				}
			case 3:
				if !strings.Contains(outs[i], "hello") {
					t.Fatalf("trial %d: push %d refused without naming the function:\n%s", trial, i, outs[i])
				}
			default:
				t.Fatalf("trial %d: push %d exited %d:\n%s", trial, i, codes[i], outs[i])
			}
		}
		if codes[0] == 0 && codes[1] == 0 {
			t.Fatalf("trial %d: both pushes reported success; online timeout is %s", trial, online)
		}
	}
}
