package gitstate

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// eolBlobs are committed byte for byte (no clean filter), then checked out
// by git (smudge filter), so the work tree holds what git would write.
var eolBlobs = map[string]string{
	"a.txt":          "one\ntwo\n",
	"crlf.txt":       "one\r\ntwo\r\n", // committed with CRLF: "safe autocrlf" keeps it
	"lonecr.txt":     "a\rb\r\nc\n",    // a lone CR: binary for auto detection
	"nul.dat":        "a\x00b\r\nc\r\n",
	"ctrl.txt":       "\x01\x02\x03\x04\x05\x06\x07\r\nab\r\n",
	"eof.txt":        "x\r\ny\r\n\x1a", // a trailing ^Z is not non-printable
	"sub/b.txt":      "one\ntwo\n",
	"sub/deep/c.txt": "one\ntwo\n",
	"x.bin":          "one\ntwo\n",
	"m.m":            "one\ntwo\n",
	"untouched.txt":  "u\nv\n",
	"flip.txt":       "p\nq\n",
	"edit.txt":       "abc\nxyz\n",
	"empty.txt":      "",
	"big.txt":        strings.Repeat("0123456789abcdef\n", 9000), // past 64 KiB: chunk borders
}

// eolMutate changes the stat data of every file but two, keeping contents,
// except flip.txt (line endings flipped: a size change) and edit.txt (a
// same-size edit). untouched.txt keeps its stat data (racily clean or not).
func eolMutate(t *testing.T, dir string) {
	t.Helper()
	later := time.Now().Add(time.Hour)
	for p := range eolBlobs {
		abs := filepath.Join(dir, filepath.FromSlash(p))
		switch p {
		case "untouched.txt":
			continue
		case "flip.txt":
			b, _ := os.ReadFile(abs)
			if bytes.Contains(b, []byte("\r\n")) {
				b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
			} else {
				b = bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
			}
			os.WriteFile(abs, b, 0o644)
		case "edit.txt":
			b, _ := os.ReadFile(abs)
			os.WriteFile(abs, bytes.Replace(b, []byte("xyz"), []byte("xyw"), 1), 0o644)
		case "crlf.txt", "big.txt":
			// Rewritten in place with the same bytes: new mtime and ctime.
			b, _ := os.ReadFile(abs)
			os.WriteFile(abs, b, 0o644)
		}
		os.Chtimes(abs, later, later)
	}
}

