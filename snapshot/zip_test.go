package snapshot

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"hash/crc64"
	"io"
	"io/fs"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"
)

type zipSpec struct {
	name   string
	mode   fs.FileMode // 0 = no Unix mode (MS-DOS creator)
	body   string
	method uint16
	flags  uint16
}

// makeZip builds a zip the way other tools would, with archive/zip.
func makeZip(t *testing.T, specs []zipSpec) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, s := range specs {
		h := &zip.FileHeader{Name: s.name, Method: s.method, Modified: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)}
		if s.mode != 0 {
			h.SetMode(s.mode)
		}
		if s.flags != 0 || (s.method != zip.Store && s.method != zip.Deflate) {
			// Raw entries: flags and methods archive/zip would not write itself.
			h.Flags = s.flags
			h.CRC32 = crc32.ChecksumIEEE([]byte(s.body))
			h.CompressedSize64 = uint64(len(s.body))
			h.UncompressedSize64 = uint64(len(s.body))
			w, err := zw.CreateRaw(h)
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(w, s.body)
			continue
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, s.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type readFile struct {
	Path string
	Mode fs.FileMode
	Size int64
	Body string
}

func readZipFiles(t *testing.T, data []byte, limits ZipLimits) ([]readFile, error) {
	t.Helper()
	var out []readFile
	err := ReadZip(bytes.NewReader(data), int64(len(data)), limits, func(f CodeFile) error {
		rc, err := f.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			return err
		}
		out = append(out, readFile{f.Path, f.Mode, f.Size, string(b)})
		return nil
	})
	return out, err
}

func toCodeFiles(files []readFile) []CodeFile {
	out := make([]CodeFile, len(files))
	for i, f := range files {
		body := f.Body
		out[i] = CodeFile{Path: f.Path, Mode: f.Mode, Size: int64(len(body)),
			Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }}
	}
	return out
}

