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
	if strings.Contains(out.String(), demoPassword) || strings.Contains(out.String(), demoRotated) {
		t.Error("the demo printed a secret value")
	}
	for _, want := range []string{
		"created storefront",
		"storefront: changed online (config: concurrencyConfig, timeout)",
		"+reservedConcurrency = 20",
		"CONFLICT (content): functions/storefront/function.toml: memorySize",
		"UU functions/storefront/function.toml",
		"legacy-report: exists online, not deployed from this repository",
		"Overwrote online changes",
		"storefront: DB_PASSWORD changed online (value hidden)",
		"published storefront version 1 (tag fcgit/storefront/v1)",
		"published storefront version 2 (tag fcgit/storefront/v2)",
		"+timeout = 45",
		"updated storefront (config: aliases)",
		"The demo behaved as narrated",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
}

// TestDemoTempDirHint: a demo in a temporary directory removes it, so its
// last words point at --keep, not at a directory about to be gone.
func TestDemoTempDirHint(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not on PATH")
	}
	t.Setenv("TMPDIR", t.TempDir())
	var out bytes.Buffer
	if code := Main(context.Background(), []string{"fcgit", "demo"}, Env{Stdout: &out, Stderr: &out}); code != 0 {
		t.Fatalf("demo exited %d:\n%s", code, out.String())
	}
	tail := out.String()[strings.LastIndex(out.String(), "The demo behaved as narrated"):]
	if strings.Contains(tail, "cd ") || !strings.Contains(tail, "fcgit demo --keep") {
		t.Fatalf("last words of a demo in a temporary directory:\n%s", tail)
	}
}
