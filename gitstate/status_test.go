package gitstate

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// gitStatusPaths parses `git status --porcelain -uall -- <prefix>` into paths.
func gitStatusPaths(t *testing.T, dir, prefix string) []string {
	t.Helper()
	out := gitCmd(t, dir, "-c", "status.renames=false", "status", "--porcelain", "--untracked-files=all", "--no-renames", "--", prefix)
	seen := map[string]bool{} // "D " and "??" can name the same path
	var paths []string
	for _, l := range sortedLines(out) {
		p := strings.Trim(l[3:], "\"")
		if !seen[p] {
			seen[p] = true
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	return paths
}

func TestLocalChangesAgreesWithGitStatus(t *testing.T) {
	cases := []struct {
		name   string
		change func(t *testing.T, dir string)
	}{
		{"clean", func(t *testing.T, dir string) {}},
		{"modified", func(t *testing.T, dir string) {
			writeFile(t, dir, "functions/api/code/index.js", "changed\n", 0o644)
		}},
		{"touched only", func(t *testing.T, dir string) {
			later := time.Now().Add(time.Hour)
			os.Chtimes(filepath.Join(dir, "functions/api/function.toml"), later, later)
		}},
		{"staged", func(t *testing.T, dir string) {
			writeFile(t, dir, "functions/api/function.toml", "memorySize = 256\n", 0o644)
			gitCmd(t, dir, "add", "functions/api/function.toml")
		}},
		{"staged new file", func(t *testing.T, dir string) {
			writeFile(t, dir, "functions/api/code/new.js", "new\n", 0o644)
			gitCmd(t, dir, "add", "functions/api/code/new.js")
		}},
		{"deleted", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "functions/worker/function.toml"))
		}},
		{"staged delete", func(t *testing.T, dir string) {
			gitCmd(t, dir, "rm", "-q", "--cached", "functions/worker/function.toml")
		}},
		{"untracked in new dir", func(t *testing.T, dir string) {
			writeFile(t, dir, "functions/fresh/function.toml", "x\n", 0o644)
			writeFile(t, dir, "functions/fresh/code/a/b.txt", "x\n", 0o644)
		}},
		{"ignored by .gitignore", func(t *testing.T, dir string) {
			writeFile(t, dir, ".gitignore", "*.log\nnode_modules/\n", 0o644)
			writeFile(t, dir, "functions/api/code/debug.log", "x\n", 0o644)
			writeFile(t, dir, "functions/api/code/node_modules/m/index.js", "x\n", 0o644)
			writeFile(t, dir, "functions/api/code/kept.txt", "x\n", 0o644)
		}},
		{"nested .gitignore with negation", func(t *testing.T, dir string) {
			writeFile(t, dir, "functions/api/.gitignore", "*.tmp\n!keep.tmp\n", 0o644)
			writeFile(t, dir, "functions/api/code/x.tmp", "x\n", 0o644)
			writeFile(t, dir, "functions/api/code/keep.tmp", "x\n", 0o644)
		}},
		{"ignored by info/exclude", func(t *testing.T, dir string) {
			writeFile(t, dir, ".git/info/exclude", "/functions/worker/secret.env\n", 0o644)
			writeFile(t, dir, "functions/worker/secret.env", "x\n", 0o644)
			writeFile(t, dir, "functions/api/secret.env", "x\n", 0o644)
		}},
		{"ignored by core.excludesFile", func(t *testing.T, dir string) {
			ex := filepath.Join(t.TempDir(), "ignore")
			os.WriteFile(ex, []byte(".DS_Store\n"), 0o644)
			gitCmd(t, dir, "config", "core.excludesFile", ex)
			writeFile(t, dir, "functions/api/.DS_Store", "x\n", 0o644)
		}},
		{"mode change", func(t *testing.T, dir string) {
			os.Chmod(filepath.Join(dir, "functions/api/function.toml"), 0o755)
		}},
		{"mode change ignored with core.fileMode=false", func(t *testing.T, dir string) {
			gitCmd(t, dir, "config", "core.fileMode", "false")
			os.Chmod(filepath.Join(dir, "functions/api/function.toml"), 0o755)
		}},
		{"symlink retargeted", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "functions/api/code/link")
			os.Remove(p)
			os.Symlink("elsewhere.js", p)
		}},
		{"file replaced by symlink", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "functions/api/code/index.js")
			os.Remove(p)
			os.Symlink("v1\n", p)
		}},
		{"file replaced by directory", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "functions/api/function.toml"))
			writeFile(t, dir, "functions/api/function.toml/inner", "x\n", 0o644)
		}},
		{"changes outside the prefix", func(t *testing.T, dir string) {
			writeFile(t, dir, "fcgit.toml", "changed\n", 0o644)
			writeFile(t, dir, "README.md", "new\n", 0o644)
			writeFile(t, dir, "functions-other/x", "new\n", 0o644)
		}},
		{"unmerged entry", func(t *testing.T, dir string) {
			blob := gitStdin(t, dir, "ours\n", "hash-object", "-w", "--stdin")
			gitStdin(t, dir, "0 0000000000000000000000000000000000000000\tfunctions/worker/function.toml\n"+
				"100644 "+blob+" 2\tfunctions/worker/function.toml\n"+
				"100644 "+blob+" 3\tfunctions/worker/function.toml\n", "update-index", "--index-info")
		}},
		{"intent to add", func(t *testing.T, dir string) {
			writeFile(t, dir, "functions/api/ita.txt", "x\n", 0o644)
			gitCmd(t, dir, "add", "-N", "functions/api/ita.txt")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRepo(t)
			dir := r.WorkDir()
			writeFile(t, dir, "fcgit.toml", "dir = 'functions'\n", 0o644)
			writeFile(t, dir, "functions/api/function.toml", "memorySize = 128\n", 0o644)
			writeFile(t, dir, "functions/api/code/index.js", "v1\n", 0o644)
			writeFile(t, dir, "functions/worker/function.toml", "memorySize = 256\n", 0o644)
			os.Symlink("index.js", filepath.Join(dir, "functions/api/code/link"))
			commitAll(t, dir, "base")
			// Let the index age past the racy window so the stat fast path is used.
			old := time.Now().Add(-time.Minute)
			filepath.Walk(filepath.Join(dir, "functions"), func(p string, fi os.FileInfo, err error) error {
				if err == nil && fi.Mode().IsRegular() {
					os.Chtimes(p, old, old)
				}
				return nil
			})
			gitCmd(t, dir, "update-index", "--refresh")
			tc.change(t, dir)

			got, err := r.LocalChanges("functions/")
			if err != nil {
				t.Fatal(err)
			}
			want := gitStatusPaths(t, dir, "functions/")
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("LocalChanges = %v\ngit status   = %v", got, want)
			}
			if tc.name != "clean" && tc.name != "touched only" && tc.name != "changes outside the prefix" &&
				!strings.Contains(tc.name, "ignored") && len(got) == 0 {
				t.Fatalf("case %q should show a change", tc.name)
			}
		})
	}
}

