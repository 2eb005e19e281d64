package snapshot

import (
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const (
	modeFile    = fs.FileMode(0o644)
	modeSymlink = fs.ModeSymlink
	modeDir     = fs.ModeDir
)

// gitNameCases are tree entry names with their mode and the reason git
// refuses them (nil: git accepts them).
var gitNameCases = []struct {
	name string
	mode fs.FileMode
	want error
}{
	// fsck_tree: empty, "." and ".." names.
	{"", modeFile, errGitEmpty},
	{".", modeDir, errGitDot},
	{"..", modeDir, errGitDotDot},

	// verify_dotfile and is_ntfs_dotgit: .git in any case, its 8.3 short
	// name, trailing spaces and periods, alternate data streams.
	{".git", modeDir, errGitDotGit},
	{".git", modeFile, errGitDotGit},
	{".GIT", modeDir, errGitDotGit},
	{".gIt", modeSymlink, errGitDotGit},
	{"git~1", modeDir, errGitDotGit},
	{"GIT~1", modeFile, errGitDotGit},
	{".git.", modeDir, errGitDotGit},
	{".git ", modeDir, errGitDotGit},
	{".git. . .", modeDir, errGitDotGit},
	{"GIT~1 .", modeDir, errGitDotGit},
	{".git::$INDEX_ALLOCATION", modeDir, errGitDotGit},
	{".git:stream", modeFile, errGitDotGit},
	{"git~1::$INDEX_ALLOCATION", modeDir, errGitDotGit},
	// fsck reads the parts after backslashes as names of their own.
	{`a\.git`, modeFile, errGitDotGit},
	{`a\GIT~1\b`, modeDir, errGitDotGit},

	// is_hfs_dotgit: code points HFS+ ignores, and the end of the name at
	// malformed UTF-8.
	{".g\u200cit", modeDir, errGitDotGit},
	{"\u200c.git", modeDir, errGitDotGit},
	{".git\u200d", modeFile, errGitDotGit},
	{".G\u200eI\u202eT", modeDir, errGitDotGit},
	{".\u206ag\u206fi\ufefft", modeDir, errGitDotGit},
	{".git\xff", modeFile, errGitDotGit},
	{".git\u200c\xc0\x80", modeFile, errGitDotGit},

	// .gitmodules as a symbolic link, in every spelling NTFS or HFS+
	// reads as it.
	{".gitmodules", modeSymlink, errGitModLink},
	{".GITMODULES", modeSymlink, errGitModLink},
	{".gitmodules ", modeSymlink, errGitModLink},
	{".gitmodules.", modeSymlink, errGitModLink},
	{".gitmodules::$DATA", modeSymlink, errGitModLink},
	{"GITMOD~1", modeSymlink, errGitModLink},
	{"gitmod~4", modeSymlink, errGitModLink},
	{"gi7eba~1", modeSymlink, errGitModLink},
	{"GI7EBA~9", modeSymlink, errGitModLink},
	{"gi7eb~12", modeSymlink, errGitModLink},
	{"g~123456", modeSymlink, errGitModLink},
	{".g\u200citmodules", modeSymlink, errGitModLink},
	{`a\.gitmodules`, modeSymlink, errGitModLink},

	// A directory where git expects the .gitmodules or .gitattributes blob.
	{".gitmodules", modeDir, errGitModDir},
	{"GITMOD~1", modeDir, errGitModDir},
	{".gitmodules.", modeDir, errGitModDir},
	{".gitattributes", modeDir, errGitAttrDir},
	{".GITATTRIBUTES", modeDir, errGitAttrDir},
	{"gitatt~1", modeDir, errGitAttrDir},
	{"gi7d29~2", modeDir, errGitAttrDir},

	// Look-alikes git accepts.
	{"git", modeDir, nil},
	{".github", modeDir, nil},
	{".gitignore", modeFile, nil},
	{".gitignore", modeSymlink, nil},
	{".gitattributes", modeFile, nil},
	{".gitattributes", modeSymlink, nil},
	{".mailmap", modeSymlink, nil},
	{".gitmodules", modeFile, nil},
	{".gitmodulesx", modeSymlink, nil},
	{"gitmod~5", modeSymlink, nil},
	{"g~1", modeSymlink, nil},
	{".git~1", modeDir, nil},
	{"git~2", modeDir, nil},
	{"git~10", modeDir, nil},
	{".gitx", modeDir, nil},
	{"x.git", modeDir, nil},
	{".git-rewrite", modeDir, nil},
	{".g\u200bit", modeDir, nil},
	{"...", modeDir, nil},
	{`a\b`, modeFile, nil},
	{"aux.py", modeFile, nil},
	{"a:b", modeFile, nil},
}

func TestGitNameRules(t *testing.T) {
	t.Parallel()
	for _, tt := range gitNameCases {
		t.Run(fmt.Sprintf("%+q %v", tt.name, tt.mode), func(t *testing.T) {
			t.Parallel()
			if err := checkGitName(tt.name, tt.mode); !errors.Is(err, tt.want) {
				t.Fatalf("checkGitName = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestGitPathRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path string
		mode fs.FileMode
		want string // "" = accepted
	}{
		{"src/.git/config", modeFile, `path component .git: git refuses this name`},
		{"a/b/GIT~1", modeDir, "path component GIT~1:"},
		{"a/.gitmodules", modeSymlink, "gitmodulesSymlink"},
		{".gitmodules/x", modeFile, "gitmodulesBlob"},
		{"x/.gitattributes/y", modeFile, "gitattributesBlob"},
		{"a//b", modeFile, "emptyName"},
		{"a/./b", modeFile, "hasDot"},
		{"x/.g\u200cit/y", modeFile, `path component ".g\u200cit": git refuses`},
		{"ok/.github/workflows/ci.yml", modeFile, ""},
		{"lib/.gitmodules", modeFile, ""},
		{"node_modules/.bin/tool", modeSymlink, ""},
	}
	for _, tt := range tests {
		err := checkGitPath(tt.path, tt.mode)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("checkGitPath(%q) = %v, want %q", tt.path, err, tt.want)
		}
	}
}

// TestGitAgreesWithNameRules builds, for each case, a tree holding that one
// entry in a fresh repository and runs git fsck --strict on it: git must
// fail exactly on the names checkGitName refuses, for the reason it gives.
func TestGitAgreesWithNameRules(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	for _, tt := range gitNameCases {
		t.Run(fmt.Sprintf("%+q %v", tt.name, tt.mode), func(t *testing.T) {
			t.Parallel()
			// A bare repository made by hand: one process fewer per case
			// than git init.
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
			var entry []byte
			switch {
			case tt.mode.IsDir():
				blob := writeLooseObject(t, objects, "blob", []byte("content\n"))
				sub := writeLooseObject(t, objects, "tree", treeEntry("100644", "f", blob))
				entry = treeEntry("40000", tt.name, sub)
			case tt.mode&fs.ModeSymlink != 0:
				entry = treeEntry("120000", tt.name, writeLooseObject(t, objects, "blob", []byte("target")))
			default:
				entry = treeEntry("100644", tt.name, writeLooseObject(t, objects, "blob", []byte("content\n")))
			}
			writeLooseObject(t, objects, "tree", entry)
			cmd := exec.Command("git", "--git-dir="+dir, "fsck", "--strict", "--no-dangling")
			cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull)
			out, err := cmd.CombinedOutput()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("git fsck --strict fails on a name checkGitName accepts: %v\n%s", err, out)
				}
				return
			}
			if err == nil {
				t.Fatalf("git fsck --strict accepts a name checkGitName refuses (%v)\n%s", tt.want, out)
			}
			if id := fsckID(tt.want); id != "" && !bytes.Contains(out, []byte(id)) {
				t.Fatalf("git fsck --strict fails for another reason than %s:\n%s", id, out)
			}
		})
	}
}

// fsckID is the git fsck message id a reason names, "(git fsck: hasDot)".
// An empty name does not get that far: git cannot parse the tree at all.
func fsckID(err error) string {
	_, id, ok := strings.Cut(err.Error(), "(git fsck: ")
	if !ok || err == errGitEmpty {
		return ""
	}
	return strings.TrimSuffix(id, ")")
}

func treeEntry(mode, name string, id []byte) []byte {
	return append([]byte(mode+" "+name+"\x00"), id...)
}

// writeLooseObject stores an object as git would, whatever git thinks of
// its content, and returns its binary id.
func writeLooseObject(t *testing.T, objects, kind string, content []byte) []byte {
	t.Helper()
	raw := append([]byte(fmt.Sprintf("%s %d\x00", kind, len(content))), content...)
	sum := sha1.Sum(raw)
	hexID := hex.EncodeToString(sum[:])
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw)
	zw.Close()
	path := filepath.Join(objects, hexID[:2], hexID[2:])
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, z.Bytes(), 0o444); err != nil && !errors.Is(err, fs.ErrExist) {
		t.Fatal(err)
	}
	return sum[:]
}

