package snapshot

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/fcgit/fcgit/fc"
)

func mustDecode(t *testing.T, text string) *State {
	t.Helper()
	st, err := Decode("functions/api/function.toml", []byte(text), "api")
	if err != nil {
		t.Fatalf("Decode: %v\n%s", err, text)
	}
	return st
}

func mustEncode(t *testing.T, s, prev *State) string {
	t.Helper()
	b, err := Encode(s, prev)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return string(b)
}

func apiFunction(t *testing.T, doc string) fc.Function {
	t.Helper()
	var fn fc.Function
	mustUnmarshal(t, doc, &fn)
	return fn
}

func TestEncodeCanonicalLayout(t *testing.T) {
	st := &State{
		Name: "api",
		Config: map[string]any{
			"runtime":              "python3.10",
			"memorySize":           json.Number("1024"),
			"cpu":                  json.Number("0.35"),
			"handler":              "index.handler",
			"description":          "line1\nline2 \"q\" \\ \t\x01",
			"environmentVariables": map[string]any{"DB_URL": "postgres://db", "a.b": "dotted", "中文": "值"},
			"vpcConfig":            map[string]any{"vpcId": "vpc-1", "vSwitchIds": []any{"vsw-1", "vsw-2"}},
			"instanceLifecycleConfig": map[string]any{
				"initializer": map[string]any{"handler": "index.init", "timeout": json.Number("10")},
			},
			"tracingConfig": map[string]any{"type": "Jaeger", "params": map[string]any{}},
		},
		Triggers: map[string]map[string]any{
			"timer": {"triggerType": "timer", "config": map[string]any{"cronExpression": "@every 5m", "enable": true}},
			"http.1": {"triggerType": "http", "qualifier": "prod",
				"config": map[string]any{"methods": []any{"GET"}, "corsConfig": map[string]any{"maxAge": json.Number("600")}}},
		},
	}
	want := `# Function Compute function "api". Fields: FC 3.0 API names; see docs/.

cpu = 0.35
description = "line1\nline2 \"q\" \\ \t\u0001"
handler = "index.handler"
memorySize = 1024
runtime = "python3.10"

[environmentVariables]
DB_URL = "postgres://db"
"a.b" = "dotted"
"中文" = "值"

[instanceLifecycleConfig.initializer]
handler = "index.init"
timeout = 10

[tracingConfig]
type = "Jaeger"

[vpcConfig]
vSwitchIds = ["vsw-1", "vsw-2"]
vpcId = "vpc-1"

[triggers."http.1"]
qualifier = "prod"
triggerType = "http"

[triggers."http.1".config]
methods = ["GET"]

[triggers."http.1".config.corsConfig]
maxAge = 600

[triggers.timer]
triggerType = "timer"

[triggers.timer.config]
cronExpression = "@every 5m"
enable = true
`
	got := mustEncode(t, st, nil)
	if got != want {
		t.Fatalf("Encode:\n%s\nwant:\n%s", got, want)
	}
	back := mustDecode(t, got)
	if d := Diff(st, back); len(d) > 0 {
		t.Fatalf("decoded differs at %v", d)
	}
}

// TestEncodeKeepsPreviousChoice: defaults are not state, and a fetch after a
// push keeps the file's own choice of spelling them out.
func TestEncodeKeepsPreviousChoice(t *testing.T) {
	online := apiFunction(t, `{"functionName":"api","runtime":"go1","handler":"main","timeout":3,"memorySize":512,
		"cpu":0.35,"diskSize":512,"internetAccess":true,"description":"",
		"vpcConfig":{"vpcId":"","vSwitchIds":[],"securityGroupId":""},"tracingConfig":{}}`)
	st, err := FromAPI(online, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		prev       string // "" = no previous file
		has, lacks []string
	}{
		{name: "first snapshot omits defaults, writes cpu", prev: "",
			has: []string{"cpu = 0.35", "handler", "runtime"}, lacks: []string{"timeout", "memorySize", "diskSize", "internetAccess", "description", "vpcConfig", "tracingConfig"}},
		{name: "prev wrote timeout = 3", prev: "runtime = \"go1\"\nhandler = \"main\"\ntimeout = 3\n",
			has: []string{"timeout = 3"}, lacks: []string{"cpu", "memorySize", "vpcConfig"}},
		{name: "prev wrote an empty vpc and tracing", prev: "runtime = \"go1\"\nhandler = \"main\"\ntracingConfig = {}\n[vpcConfig]\nvpcId = \"\"\n",
			has: []string{"tracingConfig = {}", "[vpcConfig]\nvpcId = \"\"\n"}, lacks: []string{"vSwitchIds", "securityGroupId", "timeout"}},
		{name: "prev wrote cpu differently: FC's value shown", prev: "runtime = \"go1\"\ncpu = 1\n",
			has: []string{"cpu = 0.35"}},
		{name: "prev wrote cpu = 0.35 and diskSize", prev: "cpu = 0.35\ndiskSize = 512\n",
			has: []string{"cpu = 0.35", "diskSize = 512"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var prev *State
			if tt.prev != "" {
				prev = mustDecode(t, tt.prev)
			}
			got := mustEncode(t, st, prev)
			for _, s := range tt.has {
				if !strings.Contains(got, s) {
					t.Errorf("missing %q in\n%s", s, got)
				}
			}
			for _, s := range tt.lacks {
				if strings.Contains(got, s) {
					t.Errorf("unexpected %q in\n%s", s, got)
				}
			}
			if !Equal(st, mustDecode(t, got)) {
				t.Errorf("output is not the same state:\n%s", got)
			}
		})
	}
}

