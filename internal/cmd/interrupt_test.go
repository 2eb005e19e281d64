package cmd

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/fcgit/fcgit/emulator"
)

var writeOps = map[string]bool{
	"CreateFunction": true, "UpdateFunction": true, "DeleteFunction": true,
	"CreateTrigger": true, "UpdateTrigger": true, "DeleteTrigger": true,
	"TagResources": true, "UntagResources": true,
	"PutConcurrencyConfig": true, "DeleteConcurrencyConfig": true,
}

const interruptFunction = `handler = "index.handler"
runtime = "python3.10"
memorySize = %d

[triggers.web]
triggerType = "http"

[triggers.web.config]
authType = "anonymous"
methods = [%s]
`

// interruptWorld is a repository whose next push updates two functions and
// creates a third, each with trigger work.
func interruptWorld(t *testing.T) *world {
	w := newWorld(t, emulator.Options{})
	for _, n := range []string{"alpha", "beta"} {
		w.write("functions/"+n+"/function.toml", fmt.Sprintf(interruptFunction, 256, `"GET"`))
		w.write("functions/"+n+"/code/index.py", "v1 "+n+"\n")
	}
	w.commitAll("v1")
	w.mustRun("push")
	for _, n := range []string{"alpha", "beta", "gamma"} {
		// A setting too: a deploy cut off between a function's own write
		// and its setting's is still push's own work.
		w.write("functions/"+n+"/function.toml", fmt.Sprintf(interruptFunction, 512, `"GET", "POST"`)+"\n[concurrencyConfig]\nreservedConcurrency = 5\n")
		w.write("functions/"+n+"/code/index.py", "v2 "+n+"\n")
	}
	w.commitAll("v2")
	return w
}

// TestInterruptedPush kills a push process after K write requests, for every
// K its deploy makes, and checks that the next push recognises the
// half-finished deploy as its own, finishes it, and reports no drift.
func TestInterruptedPush(t *testing.T) {
	t.Run("plain", func(t *testing.T) { testInterruptedPush(t, false) })
	// A forced push killed part-way: a fetch and a plain push follow, as a
	// user who does not remember the flag would run them. The push goes on
	// as forced, and the overwritten console edit stays recorded.
	t.Run("forced", func(t *testing.T) { testInterruptedPush(t, true) })
}

