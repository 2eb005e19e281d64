package cmd

import (
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

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
