package pull

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/fcgit/fcgit/gitstate"
)

// TestMarkerSizesAgreeWithGit checks conflict-marker-size lookups against
// `git check-attr` on the same files.
func TestMarkerSizesAgreeWithGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not on PATH")
	}
	dir := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	repo, err := gitstate.Init(dir)
	if err != nil {
		t.Fatal(err)
	}
	write(".gitattributes", "*.md conflict-marker-size=12\n*.py text\n*.py conflict-marker-size=9\n*.txt -conflict-marker-size\n\"\"\nfunctions/ conflict-marker-size=5\n")
	write("functions/.gitattributes", "*.py conflict-marker-size=20\nspecial/* conflict-marker-size=3\n")
	write("functions/a/code/.gitattributes", "main.py eol=lf\n")
	write(".git/info/attributes", "override.py conflict-marker-size=30\n")
	m := newMarkerSizes(repo)
	paths := []string{"README.md", "x.py", "functions/a/code/main.py", "functions/b/override.py", "notes.txt",
		"functions/special/f", "functions/special/deeper/g", "other/y.go", "functions/a/function.toml"}
	for _, p := range paths {
		cmd := exec.Command("git", "check-attr", "conflict-marker-size", "--", p)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		val := strings.TrimSpace(string(out)[strings.LastIndex(string(out), ": ")+2:])
		want, err := strconv.Atoi(val)
		if err != nil {
			want = 0 // unspecified, unset, set without a value
		}
		if got := m.size(p); got != want {
			t.Errorf("%s: size %d, git check-attr says %q", p, got, val)
		}
	}
}
