package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fcgit/fcgit/emulator"
)

// TestPullLeavesOutUnstorableCode: a function whose code package holds a
// name no file system takes is left out of the record, said once per
// fetch with the reason, and the others are imported; nothing of it is
// recorded or checked out, so no later pull is left failing mid-checkout.
// Status lists it as not managed.
func TestPullLeavesOutUnstorableCode(t *testing.T) {
	w := newWorld(t, emulator.Options{})
	w.commitAll("init")
	if _, err := w.client.CreateFunction(context.Background(), map[string]any{
		"functionName": "shop-api", "runtime": "python3.10", "handler": "index.handler",
		"code": codeInput(t, map[string]string{"index.py": "x\n", strings.Repeat("n", 5000): "y\n"}),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.client.CreateFunction(context.Background(), map[string]any{
		"functionName": "shop-web", "runtime": "python3.10", "handler": "index.handler",
		"code": codeInput(t, map[string]string{"index.py": "x\n"}),
	}); err != nil {
		t.Fatal(err)
	}
	want := `  shop-api: its code package cannot be stored: read code zip: entry "` + strings.Repeat("n", 100) + `"… (5000 bytes): a name of 5000 bytes, over the 255 bytes file systems allow in one name`
	for range 2 {
		code, out := w.run("pull")
		if code != exitOK || strings.Count(out, want) != 1 || !strings.Contains(out, "warning: 1 function left out, not managed") {
			t.Fatalf("exit %d\n%s\nwant once %s", code, out, want)
		}
	}
	if _, err := os.Stat(filepath.Join(w.dir, "functions", "shop-web", "function.toml")); err != nil {
		t.Errorf("shop-web not imported: %v", err)
	}
	for _, p := range []string{".git/fcgit-checkout", "functions/shop-api"} {
		if _, err := os.Stat(filepath.Join(w.dir, p)); err == nil {
			t.Errorf("%s exists", p)
		}
	}
	if got := w.git("ls-tree", "-r", "--name-only", "fcgit/online"); strings.Contains(got, "shop-api") {
		t.Errorf("the online branch records shop-api:\n%s", got)
	}
	if _, out := w.run("status"); !strings.Contains(out, "not managed:               shop-api  its code package cannot be stored") {
		t.Errorf("status:\n%s", out)
	}
	w.git("fsck", "--strict", "--no-dangling")
}

// TestGitmodulesInCodePackages: a code package's .gitmodules (in any
// spelling a file system reads as such) is stored when git fsck accepts
// it, and its function left out, by name, when not; the repository always
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
		if code != exitOK || !strings.Contains(out, "shop-evil: its code package cannot be stored") || !strings.Contains(out, want) {
			t.Errorf("%s: exit %d\n%s\nwant %s", file, code, out, want)
		}
		if _, err := os.Stat(filepath.Join(w.dir, "functions", "shop-evil")); err == nil {
			t.Errorf("%s: shop-evil checked out", file)
		}
		w.git("fsck", "--strict", "--no-dangling")
		if err := w.client.DeleteFunction(context.Background(), "shop-evil"); err != nil {
			t.Fatal(err)
		}
	}
}
