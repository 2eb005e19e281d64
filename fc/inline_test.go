package fc

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"
)

// TestEncodeWithInline: an InlineZip reaches the body as the JSON string a
// base64 string of the same bytes would give, read from its file once, into
// a body allocated at its final size; the caller's input is left as it was.
func TestEncodeWithInline(t *testing.T) {
	data := bytes.Repeat([]byte("zip\x00\xff\"\\ "), 3000)
	opens := 0
	zip := InlineZip{Size: int64(len(data)), Open: func() (io.ReadCloser, error) {
		opens++
		return io.NopCloser(bytes.NewReader(data)), nil
	}}
	in := map[string]any{
		"functionName": "f", "description": "<a & b>",
		"code":   map[string]any{"zipFile": zip, "checksum": "123"},
		"layers": []any{"x", map[string]any{"y": &zip}},
	}
	body, err := encodeJSON(in)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString(data)
	want, err := encodePlain(map[string]any{
		"functionName": "f", "description": "<a & b>",
		"code":   map[string]any{"zipFile": b64, "checksum": "123"},
		"layers": []any{"x", map[string]any{"y": b64}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, want) {
		t.Fatalf("body differs from the plain encoding:\n%.200s\nwant\n%.200s", body, want)
	}
	if cap(body) != len(body) {
		t.Errorf("body allocated with %d bytes of room for %d", cap(body), len(body))
	}
	if opens != 2 {
		t.Errorf("opened %d times, want once per value (2)", opens)
	}
	if _, ok := in["code"].(map[string]any)["zipFile"].(InlineZip); !ok {
		t.Error("the caller's input was changed")
	}
	var back map[string]any
	if err := json.Unmarshal(body, &back); err != nil || !strings.Contains(string(body), `"<a & b>"`) {
		t.Fatalf("body is not the JSON it should be: %v", err)
	}

	short := InlineZip{Size: 10, Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("12345")), nil }}
	if _, err := encodeJSON(map[string]any{"code": map[string]any{"zipFile": short}}); err == nil || !strings.Contains(err.Error(), "5 bytes, expected 10") {
		t.Fatalf("a file shorter than announced: %v", err)
	}
	plain := map[string]any{"a": []any{1, "b"}}
	if got, _ := encodeJSON(plain); !reflect.DeepEqual(string(got), `{"a":[1,"b"]}`) {
		t.Fatalf("plain body %s", got)
	}
}
