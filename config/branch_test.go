package config

import (
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
)

// gitAcceptsBranch asks the real git whether name is a valid branch name,
// inside the repository dir (where git expands @-forms, as it would for the
// user's repository).
func gitAcceptsBranch(t *testing.T, dir, name string) bool {
	t.Helper()
	cmd := exec.Command("git", "check-ref-format", "--branch", name)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
		t.Fatalf("git check-ref-format: %v", err)
	}
	if err != nil && !strings.HasPrefix(string(out), "fatal: ") {
		// An @{upstream} form fails as "no such branch": a refusal too.
		t.Fatalf("git check-ref-format --branch %q: unexpected failure: %s", name, out)
	}
	return err == nil
}

func gitRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", dir).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v: %s", err, out)
	}
	return dir
}

// TestBranchNameMatchesGit: fcgit accepts exactly the branch names git
// check-ref-format --branch accepts.
func TestBranchNameMatchesGit(t *testing.T) {
	t.Parallel()
	dir := gitRepo(t)
	names := []string{
		"fcgit/online", "main", "HEAD", "-x", "--x", "x-", "@", "@@", "a@", "a@b", "a@{b", "@{-1}", "@{upstream}",
		"head", "FETCH_HEAD", "a/HEAD", "HEAD/a", "ü/ünï", "a.b", "a..b", "a.", "a/.b", ".a", "a/b.", "x.lock",
		"x.lock/y", "a.lock.b", ".lock", "a//b", "/a", "a/", "a b", "a\tb", "a\x7fb", "a*", "a?", "a[", "a]", "a~1", "a^",
		"a:b", `a\b`, "a{b", "a}b", "a#b", "a+b", "a=b", "a,b", "a'b", `a"b`, "a%b", "a|b", "a!b", "a$b", "a&b",
		"", ".", "..", "/", "a/-b", "a/@", "a/@/b", "fcgit/online/staging", strings.Repeat("x", 300),
	}
	for _, name := range names {
		got := checkBranchName(name) == ""
		if want := gitAcceptsBranch(t, dir, name); got != want {
			t.Errorf("branch %q: fcgit accepts = %v, git accepts = %v (%s)", name, got, want, checkBranchName(name))
		}
	}
	// Random names from the characters the rules are about.
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ab./-@{}~^:?*[\\ \x01\x7fHEADlock"
	for range 300 {
		b := make([]byte, 1+rng.IntN(8))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		name := string(b)
		got := checkBranchName(name) == ""
		if want := gitAcceptsBranch(t, dir, name); got != want {
			t.Errorf("branch %q: fcgit accepts = %v, git accepts = %v (%s)", name, got, want, checkBranchName(name))
		}
	}
}

func TestParseBranch(t *testing.T) {
	t.Parallel()
	tests := []struct{ branch, want string }{
		{"fcgit/online", ""},
		{"team/ünï", ""},
		{"HEAD", `fcgit.toml:2: branch: "HEAD" is not a branch name git accepts: it is HEAD`},
		{"-x", `fcgit.toml:2: branch: "-x" is not a branch name git accepts: it starts with '-'`},
		{"a..b", `contains ".."`},
		{"refs/heads/fcgit/online", `branch: "refs/heads/fcgit/online" is a full ref name; branch takes the short form, e.g. "fcgit/online"`},
	}
	for _, tt := range tests {
		_, err := Parse(FileName, []byte("region = \"cn-hangzhou\"\nbranch = \""+tt.branch+"\"\n"))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("branch %q: %v", tt.branch, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("branch %q: err = %v, want %q", tt.branch, err, tt.want)
		}
	}
}