// TestLocalChangesSameSizeSameMtime: content rewritten within the same
// second, same size, mtime restored. git (built without USE_NSEC) trusts the
// second-granular stat data and misses it; the nanosecond ctime still
// differs, so LocalChanges hashes and finds the change.
func TestLocalChangesSameSizeSameMtime(t *testing.T) {
	r := newRepo(t)
	dir := r.WorkDir()
	writeFile(t, dir, "functions/a.txt", "v1\n", 0o644)
	commitAll(t, dir, "base")
	old := time.Now().Add(-time.Minute)
	p := filepath.Join(dir, "functions/a.txt")
	os.Chtimes(p, old, old)
	gitCmd(t, dir, "update-index", "--refresh")
	os.WriteFile(p, []byte("v2\n"), 0o644)
	os.Chtimes(p, old, old)
	got, err := r.LocalChanges("functions")
	if err != nil || fmt.Sprint(got) != "[functions/a.txt]" {
		t.Fatalf("LocalChanges = %v %v", got, err)
	}
}

// manyFiles builds a repository with n committed files under functions/.
func manyFiles(t testing.TB, n int) *Repo {
	t.Helper()
	r := newRepo(t)
	dir := r.WorkDir()
	for d := 0; d < 100; d++ {
		if err := os.MkdirAll(filepath.Join(dir, fmt.Sprintf("functions/f%03d/code", d)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < n; i++ {
		p := filepath.Join(dir, fmt.Sprintf("functions/f%03d/code/file%d.txt", i%100, i))
		if err := os.WriteFile(p, []byte(fmt.Sprintf("content %d\n", i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	commitAll(t, dir, "many")
	time.Sleep(10 * time.Millisecond)
	gitCmd(t, dir, "update-index", "--refresh") // index newer than the files: not racy
	return r
}

func TestLocalChangesOnManyFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 10k files")
	}
	r := manyFiles(t, 10000)
	got, err := r.LocalChanges("functions/")
	if err != nil || len(got) != 0 {
		t.Fatalf("clean tree: %v %v", got, err)
	}
	writeFile(t, r.WorkDir(), "functions/f042/code/file4242.txt", "changed\n", 0o644)
	got, err = r.LocalChanges("functions")
	if err != nil || fmt.Sprint(got) != "[functions/f042/code/file4242.txt]" {
		t.Fatalf("one change: %v %v", got, err)
	}
}

// BenchmarkLocalChanges measures the check push and pull make before they
// touch anything: 10k clean files (the target is well under a second).
func BenchmarkLocalChanges(b *testing.B) {
	r := manyFiles(b, 10000)
	for b.Loop() {
		if got, err := r.LocalChanges("functions/"); err != nil || len(got) != 0 {
			b.Fatalf("clean tree: %v %v", got, err)
		}
	}
}
