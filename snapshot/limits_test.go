package snapshot

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/fcgit/fcgit/fc"
)

// depthOf counts nested tables and arrays in v as MaxDepth counts them.
func depthOf(v any) int {
	d := 0
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			d = max(d, depthOf(e))
		}
		return d + 1
	case []any:
		for _, e := range x {
			d = max(d, depthOf(e))
		}
		return d + 1
	case []map[string]any:
		for _, e := range x {
			d = max(d, depthOf(e))
		}
		return d + 1
	}
	return 0
}

// stateDepth is the deepest nesting of a state as function.toml holds it.
func stateDepth(st *State) int {
	d := 0
	for _, v := range st.Config {
		d = max(d, depthOf(v))
	}
	for _, t := range st.Triggers {
		for _, v := range t {
			d = max(d, 2+depthOf(v))
		}
	}
	return d
}

func dotted(part string, n int) string {
	return strings.TrimSuffix(strings.Repeat(part+".", n), ".")
}

func nestArrays(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

// deepTOML returns function.toml texts nesting exactly d levels, each in a
// different syntax, with the line where the deepest level opens.
func deepTOML(d int) []struct {
	name, text string
	line       int
} {
	inline := "{}"
	for i := 1; i < d; i++ {
		inline = "{a = " + inline + "}"
	}
	return []struct {
		name, text string
		line       int
	}{
		{"header", "runtime = \"go1\"\n[" + dotted("a", d) + "]\nx = 1\n", 2},
		{"dotted key", "runtime = \"go1\"\n" + dotted("a", d+1) + " = 1\n", 2},
		{"inline tables", "x = 1\na = " + inline + "\n", 2},
		{"arrays", "a = " + nestArrays(d) + "\n", 1},
		{"quoted header", "[\"a.b\".'c\"d'." + dotted(`"x"`, d-2) + "]\n", 1},
		{"header then inline dotted key", "[h1.h2]\nk = [{x.y = " + nestArrays(d-5) + "}]\n", 2},
		{"array of tables", "[[a]]\nx = 1\n[a." + dotted("b", d-2) + "]\ny = 2\n", 3},
		{"array of tables header", "[[" + dotted("a", d-1) + "]]\ny = 2\n", 1},
		{"multi-line array", "a = [ # [[[[\n  \"[[[[\",\n  '''\n]]]]\n''',\n  " + nestArrays(d-1) + ",\n]\n", 6},
		{"inline table over lines", "a = {\n  b = 1, # {{{\n  c.d = " + nestArrays(d-2) + ",\n}\n", 3},
		{"trigger config", "[triggers.web]\ntriggerType = \"http\"\n\n[triggers.web.config]\nm = " + nestArrays(d-3) + "\n", 5},
		{"CRLF line ends", "runtime = \"go1\"\r\n[" + dotted("a", d) + "]\r\nx = \"\"\"\r\n[[\"\"\"\r\n", 2},
		{"byte-order mark", "\xef\xbb\xbf[" + dotted("a", d) + "]\n", 1},
		{"multi-line strings", "s = \"\"\"\n[[[[\\\"\"\"\"\nt = '''\n{{{'''''\n[" + dotted("a", d) + "]\n", 5},
	}
}

func TestDecodeDepthLimit(t *testing.T) {
	t.Parallel()
	for _, tt := range deepTOML(MaxDepth) {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st, err := Decode("f.toml", []byte(tt.text), "api")
			if err != nil {
				t.Fatalf("depth %d refused: %v\n%s", MaxDepth, err, tt.text)
			}
			if got := stateDepth(st); got != MaxDepth {
				t.Fatalf("decoded depth %d, want %d: the test text is wrong", got, MaxDepth)
			}
		})
	}
	for _, tt := range deepTOML(MaxDepth + 1) {
		t.Run(tt.name+" over", func(t *testing.T) {
			t.Parallel()
			_, err := Decode("f.toml", []byte(tt.text), "api")
			want := fmt.Sprintf("f.toml:%d: nesting deeper than 32 levels: FC settings are never this deep", tt.line)
			var de *DecodeError
			if err == nil || err.Error() != want || !errors.As(err, &de) {
				t.Fatalf("err = %v, want %q\n%s", err, want, tt.text)
			}
		})
	}
}

