package textmerge

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

func TestSplitLines(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"a\n", []string{"a\n"}},
		{"a\r\nb", []string{"a\r\n", "b"}},
		{"\n\n", []string{"\n", "\n"}},
	}
	for _, tt := range tests {
		got := SplitLines([]byte(tt.in))
		if len(got) != len(tt.want) {
			t.Errorf("SplitLines(%q) = %q, want %q", tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if string(got[i]) != tt.want[i] {
				t.Errorf("SplitLines(%q)[%d] = %q, want %q", tt.in, i, got[i], tt.want[i])
			}
		}
	}
}

func TestIsBinary(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want bool
	}{
		{"empty", nil, false},
		{"text", []byte("hello\n"), false},
		{"nul", []byte("a\x00b"), true},
		{"nul at 7999", append(bytes.Repeat([]byte("a"), 7999), 0), true},
		{"nul at 8000 is not seen", append(bytes.Repeat([]byte("a"), 8000), 0), false},
	}
	for _, tt := range tests {
		if got := isBinary(tt.in); got != tt.want {
			t.Errorf("%s: isBinary = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestEOLCRLF(t *testing.T) {
	tests := []struct {
		name string
		text string
		i    int
		want int
	}{
		{"empty file", "", 0, -1},
		{"lf line", "a\nb\n", 0, 0},
		{"crlf line", "a\r\nb\n", 0, 1},
		{"last line crlf", "a\nb\r\n", 1, 1},
		{"only line without eol", "a", 0, -1},
		{"last line without eol uses previous", "a\r\nb", 1, 1},
		{"last line without eol after lf", "a\nb", 1, 0},
		{"lone cr is not crlf", "a\rb\n", 0, 0},
		{"empty crlf line", "\r\n", 0, 1},
	}
	for _, tt := range tests {
		if got := eolCRLF(SplitLines([]byte(tt.text)), tt.i); got != tt.want {
			t.Errorf("%s: eolCRLF(%q, %d) = %d, want %d", tt.name, tt.text, tt.i, got, tt.want)
		}
	}
}

func TestMergeOptions(t *testing.T) {
	base := "a\nb\nc\n"
	ours := "a\nB1\nc\n"
	theirs := "a\nB2\nc\n"
	tests := []struct {
		name      string
		opts      Options
		want      string
		conflicts int
	}{
		{"no labels", Options{},
			"a\n<<<<<<<\nB1\n=======\nB2\n>>>>>>>\nc\n", 1},
		{"labels and marker size", Options{MarkerSize: 3, OursLabel: "HEAD", TheirsLabel: "fcgit/online"},
			"a\n<<< HEAD\nB1\n===\nB2\n>>> fcgit/online\nc\n", 1},
		{"diff3", Options{Style: StyleDiff3, OursLabel: "HEAD", BaseLabel: "abc1234", TheirsLabel: "t"},
			"a\n<<<<<<< HEAD\nB1\n||||||| abc1234\nb\n=======\nB2\n>>>>>>> t\nc\n", 1},
		{"favor ours", Options{Favor: FavorOurs}, ours, 0},
		{"favor theirs", Options{Favor: FavorTheirs}, theirs, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Merge([]byte(base), []byte(ours), []byte(theirs), tt.opts)
			if string(r.Content) != tt.want || r.Conflicts != tt.conflicts || r.Binary {
				t.Errorf("got %q conflicts=%d binary=%v, want %q conflicts=%d", r.Content, r.Conflicts, r.Binary, tt.want, tt.conflicts)
			}
		})
	}
}

func TestMergeBinary(t *testing.T) {
	base, ours, theirs := []byte("x\x00base"), []byte("x\x00ours"), []byte("x\x00theirs")
	tests := []struct {
		name               string
		base, ours, theirs []byte
		favor              Favor
		want               []byte
		conflicts          int
	}{
		{"conflict keeps ours", base, ours, theirs, FavorNone, ours, 1},
		{"favor ours", base, ours, theirs, FavorOurs, ours, 0},
		{"favor theirs", base, ours, theirs, FavorTheirs, theirs, 0},
		{"ours unchanged", base, base, theirs, FavorNone, theirs, 0},
		{"theirs unchanged", base, ours, base, FavorNone, ours, 0},
		{"identical changes", base, ours, ours, FavorNone, ours, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Merge(tt.base, tt.ours, tt.theirs, Options{Favor: tt.favor})
			if !bytes.Equal(r.Content, tt.want) || r.Conflicts != tt.conflicts || !r.Binary {
				t.Errorf("got %q conflicts=%d binary=%v, want %q conflicts=%d binary", r.Content, r.Conflicts, r.Binary, tt.want, tt.conflicts)
			}
		})
	}
}

