package snapshot

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// gitContentCases are files fsck reads the content of, with their names:
// the .gitmodules of the probe (an option as url, a name climbing out of
// .git/modules, 8.3 and case and stream spellings), and the edges of each
// rule.
var gitContentCases = []struct {
	name, content string
	refused       bool // by fcgit; git fsck --strict must agree
}{
	{".gitmodules", "[submodule \"lib\"]\n\tpath = lib\n\turl = https://github.com/org/lib.git\n", false},
	{".gitmodules", "[submodule \"lib\"]\n\tpath = lib\n\turl = git@github.com:org/lib.git\n\tupdate = rebase\n", false},
	{".gitmodules", "[submodule \"lib\"]\n\turl = ../lib.git\n", false},
	{".gitmodules", "", false},
	{".gitmodules", "# nothing\n", false},
	{".gitmodules", "[submodule \"x\"]\n\turl = --upload-pack=touch /tmp/pwned\n", true},
	{".gitmodules", "[submodule \"../../modules/x\"]\n\turl = https://example.com/x\n", true},
	{"GITMOD~1", "[submodule \"x\"]\n\tpath = -x\n", true},
	{"gitmod~4", "[submodule \"x\"]\n\tpath = -x\n", true},
	{".GitModules", "[submodule \"x\"]\n\tupdate = !rm -rf /\n", true},
	{".gitmodules::$DATA", "[submodule \"x\"]\n\turl = ../:x\n", true},
	{".gitmodules ", "[submodule \"x\"]\n\turl = ./../../x\n", false},
	{".gitmodules.", "[submodule \"x\"]\n\turl = .././/x\n", true},
	{".g\u200citmodules", "[Submodule \"x\"]\n\tURL = -x\n", true},
	{"gi7eba~1", "[submodule \"x\"]\n\turl = http::/x\n", true},
	{".gitmodules", "[submodule \"x\"]\n\turl = http::https://example.com/x\n", false},
	{".gitmodules", "[submodule \"x\"]\n\turl = https://%0a@example.com/x\n", true},
	{".gitmodules", "[submodule \"x\"]\n\turl = https:///x\n", true},
	{".gitmodules", "[submodule \"x\"]\n\turl = git://host/a%0ab\n", true},
	{".gitmodules", "[submodule \"x\"]\n\turl = ./a%0Ab\n", true},
	{".gitmodules", "[submodule \"x\"]\n\turl = ssh://host/a%0ab\n", false},
	{".gitmodules", "[submodule \"x\"]\n\turl = \"-quoted\"\n", true},
	{".gitmodules", "[submodule \"x\"]\n\turl = \\\n-continued\n", true},
	{".gitmodules", "[submodule \"x\"]\n\turl = # a comment\n", false},
	{".gitmodules", "[submodule \"x\"\n\turl = --x\n", false},                  // unparsable: git notices and goes on
	{".gitmodules", "garbage [[[\n", false},                                    // likewise
	{".gitmodules", "[submodule \"x\"]\n\turl = -x\n\tbad\\q = 1\n", true},     // refused before the syntax error
	{".gitmodules", "[submodule \"x\"]\n\tbad = \"\\q\"\n\turl = -x\n", false}, // the error comes first
	{".gitmodules", "[submodule.X]\n\tpath = -x\n", true},
	{".gitmodules", "[submodule]\n\tpath = -x\n", false},
	{".gitmodules", "[submodule \"\"]\n\tpath = x\n", true},
	{".gitmodules", "[submodule \"a\\\\..\\\\b\"]\n\tpath = x\n", true},
	{".gitmodules", "[submodule \"a/..b\"]\n\tpath = x\n", false},
	{".gitmodules", "\xef\xbb\xbf[submodule \"x\"]\n\tpath = -x\n", true}, // skipped where char is unsigned
	{".gitmodules", "\xef\xbb[submodule \"x\"]\n\tpath = -x\n", false},
	{".gitmodules", "[submodule \"x\"]\n\tpath = a\xff\n\turl = -x\n", true}, // 0xFF ends the text where char is signed, not elsewhere
	{".gitmodules", "[submodule \"x\"]\n\tpath = a\xff\n[submodule \"..\"]\n\tpath = x\n", true},
	{".gitmodules", "[submodule \"x\"]\r\n\tpath = -x\r\n", true},
	{".gitmodules", "[submodule \"x\"]\n\tpath\n\turl\n", false},
	{"dir/.gitmodules", "[submodule \"x\"]\n\tpath = -x\n", true},
	{"README", "[submodule \"x\"]\n\tpath = -x\n", false},
	{".gitattributes", "*.js text eol=lf\n", false},
	{".gitattributes", strings.Repeat("a", 2047) + "\n", false},
	{".gitattributes", strings.Repeat("a", 2048), true},
	{"GITATT~1", "x\n" + strings.Repeat("a", 3000) + "\n", true},
	{".gitattributes", "x\x00" + strings.Repeat("a", 3000) + "\n", false},
}