// TestDecodeHugeNesting: what made the decoder or Diff run out of stack or
// memory is refused at once.
func TestDecodeHugeNesting(t *testing.T) {
	t.Parallel()
	inline := strings.Repeat("{a = ", 16000) + "1" + strings.Repeat("}", 16000)
	tests := map[string]string{
		"3000-deep header":          "[" + dotted("a", 3000) + "]\n",
		"16000-deep inline tables":  "a = " + inline + "\n",
		"100000-deep arrays":        "a = " + nestArrays(100000) + "\n",
		"100000-part dotted key":    dotted("a", 100000) + " = 1\n",
		"unclosed arrays":           "a = " + strings.Repeat("[", 100000) + "\n",
		"array of tables then deep": "[[a]]\n" + "[a." + dotted("a", 5000) + "]\n",
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			_, err := Decode("f.toml", []byte(text), "api")
			if err == nil || !strings.Contains(err.Error(), "nesting deeper than 32 levels") {
				t.Fatalf("err = %v", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("took %v", d)
			}
		})
	}
}

// TestTOMLDepthScanIsExact: on what Encode writes, the scan counts exactly
// the levels the decoder builds, so Decode accepts every encodable state
// within the limit and refuses every one beyond it.
func TestTOMLDepthScanIsExact(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewSource(1))
	var value func(depth int) any
	value = func(depth int) any {
		if depth == 0 {
			switch r.Intn(3) {
			case 0:
				return "s[{"
			case 1:
				return json.Number(fmt.Sprint(r.Intn(100)))
			}
			return true
		}
		if r.Intn(2) == 0 {
			arr := []any{value(depth - 1)}
			if r.Intn(2) == 0 {
				arr = append(arr, value(r.Intn(min(depth, 3))))
			}
			return arr
		}
		m := map[string]any{fmt.Sprintf("k%d", r.Intn(3)): value(depth - 1)}
		if r.Intn(2) == 0 {
			m["z.z"] = value(r.Intn(min(depth, 3)))
		}
		return m
	}
	for i := 0; i < 300; i++ {
		depth := MaxDepth - 3 + r.Intn(6)
		st := &State{Name: "api", Config: map[string]any{}, Triggers: map[string]map[string]any{}}
		switch r.Intn(3) {
		case 0:
			st.Config["future"] = value(depth)
		case 1:
			st.Config["vpcConfig"] = map[string]any{"extra": value(depth - 1)}
		default:
			st.Triggers["t"] = map[string]any{"triggerType": "http", "config": map[string]any{"m": value(depth - 3)}}
		}
		want := stateDepth(st)
		text, err := Encode(st, nil)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Decode("f.toml", text, "api")
		switch {
		case want <= MaxDepth && err != nil:
			t.Fatalf("depth %d refused: %v\n%s", want, err, text)
		case want <= MaxDepth && !Equal(st, back):
			t.Fatalf("round trip differs at %v", Diff(st, back))
		case want > MaxDepth && (err == nil || !strings.Contains(err.Error(), depthMessage)):
			t.Fatalf("depth %d: err = %v\n%s", want, err, text)
		}
	}
}

// TestDiffDeepStateIsFast: normalising each level once keeps a diff linear;
// re-normalising every subtree at every level above it took exponential
// time on nested tables inside a documented struct.
func TestDiffDeepStateIsFast(t *testing.T) {
	t.Parallel()
	chain := func(leaf string) map[string]any {
		v := map[string]any{"x": leaf, "empty": map[string]any{}}
		for i := 0; i < 29; i++ {
			v = map[string]any{"a": v, "s": ""}
		}
		return v
	}
	a := &State{Name: "api", Config: map[string]any{"vpcConfig": chain("1")}}
	b := &State{Name: "api", Config: map[string]any{"vpcConfig": chain("2")}}
	if got := stateDepth(a); got != 31 {
		t.Fatalf("test state depth %d", got)
	}
	start := time.Now()
	d := Diff(a, b)
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("Diff took %v", elapsed)
	}
	want := "vpcConfig." + dotted("a", 29) + ".x"
	if len(d) != 1 || d[0] != want {
		t.Fatalf("Diff = %v, want [%s]", d, want)
	}
	if !Equal(a, a) {
		t.Fatal("a state differs from itself")
	}
}

func TestValidNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		fnOK, trgOK bool
	}{
		{"api", true, true},
		{"_private", true, true},
		{"A-1_b", true, true},
		{strings.Repeat("a", 64), true, true},
		{strings.Repeat("a", 65), false, true},
		{strings.Repeat("a", 128), false, true},
		{strings.Repeat("a", 129), false, false},
		{"", false, false},
		{"1abc", false, false},
		{"-x", false, false},
		{"a.b", false, false},
		{"a b", false, false},
		{"a/b", false, false},
		{"中文", false, false},
		{"evil\x1b[31m", false, false},
		{"x\n", false, false},
		// Functions created under FC 2.0: service$function.
		{"legacy$worker", true, false},
		{strings.Repeat("s", 128) + "$" + strings.Repeat("f", 64), true, false},
		{strings.Repeat("s", 129) + "$f", false, false},
		{"s$" + strings.Repeat("f", 65), false, false},
		{"$worker", false, false},
		{"legacy$", false, false},
		{"a$b$c", false, false},
		{"1legacy$worker", false, false},
		{"legacy$-worker", false, false},
		{"legacy$wor ker", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, c := range []struct {
				what  string
				err   error
				ok    bool
				limit string
			}{
				{"function", ValidFunctionName(tt.name), tt.fnOK, "1-64 characters"},
				{"trigger", ValidTriggerName(tt.name), tt.trgOK, "1-128 characters"},
			} {
				if (c.err == nil) != c.ok {
					t.Fatalf("%s name: err = %v, want ok %v", c.what, c.err, c.ok)
				}
				if c.err == nil {
					continue
				}
				msg := c.err.Error()
				if !strings.Contains(msg, quoteName(tt.name)) || !strings.Contains(msg, c.limit) {
					t.Errorf("%s name: %q does not quote the name and give the rule", c.what, msg)
				}
				for _, r := range msg {
					if r < 0x20 || r == 0x7f {
						t.Errorf("%s name: control character in %q", c.what, msg)
					}
				}
			}
		})
	}
	if msg := ValidFunctionName(strings.Repeat("x", 100000)).Error(); len(msg) > 1000 {
		t.Errorf("message for a huge name is %d bytes long", len(msg))
	}
}

