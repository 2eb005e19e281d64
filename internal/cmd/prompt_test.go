package cmd

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/fcgit/fcgit/emulator"
)

// TestDriftPromptOnTerminal drives push through a pseudo-terminal: a drift
// refusal shows each online change it would overwrite, with values, and
// asks per function: abort (the default) deploys nothing; skip leaves that
// function as it is online and drifted; overwrite deploys over it.
func TestDriftPromptOnTerminal(t *testing.T) {
	bin, err := exec.LookPath("fcgit")
	if err != nil {
		t.Skip("fcgit test binary not on PATH")
	}
	w := newWorld(t, emulator.Options{})
	for _, n := range []string{"a", "b", "c"} {
		w.write("functions/"+n+"/function.toml", "handler = \"index.handler\"\nruntime = \"python3.10\"\ntimeout = 10\n")
		w.write("functions/"+n+"/code/index.py", "x = 1\n")
	}
	w.commitAll("a, b, c")
	w.mustRun("push")
	for n, timeout := range map[string]int{"a": 30, "b": 40} {
		if _, err := w.client.UpdateFunction(t.Context(), n, map[string]any{"timeout": timeout}); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"a", "b", "c"} {
		w.write("functions/"+n+"/function.toml", "description = \"local\"\nhandler = \"index.handler\"\nruntime = \"python3.10\"\ntimeout = 10\n")
	}
	w.commitAll("local changes")

	// push answers each prompt in turn; it returns the exit code and the
	// whole terminal output.
	push := func(answers ...string) (int, string) {
		cmd := exec.Command(bin, "-C", w.dir, "push")
		cmd.Env = append(os.Environ(), "ALIBABA_CLOUD_ACCESS_KEY_ID="+testAK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET="+testSK)
		tty, err := pty.Start(cmd)
		if err != nil {
			t.Skipf("no pseudo-terminal: %v", err)
		}
		defer tty.Close()
		var out strings.Builder
		r := bufio.NewReader(tty)
		deadline := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
		defer deadline.Stop()
		read := func() error {
			for {
				b, err := r.ReadByte()
				if err != nil {
					return err
				}
				out.WriteByte(b)
				if strings.HasSuffix(out.String(), "(default abort): ") {
					return nil
				}
			}
		}
		for _, a := range answers {
			if err := read(); err != nil {
				t.Fatalf("no prompt for answer %q; output so far:\n%s", a, out.String())
			}
			if _, err := tty.Write([]byte(a + "\n")); err != nil {
				t.Fatal(err)
			}
		}
		if err := read(); err == nil {
			t.Fatalf("a prompt no answer was given for:\n%s", out.String())
		}
		err = cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), out.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, out.String()
	}
	online := func(n, field string) any {
		t.Helper()
		f, err := w.client.GetFunction(t.Context(), n)
		if err != nil {
			t.Fatal(err)
		}
		return f[field]
	}

	// The default is abort: nothing deployed, not even the function
	// without drift.
	code, out := push("")
	if code != exitDrift {
		t.Fatalf("aborted at the prompt: exit %d, want %d\n%s", code, exitDrift, out)
	}
	for _, want := range []string{"a: changed online (config: timeout)", "timeout: 10 → 30", "push would update it:", `description: (none) → "local"`, "Overwrite the online change of a?"} {
		if !strings.Contains(out, want) {
			t.Errorf("prompt lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Overwrite the online change of b?") {
		t.Errorf("asked about b after an abort:\n%s", out)
	}
	for _, n := range []string{"a", "b", "c"} {
		if online(n, "description") == "local" {
			t.Fatalf("aborted prompt still deployed %s", n)
		}
	}

	// Skip a, overwrite b: c (no drift) and b are deployed, a keeps its
	// console edit.
	code, out = push("s", "o")
	if code != 0 {
		t.Fatalf("skip a, overwrite b: exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "timeout: 10 → 40") || !strings.Contains(out, "skipped a") {
		t.Errorf("output lacks b's values or the skip of a:\n%s", out)
	}
	if got := online("a", "timeout"); jsonNumber(got) != "30" || online("a", "description") == "local" {
		t.Errorf("skipped a was written: timeout %v, description %v", got, online("a", "description"))
	}
	if got := online("b", "timeout"); jsonNumber(got) != "10" || online("b", "description") != "local" {
		t.Errorf("overwritten b: timeout %v, description %v", got, online("b", "description"))
	}
	if online("c", "description") != "local" {
		t.Error("c, without drift, was not deployed")
	}
	// The overwritten console edit stays in the online branch's history.
	if log := w.git("log", "-p", "fcgit/online"); !strings.Contains(log, "+timeout = 40") {
		t.Fatal("overwritten edit missing from fcgit/online history")
	}
	// a stays drifted: status and push say so until it is pulled.
	if code, st := w.run("status", "--exit-code"); code != exitDrift || !strings.Contains(st, "a") {
		t.Errorf("status after skipping a: exit %d\n%s", code, st)
	}
	w.mustRun("pull")
	if data, _ := os.ReadFile(w.dir + "/functions/a/function.toml"); !strings.Contains(string(data), "timeout = 30") || !strings.Contains(string(data), `description = "local"`) {
		t.Errorf("pull did not merge a's console edit with the local change:\n%s", data)
	}
}

// jsonNumber renders a number FC returned for comparison.
func jsonNumber(v any) string { return fmt.Sprint(v) }
