package gitdiff

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// TestWriteMatchesGit compares Write with `git diff --histogram` between two
// commits of a real repository, file by file.
func TestWriteMatchesGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	numbered := func(n int, edit func(i int) string) string {
		var b strings.Builder
		for i := 1; i <= n; i++ {
			if s := edit(i); s != "-" {
				b.WriteString(s)
			}
		}
		return b.String()
	}
	plain := func(i int) string { return fmt.Sprintf("line %d\n", i) }
	cases := []struct {
		name     string
		from, to *File
	}{
		{"one line changed", &File{filemode.Regular, []byte("a\nb\nc\n")}, &File{filemode.Regular, []byte("a\nB\nc\n")}},
		{"hunks apart", &File{filemode.Regular, []byte(numbered(40, plain))}, &File{filemode.Regular, []byte(numbered(40, func(i int) string {
			if i == 3 || i == 30 {
				return "changed\n"
			}
			return plain(i)
		}))}},
		{"hunks joined", &File{filemode.Regular, []byte(numbered(40, plain))}, &File{filemode.Regular, []byte(numbered(40, func(i int) string {
			if i == 10 || i == 16 {
				return "-"
			}
			return plain(i)
		}))}},
		{"function context", &File{filemode.Regular, []byte("[triggers.web]\n  a = 1\n  b = 2\n  c = 3\n  d = 4\n  e = 5\n  f = 6\n")},
			&File{filemode.Regular, []byte("[triggers.web]\n  a = 1\n  b = 2\n  c = 3\n  d = 4\n  e = 5\n  f = 7\n")}},
		{"named context", &File{filemode.Regular, []byte(numbered(30, func(i int) string {
			if i == 5 {
				return "def handler(event, context):\n"
			}
			return "    " + plain(i)
		}))}, &File{filemode.Regular, []byte(numbered(30, func(i int) string {
			switch i {
			case 5:
				return "def handler(event, context):\n"
			case 20:
				return "    return 1\n"
			}
			return "    " + plain(i)
		}))}},
		{"no newline at end", &File{filemode.Regular, []byte("a\nb")}, &File{filemode.Regular, []byte("a\nc")}},
		{"newline added at end", &File{filemode.Regular, []byte("a\nb")}, &File{filemode.Regular, []byte("a\nb\n")}},
		{"new file", nil, &File{filemode.Regular, []byte("x = 1\n")}},
		{"deleted file", &File{filemode.Regular, []byte("x = 1\ny = 2\n")}, nil},
		{"empty new file", nil, &File{filemode.Regular, nil}},
		{"mode only", &File{filemode.Regular, []byte("#!/bin/sh\n")}, &File{filemode.Executable, []byte("#!/bin/sh\n")}},
		{"mode and content", &File{filemode.Regular, []byte("#!/bin/sh\n")}, &File{filemode.Executable, []byte("#!/bin/sh\nexit 0\n")}},
		{"binary", &File{filemode.Regular, []byte("a\x00b")}, &File{filemode.Regular, []byte("a\x00c")}},
		{"symlink", &File{filemode.Symlink, []byte("target")}, &File{filemode.Symlink, []byte("other")}},
		{"CRLF", &File{filemode.Regular, []byte("a\r\nb\r\n")}, &File{filemode.Regular, []byte("a\r\nc\r\n")}},
	}
	dir := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir, "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	git("init", "-q")
	git("config", "core.autocrlf", "false")
	write := func(side func(c int) *File) {
		for i := range cases {
			p := filepath.Join(dir, fmt.Sprintf("f%02d", i))
			os.Remove(p)
			f := side(i)
			if f == nil {
				continue
			}
			if f.Mode == filemode.Symlink {
				if err := os.Symlink(string(f.Data), p); err != nil {
					t.Fatal(err)
				}
				continue
			}
			perm := os.FileMode(0o644)
			if f.Mode == filemode.Executable {
				perm = 0o755
			}
			if err := os.WriteFile(p, f.Data, perm); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, perm); err != nil {
				t.Fatal(err)
			}
		}
		git("add", "-A")
		git("commit", "-q", "--allow-empty", "-m", "side")
	}
	write(func(i int) *File { return cases[i].from })
	write(func(i int) *File { return cases[i].to })
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := fmt.Sprintf("f%02d", i)
			want := git("diff", "--histogram", "--no-color", "--no-ext-diff", "HEAD^", "HEAD", "--", path)
			var got bytes.Buffer
			if err := Write(&got, path, tc.from, tc.to); err != nil {
				t.Fatal(err)
			}
			if got.String() != want {
				t.Errorf("Write:\n%s\ngit diff:\n%s", got.String(), want)
			}
		})
	}
}