// TestGitAgreesWithContentRules stores each file in a tree of a fresh
// repository and runs git fsck --strict: git must fail exactly where fcgit
// refuses the file.
func TestGitAgreesWithContentRules(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	type tc struct{ name, content string }
	var cases []tc
	for _, c := range gitContentCases {
		cases = append(cases, tc{c.name, c.content})
		t.Run(fmt.Sprintf("%+q %+q", c.name, c.content), func(t *testing.T) {
			if got := contentRefused(t, c.name, c.content) != nil; got != c.refused {
				t.Errorf("fcgit refuses = %v, want %v", got, c.refused)
			}
		})
	}
	for i, content := range randomGitmodules(200) {
		cases = append(cases, tc{[]string{".gitmodules", "GITMOD~1", ".gitmodules:x"}[i%3], content})
	}
	signed, known := platformCharIsSigned()
	for _, c := range cases {
		t.Run(fmt.Sprintf("git %+q %+q", c.name, c.content), func(t *testing.T) {
			t.Parallel()
			ours := contentRefused(t, c.name, c.content)
			gitOut, gitRefuses := fsckContent(t, c.name, c.content)
			if gitRefuses && ours == nil {
				t.Fatalf("git fsck --strict refuses what fcgit stores:\n%s", gitOut)
			}
			// fcgit refuses what either reading of the bytes refuses; the
			// git here reads them one way, and must agree with that one.
			exact := ours
			if isGitmodulesName(path.Base(c.name)) {
				if !known {
					return
				}
				exact = checkGitmodulesAs([]byte(c.content), signed)
			}
			if (exact != nil) != gitRefuses {
				t.Fatalf("fcgit refuses: %v; git fsck --strict refuses: %v\n%s", exact, gitRefuses, gitOut)
			}
		})
	}
}

// platformCharIsSigned says how the git binary here reads a blob's bytes:
// C's char is signed on x86 and on Apple's ARM, unsigned on other ARM.
func platformCharIsSigned() (signed, known bool) {
	switch {
	case runtime.GOARCH == "amd64" || runtime.GOARCH == "386":
		return true, true
	case runtime.GOARCH == "arm64" && runtime.GOOS == "darwin":
		return true, true
	case runtime.GOARCH == "arm64" || runtime.GOARCH == "arm":
		return false, true
	}
	return false, false
}

// contentRefused reads a zip holding the file at code path name, as fetch
// does, and returns its refusal.
func contentRefused(t *testing.T, name, content string) error {
	t.Helper()
	_, err := readZipFiles(t, makeZip(t, []zipSpec{{name: name, mode: 0o644, body: content}}), ZipLimits{})
	return err
}

// fsckContent runs git fsck --strict on a repository whose only tree holds
// the file under its path.
func fsckContent(t *testing.T, name, content string) (string, bool) {
	t.Helper()
	dir := t.TempDir()
	objects := filepath.Join(dir, "objects")
	for _, sub := range []string{objects, filepath.Join(dir, "refs")} {
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "HEAD"), []byte("ref: refs/heads/main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	id := writeLooseObject(t, objects, "blob", []byte(content))
	parts := strings.Split(name, "/")
	entry := treeEntry("100644", parts[len(parts)-1], id)
	for i := len(parts) - 2; i >= 0; i-- {
		entry = treeEntry("40000", parts[i], writeLooseObject(t, objects, "tree", entry))
	}
	writeLooseObject(t, objects, "tree", entry)
	cmd := exec.Command("git", "--git-dir="+dir, "fsck", "--strict", "--no-dangling")
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull)
	out, err := cmd.CombinedOutput()
	return string(out), err != nil
}

// randomGitmodules makes .gitmodules texts from the pieces git's parser and
// fsck's rules turn on.
func randomGitmodules(n int) []string {
	rng := rand.New(rand.NewPCG(7, 11))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	names := []string{"x", "../x", "a/../b", "..", "", `a\..`, "a..b", `q\"uote`, "..\\x", "./..", "a/..", "sp ace", "dot.ted"}
	values := []string{"--x", "-", "../:x", "../x", "./../x", "../../x/", "..\\/x", "http::/x", "https://", "https://host/x",
		"https://%0a@host/x", "https://host%0a/x", "https://u:p%0Aw@host/x", "https://host/p%0a", "https://host?q", "ftp://h",
		"ftps::x", "git://h/%0a", "git://h/%00%0a", "git@host:x", "!cmd", "rebase", "-p", "\"quoted # v\"", `a\nb`, `a\tb`,
		`"a\"b"`, "x ; comment", "a\\", `"open`, "v\xffafter", "\xff-x", "\\q", "http::https://h/x", "./x%0", "%0A", "../%2e%2e/x"}
	keys := []string{"url", "path", "update", "URL", "Path", "branch", "url2"}
	ws := []string{"", " ", "\t", "  "}
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		if rng.IntN(10) == 0 {
			b.WriteString("\xef\xbb\xbf")
		}
		if rng.IntN(10) == 0 {
			b.WriteString(pick("\xff", "x\xff", "\r\xff", "\xe9"))
		}
		for range 1 + rng.IntN(3) {
			switch rng.IntN(8) {
			case 0:
				b.WriteString("[submodule." + pick("x", "X", "a.b", "..") + "]\n")
			case 1:
				b.WriteString("[" + pick("core", "submodule", "Submodule", "sub-module") + "]\n")
			case 2:
				b.WriteString("# " + pick(names...) + "\n")
			default:
				b.WriteString("[" + pick("submodule", "SUBMODULE") + pick(" ", "\t", "  ") + "\"" + pick(names...) + "\"]" + pick("\n", "\r\n", " ;c\n"))
			}
			for range rng.IntN(3) {
				b.WriteString(pick(ws...) + pick(keys...) + pick(ws...))
				if rng.IntN(8) > 0 {
					b.WriteString("=" + pick(ws...) + pick(values...))
				}
				b.WriteString(pick(ws...) + pick("\n", "\r\n", ""))
			}
		}
		out[i] = b.String()
	}
	return out
}

func TestCheckGitattributesIsBounded(t *testing.T) {
	t.Parallel()
	// A package may not hide a huge .gitattributes: it is read as a stream
	// and refused past git's bound, never held whole.
	var big bytes.Buffer
	for big.Len() <= gitattributesMaxSize {
		big.WriteString(strings.Repeat("a", 100) + "\n")
	}
	if err := checkGitattributes(&big); err == nil || !strings.Contains(err.Error(), "gitattributesLarge") {
		t.Fatalf("err = %v", err)
	}
}
