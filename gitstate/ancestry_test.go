package gitstate

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestMergeBasesMatchGit builds a criss-cross history plus an unrelated root
// with git, then compares with `git merge-base --all` and --is-ancestor.
func TestMergeBasesMatchGit(t *testing.T) {
	r := newRepo(t)
	dir := r.WorkDir()
	commit := func(msg string) string {
		writeFile(t, dir, "log.txt", msg+"\n", 0o644)
		commitAll(t, dir, msg)
		return gitCmd(t, dir, "rev-parse", "HEAD")
	}
	root := commit("root")
	gitCmd(t, dir, "branch", "side")
	a1 := commit("a1")
	gitCmd(t, dir, "checkout", "-q", "side")
	b1 := commit("b1")
	// criss-cross: each branch merges the other's first commit
	gitCmd(t, dir, "checkout", "-q", "main")
	gitCmd(t, dir, "merge", "-q", "-s", "ours", "--no-edit", b1)
	a2 := gitCmd(t, dir, "rev-parse", "HEAD")
	gitCmd(t, dir, "checkout", "-q", "side")
	gitCmd(t, dir, "merge", "-q", "-s", "ours", "--no-edit", a1)
	b2 := gitCmd(t, dir, "rev-parse", "HEAD")
	b3 := commit("b3")
	gitCmd(t, dir, "checkout", "-q", "--orphan", "lonely")
	lonely := commit("lonely")

	ids := map[string]string{"root": root, "a1": a1, "b1": b1, "a2": a2, "b2": b2, "b3": b3, "lonely": lonely}
	names := make([]string, 0, len(ids))
	for n := range ids {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, x := range names {
		for _, y := range names {
			t.Run(x+"_"+y, func(t *testing.T) {
				a, b := hashOf(t, ids[x]), hashOf(t, ids[y])
				got, err := r.MergeBases(a, b)
				if err != nil {
					t.Fatal(err)
				}
				wantOut, _ := gitTry(dir, nil, "merge-base", "--all", ids[x], ids[y])
				want := sortedLines(wantOut)
				sort.Strings(want)
				gotS := make([]string, len(got))
				for i, h := range got {
					gotS[i] = h.String()
				}
				if strings.Join(gotS, ",") != strings.Join(want, ",") {
					t.Fatalf("MergeBases=%v git=%v", gotS, want)
				}
				isAnc, err := r.IsAncestor(a, b)
				if err != nil {
					t.Fatal(err)
				}
				_, gitErr := gitTry(dir, nil, "merge-base", "--is-ancestor", ids[x], ids[y])
				if isAnc != (gitErr == nil) {
					t.Fatalf("IsAncestor=%v, git says %v", isAnc, gitErr == nil)
				}
			})
		}
	}
	if bases, _ := r.MergeBases(hashOf(t, a2), hashOf(t, b3)); len(bases) != 2 {
		t.Fatalf("criss-cross should have two bases, got %v", bases)
	}
}

func TestDefaultSignature(t *testing.T) {
	r := newRepo(t)
	dir := r.WorkDir()
	t.Run("global config", func(t *testing.T) {
		a, c, err := r.DefaultSignature()
		if err != nil || a.Name != "Test User" || a.Email != "test@example.com" || c.Name != a.Name {
			t.Fatalf("%+v %+v %v", a, c, err)
		}
	})
	t.Run("repo config wins over global", func(t *testing.T) {
		gitCmd(t, dir, "config", "user.name", "Repo Person")
		defer gitCmd(t, dir, "config", "--unset", "user.name")
		a, _, err := r.DefaultSignature()
		if err != nil || a.Name != "Repo Person" {
			t.Fatalf("%+v %v", a, err)
		}
	})
	t.Run("environment wins, dates parsed like git", func(t *testing.T) {
		t.Setenv("GIT_AUTHOR_NAME", "Env Author")
		t.Setenv("GIT_AUTHOR_EMAIL", "env@example.com")
		t.Setenv("GIT_AUTHOR_DATE", "@1700000000 +0200")
		t.Setenv("GIT_COMMITTER_DATE", "2024-01-02T03:04:05+01:00")
		a, c, err := r.DefaultSignature()
		if err != nil {
			t.Fatal(err)
		}
		// git's own reading of the same environment
		gitIdent := gitCmd(t, dir, "var", "GIT_AUTHOR_IDENT")
		if got := fmt.Sprintf("%s <%s> %d %s", a.Name, a.Email, a.When.Unix(), a.When.Format("-0700")); got != gitIdent {
			t.Fatalf("author %q, git var %q", got, gitIdent)
		}
		gitCommitter := gitCmd(t, dir, "var", "GIT_COMMITTER_IDENT")
		if got := fmt.Sprintf("%s <%s> %d %s", c.Name, c.Email, c.When.Unix(), c.When.Format("-0700")); got != gitCommitter {
			t.Fatalf("committer %q, git var %q", got, gitCommitter)
		}
	})
	t.Run("unset identity is a clear error", func(t *testing.T) {
		empty := t.TempDir()
		t.Setenv("HOME", empty)
		t.Setenv("EMAIL", "")
		_, _, err := r.DefaultSignature()
		if err == nil || !strings.Contains(err.Error(), "git config --global user.name") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestConfigMatchesGit(t *testing.T) {
	r := newRepo(t)
	dir := r.WorkDir()
	inc := filepath.Join(t.TempDir(), "included")
	os.WriteFile(inc, []byte("[merge]\n\tconflictStyle = zdiff3\n"), 0o644)
	extra := `
[merge]
	conflictStyle = diff3 ; overridden by the include below
[include]
	path = ` + inc + `
[remote "Origin"]
	url = "https://example.com/a b.git" # comment
[Core]
	Editor = vim \
  -u NONE
[section.Sub]
	key = "quoted ; not a comment"  trailing
[fcgit]
	flag
	tabbed = a	b
`
	f, err := os.OpenFile(filepath.Join(r.GitDir(), "config"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(extra)
	f.Close()
	keys := []string{"merge.conflictStyle", "remote.Origin.url", "core.editor", "section.sub.key", "fcgit.flag", "fcgit.tabbed", "user.name", "core.bare"}
	for _, k := range keys {
		want, gitErr := gitTry(dir, nil, "config", "--get", k)
		got, ok, err := r.Config(k)
		if err != nil {
			t.Fatal(err)
		}
		if k == "fcgit.flag" {
			want = "true" // git prints nothing for a bare boolean without --type=bool
		}
		if ok != (gitErr == nil) || got != want {
			t.Errorf("Config(%q) = %q,%v; git: %q,%v", k, got, ok, want, gitErr)
		}
	}
	if _, ok, _ := r.Config("remote.origin.url"); ok {
		t.Error("subsection names are case-sensitive")
	}
	if _, ok, _ := r.Config("no.such"); ok {
		t.Error("missing key found")
	}
}
