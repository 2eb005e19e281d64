package snapshot

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/BurntSushi/toml"
)

// FuzzDecode: Decode never panics, and whatever it accepts re-encodes
// canonically to a file that decodes to the same state.
func FuzzDecode(f *testing.F) {
	for seed := int64(1); seed <= 20; seed++ {
		g := newGen(seed)
		fn, triggers := g.function("api")
		st, err := FromAPI(fn, triggers)
		if err != nil {
			f.Fatal(err)
		}
		b, err := Encode(st, st)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"", "a = 1", "memorySize = \"big\"", "[triggers.x]\ntriggerType = \"http\"\n[triggers.x.config]\nm = [1, 2.5, {a = []}]\n",
		"x = 1e400", "x = nan", "x = 0x10", "x = -0.0", "y = 1979-05-27", "\"k\\u0000\" = \"\\U0001F680\"",
		"description = '''\nraw\n'''", "t = {a.b = 1}", "[a]\n[a.b]\n[[c]]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDepthScan(t, string(data))
		st, err := Decode("f.toml", data, "api")
		if err != nil {
			return
		}
		enc, err := Encode(st, st)
		if err != nil {
			// Accepted input must be representable, except integers JSON
			// cannot carry losslessly (none reach here: TOML ints are int64).
			t.Fatalf("Encode of accepted input: %v\n%q", err, data)
		}
		back, err := Decode("f.toml", enc, "api")
		if err != nil {
			t.Fatalf("re-decode: %v\n%s", err, enc)
		}
		if d := Diff(st, back); len(d) > 0 {
			t.Fatalf("re-decoded state differs at %v\n%s", d, enc)
		}
		enc2, err := Encode(back, back)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("not canonical: %v\n%s\n---\n%s", err, enc, enc2)
		}
		_ = fmt.Sprint(st.FunctionInput())
	})
}

// checkDepthScan: on text the TOML decoder accepts, the scan that guards it
// never counts fewer levels than the decoder builds.
func checkDepthScan(t *testing.T, text string) {
	if _, deep := tomlTooDeep(text, MaxDepth); deep {
		return
	}
	var raw map[string]any
	if _, err := toml.Decode(text, &raw); err != nil {
		return
	}
	d := 0
	for _, v := range raw {
		d = max(d, depthOf(v))
	}
	if _, deep := tomlTooDeep(text, d-1); d > 0 && !deep {
		t.Fatalf("scan counts fewer than the %d levels the decoder builds:\n%s", d, text)
	}
}