func TestLocalChangesLineEndingsAgreeWithGitStatus(t *testing.T) {
	cases := []struct {
		name   string
		config [][2]string
		attrs  map[string]string // attributes files by path (".git/info/attributes" too)
		// converted names a path that must read clean although its work
		// tree bytes differ from its blob: proof the conversion ran.
		converted   string
		removeAttrs bool // delete .gitattributes from the work tree: git reads the index's
		symlinkAttr bool // replace it by a symlink, which git does not follow: the index's again
	}{
		{name: "autocrlf=true", config: [][2]string{{"core.autocrlf", "true"}}, converted: "a.txt"},
		{name: "autocrlf=input", config: [][2]string{{"core.autocrlf", "input"}}},
		{name: "autocrlf=true, eol=lf", config: [][2]string{{"core.autocrlf", "true"}, {"core.eol", "lf"}}, converted: "a.txt"},
		{name: "text=auto", attrs: map[string]string{".gitattributes": "* text=auto\n"}},
		{name: "text=auto with core.eol=crlf", config: [][2]string{{"core.eol", "crlf"}},
			attrs: map[string]string{".gitattributes": "* text=auto\n"}, converted: "a.txt"},
		{name: "text=auto eol=crlf", attrs: map[string]string{".gitattributes": "* text=auto eol=crlf\n"}, converted: "a.txt"},
		{name: "eol=crlf on *.txt", attrs: map[string]string{".gitattributes": "*.txt eol=crlf\n"}, converted: "a.txt"},
		{name: "eol=lf on *.txt, autocrlf=true", config: [][2]string{{"core.autocrlf", "true"}},
			attrs: map[string]string{".gitattributes": "*.txt eol=lf\n"}, converted: "m.m"},
		{name: "text on everything, binary on *.bin and *.dat", config: [][2]string{{"core.eol", "crlf"}},
			attrs: map[string]string{".gitattributes": "* text\n*.bin binary\n*.dat binary\n"}, converted: "a.txt"},
		{name: "autocrlf=true, binary and -text", config: [][2]string{{"core.autocrlf", "true"}},
			attrs: map[string]string{".gitattributes": "*.bin binary\n", "sub/.gitattributes": "*.txt -text\n"}, converted: "a.txt"},
		{name: "legacy crlf attributes", config: [][2]string{{"core.autocrlf", "true"}},
			attrs: map[string]string{".gitattributes": "*.txt crlf\n*.bin -crlf\n*.m crlf=input\n"}, converted: "a.txt"},
		{name: "deeper .gitattributes wins", config: [][2]string{{"core.eol", "crlf"}},
			attrs:     map[string]string{".gitattributes": "*.txt -text\n", "sub/.gitattributes": "*.txt text\n", "sub/deep/.gitattributes": "c.txt text=auto\n"},
			converted: "sub/b.txt"},
		{name: "attributes read from the index when deleted", attrs: map[string]string{".gitattributes": "*.txt eol=crlf\n"},
			removeAttrs: true, converted: "a.txt"},
		{name: "symlinked .gitattributes is not followed", attrs: map[string]string{".gitattributes": "*.txt eol=crlf\n"},
			symlinkAttr: true, converted: "a.txt"},
		{name: "info/attributes wins", config: [][2]string{{"core.autocrlf", "true"}},
			attrs: map[string]string{".gitattributes": "* -text\n", ".git/info/attributes": "*.txt text=auto\n"}, converted: "a.txt"},
		{name: "macro", attrs: map[string]string{".gitattributes": "[attr]winfile text eol=crlf\n*.m winfile\n*.txt winfile\nx.bin binary winfile\n"},
			converted: "a.txt"},
		{name: "later attribute on a line wins over a macro", attrs: map[string]string{".gitattributes": "*.txt binary text eol=crlf\n*.m text eol=crlf binary\n"},
			converted: "a.txt"},
		{name: "unspecified and unknown values", config: [][2]string{{"core.autocrlf", "true"}},
			attrs: map[string]string{".gitattributes": "*.txt !text eol=bogus\n*.m text=bogus\n"}, converted: "a.txt"},
		{name: "ident and undefined filter are ignored", config: [][2]string{{"core.autocrlf", "true"}},
			attrs: map[string]string{".gitattributes": "*.txt ident filter=nosuchdriver working-tree-encoding=UTF-8\n"}, converted: "a.txt"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newScratchRepo(t)
			dir := r.WorkDir()
			if len(tc.config) > 0 {
				var cfg strings.Builder
				for _, kv := range tc.config {
					section, key, _ := strings.Cut(kv[0], ".")
					fmt.Fprintf(&cfg, "[%s]\n\t%s = %s\n", section, key, kv[1])
				}
				f, err := os.OpenFile(filepath.Join(dir, ".git", "config"), os.O_APPEND|os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				f.WriteString(cfg.String())
				f.Close()
			}
			var info []byte
			for p, text := range tc.attrs {
				if p == ".git/info/attributes" {
					info = []byte(text)
					continue
				}
				writeFile(t, dir, p, text, 0o644)
			}
			var cacheinfo strings.Builder
			for p, content := range eolBlobs {
				h, err := r.StoreBlob([]byte(content)) // byte for byte: no clean filter
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&cacheinfo, "100644 %s\t%s\n", h, p)
			}
			gitStdin(t, dir, cacheinfo.String(), "update-index", "--add", "--index-info")
			add := []string{"add", "--"}
			for p := range tc.attrs {
				if p != ".git/info/attributes" {
					add = append(add, p)
				}
			}
			if len(add) > 2 {
				gitCmd(t, dir, add...)
			}
			gitCmd(t, dir, "commit", "-q", "-m", "base")
			if info != nil {
				writeFile(t, dir, ".git/info/attributes", string(info), 0o644)
			}
			// Let git write the work tree with its smudge conversion.
			for p := range eolBlobs {
				os.Remove(filepath.Join(dir, filepath.FromSlash(p)))
			}
			gitCmd(t, dir, "checkout", "--", ".")
			if tc.removeAttrs || tc.symlinkAttr {
				os.Remove(filepath.Join(dir, ".gitattributes"))
			}
			if tc.symlinkAttr {
				writeFile(t, dir, "other-attributes", "* -text\n", 0o644)
				os.Symlink("other-attributes", filepath.Join(dir, ".gitattributes"))
			}
			eolMutate(t, dir)

			got, err := r.LocalChanges("")
			if err != nil {
				t.Fatal(err)
			}
			want := gitStatusAll(t, dir) // after LocalChanges: git status refreshes the index
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("LocalChanges = %v\ngit status   = %v", got, want)
			}
			if !contains(want, "edit.txt") {
				t.Fatalf("a genuine edit must show: %v", want)
			}
			if tc.converted != "" {
				wt := readFile(t, dir, tc.converted)
				if wt == eolBlobs[tc.converted] {
					t.Fatalf("%s: the work tree holds the blob's bytes, the case does not exercise conversion", tc.converted)
				}
				if contains(want, tc.converted) {
					t.Fatalf("%s should read clean: %v", tc.converted, want)
				}
			}
		})
	}
}

