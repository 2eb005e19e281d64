package snapshot

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/fcgit/fcgit/fc"
)

// decodeFC decodes a document the way the fc package does.
func decodeFC(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	return d.Decode(v)
}

// FuzzFromAPI: whatever FC serves, FromAPI never panics, refuses with a
// message a terminal shows safely, and what it accepts is within the limits,
// encodes, and reads back equal whenever the file decodes.
func FuzzFromAPI(f *testing.F) {
	for seed := int64(1); seed <= 5; seed++ {
		fn, triggers := newGen(seed).function("api")
		fb, err := json.Marshal(fn)
		if err != nil {
			f.Fatal(err)
		}
		tb, err := json.Marshal(triggers)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(fb, tb)
	}
	f.Fuzz(func(t *testing.T, fnDoc, triggersDoc []byte) {
		var fn fc.Function
		if decodeFC(fnDoc, &fn) != nil {
			return
		}
		var triggers []fc.Trigger
		if decodeFC(triggersDoc, &triggers) != nil {
			triggers = nil
		}
		st, err := FromAPI(fn, triggers)
		if err != nil {
			msg := err.Error()
			if !utf8.ValidString(msg) || strings.ContainsFunc(msg, unicode.IsControl) {
				t.Fatalf("error message holds raw control characters: %q", msg)
			}
			return
		}
		if d := stateDepth(st); d > MaxDepth {
			t.Fatalf("accepted a state %d levels deep", d)
		}
		enc, err := Encode(st, nil)
		if err != nil {
			t.Fatalf("Encode of an accepted state: %v", err)
		}
		back, err := Decode("f.toml", enc, st.Name)
		if err != nil {
			// Values FC would refuse too (a string memorySize, a key one
			// letter off a known one) are Decode's to report.
			return
		}
		if d := Diff(st, back); len(d) > 0 {
			t.Fatalf("file reads back different at %v\n%s", d, enc)
		}
	})
}

// FuzzReadZip: on any bytes, ReadZip never panics, never hands out more
// entries or bytes than its limits, and every path it emits is clean,
// sorted, unique and one git accepts.
func FuzzReadZip(f *testing.F) {
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, data []byte) {
		limits := ZipLimits{MaxFiles: 8, MaxTotalSize: 4 << 10, MaxFileSize: 1 << 10}
		var files int
		var total int64
		prev := ""
		_ = ReadZip(bytes.NewReader(data), int64(len(data)), limits, func(cf CodeFile) error {
			files++
			if files > limits.MaxFiles {
				t.Fatalf("%d files, limit %d", files, limits.MaxFiles)
			}
			if cf.Path <= prev && files > 1 {
				t.Fatalf("path %q after %q", cf.Path, prev)
			}
			prev = cf.Path
			if err := cleanTreePath(cf.Path); err != nil {
				t.Fatalf("emitted %v", err)
			}
			if err := checkGitPath(cf.Path, cf.Mode); err != nil {
				t.Fatalf("emitted %q: %v", cf.Path, err)
			}
			rc, err := cf.Open()
			if err != nil {
				return err
			}
			defer rc.Close()
			n, err := io.Copy(io.Discard, rc)
			if n > limits.MaxFileSize {
				t.Fatalf("%s: read %d bytes, limit %d", cf.Path, n, limits.MaxFileSize)
			}
			total += n
			if total > limits.MaxTotalSize {
				t.Fatalf("read %d bytes in all, limit %d", total, limits.MaxTotalSize)
			}
			return err
		})
	})
}
