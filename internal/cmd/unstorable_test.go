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

// TestGitmodulesInCodePackages: a code package's .gitmodules (in any
// spelling a file system reads as such) is stored when git fsck accepts
// it, and its function refused, by name, when not; the repository always
// passes git fsck --strict.
func TestGitmodulesInCodePackages(t *testing.T) {
	w := newWorld(t, emulator.Options{})
	w.commitAll("init")
	create := func(name, file, content string) {
		if _, err := w.client.CreateFunction(context.Background(), map[string]any{
			"functionName": name, "runtime": "python3.10", "handler": "index.handler",
			"code": codeInput(t, map[string]string{"index.py": "x\n", file: content}),
		}); err != nil {
			t.Fatal(err)
		}
	}
	create("shop-lib", ".gitmodules", "[submodule \"vendor/lib\"]\n\tpath = vendor/lib\n\turl = https://github.com/org/lib.git\n")
	w.mustRun("pull")
	if got := w.git("show", "HEAD:functions/shop-lib/code/.gitmodules"); !strings.Contains(got, "https://github.com/org/lib.git") {
		t.Fatalf(".gitmodules not stored: %q", got)
	}
	w.git("fsck", "--strict", "--no-dangling")

	for file, want := range map[string]string{
		".gitmodules": `.gitmodules gives submodule "x" the url "--upload-pack=touch /tmp/pwned", which git fsck refuses (gitmodulesUrl)`,
		"GITMOD~1":    `.gitmodules names a submodule "../../modules/x", which git fsck refuses (gitmodulesName)`,
	} {
		content := "[submodule \"x\"]\n\turl = --upload-pack=touch /tmp/pwned\n"
		if file == "GITMOD~1" {
			content = "[submodule \"../../modules/x\"]\n\tpath = x\n"
		}
		create("shop-evil", file, content)
		code, out := w.run("pull")
		if code != exitError || !strings.Contains(out, "read function shop-evil: its code package cannot be stored") || !strings.Contains(out, want) {
			t.Errorf("%s: exit %d\n%s\nwant %s", file, code, out, want)
		}
		w.git("fsck", "--strict", "--no-dangling")
		if err := w.client.DeleteFunction(context.Background(), "shop-evil"); err != nil {
			t.Fatal(err)
		}
	}
}