// newScratchRepo is newRepo on the crash tests' scratch file system.
func newScratchRepo(t *testing.T) *Repo {
	t.Helper()
	base, err := os.MkdirTemp(scratchBase(), "gitstate-eol-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	r, err := Init(base)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// gitStatusAll is every path `git status --porcelain` names, sorted.
func gitStatusAll(t *testing.T, dir string) []string {
	t.Helper()
	out := gitCmd(t, dir, "-c", "status.renames=false", "status", "--porcelain", "--untracked-files=all", "--no-renames")
	var paths []string
	for _, l := range sortedLines(out) {
		paths = append(paths, strings.Trim(l[3:], "\""))
	}
	sort.Strings(paths)
	return paths
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestLocalChangesFilterDriverComparedRaw: a path whose filter driver has a
// clean command is compared byte for byte (the filter is not run), which
// reads a converted-but-unchanged file as changed: the safe direction.
func TestLocalChangesFilterDriverComparedRaw(t *testing.T) {
	t.Parallel()
	r := newScratchRepo(t)
	dir := r.WorkDir()
	gitCmd(t, dir, "config", "core.autocrlf", "true")
	gitCmd(t, dir, "config", "filter.same.clean", "cat")
	gitCmd(t, dir, "config", "filter.same.smudge", "cat")
	writeFile(t, dir, ".gitattributes", "f.txt filter=same\n", 0o644)
	writeFile(t, dir, "f.txt", "one\ntwo\n", 0o644)
	writeFile(t, dir, "g.txt", "one\ntwo\n", 0o644)
	commitAll(t, dir, "base")
	os.Remove(filepath.Join(dir, "f.txt"))
	os.Remove(filepath.Join(dir, "g.txt"))
	gitCmd(t, dir, "checkout", "--", ".")
	later := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(dir, "f.txt"), later, later)
	os.Chtimes(filepath.Join(dir, "g.txt"), later, later)
	got, err := r.LocalChanges("")
	if err != nil || fmt.Sprint(got) != "[f.txt]" {
		t.Fatalf("LocalChanges = %v, %v; want [f.txt] (filtered path compared raw)", got, err)
	}
}

func TestTextStats(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in           string
		binary       bool
		crlf, lonecr uint64
	}{
		{"", false, 0, 0},
		{"a\r\nb\r\n", false, 2, 0},
		{"a\rb", true, 0, 1},
		{"a\r", true, 0, 1},
		{"a\r\r\n", true, 1, 1},
		{"a\x00\r\n", true, 1, 0},
		{"x\r\n\x1a", false, 1, 0},
		{strings.Repeat("a", 128) + "\x01", false, 0, 0},
		{strings.Repeat("a", 127) + "\x01", true, 0, 0},
		{"\b\t\033\014\r\n", false, 1, 0},
		{"\x7f\r\n", true, 1, 0},
	}
	for _, tc := range cases {
		// Chunked at every split point: a CR at a chunk's end must wait.
		for split := 0; split <= len(tc.in); split++ {
			var s textStats
			s.add([]byte(tc.in[:split]))
			s.add([]byte(tc.in[split:]))
			s.finish()
			if s.isBinary() != tc.binary || s.crlf != tc.crlf || s.lonecr != tc.lonecr {
				t.Errorf("%q split at %d: binary=%v crlf=%d lonecr=%d", tc.in, split, s.isBinary(), s.crlf, s.lonecr)
			}
		}
	}
}

func TestCRLFToLF(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "a\r\nb", "a\rb\r\n\r", "\r\r\n\n\r", "x\r"} {
		want := strings.ReplaceAll(in, "\r\n", "\n")
		for _, rd := range []io.Reader{
			&crlfToLF{r: strings.NewReader(in)},
			iotest.OneByteReader(&crlfToLF{r: iotest.OneByteReader(strings.NewReader(in))}),
		} {
			got, err := io.ReadAll(rd)
			if err != nil || string(got) != want {
				t.Errorf("%q -> %q, %v; want %q", in, got, err, want)
			}
		}
	}
}

func TestAttrStackLookup(t *testing.T) {
	t.Parallel()
	r := newScratchRepo(t)
	dir := r.WorkDir()
	writeFile(t, dir, ".gitattributes", "[attr]both text eol=crlf\n*.a both\n*.b binary\n*.c text\n*.c -text\n\"\"\n", 0o644)
	writeFile(t, dir, "d/.gitattributes", "[attr]notallowed text\n*.a -text\ndir/ text\n!neg text\n*.n notallowed\n", 0o644)
	s, err := r.newAttrStack(nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ path, attr, want string }{
		{"x.a", "text", "set"}, {"x.a", "eol", "crlf"},
		{"d/x.a", "text", "unset"}, {"d/x.a", "eol", "crlf"},
		{"x.b", "text", "unset"}, {"x.b", "diff", "unset"},
		{"x.c", "text", "unset"},
		{"d/dir/f", "text", ""}, {"d/dir", "text", ""},
		{"d/x.n", "text", ""},
	}
	for _, tc := range cases {
		v := s.lookup(tc.path, tc.attr)[tc.attr]
		got := v.value
		switch {
		case v.set:
			got = "set"
		case v.unset:
			got = "unset"
		}
		if got != tc.want {
			t.Errorf("%s %s = %q, want %q", tc.path, tc.attr, got, tc.want)
		}
	}
}
