package textsafe

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestEscape(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain text, ünï 漢字 🙂", "plain text, ünï 漢字 🙂"},
		{"line\n\tindented", "line\n\tindented"},
		{"\x1b[2Jcleared", `\u001B[2Jcleared`},
		{"\x1b]0;title\x07", `\u001B]0;title\u0007`},
		{"carriage\rreturn", `carriage\u000Dreturn`},
		{"del\x7f", `del\u007F`},
		{"c1 \u009b2J csi", `c1 \u009B2J csi`},
		{"bad \xff\x9b byte", `bad \xFF\x9B byte`},
		{"nul\x00", `nul\u0000`},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		var b bytes.Buffer
		n, err := Writer{&b}.Write([]byte(tt.in))
		if err != nil || n != len(tt.in) || b.String() != tt.want {
			t.Errorf("Writer: %d, %v, %q; want %q", n, err, b.String(), tt.want)
		}
	}
}

// TestEscapeKeepsJSON: JSON written through the guard still decodes to the
// same values, C1 controls and DEL included (encoding/json leaves those
// raw).
func TestEscapeKeepsJSON(t *testing.T) {
	t.Parallel()
	in := map[string]string{"k\u009b": "v\x7f\x1b[2J\u0085 ünï"}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]string
	if err := json.Unmarshal([]byte(Escape(string(data))), &out); err != nil {
		t.Fatalf("escaped JSON does not decode: %v\n%s", err, Escape(string(data)))
	}
	if out["k\u009b"] != in["k\u009b"] || len(out) != 1 {
		t.Fatalf("escaped JSON decodes to %q", out)
	}
}
