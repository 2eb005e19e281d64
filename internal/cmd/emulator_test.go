package cmd

import (
	"bufio"
	"errors"
	"os/exec"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/fcgit/fcgit/fc"
)

// TestEmulatorProcess starts `fcgit emulator` as a process, talks to it from
// this one, and stops it with SIGINT and SIGTERM: it must exit 0 both times.
func TestEmulatorProcess(t *testing.T) {
	bin, err := exec.LookPath("fcgit")
	if err != nil {
		t.Skip("fcgit test binary not on PATH")
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin, "emulator", "--listen", "127.0.0.1:0", "--access-key-id", "AK", "--access-key-secret", "SK")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			kill := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
			defer kill.Stop()
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil {
				t.Fatalf("no listening line: %v", err)
			}
			url := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line)
			if url == "" {
				t.Fatalf("listening line without a URL: %q", line)
			}
			client, err := fc.New(fc.Config{Region: "cn-hangzhou", Endpoint: url, AccessKeyID: "AK", AccessKeySecret: "SK"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := client.GetFunction(t.Context(), "nope"); !fc.IsNotFound(err) {
				t.Fatalf("GetFunction of a missing function: %v", err)
			}
			bad, _ := fc.New(fc.Config{Region: "cn-hangzhou", Endpoint: url, AccessKeyID: "AK", AccessKeySecret: "wrong"})
			if _, err := bad.ListFunctions(t.Context(), ""); fc.KindOf(err) != fc.KindAccessDenied {
				t.Fatalf("wrong secret: %v (kind %v)", err, fc.KindOf(err))
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err = cmd.Wait()
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				t.Fatalf("emulator exited %d after %v", ee.ExitCode(), sig)
			}
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
