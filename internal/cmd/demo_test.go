package cmd

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
)

// TestDemo runs fcgit demo end to end: it doubles as a smoke test of the
// whole story, since it exits non-zero when a step misbehaves.
func TestDemo(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not on PATH")
	}
	var out bytes.Buffer
	code := Main(context.Background(), []string{"fcgit", "demo", "--dir", t.TempDir()}, Env{Stdout: &out, Stderr: &out})
	if code != 0 {
		t.Fatalf("demo exited %d:\n%s", code, out.String())
	}
	for _, want := range []string{
		"created storefront",
		"storefront: changed online (config: timeout)",
		"CONFLICT (content): functions/storefront/function.toml: memorySize",
		"UU functions/storefront/function.toml",
		"legacy-report: exists online, not deployed from this repository",
		"Overwrote online changes",
		"The demo behaved as narrated",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
}
