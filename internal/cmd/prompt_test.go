package cmd

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/fcgit/fcgit/emulator"
)

// TestDriftPromptOnTerminal drives push through a pseudo-terminal: a drift
// refusal shows the drift and asks, default no; "y" overwrites.
func TestDriftPromptOnTerminal(t *testing.T) {
	bin, err := exec.LookPath("fcgit")
	if err != nil {
		t.Skip("fcgit test binary not on PATH")
	}
	w := newWorld(t, emulator.Options{})
	w.write("functions/hello/function.toml", "handler = \"index.handler\"\nruntime = \"python3.10\"\n")
	w.write("functions/hello/code/index.py", "x = 1\n")
	w.commitAll("hello")
	w.mustRun("push")
	if _, err := w.client.UpdateFunction(t.Context(), "hello", map[string]any{"timeout": 30}); err != nil {
		t.Fatal(err)
	}
	w.write("functions/hello/function.toml", "description = \"local\"\nhandler = \"index.handler\"\nruntime = \"python3.10\"\n")
	w.commitAll("local change")

	push := func(answer string) (int, string) {
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
		for !strings.Contains(out.String(), "[y/N] ") {
			b, err := r.ReadByte()
			if err != nil {
				t.Fatalf("no prompt; output so far:\n%s", out.String())
			}
			out.WriteByte(b)
		}
		if _, err := tty.Write([]byte(answer + "\n")); err != nil {
			t.Fatal(err)
		}
		rest, _ := io.ReadAll(r) // EIO once the child exits
		out.Write(rest)
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

	code, out := push("")
	if code != exitDrift {
		t.Fatalf("declined prompt: exit %d, want %d\n%s", code, exitDrift, out)
	}
	if !strings.Contains(out, "hello: changed online (config: timeout)") {
		t.Fatalf("prompt does not show the drift:\n%s", out)
	}
	if f, _ := w.client.GetFunction(t.Context(), "hello"); f["description"] == "local" {
		t.Fatal("declined prompt still deployed")
	}

	code, out = push("y")
	if code != 0 {
		t.Fatalf("accepted prompt: exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "Deploying: 1/1") {
		t.Errorf("no progress on the terminal:\n%s", out)
	}
	f, err := w.client.GetFunction(t.Context(), "hello")
	if err != nil {
		t.Fatal(err)
	}
	if f["description"] != "local" {
		t.Fatalf("accepted prompt did not deploy: %v", f["description"])
	}
	// The overwritten console edit stays in the online branch's history.
	if log := w.git("log", "-p", "fcgit/online"); !strings.Contains(log, "+timeout = 30") {
		t.Fatal("overwritten edit missing from fcgit/online history")
	}
}