func TestPrintable(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain-name_1", "plain-name_1"},
		{"with space", "with space"},
		{"中文 ünï", "中文 ünï"},
		{`back\slash "q"`, `back\slash "q"`},
		{"esc\x1b[2J", `"esc\x1b[2J"`},
		{"tab\t", `"tab\t"`},
		{"nl\n", `"nl\n"`},
		{"bad\xff", `"bad\xff"`},
		{"rtl\u202eevil", `"rtl\u202eevil"`},
		{"zw\u200bsp", `"zw\u200bsp"`},
		{"del\x7f", `"del\x7f"`},
		{"c1\u0085", `"c1\u0085"`},
	}
	for _, tt := range tests {
		if got := Printable(tt.in); got != tt.want {
			t.Errorf("Printable(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func nested(n int, leaf any) any {
	v := leaf
	for i := 0; i < n; i++ {
		v = map[string]any{"a": v}
	}
	return v
}

func TestFromAPILimits(t *testing.T) {
	t.Parallel()
	deepJSON := func(n int) string {
		return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n)
	}
	trigger := func(cfg string) []fc.Trigger {
		return []fc.Trigger{{"triggerName": "web", "triggerType": "http", "triggerConfig": cfg}}
	}
	fn := func(extra map[string]any) fc.Function {
		f := fc.Function{"functionName": "api", "runtime": "go1"}
		for k, v := range extra {
			f[k] = v
		}
		return f
	}
	big := strings.Repeat("x", 40<<10)
	var manyFields = map[string]any{}
	for i := 0; i < 30; i++ {
		manyFields[fmt.Sprintf("f%02d", i)] = big
	}
	tests := []struct {
		name     string
		fn       fc.Function
		triggers []fc.Trigger
		want     string // "" = accepted
	}{
		{"field at the limit", fn(map[string]any{"future": nested(MaxDepth, "x")}), nil, ""},
		{"field over the limit", fn(map[string]any{"future": nested(MaxDepth+1, "x")}), nil,
			"function api: field future" + strings.Repeat(".a", MaxDepth) + ": " + depthMessage},
		{"array nesting", fn(map[string]any{"layers": []any{[]any{nested(MaxDepth-1, "x")}}}), nil, "function api: field layers[0][0]" + strings.Repeat(".a", MaxDepth-2) + ": " + depthMessage},
		{"3000 deep", fn(map[string]any{"vpcConfig": nested(3000, "x")}), nil, depthMessage},
		{"triggerConfig at the limit", fn(nil), trigger(deepJSON(MaxDepth - 2)), ""},
		{"triggerConfig over the limit", fn(nil), trigger(deepJSON(MaxDepth - 1)), "function api: trigger web: field triggerConfig: " + depthMessage},
		{"triggerConfig 18 KB, 3000 deep", fn(nil), trigger(deepJSON(3000)), "field triggerConfig: " + depthMessage},
		{"triggerConfig as an object", fn(nil), []fc.Trigger{{"triggerName": "web", "triggerType": "http", "triggerConfig": nested(MaxDepth, "x")}},
			"function api: trigger web: field triggerConfig" + strings.Repeat(".a", MaxDepth-2) + ": " + depthMessage},
		{"deep trigger field", fn(nil), []fc.Trigger{{"triggerName": "web", "triggerType": "http", "future": nested(MaxDepth-1, "x")}}, "function api: trigger web: field future"},
		{"long string", fn(map[string]any{"description": strings.Repeat("d", MaxStringLen+1)}), nil,
			"function api: field description: string of 65537 bytes is longer than 65536, fcgit's limit for one value"},
		{"string at the limit", fn(map[string]any{"description": strings.Repeat("d", MaxStringLen)}), nil, ""},
		{"long nested string", fn(map[string]any{"environmentVariables": map[string]any{"K": strings.Repeat("v", MaxStringLen+1)}}), nil, "field environmentVariables.K: string of 65537 bytes"},
		{"long key", fn(map[string]any{"environmentVariables": map[string]any{strings.Repeat("k", MaxStringLen+1): "v"}}), nil, "field environmentVariables: key of 65537 bytes is longer than 65536"},
		{"deep under a long key", fn(map[string]any{strings.Repeat("k", MaxStringLen): nested(MaxDepth+1, "x")}), nil, "kkk...: " + depthMessage},
		{"long triggerConfig", fn(nil), trigger(`{"p":"` + strings.Repeat("p", MaxStringLen) + `"}`), "function api: trigger web: field triggerConfig: string of 65544 bytes"},
		{"document over 1 MiB", fn(manyFields), nil, "function api: document is larger than 1048576 bytes, fcgit's limit for one function or trigger"},
		{"control characters in a field name", fn(map[string]any{"x\x1b[2J": strings.Repeat("d", MaxStringLen+1)}), nil, `field "x\x1b[2J": string`},
		{"integer too large", fn(map[string]any{"memorySize": json.Number("99999999999999999999")}), nil, "field memorySize: integer 99999999999999999999 does not fit in 64 bits"},
		{"inexact decimal", fn(map[string]any{"cpu": json.Number("0.1000000000000000000001")}), nil, "field cpu: number 0.1000000000000000000001 cannot be written to function.toml exactly"},
		{"underflow", fn(map[string]any{"cpu": json.Number("1e-400")}), nil, "cannot be written to function.toml exactly"},
		{"huge exponent", fn(map[string]any{"cpu": json.Number("0e99999999999999")}), nil, "field cpu: number 0e99999999999999 is out of range"},
		{"number in triggerConfig", fn(nil), trigger(`{"n":1e999}`), "function api: trigger web: field triggerConfig.n: invalid number"},
		{"exact decimals", fn(map[string]any{"cpu": json.Number("0.35"), "f": json.Number("1.50"), "e": json.Number("1e3")}), nil, ""},
		{"invalid function name", fc.Function{"functionName": "a\x1b]0;pwned\x07"}, nil, `function document: invalid function name "a\x1b]0;pwned\a": FC function names are 1-64`},
		{"invalid trigger name", fn(nil), []fc.Trigger{{"triggerName": "web.1", "triggerType": "http"}}, `function api: invalid trigger name "web.1": FC trigger names are 1-128`},
		{"triggers field", fn(map[string]any{"triggers": map[string]any{}}), nil, "function api: field triggers: function.toml keeps this name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st, err := FromAPI(tt.fn, tt.triggers)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if _, err := Encode(st, nil); err != nil {
					t.Fatalf("accepted state does not encode: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %.300v\nwant it to contain %.300q", err, tt.want)
			}
			if n := len(err.Error()); n > 2000 {
				t.Errorf("message of %d bytes", n)
			}
		})
	}
}

// documentedDepth is the nesting limit docs/troubleshooting.md promises
// ("32 levels"). It is written out, not taken from MaxDepth, so that a
// change of the limit, or of where a check counts from, fails here rather
// than moving the test along with it.
const documentedDepth = 32

// wrap nests leaf in containers, outermost first: 't' a table {"a": …},
// 'a' an array […]; shapes is cycled for n levels.
func wrap(n int, shapes string, leaf any) any {
	v := leaf
	for i := n - 1; i >= 0; i-- {
		if shapes[i%len(shapes)] == 't' {
			v = map[string]any{"a": v}
		} else {
			v = []any{v}
		}
	}
	return v
}

// wrapTOML is wrap as a TOML value: inline tables and arrays.
func wrapTOML(n int, shapes string, leaf string) string {
	v := leaf
	for i := n - 1; i >= 0; i-- {
		if shapes[i%len(shapes)] == 't' {
			v = "{a = " + v + "}"
		} else {
			v = "[" + v + "]"
		}
	}
	return v
}