// TestMergeDoesNotAlias checks that the result never shares memory with
// the inputs, so callers may reuse their buffers.
func TestMergeDoesNotAlias(t *testing.T) {
	base := []byte("a\n")
	ours := []byte("a\nb\n")
	r := Merge(base, ours, base, Options{})
	ours[0] = 'X'
	if string(r.Content) != "a\nb\n" {
		t.Errorf("result changed with its input: %q", r.Content)
	}
}

// FuzzMerge checks invariants that hold for any input: no panic, the
// trivial resolutions, favoured merges always clean, and Diff's edits
// rebuilding the new text.
func FuzzMerge(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "corpus", "*.txtar"))
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			f.Fatal(err)
		}
		var sec [3][]byte
		for _, file := range ar.Files {
			switch file.Name {
			case "base":
				sec[0] = decodeSection(file.Data)
			case "ours":
				sec[1] = decodeSection(file.Data)
			case "theirs":
				sec[2] = decodeSection(file.Data)
			}
		}
		f.Add(sec[0], sec[1], sec[2], uint8(0))
	}
	f.Fuzz(func(t *testing.T, base, ours, theirs []byte, style uint8) {
		opts := Options{Style: Style(style % 3), OursLabel: "HEAD", BaseLabel: "base", TheirsLabel: "theirs"}
		r := Merge(base, ours, theirs, opts)
		if r.Conflicts < 0 {
			t.Fatalf("negative conflicts %d", r.Conflicts)
		}
		if r.Conflicts == 0 && !r.Binary && bytes.Contains(r.Content, []byte("<<<<<<< HEAD")) &&
			!bytes.Contains(ours, []byte("<<<<<<< HEAD")) && !bytes.Contains(theirs, []byte("<<<<<<< HEAD")) {
			t.Fatalf("clean merge wrote a marker: %q", r.Content)
		}
		if r.Conflicts > 0 && !r.Binary && !bytes.Contains(r.Content, []byte("<<<<<<< HEAD")) {
			t.Fatalf("conflicted merge without a marker: %q", r.Content)
		}
		for _, tc := range []struct {
			name               string
			base, ours, theirs []byte
			want               []byte
		}{
			{"identical sides", base, ours, ours, ours},
			{"ours unchanged", base, base, theirs, theirs},
			{"theirs unchanged", base, ours, base, ours},
		} {
			got := Merge(tc.base, tc.ours, tc.theirs, opts)
			if got.Conflicts != 0 || !bytes.Equal(got.Content, tc.want) {
				t.Fatalf("%s: got %q (conflicts %d), want %q", tc.name, got.Content, got.Conflicts, tc.want)
			}
		}
		for _, favor := range []Favor{FavorOurs, FavorTheirs} {
			opts.Favor = favor
			if got := Merge(base, ours, theirs, opts); got.Conflicts != 0 {
				t.Fatalf("favor %d left %d conflicts", favor, got.Conflicts)
			}
		}
		checkRebuild(t, base, ours)
	})
}

// checkRebuild applies Diff(a, b) to a and expects b.
func checkRebuild(t *testing.T, a, b []byte) {
	t.Helper()
	al, bl := SplitLines(a), SplitLines(b)
	var out bytes.Buffer
	pos := 0
	for _, e := range Diff(a, b) {
		if e.OldStart < pos || e.OldStart+e.OldLines > len(al) || e.NewStart+e.NewLines > len(bl) {
			t.Fatalf("edit %+v out of range (a %d lines, b %d lines)", e, len(al), len(bl))
		}
		for _, l := range al[pos:e.OldStart] {
			out.Write(l)
		}
		for _, l := range bl[e.NewStart : e.NewStart+e.NewLines] {
			out.Write(l)
		}
		pos = e.OldStart + e.OldLines
	}
	for _, l := range al[pos:] {
		out.Write(l)
	}
	if !bytes.Equal(out.Bytes(), b) {
		t.Fatalf("edits of %q -> %q rebuild %q", a, b, out.Bytes())
	}
}

func BenchmarkMergeLargeFile(b *testing.B) {
	c := largeTriples(5, 1, 20000, 1, 400)[0]
	b.SetBytes(int64(len(c.base)))
	for b.Loop() {
		Merge(c.base, c.ours, c.theirs, Options{})
	}
}