func TestEncodeFCChosenFollowsPrev(t *testing.T) {
	// The file never set cpu; FC picked 2 (or the console changed it): an
	// absent cpu means "whatever FC chose", so the file is not rewritten.
	prev := mustDecode(t, "runtime = \"go1\"\nmemorySize = 4096\n")
	online, err := FromAPI(apiFunction(t, `{"functionName":"api","runtime":"go1","memorySize":4096,"cpu":2,"diskSize":10240}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := mustEncode(t, online, prev)
	want := "# Function Compute function \"api\". Fields: FC 3.0 API names; see docs/.\n\nmemorySize = 4096\nruntime = \"go1\"\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if !Equal(prev, online) {
		t.Fatalf("absent cpu/diskSize should equal any value; diff %v", Diff(prev, online))
	}
}

func TestEncodeNumbers(t *testing.T) {
	tests := []struct {
		name     string
		file     string // previous file ("" = none)
		online   string // what FC returns for cpu
		wantLine string
	}{
		{"file 1.0, FC answers 1", "cpu = 1.0\n", "1", "cpu = 1.0\n"},
		{"file 1, FC answers 1", "cpu = 1\n", "1", "cpu = 1\n"},
		{"decimal kept", "", "0.35", "cpu = 0.35\n"},
		{"FC float answer for an int file", "cpu = 2\n", "2.0", "cpu = 2\n"},
		{"exponent canonicalised", "", "1e3", "cpu = 1000.0\n"},
		{"changed value shown", "cpu = 1.0\n", "1.5", "cpu = 1.5\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var prev *State
			if tt.file != "" {
				prev = mustDecode(t, tt.file)
			}
			st, err := FromAPI(apiFunction(t, `{"functionName":"api","cpu":`+tt.online+`}`), nil)
			if err != nil {
				t.Fatal(err)
			}
			got := mustEncode(t, st, prev)
			if !strings.HasSuffix(got, "\n"+tt.wantLine) {
				t.Fatalf("got\n%s\nwant line %q", got, tt.wantLine)
			}
			in := mustDecode(t, got).FunctionInput()
			body, err := json.Marshal(in["cpu"])
			if err != nil {
				t.Fatal(err)
			}
			if !valuesEqual(json.Number(body), json.Number(tt.online)) {
				t.Fatalf("cpu sent as %s, online is %s", body, tt.online)
			}
		})
	}
}

func TestEncodeStringsAndKeysRoundTrip(t *testing.T) {
	env := map[string]any{}
	for i, s := range oddStrings {
		env[s+"_k"] = s
		env["K"+string(rune('A'+i))] = s
	}
	st := &State{Name: "api", Config: map[string]any{"environmentVariables": env, "description": strings.Join(oddStrings, "|")}}
	text := mustEncode(t, st, nil)
	back := mustDecode(t, text)
	if d := Diff(st, back); len(d) > 0 {
		t.Fatalf("differs at %v:\n%s", d, text)
	}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if strings.ContainsAny(line, "\r\x01\x7f") {
			t.Errorf("raw control character in line %q", line)
		}
	}
}

func TestEncodeArrays(t *testing.T) {
	long := make([]any, 8)
	for i := range long {
		long[i] = "vsw-bp1" + strings.Repeat("x", 12) + string(rune('a'+i))
	}
	st := &State{Name: "api", Config: map[string]any{
		"layers":    []any{"arn:1"},
		"vpcConfig": map[string]any{"vSwitchIds": long},
		"nasConfig": map[string]any{"mountPoints": []any{
			map[string]any{"serverAddr": "a:/", "mountDir": "/mnt/a"},
			map[string]any{"serverAddr": "b:/", "mountDir": "/mnt/b", "enableTLS": true},
		}},
		"futureMatrix": []any{[]any{json.Number("1"), json.Number("2")}, []any{}},
	}}
	got := mustEncode(t, st, nil)
	for _, want := range []string{
		"layers = [\"arn:1\"]\n",
		"futureMatrix = [[1, 2], []]\n",
		"mountPoints = [\n  {mountDir = \"/mnt/a\", serverAddr = \"a:/\"},\n  {enableTLS = true, mountDir = \"/mnt/b\", serverAddr = \"b:/\"},\n]\n",
		"vSwitchIds = [\n  \"" + long[0].(string) + "\",\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if d := Diff(st, mustDecode(t, got)); len(d) > 0 {
		t.Fatalf("differs at %v", d)
	}
}

func TestEncodeRefuses(t *testing.T) {
	tests := []struct {
		name string
		st   *State
		want string
	}{
		{"conflict without EncodeWithConflicts", &State{Name: "api", Config: map[string]any{"timeout": &Conflict{Ours: json.Number("1"), HasOurs: true}}}, "unresolved merge conflict"},
		{"integer beyond int64", &State{Name: "api", Config: map[string]any{"x": json.Number("99999999999999999999")}}, "does not fit"},
		{"null in array", &State{Name: "api", Config: map[string]any{"x": []any{nil}}}, "null"},
		{"triggers key in config", &State{Name: "api", Config: map[string]any{"triggers": "x"}}, "clashes"},
		{"invalid UTF-8", &State{Name: "api", Config: map[string]any{"x": "\xff"}}, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Encode(tt.st, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestEncodeWithConflicts(t *testing.T) {
	st := &State{
		Name: "api",
		Config: map[string]any{
			"handler":    "index.handler",
			"memorySize": Conflict{Base: json.Number("512"), Ours: json.Number("1024"), Theirs: json.Number("2048"), HasBase: true, HasOurs: true, HasTheirs: true},
			"timeout":    json.Number("60"),
			"environmentVariables": map[string]any{
				"A":      "1",
				"DB_URL": &Conflict{Base: "old", Theirs: "console", HasBase: true, HasTheirs: true},
			},
		},
		Triggers: map[string]map[string]any{
			"http": {"triggerType": "http", "config": map[string]any{
				"methods": &Conflict{Ours: []any{"GET"}, Theirs: []any{"GET", "POST"}, HasOurs: true, HasTheirs: true},
			}},
		},
	}
	opts := EncodeOptions{OursLabel: "HEAD", TheirsLabel: "fcgit/online"}
	got, err := EncodeWithConflicts(st, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := `# Function Compute function "api". Fields: FC 3.0 API names; see docs/.

handler = "index.handler"
<<<<<<< HEAD
memorySize = 1024
=======
memorySize = 2048
>>>>>>> fcgit/online
timeout = 60

[environmentVariables]
A = "1"
<<<<<<< HEAD
=======
DB_URL = "console"
>>>>>>> fcgit/online

[triggers.http]
triggerType = "http"

[triggers.http.config]
<<<<<<< HEAD
methods = ["GET"]
=======
methods = ["GET", "POST"]
>>>>>>> fcgit/online
`
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}

	opts.BaseLabel = "merged common ancestors"
	opts.MarkerSize = 9
	got, err = EncodeWithConflicts(st, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, block := range []string{
		"<<<<<<<<< HEAD\nmemorySize = 1024\n||||||||| merged common ancestors\nmemorySize = 512\n=========\nmemorySize = 2048\n>>>>>>>>> fcgit/online\n",
		"<<<<<<<<< HEAD\n||||||||| merged common ancestors\nDB_URL = \"old\"\n=========\nDB_URL = \"console\"\n>>>>>>>>> fcgit/online\n",
	} {
		if !strings.Contains(string(got), block) {
			t.Errorf("missing diff3 block %q in\n%s", block, got)
		}
	}
}

// TestConflictSidesResolve: keeping either side of every block (what a user
// or `-X ours|theirs` does) leaves a valid function.toml with that side's values.
func TestConflictSidesResolve(t *testing.T) {
	st := &State{Name: "api", Config: map[string]any{
		"memorySize": &Conflict{Base: json.Number("512"), Ours: json.Number("1024"), Theirs: json.Number("2048"), HasBase: true, HasOurs: true, HasTheirs: true},
		"vpcConfig":  &Conflict{Ours: map[string]any{"vpcId": "vpc-1", "vSwitchIds": []any{"a"}}, HasOurs: true},
		"handler":    "h",
	}}
	text, err := EncodeWithConflicts(st, nil, EncodeOptions{OursLabel: "HEAD", TheirsLabel: "fcgit/online", BaseLabel: "base"})
	if err != nil {
		t.Fatal(err)
	}
	for _, side := range []string{"ours", "theirs"} {
		resolved := resolveMarkers(string(text), side)
		got := mustDecode(t, resolved)
		wantMem := map[string]string{"ours": "1024", "theirs": "2048"}[side]
		if !valuesEqual(got.Config["memorySize"], json.Number(wantMem)) {
			t.Errorf("%s: memorySize = %v", side, got.Config["memorySize"])
		}
		_, hasVPC := got.Config["vpcConfig"]
		if hasVPC != (side == "ours") {
			t.Errorf("%s: vpcConfig present = %v\n%s", side, hasVPC, resolved)
		}
	}
}

// resolveMarkers keeps one side of every conflict block, as git checkout --ours/--theirs would.
func resolveMarkers(text, side string) string {
	var out bytes.Buffer
	section := ""
	for _, line := range strings.SplitAfter(text, "\n") {
		switch {
		case strings.HasPrefix(line, "<<<<<<<"):
			section = "ours"
		case strings.HasPrefix(line, "|||||||"):
			section = "base"
		case strings.HasPrefix(line, "======="):
			section = "theirs"
		case strings.HasPrefix(line, ">>>>>>>"):
			section = ""
		case section == "" || section == side:
			out.WriteString(line)
		}
	}
	return out.String()
}