// TestDepthLimitIsExact: nesting exactly documentedDepth levels deep is
// accepted and one level more refused, with the documented message, by each
// check: function.toml decoding and documents read from FC, for tables,
// arrays and both, in a function's fields and in a trigger's.
func TestDepthLimitIsExact(t *testing.T) {
	t.Parallel()
	refusal := fmt.Sprintf("nesting deeper than %d levels: FC settings are never this deep", documentedDepth)
	// Each case builds its input nesting d levels deep in all, counted as
	// function.toml nests them.
	decodeCases := []struct {
		name string
		text func(d int) string
		line int
	}{
		{"tables", func(d int) string { return "runtime = \"go1\"\n[" + dotted("a", d) + "]\nx = 1\n" }, 2},
		{"inline tables", func(d int) string { return "runtime = \"go1\"\na = " + wrapTOML(d, "t", "1") + "\n" }, 2},
		{"arrays", func(d int) string { return "a = " + wrapTOML(d, "a", "1") + "\n" }, 1},
		{"arrays and tables", func(d int) string { return "a = " + wrapTOML(d, "at", "1") + "\n" }, 1},
		{"trigger config", func(d int) string {
			return "[triggers.web]\ntriggerType = \"http\"\n\n[triggers.web.config]\nm = " + wrapTOML(d-3, "ta", "1") + "\n"
		}, 5},
	}
	for _, tt := range decodeCases {
		t.Run("decode/"+tt.name, func(t *testing.T) {
			t.Parallel()
			text := tt.text(documentedDepth)
			st, err := Decode("f.toml", []byte(text), "api")
			if err != nil {
				t.Fatalf("depth %d refused: %v\n%s", documentedDepth, err, text)
			}
			if got := stateDepth(st); got != documentedDepth {
				t.Fatalf("decoded depth %d, want %d: the test input is wrong", got, documentedDepth)
			}
			text = tt.text(documentedDepth + 1)
			_, err = Decode("f.toml", []byte(text), "api")
			if want := fmt.Sprintf("f.toml:%d: %s", tt.line, refusal); err == nil || err.Error() != want {
				t.Fatalf("depth %d: err = %v, want %q\n%s", documentedDepth+1, err, want, text)
			}
		})
	}

	fromAPICases := []struct {
		name  string
		input func(d int) (fc.Function, []fc.Trigger)
		field string // where the refusal points, before ": " + refusal
	}{
		{"tables", func(d int) (fc.Function, []fc.Trigger) {
			return fc.Function{"functionName": "api", "future": wrap(d, "t", "x")}, nil
		}, "function api: field future" + strings.Repeat(".a", documentedDepth)},
		{"arrays", func(d int) (fc.Function, []fc.Trigger) {
			return fc.Function{"functionName": "api", "future": wrap(d, "a", "x")}, nil
		}, "function api: field future" + strings.Repeat("[0]", documentedDepth)},
		{"arrays and tables", func(d int) (fc.Function, []fc.Trigger) {
			return fc.Function{"functionName": "api", "future": wrap(d, "at", "x")}, nil
		}, "function api: field future" + strings.Repeat("[0].a", documentedDepth/2)},
		{"trigger field", func(d int) (fc.Function, []fc.Trigger) {
			return fc.Function{"functionName": "api"}, []fc.Trigger{{"triggerName": "web", "triggerType": "http", "future": wrap(d-2, "ta", "x")}}
		}, "function api: trigger web: field future" + strings.Repeat(".a[0]", (documentedDepth-2)/2)},
		{"triggerConfig as JSON text", func(d int) (fc.Function, []fc.Trigger) {
			cfg := strings.Repeat(`{"a":`, d-2) + "1" + strings.Repeat("}", d-2)
			return fc.Function{"functionName": "api"}, []fc.Trigger{{"triggerName": "web", "triggerType": "http", "triggerConfig": cfg}}
		}, "function api: trigger web: field triggerConfig"},
	}
	for _, tt := range fromAPICases {
		t.Run("FromAPI/"+tt.name, func(t *testing.T) {
			t.Parallel()
			st, err := FromAPI(tt.input(documentedDepth))
			if err != nil {
				t.Fatalf("depth %d refused: %v", documentedDepth, err)
			}
			if got := stateDepth(st); got != documentedDepth {
				t.Fatalf("depth %d, want %d: the test input is wrong", got, documentedDepth)
			}
			_, err = FromAPI(tt.input(documentedDepth + 1))
			if want := tt.field + ": " + refusal; err == nil || err.Error() != want {
				t.Fatalf("depth %d: err = %.300v, want %.300q", documentedDepth+1, err, want)
			}
		})
	}
}