func TestReadZipRefusesGitPaths(t *testing.T) {
	t.Parallel()
	file := func(name string) zipSpec { return zipSpec{name: name, mode: 0o644, body: "x"} }
	link := func(name string) zipSpec { return zipSpec{name: name, mode: fs.ModeSymlink | 0o777, body: "target"} }
	tests := []struct {
		entry zipSpec
		want  string
	}{
		{file("x/.git/config"), `entry "x/.git/config": path component .git: git refuses this name`},
		{file(".GIT/hooks/post-checkout"), `entry ".GIT/hooks/post-checkout": path component .GIT:`},
		{file("git~1/config"), `entry "git~1/config"`},
		{file(".git. /x"), "hasDotgit"},
		{file(".git::$INDEX_ALLOCATION/x"), "hasDotgit"},
		{file(".g\u200cit/config"), `path component ".g\u200cit"`},
		{file(`sub\.git\config`), `entry "sub\\.git\\config": path component .git:`},
		{link(".gitmodules"), `entry ".gitmodules": path component .gitmodules: git refuses a symbolic link`},
		{link("sub/GITMOD~1"), "gitmodulesSymlink"},
		{file(".gitmodules/x"), "gitmodulesBlob"},
		{file(".gitattributes/x"), "gitattributesBlob"},
		{zipSpec{name: ".git/", mode: fs.ModeDir | 0o755}, `entry ".git/": path component .git:`},
		{zipSpec{name: "a/.GitModules/", mode: fs.ModeDir | 0o755}, "gitmodulesBlob"},
	}
	for _, tt := range tests {
		t.Run(tt.entry.name, func(t *testing.T) {
			t.Parallel()
			data := makeZip(t, []zipSpec{file("main.py"), tt.entry})
			_, err := readZipFiles(t, data, ZipLimits{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	ok := makeZip(t, []zipSpec{file(".gitignore"), file(".github/workflows/ci.yml"), file("git"), file(".gitmodules"),
		file(".gitattributes"), link(".gitignore-link"), file("a/.git-keep")})
	if _, err := readZipFiles(t, ok, ZipLimits{}); err != nil {
		t.Fatalf("look-alikes refused: %v", err)
	}
}

func TestWriteZipRefusesGitPaths(t *testing.T) {
	t.Parallel()
	body := func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("x")), nil }
	tests := []struct {
		file CodeFile
		want string
	}{
		{CodeFile{Path: "a/.git/config", Mode: 0o644, Open: body}, "hasDotgit"},
		{CodeFile{Path: ".gitmodules", Mode: fs.ModeSymlink, Open: body}, "gitmodulesSymlink"},
		{CodeFile{Path: `a\b`, Mode: 0o644, Open: body}, "a backslash in a path reads back from a zip as a directory separator"},
	}
	for _, tt := range tests {
		if err := WriteZip(io.Discard, []CodeFile{tt.file}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("WriteZip(%q) = %v, want %q", tt.file.Path, err, tt.want)
		}
	}
}