func testInterruptedPush(t *testing.T, forced bool) {
	if testing.Short() {
		t.Skip("kills processes")
	}
	bin, err := exec.LookPath("fcgit")
	if err != nil {
		t.Skip("fcgit test binary not on PATH")
	}
	args := []string{"push", "--jobs", "1"}
	world := func(t *testing.T) *world {
		w := interruptWorld(t)
		if forced {
			if _, err := w.client.UpdateFunction(t.Context(), "alpha", map[string]any{"timeout": 77}); err != nil {
				t.Fatal(err)
			}
		}
		return w
	}
	if forced {
		args = append(args, "--force")
	}
	// Count the writes of an uninterrupted push of the same change.
	w := world(t)
	w.srv.ResetStats()
	w.mustRun(args...)
	total := 0
	for op, n := range w.srv.Stats().Requests {
		if writeOps[op] {
			total += n
		}
	}
	if total < 6 {
		t.Fatalf("the deploy makes only %d writes; the test needs a richer change", total)
	}
	for k := 1; k <= total; k++ {
		t.Run(fmt.Sprintf("after-%d-writes", k), func(t *testing.T) {
			w := world(t)
			cmd := exec.Command(bin, append([]string{"-C", w.dir}, args...)...)
			cmd.Env = append(os.Environ(), "ALIBABA_CLOUD_ACCESS_KEY_ID="+testAK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET="+testSK)
			var (
				mu     sync.Mutex
				proc   *os.Process // published after Start, read by the hook
				writes int
			)
			w.srv.SetBefore(func(op, fn string) {
				if !writeOps[op] {
					return
				}
				mu.Lock()
				defer mu.Unlock()
				writes++
				if writes == k && proc != nil {
					proc.Kill()
				}
			})
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			mu.Lock()
			err := cmd.Start()
			proc = cmd.Process
			mu.Unlock()
			if err != nil {
				t.Fatal(err)
			}
			err = cmd.Wait()
			w.srv.SetBefore(nil)
			if err == nil {
				t.Fatalf("push survived the kill at write %d:\n%s", k, out.String())
			}
			if code, st := w.run("status"); code != 0 || !strings.Contains(st, "interrupted") {
				t.Fatalf("status after the kill (exit %d) does not explain the interrupted deploy:\n%s", code, st)
			}
			if forced {
				w.mustRun("fetch")
			}
			code, out2 := w.run("push")
			if code != 0 {
				t.Fatalf("push after the kill at write %d: exit %d\n%s", k, code, out2)
			}
			if !strings.Contains(out2, "Finished an interrupted deploy") {
				t.Errorf("push after the kill does not say it finished the interrupted deploy:\n%s", out2)
			}
			if strings.Contains(out2, "changed online") || !forced && strings.Contains(out2, "Overwrote") {
				t.Fatalf("the half-finished deploy was reported as drift:\n%s", out2)
			}
			if forced && !strings.Contains(w.git("log", "-p", "fcgit/online"), "+timeout = 77") {
				t.Fatalf("the overwritten console edit left the online branch's history:\n%s\npush:\n%s", w.git("log", "--graph", "--format=%h %s", "--all"), out2)
			}
			st := w.mustRun("status", "--all")
			for _, n := range []string{"alpha", "beta", "gamma"} {
				if !strings.Contains(st, "in sync:") || !strings.Contains(st, n) || strings.Contains(st, "interrupted") {
					t.Fatalf("after finishing, status:\n%s", st)
				}
			}
			head := strings.TrimSpace(w.git("rev-parse", "HEAD"))
			for _, n := range []string{"alpha", "beta", "gamma"} {
				f, err := w.client.GetFunction(t.Context(), n)
				if err != nil {
					t.Fatal(err)
				}
				if string(fmt.Sprint(f["memorySize"])) != "512" {
					t.Errorf("%s memorySize online = %v, want 512", n, f["memorySize"])
				}
				tags, err := w.client.FunctionTags(t.Context(), n)
				if err != nil {
					t.Fatal(err)
				}
				if tags["fcgit-commit"] != head {
					t.Errorf("%s stamped %q, want HEAD %s", n, tags["fcgit-commit"], head)
				}
			}
			if online := strings.TrimSpace(w.git("rev-parse", "fcgit/online")); !forced && online != head {
				t.Errorf("fcgit/online = %s, want HEAD %s", online, head)
			}
			if refs := w.git("for-each-ref", "refs/fcgit/"); refs != "" {
				t.Errorf("deploy record left behind: %s", refs)
			}
			if out := w.mustRun("fetch"); !strings.Contains(out, "up to date") {
				t.Errorf("fetch after the finished deploy: %s", out)
			}
		})
	}
}

// TestCancelledPush: Ctrl-C during a deploy stops it cleanly (exit 1, saying
// what was and was not deployed), and the next push finishes it.
func TestCancelledPush(t *testing.T) {
	w := interruptWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	w.srv.SetBefore(func(op, fn string) {
		if op == "UpdateTrigger" {
			once.Do(cancel)
		}
	})
	var out bytes.Buffer
	code := Main(ctx, []string{"fcgit", "-C", w.dir, "push", "--jobs", "1"}, Env{Stdout: &out, Stderr: &out, Getenv: testCredentials})
	w.srv.SetBefore(nil)
	if code != exitError || !strings.Contains(out.String(), "deploy incomplete") || !strings.Contains(out.String(), "not attempted") {
		t.Fatalf("cancelled push: exit %d\n%s", code, out.String())
	}
	if refs := w.git("for-each-ref", "refs/fcgit/"); !strings.Contains(refs, "refs/fcgit/deploying") {
		t.Fatalf("the deploy in progress is not recorded: %q", refs)
	}
	out2 := w.mustRun("push")
	if !strings.Contains(out2, "Finished an interrupted deploy") || strings.Contains(out2, "changed online") {
		t.Fatalf("push after the cancel:\n%s", out2)
	}
	if st := w.mustRun("status", "--all"); strings.Count(st, "in sync:") != 3 {
		t.Fatalf("status after finishing:\n%s", st)
	}
}