func TestZipRoundTrip(t *testing.T) {
	big := strings.Repeat("compressible line\n", 500)
	const boot = "#!/bin/sh\nexec python3 src/main.py\n"
	src := makeZip(t, []zipSpec{
		{name: "src/", mode: fs.ModeDir | 0o755},
		{name: "src/main.py", mode: 0o644, body: "print('hi')\n", method: zip.Deflate},
		{name: "bootstrap", mode: 0o700, body: boot, method: zip.Deflate},
		{name: "bin/tool", mode: 0o751, body: "\x7fELF", method: zip.Store},
		{name: "lib/current", mode: fs.ModeSymlink | 0o777, body: "../src"},
		{name: "data/big.txt", mode: 0o600, body: big, method: zip.Deflate},
		{name: "data/empty", mode: 0o644},
		{name: "文档/说明.md", mode: 0o644, body: "中文", method: zip.Deflate},
		{name: "dos.txt", body: "no unix mode", method: zip.Deflate},
		{name: "./dotted/./x", mode: 0o644, body: "x"},
		{name: "win\\style.txt", mode: 0o644, body: "w"},
	})
	got, err := readZipFiles(t, src, ZipLimits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []readFile{
		{"bin/tool", 0o755, 4, "\x7fELF"},
		{"bootstrap", 0o755, int64(len(boot)), boot},
		{"data/big.txt", 0o644, int64(len(big)), big},
		{"data/empty", 0o644, 0, ""},
		{"dos.txt", 0o644, 12, "no unix mode"},
		{"dotted/x", 0o644, 1, "x"},
		{"lib/current", fs.ModeSymlink, 6, "../src"},
		{"src/main.py", 0o644, 12, "print('hi')\n"},
		{"win/style.txt", 0o644, 1, "w"},
		{"文档/说明.md", 0o644, 6, "中文"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ReadZip:\n%v\nwant\n%v", got, want)
	}

	var z1, z2 bytes.Buffer
	if err := WriteZip(&z1, toCodeFiles(got)); err != nil {
		t.Fatal(err)
	}
	shuffled := toCodeFiles(got)
	rand.New(rand.NewSource(1)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	if err := WriteZip(&z2, shuffled); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(z1.Bytes(), z2.Bytes()) {
		t.Fatal("WriteZip is not deterministic")
	}
	table := crc64.MakeTable(crc64.ECMA)
	if crc64.Checksum(z1.Bytes(), table) != crc64.Checksum(z2.Bytes(), table) {
		t.Fatal("CRC-64 differs")
	}
	again, err := readZipFiles(t, z1.Bytes(), ZipLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, want) {
		t.Fatalf("WriteZip -> ReadZip:\n%v\nwant\n%v", again, want)
	}
	var z3 bytes.Buffer
	if err := WriteZip(&z3, toCodeFiles(again)); err != nil || !bytes.Equal(z3.Bytes(), z1.Bytes()) {
		t.Fatalf("second generation differs (err %v)", err)
	}
}

func TestWriteZipHeaders(t *testing.T) {
	files := toCodeFiles([]readFile{
		{Path: "a.sh", Mode: 0o755, Body: "#!/bin/sh\n"},
		{Path: "link", Mode: fs.ModeSymlink, Body: "a.sh"},
		{Path: "z.txt", Mode: 0o644, Body: "z"},
	})
	var buf bytes.Buffer
	if err := WriteZip(&buf, files); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	wantModes := map[string]uint32{"a.sh": 0o100755, "link": 0o120777, "z.txt": 0o100644}
	for _, f := range zr.File {
		if got := f.ExternalAttrs >> 16; got != wantModes[f.Name] {
			t.Errorf("%s: unix mode %o, want %o", f.Name, got, wantModes[f.Name])
		}
		if f.CreatorVersion>>8 != 3 {
			t.Errorf("%s: creator %d, want Unix (3)", f.Name, f.CreatorVersion>>8)
		}
		if len(f.Extra) != 0 {
			t.Errorf("%s: extra field %x", f.Name, f.Extra)
		}
		if y, m, d := f.Modified.Date(); y != 1980 || m != 1 || d != 1 {
			t.Errorf("%s: modified %v", f.Name, f.Modified)
		}
		if f.Name == "link" && f.Method != zip.Store {
			t.Errorf("symlink method %d, want store", f.Method)
		}
	}
	if names := []string{zr.File[0].Name, zr.File[1].Name, zr.File[2].Name}; !reflect.DeepEqual(names, []string{"a.sh", "link", "z.txt"}) {
		t.Errorf("order %v", names)
	}
}

// TestWriteZipStoresIncompressible: a large file deflate cannot shrink
// (random bytes: a jar, an image, a model) is stored, a large compressible
// one and small files deflated, and both read back as written.
func TestWriteZipStoresIncompressible(t *testing.T) {
	random := make([]byte, 2<<20)
	rand.New(rand.NewSource(3)).Read(random)
	text := strings.Repeat("def handler(event, context):\n    return 'x'\n", 50000)
	files := toCodeFiles([]readFile{
		{Path: "model.bin", Mode: 0o644, Body: string(random)},
		{Path: "big.py", Mode: 0o644, Body: text},
		{Path: "small.bin", Mode: 0o644, Body: string(random[:1000])},
	})
	var buf bytes.Buffer
	if err := WriteZip(&buf, files); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]uint16{"model.bin": zip.Store, "big.py": zip.Deflate, "small.bin": zip.Deflate}
	for _, f := range zr.File {
		if f.Method != want[f.Name] {
			t.Errorf("%s: method %d, want %d", f.Name, f.Method, want[f.Name])
		}
	}
	got := map[string]string{}
	err = ReadZip(bytes.NewReader(buf.Bytes()), int64(buf.Len()), ZipLimits{}, func(f CodeFile) error {
		rc, err := f.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		got[f.Path] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got["model.bin"] != string(random) || got["big.py"] != text || got["small.bin"] != string(random[:1000]) {
		t.Fatal("content read back differs")
	}
}

// bombZip declares a tiny size for an entry that inflates to n bytes.
func bombZip(t *testing.T, declared uint64, n int) []byte {
	t.Helper()
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(make([]byte, n))
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bomb", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(make([]byte, n)),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: declared}
	h.SetMode(0o644)
	w, err := zw.CreateRaw(h)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	zw.Close()
	return buf.Bytes()
}

func TestReadZipRefuses(t *testing.T) {
	file := func(name string) zipSpec { return zipSpec{name: name, mode: 0o644, body: "x"} }
	tests := []struct {
		name   string
		data   []byte
		limits ZipLimits
		want   string
	}{
		{"zip-slip", makeZip(t, []zipSpec{file("../evil")}), ZipLimits{}, `entry "../evil": path contains ".." (zip-slip)`},
		{"zip-slip inside", makeZip(t, []zipSpec{file("a/../../evil")}), ZipLimits{}, "zip-slip"},
		{"zip-slip backslash", makeZip(t, []zipSpec{file(`..\evil`)}), ZipLimits{}, "zip-slip"},
		{"absolute", makeZip(t, []zipSpec{file("/etc/passwd")}), ZipLimits{}, `entry "/etc/passwd": absolute path`},
		{"drive letter", makeZip(t, []zipSpec{file(`C:\x`)}), ZipLimits{}, "absolute path"},
		{"duplicate", makeZip(t, []zipSpec{file("a"), file("a")}), ZipLimits{}, `duplicate entry "a"`},
		{"duplicate after cleaning", makeZip(t, []zipSpec{file("a/b"), file("./a//b")}), ZipLimits{}, `duplicate entry "a/b"`},
		{"file is a directory prefix", makeZip(t, []zipSpec{file("a"), file("a/b")}), ZipLimits{}, `"a" is a file, but "a/b" is inside it`},
		{"file and directory entry", makeZip(t, []zipSpec{file("a"), {name: "a/", mode: fs.ModeDir | 0o755}}), ZipLimits{}, `entry "a": is both a file and a directory`},
		{"symlink as directory", makeZip(t, []zipSpec{{name: "lib", mode: fs.ModeSymlink | 0o777, body: "/etc"}, file("lib/passwd")}), ZipLimits{}, `"lib" is a file`},
		{"too many files", makeZip(t, []zipSpec{file("a"), file("b"), file("c")}), ZipLimits{MaxFiles: 2}, "3 entries, more than the limit of 2"},
		{"declared file size", makeZip(t, []zipSpec{{name: "big", mode: 0o644, body: strings.Repeat("x", 100)}}), ZipLimits{MaxFileSize: 50}, `entry "big": declared size 100 bytes is over the per-file limit of 50`},
		{"declared total size", makeZip(t, []zipSpec{{name: "a", mode: 0o644, body: strings.Repeat("x", 60)}, {name: "b", mode: 0o644, body: strings.Repeat("x", 60)}}), ZipLimits{MaxTotalSize: 100}, `entry "b": total uncompressed size over the limit`},
		{"bomb with lying header", bombZip(t, 10, 1<<20), ZipLimits{}, "bomb"},
		{"named pipe", makeZip(t, []zipSpec{{name: "fifo", mode: fs.ModeNamedPipe | 0o644}}), ZipLimits{}, `entry "fifo": unsupported file type`},
		{"device", makeZip(t, []zipSpec{{name: "dev", mode: fs.ModeDevice | 0o644}}), ZipLimits{}, "unsupported file type"},
		{"encrypted", makeZip(t, []zipSpec{{name: "secret", mode: 0o644, body: "x", method: zip.Store, flags: 0x1}}), ZipLimits{}, `entry "secret": encrypted`},
		{"unknown method", makeZip(t, []zipSpec{{name: "bz", mode: 0o644, body: "x", method: 12}}), ZipLimits{}, `entry "bz": compression method 12`},
		{"long symlink", makeZip(t, []zipSpec{{name: "l", mode: fs.ModeSymlink | 0o777, body: strings.Repeat("a", 5000)}}), ZipLimits{}, "symlink target"},
		{"not a zip", []byte("PK but not really a zip file"), ZipLimits{}, "read code zip"},
		{"name over 255 bytes", makeZip(t, []zipSpec{file("dir/" + strings.Repeat("n", 256))}), ZipLimits{}, "a name of 256 bytes, over the 255 bytes file systems allow in one name"},
		{"directory name over 255 bytes", makeZip(t, []zipSpec{file(strings.Repeat("d", 256) + "/x")}), ZipLimits{}, "a name of 256 bytes"},
		{"5000-byte name", makeZip(t, []zipSpec{file(strings.Repeat("n", 5000))}), ZipLimits{}, `entry "` + strings.Repeat("n", 100) + `"… (5000 bytes): a name of 5000 bytes`},
		{"path over 1024 bytes", makeZip(t, []zipSpec{file(strings.Repeat(strings.Repeat("p", 254)+"/", 4) + "abcde")}), ZipLimits{}, "path of 1025 bytes, over the 1024 bytes fcgit allows inside code/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readZipFiles(t, tt.data, tt.limits)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestReadZipPathLengths: names and paths up to the bounds are stored; one
// past them is refused as a ZipEntryError, which callers catch to report
// the function.
func TestReadZipPathLengths(t *testing.T) {
	file := func(name string) zipSpec { return zipSpec{name: name, mode: 0o644, body: "x"} }
	atBounds := []string{strings.Repeat("n", MaxPathComponent), strings.Repeat(strings.Repeat("p", 254)+"/", 4) + "abcd"}
	got, err := readZipFiles(t, makeZip(t, []zipSpec{file(atBounds[0]), file(atBounds[1])}), ZipLimits{})
	if err != nil || len(got) != 2 {
		t.Fatalf("names at the bounds: %v, %d files", err, len(got))
	}
	_, err = readZipFiles(t, makeZip(t, []zipSpec{file(strings.Repeat("n", 5000))}), ZipLimits{})
	var ee *ZipEntryError
	if !errors.As(err, &ee) || ee.Name != strings.Repeat("n", 5000) || len(err.Error()) > 300 {
		t.Fatalf("err = %v (%T), want a short ZipEntryError", err, err)
	}
}

// TestReadZipBombIsBounded: the lying entry is cut off near its declared
// size instead of being inflated whole.
func TestReadZipBombIsBounded(t *testing.T) {
	data := bombZip(t, 10, 8<<20)
	var read int
	err := ReadZip(bytes.NewReader(data), int64(len(data)), ZipLimits{}, func(f CodeFile) error {
		rc, err := f.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		n, err := io.Copy(io.Discard, rc)
		read = int(n)
		return err
	})
	if err == nil {
		t.Fatal("bomb accepted")
	}
	if read > 64<<10 {
		t.Fatalf("read %d bytes of a 10-byte entry before stopping", read)
	}
}

func TestWriteZipRefuses(t *testing.T) {
	body := func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("x")), nil }
	tests := []struct {
		name  string
		files []CodeFile
		want  string
	}{
		{"unclean", []CodeFile{{Path: "a//b", Mode: 0o644, Open: body}}, "not clean"},
		{"parent", []CodeFile{{Path: "../a", Mode: 0o644, Open: body}}, "leaves the code directory"},
		{"absolute", []CodeFile{{Path: "/a", Mode: 0o644, Open: body}}, "absolute"},
		{"duplicate", []CodeFile{{Path: "a", Mode: 0o644, Open: body}, {Path: "a", Mode: 0o755, Open: body}}, "duplicate"},
		{"file and dir", []CodeFile{{Path: "a", Mode: 0o644, Open: body}, {Path: "a/b", Mode: 0o644, Open: body}}, "is a file"},
		{"directory mode", []CodeFile{{Path: "d", Mode: fs.ModeDir | 0o755, Open: body}}, "unsupported file type"},
		{"no content", []CodeFile{{Path: "a", Mode: 0o644}}, "no content"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WriteZip(io.Discard, tt.files)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
