package snapshot

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestDecodeErrors(t *testing.T) {
	const path = "functions/api/function.toml"
	tests := []struct {
		name string
		text string
		want []string // each must appear in the error
	}{
		{"syntax error", "runtime = \"go1\"\nmemorySize = \n", []string{path + ":2: TOML syntax error"}},
		{"duplicate key", "timeout = 1\ntimeout = 2\n", []string{path + ":2: TOML syntax error"}},
		{"wrong type", "# c\nruntime = \"go1\"\n\n\n\n\nmemorySize = \"big\"\n", []string{path + `:7: memorySize: want an integer, got string "big"`}},
		{"float for integer", "timeout = 3.5\n", []string{path + ":1: timeout: want an integer, got float 3.5"}},
		{"typo", "runtime = \"go1\"\nmemorySise = 1024\n", []string{path + `:2: memorySise: unknown key; did you mean "memorySize"?`}},
		{"wrong case", "MemorySize = 1024\n", []string{`:1: MemorySize: unknown key; did you mean "memorySize"?`}},
		{"read-only", "runtime = \"go1\"\nfunctionArn = \"acs:fc:x\"\n", []string{path + ":2: functionArn: read-only field set by FC; remove this line"}},
		{"nested read-only", "[customContainerConfig]\nimage = \"x\"\nresolvedImageUri = \"y\"\n", []string{path + ":3: customContainerConfig.resolvedImageUri: read-only"}},
		{"functionName differs", "functionName = \"other\"\n", []string{path + `:1: functionName: string "other" differs from the directory name "api"`}},
		{"code", "code = \"x\"\n", []string{path + ":1: code: not allowed", "code/ directory"}},
		{"tags not a table", "tags = []\n", []string{path + ":1: tags: want a table of strings"}},
		{"stamp tag", "[tags]\nteam = \"a\"\nfcgit-commit = \"x\"\n", []string{path + ":3: tags.fcgit-commit: tags named fcgit-* are fcgit's deploy records"}},
		{"nested type", "[vpcConfig]\nvpcId = \"v\"\nvSwitchIds = \"vsw-1\"\n", []string{path + ":3: vpcConfig.vSwitchIds: want an array of strings"}},
		{"env value not string", "[environmentVariables]\nA = \"1\"\nPORT = 8080\n", []string{path + ":3: environmentVariables.PORT: want a string, got integer 8080", "quote it"}},
		{"nested typo", "[vpcConfig]\nvpcID = \"v\"\n", []string{path + `:2: vpcConfig.vpcID: unknown key; did you mean "vpcId"?`}},
		{"mount point type", "[nasConfig]\nmountPoints = [\n  {serverAddr = 1, mountDir = \"/mnt\"},\n]\n", []string{path + ":2: nasConfig.mountPoints.serverAddr: want a string, got integer 1"}},
		{"trigger without type", "runtime = \"go1\"\n\n[triggers.http]\nqualifier = \"LATEST\"\n", []string{path + ":3: triggers.http: missing triggerType"}},
		{"trigger read-only", "[triggers.http]\ntriggerType = \"http\"\ntriggerId = \"x\"\n", []string{path + ":3: triggers.http.triggerId: read-only"}},
		{"trigger JSON string config", "[triggers.http]\ntriggerType = \"http\"\ntriggerConfig = \"{}\"\n", []string{path + ":3: triggers.http.triggerConfig: write the trigger's configuration as the table [triggers.http.config]"}},
		{"trigger name differs", "[triggers.http]\ntriggerType = \"http\"\ntriggerName = \"web\"\n", []string{path + `:3: triggers.http.triggerName: string "web" differs`}},
		{"trigger typo", "[triggers.http]\ntriggerType = \"http\"\nqualifer = \"LATEST\"\n", []string{path + `:3: triggers.http.qualifer: unknown key; did you mean "qualifier"?`}},
		{"trigger config not table", "[triggers.http]\ntriggerType = \"http\"\nconfig = 1\n", []string{path + ":3: triggers.http.config: want a table"}},
		{"datetime", "futureWhen = 2024-01-01T00:00:00Z\n", []string{path + ":1: futureWhen: dates and times"}},
		{"several, by line", "timeout = \"x\"\nmemorySize = \"y\"\n", []string{path + ":1: timeout", path + ":2: memorySize"}},
		{"after multi-line string and array", "description = \"\"\"\nmemorySize = 1\n\"\"\"\nlayers = [\n  \"a\", # c\n  \"b\",\n]\ntimeout = \"x\"\n", []string{path + ":8: timeout: want an integer"}},
		{"quoted dotted header", "[triggers.\"a.b\"]\ndescription = \"d\"\n", []string{path + `:1: triggers.a.b: missing triggerType`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(path, []byte(tt.text), "api")
			if err == nil {
				t.Fatalf("Decode accepted:\n%s", tt.text)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
			var de *DecodeError
			if !errors.As(err, &de) || de.Path != path {
				t.Errorf("error %v is not a *DecodeError for %s", err, path)
			}
		})
	}
}

func TestDecodeBadDirectoryName(t *testing.T) {
	for _, name := range []string{"", "1abc", "-x", "has space", "a/b", strings.Repeat("a", 65)} {
		if _, err := Decode("f.toml", []byte("runtime = \"go1\"\n"), name); err == nil {
			t.Errorf("name %q accepted", name)
		}
	}
}

func TestDecodeAccepts(t *testing.T) {
	text := `functionName = "api"
runtime = "go1"
cpu = 1
futureFlag = true
brandNewSetting = {mode = "x", level = 2}
memorySize = 1_024

[[nasConfig.mountPoints]]
serverAddr = "a:/"
mountDir = "/mnt/a"

[triggers.http]
triggerName = "http"
triggerType = "http"
futureTriggerField = "kept"

[triggers.http.config]
methods = ["GET"]
anything = {goes = [1, 2.5, "x"]}
`
	st := mustDecode(t, text)
	wantCfg := map[string]any{
		"runtime": "go1", "cpu": json.Number("1"), "futureFlag": true, "memorySize": json.Number("1024"),
		"brandNewSetting": map[string]any{"mode": "x", "level": json.Number("2")},
		"nasConfig":       map[string]any{"mountPoints": []any{map[string]any{"serverAddr": "a:/", "mountDir": "/mnt/a"}}},
	}
	if !valuesEqual(st.Config, wantCfg) {
		t.Errorf("Config = %v\nwant %v", st.Config, wantCfg)
	}
	wantTrigger := map[string]any{"triggerType": "http", "futureTriggerField": "kept",
		"config": map[string]any{"methods": []any{"GET"}, "anything": map[string]any{"goes": []any{json.Number("1"), json.Number("2.5"), "x"}}}}
	if !valuesEqual(st.Triggers["http"], wantTrigger) {
		t.Errorf("trigger = %v\nwant %v", st.Triggers["http"], wantTrigger)
	}
}

func TestKeyLines(t *testing.T) {
	text := "a = 1\n" +
		"b.c = 'x' # comment = 3\n" +
		"s = \"\"\"\nfake = 1\n\"\"\"\n" +
		"arr = [\n  {x = 1},\n  '[t]',\n]\n" +
		"[tbl . \"quoted.key\"]\n" +
		"k = \"v\"\n" +
		"[[list]]\n" +
		"item = 1\n"
	kl := locateKeys(text)
	tests := []struct {
		path []string
		line int
	}{
		{[]string{"a"}, 1}, {[]string{"b"}, 2}, {[]string{"b", "c"}, 2}, {[]string{"s"}, 3},
		{[]string{"fake"}, 0}, {[]string{"arr"}, 6}, {[]string{"tbl", "quoted.key"}, 10},
		{[]string{"tbl", "quoted.key", "k"}, 11}, {[]string{"list", "item"}, 13}, {[]string{"a", "missing"}, 1},
	}
	for _, tt := range tests {
		if got := kl.line(tt.path); got != tt.line {
			t.Errorf("line(%q) = %d, want %d", tt.path, got, tt.line)
		}
	}
}
