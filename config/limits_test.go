package config

import (
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/fcgit/fcgit/snapshot"
)

// nested is a fcgit.toml whose unknown key k nests depth inline tables.
func nested(depth int) string {
	return "region = \"cn-hangzhou\"\n\nk = " + strings.Repeat("{a=", depth) + "1" + strings.Repeat("}", depth) + "\n"
}

func TestParseBoundsNesting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"at the bound, an unknown key", nested(snapshot.MaxDepth), `fcgit.toml:3: unknown key "k"`},
		{"one past the bound", nested(snapshot.MaxDepth + 1), "fcgit.toml:3: tables and arrays nest deeper than 32 levels"},
		{"arrays", "region = \"cn-hangzhou\"\nwatch = " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n", "fcgit.toml:2: tables and arrays nest deeper"},
		{"headers", "region = \"cn-hangzhou\"\n[" + strings.Repeat("a.", 40) + "b]\n", "fcgit.toml:2: tables and arrays nest deeper"},
		{"too large", "region = \"cn-hangzhou\"\n#" + strings.Repeat("x", MaxFileSize) + "\n", "more than fcgit reads (1024 KiB)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(FileName, []byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestParseDeepNestingIsCheap: nesting 100 000 deep is refused before the
// TOML decoder builds it (the decoder alone took gigabytes of heap on it).
func TestParseDeepNestingIsCheap(t *testing.T) {
	in := []byte(nested(100_000))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Parse(FileName, in)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "nest deeper than 32 levels") {
		t.Fatalf("err = %v", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 16<<20 {
		t.Errorf("refusing %d bytes of nesting allocated %d bytes", len(in), n)
	}
}

func TestParseEndpointCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct{ endpoint, want string }{
		{"http://127.0.0.1:9000", ""},
		{"fc.example.com", ""},
		{"http://fc.example.com/p@th", ""},
		{"http://user:PASS@fc.example.com", `endpoint: "http://xxxxx@fc.example.com" holds a user name or password`},
		{"user:PASS@fc.example.com:8080", `"https://xxxxx@fc.example.com:8080"`},
		{"http://u@s:P@SS@fc.example.com/x", `"http://xxxxx@fc.example.com/x"`},
	}
	for _, tt := range tests {
		_, err := Parse(FileName, []byte("region = \"cn-hangzhou\"\nendpoint = \""+tt.endpoint+"\"\n"))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.endpoint, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: err = %v, want %q", tt.endpoint, err, tt.want)
		case err != nil && strings.Contains(err.Error(), "PASS"):
			t.Errorf("%s: the error repeats the password: %v", tt.endpoint, err)
		}
	}
}

// TestRenderQuotesForTOML: values with characters Go and TOML escape
// differently survive Render and Parse.
func TestRenderQuotesForTOML(t *testing.T) {
	t.Parallel()
	in := &Config{Region: "cn-hangzhou", Endpoint: "http://h\a\x01\x7f\"\\", Dir: "functions", Branch: "fcgit/online",
		Scope: Scope{Prefix: "a\vb\u2028", Include: []string{"x\x00"}}}
	out, err := Parse(FileName, Render(in))
	if err != nil {
		t.Fatalf("%v\n%s", err, Render(in))
	}
	if out.Endpoint != in.Endpoint || out.Scope.Prefix != in.Scope.Prefix || !reflect.DeepEqual(out.Scope.Include, in.Scope.Include) {
		t.Fatalf("round trip changed values: %+v", out)
	}
}

// FuzzParse: Parse never panics or runs away on any input, and what it
// accepts is written back by Render to a file that parses to the same
// settings.
func FuzzParse(f *testing.F) {
	f.Add([]byte(Render(&Config{Region: "cn-hangzhou", Dir: DefaultDir, Branch: DefaultBranch})))
	f.Add([]byte("region = \"cn-shanghai\"\nbranch = \"team/online\"\nsecrets = [\"DB_*\"]\nwatch = [\"aliases\"]\ndomains = \"\"\n[scope]\nprefix = \"shop-\"\ninclude = [\"shop-*\"]\n[code]\nossBucket = \"b-1\"\nossPrefix = \"\"\n"))
	f.Add([]byte(nested(40)))
	f.Add([]byte("region = \"cn-hangzhou\"\nendpoint = \"http://u:p@h\"\n"))
	f.Add([]byte("region = \"cn-hangzhou\"\nbranch = \"HEAD\"\n"))
	f.Add([]byte("region = \"cn-hangzhou\"\n[[a.b]]\n[a.b.c]\nx = [[1], {y = {z = 1}}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(FileName, data)
		if err != nil {
			return
		}
		if why := checkBranchName(c.Branch); why != "" {
			t.Fatalf("accepted branch %q: %s", c.Branch, why)
		}
		again, err := Parse(FileName, Render(c))
		if err != nil {
			t.Fatalf("Render of accepted settings does not parse: %v\n%s", err, Render(c))
		}
		if !sameConfig(c, again) {
			t.Fatalf("Render and Parse changed the settings:\n%+v\n%+v", c, again)
		}
	})
}

// sameConfig compares settings, an empty list equal to an absent one where
// the file cannot tell them apart.
func sameConfig(a, b *Config) bool {
	norm := func(c *Config) Config {
		n := *c
		// An empty watch list means something (read the per-function kinds
		// where declared only), so it is kept apart from an absent one.
		for _, l := range []*[]string{&n.Scope.Include, &n.Scope.Exclude} {
			if len(*l) == 0 {
				*l = nil
			}
		}
		if n.Secrets != nil && len(*n.Secrets) == 0 {
			n.Secrets = &[]string{}
		}
		return n
	}
	return reflect.DeepEqual(norm(a), norm(b))
}
