package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fcgit/fcgit/emulator"
)

// TestPullRefusesUnstorableCode: a function whose code package holds a name
// no file system takes is refused at fetch, by name, and nothing is
// recorded or checked out: the next pull is not left failing mid-checkout.
func TestPullRefusesUnstorableCode(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Options{})
	w.commitAll("init")
	if _, err := w.client.CreateFunction(context.Background(), map[string]any{
		"functionName": "shop-api", "runtime": "python3.10", "handler": "index.handler",
		"code": codeInput(t, map[string]string{"index.py": "x\n", strings.Repeat("n", 5000): "y\n"}),
	}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		code, out := w.run("pull")
		want := `fcgit: fetch: read function shop-api: its code package cannot be stored: read code zip: entry "` + strings.Repeat("n", 100) + `"… (5000 bytes): a name of 5000 bytes, over the 255 bytes file systems allow in one name; redeploy shop-api without that entry, or leave the function out of [scope] in fcgit.toml`
		if code != exitError || !strings.Contains(out, want) {
			t.Fatalf("exit %d\n%s\nwant %s", code, out, want)
		}
	}
	for _, p := range []string{".git/fcgit-checkout", ".git/refs/heads/fcgit/online", "functions"} {
		if _, err := os.Stat(filepath.Join(w.dir, p)); err == nil {
			t.Errorf("%s exists", p)
		}
	}
}
