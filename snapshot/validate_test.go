package snapshot

import (
	"fmt"
	"strings"
	"testing"
)

// checkBase starts every file Check is tried on: lines 1 and 2.
const checkBase = "handler = \"index.handler\"\nruntime = \"python3.10\"\n"

// checkFile decodes base+text as functions/api/function.toml and checks it
// against online (a file's text, "" for a function not online), returning
// every problem as "LINE: message".
func checkFile(t *testing.T, base, text, online string) []string {
	t.Helper()
	const path = "functions/api/function.toml"
	data := []byte(base + text)
	st, problems := DecodeAll(path, data, "api")
	if st == nil {
		t.Fatalf("DecodeAll: %v", problems)
	}
	var on *State
	if online != "" {
		var err error
		if on, err = Decode(path, []byte(base+online), "api"); err != nil {
			t.Fatalf("online file: %v", err)
		}
	}
	problems = append(problems, Check(path, data, st, on)...)
	problems.Sort()
	var out []string
	for _, p := range problems {
		if p.Path != path {
			t.Errorf("problem %v names %s, want %s", p, p.Path, path)
		}
		out = append(out, fmt.Sprintf("%d: %s", p.Line, p.Msg))
	}
	return out
}

// customBase is checkBase for a custom runtime.
const customBase = "handler = \"index.handler\"\nruntime = \"custom.debian10\"\n"

var checkRefusals = []struct {
	name   string
	base   string // checkBase when empty
	text   string
	online string
	want   []string
}{
	// Values of the function.
	{"memory not a multiple of 64", "", "memorySize = 1000\n", "",
		[]string{"3: memorySize = 1000: FC takes a multiple of 64 from 128 to 32768 (MB)"}},
	{"memory too small", "", "memorySize = 64\n", "",
		[]string{"3: memorySize = 64: FC takes a multiple of 64 from 128 to 32768 (MB)"}},
	{"memory negative", "", "memorySize = -512\n", "",
		[]string{"3: memorySize = -512: FC takes a multiple of 64 from 128 to 32768 (MB)"}},
	{"cpu not a step of 0.05", "", "cpu = 0.33\nmemorySize = 1024\n", "",
		[]string{"3: cpu = 0.33: FC takes a multiple of 0.05 from 0.05 to 16 (vCPU)"}},
	{"cpu over 16", "", "cpu = 16.05\nmemorySize = 32768\n", "",
		[]string{"3: cpu = 16.05: FC takes a multiple of 0.05 from 0.05 to 16 (vCPU)"}},
	{"cpu above memory in GB", "", "cpu = 4.0\nmemorySize = 1024\n", "",
		[]string{"3: cpu = 4.0 with memorySize = 1024: FC takes cpu : memory (GB) from 1:1 to 1:4, so cpu from 0.25 to 1 here"}},
	{"cpu below a quarter of the memory", "", "cpu = 0.5\nmemorySize = 4096\n", "",
		[]string{"3: cpu = 0.5 with memorySize = 4096: FC takes cpu : memory (GB) from 1:1 to 1:4, so cpu from 1 to 4 here"}},
	{"cpu with FC's default memory", "", "cpu = 2\n", "",
		[]string{"3: cpu = 2 with memorySize = 512 (FC's default): FC takes cpu : memory (GB) from 1:1 to 1:4, so cpu from 0.125 to 0.5 here"}},
	{"disk size zero", "", "diskSize = 0\n", "",
		[]string{"3: diskSize = 0: FC takes 512 or 10240 (MB)"}},
	{"disk size between", "", "diskSize = 1024\n", "",
		[]string{"3: diskSize = 1024: FC takes 512 or 10240 (MB)"}},
	{"timeout over a day", "", "timeout = 86401\n", "",
		[]string{"3: timeout = 86401: FC takes 1 to 86400 (seconds)"}},
	{"timeout zero", "", "timeout = 0\n", "",
		[]string{"3: timeout = 0: FC takes 1 to 86400 (seconds)"}},
	{"instance concurrency over 200", customBase, "instanceConcurrency = 201\n", "",
		[]string{"3: instanceConcurrency = 201: FC takes 1 to 200"}},
	{"instance concurrency on a built-in runtime", "", "instanceConcurrency = 10\n", "",
		[]string{`3: instanceConcurrency = 10 with runtime = "python3.10": FC takes more than 1 only on custom runtimes (custom, custom.debian10, custom.debian11, custom.debian12, custom-container)`}},
	{"negative idle timeout", "", "idleTimeout = -1\n", "",
		[]string{"3: idleTimeout = -1: FC takes 0 or more (seconds)"}},
	{"long description", "", "description = \"" + strings.Repeat("é", 257) + "\"\n", "",
		[]string{"3: description: 257 characters; FC takes at most 256"}},
	{"six layers", "", "layers = [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\"]\n", "",
		[]string{"3: layers: 6 layers; FC takes at most 5"}},
	// Environment variables.
	{"variable name starting with a digit", "", "[environmentVariables]\n1PORT = \"80\"\n", "",
		[]string{"4: environmentVariables.1PORT: FC takes variable names of letters, digits and _, starting with a letter"}},
	{"variable name with a dash", "", "[environmentVariables]\nMY-VAR = \"x\"\n", "",
		[]string{"4: environmentVariables.MY-VAR: FC takes variable names of letters, digits and _, starting with a letter"}},
	{"variable FC_*", "", "[environmentVariables]\nFC_REGION = \"x\"\n", "",
		[]string{"4: environmentVariables.FC_REGION: FC reserves this name (FC_* and accessKeyID, accessKeySecret, securityToken, topic) for its own variables; rename it"}},
	{"variable topic", "", "[environmentVariables]\ntopic = \"x\"\n", "",
		[]string{"4: environmentVariables.topic: FC reserves this name (FC_* and accessKeyID, accessKeySecret, securityToken, topic) for its own variables; rename it"}},
	{"variables over 4 KB", "", "[environmentVariables]\nA = \"" + strings.Repeat("x", 4000) + "\"\nB = \"" + strings.Repeat("y", 100) + "\"\n", "",
		[]string{"3: environmentVariables: 4102 bytes of names and values; FC takes at most 4096 (4 KB) in total"}},
	// Tags.
	{"18 tags", "", "[tags]\n" + tagLines(18), "",
		[]string{"3: tags: 18 tags; FC takes at most 17 (20 per function, 3 of them fcgit's deploy records: fcgit-commit, fcgit-content, fcgit-secrets)"}},
	{"tag key too long", "", "[tags]\n" + strings.Repeat("k", 65) + " = \"v\"\n", "",
		[]string{"4: tags." + strings.Repeat("k", 65) + ": FC takes tag keys of 1 to 64 characters"}},
	{"tag key aliyun", "", "[tags]\nAliyun-team = \"a\"\n", "",
		[]string{"4: tags.Aliyun-team: FC reserves tag keys starting with aliyun or acs: for Alibaba Cloud's own tags; rename it"}},
	{"tag key acs:", "", "[tags]\n\"acs:x\" = \"a\"\n", "",
		[]string{"4: tags.\"acs:x\": FC reserves tag keys starting with aliyun or acs: for Alibaba Cloud's own tags; rename it"}},
	{"tag key with a URL", "", "[tags]\n\"see-https://x\" = \"a\"\n", "",
		[]string{"4: tags.\"see-https://x\": FC takes no http:// or https:// in a tag key"}},
	{"tag value too long", "", "[tags]\nteam = \"" + strings.Repeat("v", 129) + "\"\n", "",
		[]string{"4: tags.team: 129 characters; FC takes at most 128"}},
	{"tag value with a URL", "", "[tags]\ndocs = \"http://wiki\"\n", "",
		[]string{"4: tags.docs = \"http://wiki\": FC takes no http:// or https:// in a tag value"}},
	// Triggers.
	{"51 triggers", "", triggerTables(51), "",
		[]string{"4: triggers: 51 triggers; FC takes at most 50"}},
	{"trigger name with a space", "", "[triggers.\"my web\"]\ntriggerType = \"timer\"\n", "",
		[]string{`3: triggers."my web": invalid trigger name "my web": FC trigger names are 1-128 characters of A-Z a-z 0-9 _ -, not starting with a digit or -`}},
	{"http auth type", "", "[triggers.web]\ntriggerType = \"http\"\n\n[triggers.web.config]\nauthType = \"none\"\nmethods = [\"GET\"]\n", "",
		[]string{`7: triggers.web.config.authType = "none": FC takes anonymous, function or jwt`}},
	{"http methods as a string", "", "[triggers.web]\ntriggerType = \"http\"\n\n[triggers.web.config]\nmethods = \"GET\"\n", "",
		[]string{`7: triggers.web.config.methods: want an array of strings (e.g. ["a", "b"]), got string "GET"`}},
	{"http method unknown", "", "[triggers.web]\ntriggerType = \"http\"\n\n[triggers.web.config]\nmethods = [\"GET\", \"FETCH\"]\n", "",
		[]string{`7: triggers.web.config.methods = ["GET", "FETCH"]: FC takes one or more of GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS`}},
	{"http no methods", "", "[triggers.web]\ntriggerType = \"http\"\n\n[triggers.web.config]\nmethods = []\n", "",
		[]string{`7: triggers.web.config.methods = []: FC takes one or more of GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS`}},
	{"function field in an http config", "", "[triggers.web]\ntriggerType = \"http\"\n\n[triggers.web.config]\nmemorySize = 1000\nmethods = [\"GET\"]\n", "",
		[]string{"7: triggers.web.config.memorySize: not a Function Compute field fcgit knows, and not set online either, so FC would not keep it"}},
	{"http config typo", "", "[triggers.web]\ntriggerType = \"http\"\n\n[triggers.web.config]\nmethod = [\"GET\"]\n", "",
		[]string{`7: triggers.web.config.method: not a Function Compute field fcgit knows, and not set online either, so FC would not keep it; did you mean "methods"?`}},
	{"http cors type", "", "[triggers.web]\ntriggerType = \"http\"\n\n[triggers.web.config]\nmethods = [\"GET\"]\n\n[triggers.web.config.corsConfig]\nmaxAge = \"1h\"\n", "",
		[]string{`10: triggers.web.config.corsConfig.maxAge: want an integer, got string "1h"`}},
	{"timer enable type", "", "[triggers.cron]\ntriggerType = \"timer\"\n\n[triggers.cron.config]\ncronExpression = \"@every 5m\"\nenable = \"yes\"\n", "",
		[]string{`8: triggers.cron.config.enable: want true or false, got string "yes"`}},
	{"oss filter typo", "", "[triggers.up]\ntriggerType = \"oss\"\n\n[triggers.up.config]\nevents = [\"oss:ObjectCreated:*\"]\n\n[triggers.up.config.filter.key]\nprefx = \"in/\"\n", "",
		[]string{`10: triggers.up.config.filter.key.prefx: not a Function Compute field fcgit knows, and not set online either, so FC would not keep it; did you mean "prefix"?`}},
	{"tablestore config not empty", "", "[triggers.ots]\ntriggerType = \"tablestore\"\n\n[triggers.ots.config]\ntable = \"t\"\n", "",
		[]string{"6: triggers.ots.config: a table with members; FC takes an empty configuration for tablestore triggers (the table is named by sourceArn); remove its members"}},
	// Aliases.
	{"stray weight under an alias", "", "[aliases.prod]\nversionId = \"1\"\nweight = 0.1\n", "",
		[]string{`5: aliases.prod.weight: not a Function Compute field fcgit knows, and not set online either, so FC would not keep it; a canary weight goes in the table [aliases.prod.additionalVersionWeight], by version ("2" = 0.1)`}},
	{"weight left under the alias (quoted)", "", "[aliases.prod]\nversionId = \"1\"\n\"2\" = 0.1\n", "",
		[]string{"5: aliases.prod.2: not a Function Compute field fcgit knows, and not set online either, so FC would not keep it; a canary weight goes in the table [aliases.prod.additionalVersionWeight] (2 = 0.1)"}},
	{"weight left under the alias (bare)", "", "[aliases.prod]\nversionId = \"1\"\n2 = 0.1\n", "",
		[]string{"5: aliases.prod.2: not a Function Compute field fcgit knows, and not set online either, so FC would not keep it; a canary weight goes in the table [aliases.prod.additionalVersionWeight] (2 = 0.1)"}},
	{"version id not digits", "", "[aliases.prod]\nversionId = \"v1\"\n", "",
		[]string{`4: aliases.prod.versionId = "v1": FC takes a published version's id, digits as a string (e.g. "1"); or name the version by the commit it was published from, "commit:<id>", which fcgit resolves in each target`}},
	{"version id a number", "", "[aliases.prod]\nversionId = 1\n", "",
		[]string{"4: aliases.prod.versionId: want a string, got integer 1"}},
	{"alias description too long", "", "[aliases.prod]\nversionId = \"1\"\ndescription = \"" + strings.Repeat("d", 300) + "\"\n", "",
		[]string{"5: aliases.prod.description: 300 characters; FC takes at most 256"}},
	{"weight key not a version", "", "[aliases.prod]\nversionId = \"1\"\n\n[aliases.prod.additionalVersionWeight]\nv2 = 0.1\n", "",
		[]string{`7: aliases.prod.additionalVersionWeight.v2: FC takes version ids here (digits, e.g. "2" = 0.1), or versions named by their commit ("commit:<id>" = 0.1)`}},
	{"weight over 1", "", "[aliases.prod]\nversionId = \"1\"\n\n[aliases.prod.additionalVersionWeight]\n2 = 1.5\n", "",
		[]string{"6: aliases.prod.additionalVersionWeight: the weights add up to 1.5; FC takes at most 1 in total",
			"7: aliases.prod.additionalVersionWeight.2 = 1.5: FC takes 0 to 1 (of the alias's traffic)"}},
	{"weights adding up over 1", "", "[aliases.prod]\nversionId = \"1\"\n\n[aliases.prod.additionalVersionWeight]\n2 = 0.6\n3 = 0.5\n", "",
		[]string{"6: aliases.prod.additionalVersionWeight: the weights add up to 1.1; FC takes at most 1 in total"}},
	{"weight for the alias's own version", "", "[aliases.prod]\nversionId = \"2\"\n\n[aliases.prod.additionalVersionWeight]\n2 = 0.1\n", "",
		[]string{"7: aliases.prod.additionalVersionWeight.2: version 2 is the alias's own version (versionId); FC takes weights for other versions only"}},
	{"weight not a number", "", "[aliases.prod]\nversionId = \"1\"\n\n[aliases.prod.additionalVersionWeight]\n2 = \"0.1\"\n", "",
		[]string{`7: aliases.prod.additionalVersionWeight.2: want a number, got string "0.1"`}},
	{"alias name starting with a digit", "", "[aliases.1bad]\nversionId = \"1\"\n", "",
		[]string{`3: aliases.1bad: invalid alias name "1bad": FC alias names are 1-128 characters of A-Z a-z 0-9 _ -, not starting with a digit or -, and not LATEST`}},
	{"alias named LATEST", "", "[aliases.LATEST]\nversionId = \"1\"\n", "",
		[]string{`3: aliases.LATEST: invalid alias name "LATEST": FC alias names are 1-128 characters of A-Z a-z 0-9 _ -, not starting with a digit or -, and not LATEST`}},
	// Settings.
	{"event age zero", "", "[asyncInvokeConfig.LATEST]\nmaxAsyncEventAgeInSeconds = 0\n", "",
		[]string{"4: asyncInvokeConfig.LATEST.maxAsyncEventAgeInSeconds = 0: FC takes 1 to 604800 (seconds)"}},
	{"event age over a week", "", "[asyncInvokeConfig.prod]\nmaxAsyncEventAgeInSeconds = 604801\n", "",
		[]string{"4: asyncInvokeConfig.prod.maxAsyncEventAgeInSeconds = 604801: FC takes 1 to 604800 (seconds)"}},
	{"nine retries", "", "[asyncInvokeConfig.LATEST]\nmaxAsyncRetryAttempts = 9\n", "",
		[]string{"4: asyncInvokeConfig.LATEST.maxAsyncRetryAttempts = 9: FC takes 0 to 8"}},
	{"reserved concurrency over 90", "", "[concurrencyConfig]\nreservedConcurrency = 91\n", "",
		[]string{"4: concurrencyConfig.reservedConcurrency = 91: FC takes at most 90% of the region's instance quota: 90 with the default quota of 100 (with a raised quota, set the value in the console and pull: a value FC holds is not checked)"}},
	{"provisioned for a version", "", "[provisionConfig.3]\ndefaultTarget = 1\n", "",
		[]string{"3: provisionConfig.3: FC provisions instances for LATEST or an alias, not a version: write [provisionConfig.<alias>]"}},
	{"provisioned target over 10000", "", "[provisionConfig.LATEST]\ndefaultTarget = 10001\n", "",
		[]string{"4: provisionConfig.LATEST.defaultTarget = 10001: FC takes 0 to 10000 (instances)"}},
	// Keys FC would not keep.
	{"unknown key far from any name", "", "memory = 1024\n", "",
		[]string{`3: memory: not a Function Compute field fcgit knows, and not set online either, so FC would not keep it; did you mean "memorySize"?`}},
	{"unknown key in a setting", "", "[asyncInvokeConfig.LATEST]\nretries = 2\n", "",
		[]string{"4: asyncInvokeConfig.LATEST.retries: not a Function Compute field fcgit knows, and not set online either, so FC would not keep it"}},
	// Sizes.
	{"a string over 64 KiB", "", "[environmentVariables]\nBLOB = \"" + strings.Repeat("x", MaxStringLen+1) + "\"\n", "",
		[]string{"3: environmentVariables: 65541 bytes of names and values; FC takes at most 4096 (4 KB) in total",
			"4: environmentVariables.BLOB: a string of 65537 bytes; fcgit reads at most 65536 (64 KiB) back from FC"}},
	// Limits FC already holds online are not checked again; others are.
	{"online value changed", "", "memorySize = 1000\n", "memorySize = 100000\n",
		[]string{"3: memorySize = 1000: FC takes a multiple of 64 from 128 to 32768 (MB)"}},
	{"unknown key online with another value", "", "[aliases.prod]\nversionId = \"1\"\nweight = 0.2\n", "[aliases.prod]\nversionId = \"1\"\n",
		[]string{`5: aliases.prod.weight: not a Function Compute field fcgit knows, and not set online either, so FC would not keep it; a canary weight goes in the table [aliases.prod.additionalVersionWeight], by version ("2" = 0.1)`}},
}

func tagLines(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "t%02d = \"v\"\n", i)
	}
	return b.String()
}

func triggerTables(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "\n[triggers.t%02d]\ntriggerType = \"timer\"\n", i)
	}
	return b.String()
}

func TestCheckRefuses(t *testing.T) {
	for _, tt := range checkRefusals {
		t.Run(tt.name, func(t *testing.T) {
			base := tt.base
			if base == "" {
				base = checkBase
			}
			got := checkFile(t, base, tt.text, tt.online)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestCheckAccepts(t *testing.T) {
	tests := []struct {
		name   string
		base   string
		text   string
		online string
	}{
		{"limits of memory, cpu, disk, timeout", "", "cpu = 0.05\nmemorySize = 128\ndiskSize = 10240\ntimeout = 86400\nidleTimeout = 0\n", ""},
		{"largest function", "", "cpu = 16\nmemorySize = 32768\n", ""},
		{"cpu : memory 1:1 and 1:4", "", "cpu = 1\nmemorySize = 1024\n", ""},
		{"cpu : memory 1:4", "", "cpu = 0.25\nmemorySize = 1024\n", ""},
		{"cpu and memory of a GPU function", "", "cpu = 8\nmemorySize = 1024\n\n[gpuConfig]\ngpuType = \"fc.gpu.tesla.1\"\ngpuMemorySize = 16384\n", ""},
		{"instance concurrency on a custom runtime", customBase, "instanceConcurrency = 200\n", ""},
		{"instance concurrency in a container", "handler = \"x\"\nruntime = \"custom-container\"\n", "instanceConcurrency = 20\n", ""},
		{"256 characters of description", "", "description = \"" + strings.Repeat("é", 256) + "\"\n", ""},
		{"five layers", "", "layers = [\"a\", \"b\", \"c\", \"d\", \"e\"]\n", ""},
		{"variables", "", "[environmentVariables]\nPORT = \"80\"\nmy_var_2 = \"x\"\nFCX = \"not FC_\"\nDB_PASSWORD = {secret = \"env:DB_PASSWORD\"}\n", ""},
		{"17 tags", "", "[tags]\n" + tagLines(17), ""},
		{"tags of 64 and 128 characters", "", "[tags]\n" + strings.Repeat("k", 64) + " = \"" + strings.Repeat("v", 128) + "\"\nteam = \"\"\n", ""},
		{"50 triggers", "", triggerTables(50), ""},
		{"http trigger", "", "[triggers.web]\ntriggerType = \"http\"\n\n[triggers.web.config]\nauthType = \"jwt\"\ndisableURLInternet = true\nmethods = [\"GET\", \"POST\", \"PUT\", \"DELETE\", \"PATCH\", \"HEAD\", \"OPTIONS\"]\n\n[triggers.web.config.corsConfig]\nallowOrigins = [\"https://example.com\"]\nmaxAge = 3600\n", ""},
		{"timer trigger", "", "[triggers.cron]\ntriggerType = \"timer\"\n\n[triggers.cron.config]\ncronExpression = \"@every 5m\"\nenable = true\npayload = \"{}\"\n", ""},
		{"oss trigger", "", "[triggers.up]\ntriggerType = \"oss\"\n\n[triggers.up.config]\nevents = [\"oss:ObjectCreated:*\"]\n\n[triggers.up.config.filter.key]\nprefix = \"in/\"\nsuffix = \".zip\"\n", ""},
		{"log trigger", "", "[triggers.sls]\ntriggerType = \"log\"\n\n[triggers.sls.config]\nenable = true\n\n[triggers.sls.config.jobConfig]\nmaxRetryTime = 3\ntriggerInterval = 60\n\n[triggers.sls.config.logConfig]\nlogstore = \"l\"\nproject = \"p\"\n\n[triggers.sls.config.sourceConfig]\nlogstore = \"s\"\n", ""},
		{"tablestore trigger", "", "[triggers.ots]\ntriggerType = \"tablestore\"\nsourceArn = \"acs:ots:cn-hangzhou:1:instance/i/table/t\"\n\n[triggers.ots.config]\n", ""},
		{"a trigger type fcgit has no model of", "", "[triggers.k]\ntriggerType = \"kafka_future\"\n\n[triggers.k.config]\nanything = {goes = 1}\n", ""},
		{"canary", "", "[aliases.prod]\nversionId = \"1\"\n\n[aliases.prod.additionalVersionWeight]\n2 = 0.6\n\"3\" = 0.4\n", ""},
		{"settings at their limits", "", "[asyncInvokeConfig.LATEST]\nmaxAsyncEventAgeInSeconds = 604800\nmaxAsyncRetryAttempts = 0\n\n[concurrencyConfig]\nreservedConcurrency = 90\n\n[provisionConfig.prod]\ndefaultTarget = 10000\n", ""},
		// What FC holds online it took: a raised quota, a name from before.
		{"values FC holds", "", "memorySize = 100000\n\n[concurrencyConfig]\nreservedConcurrency = 300\n", "memorySize = 100000\n\n[concurrencyConfig]\nreservedConcurrency = 300\n"},
		{"unknown keys FC holds", "", "futureSetting = true\n\n[aliases.prod]\nversionId = \"1\"\nrouting = \"x\"\n\n[triggers.web]\ntriggerType = \"http\"\n\n[triggers.web.config]\nmethods = [\"GET\"]\nfutureAuth = 1\n",
			"futureSetting = true\n\n[aliases.prod]\nversionId = \"1\"\nrouting = \"x\"\n\n[triggers.web]\ntriggerType = \"http\"\n\n[triggers.web.config]\nmethods = [\"GET\"]\nfutureAuth = 1\n"},
		{"cpu and memory FC holds", "", "cpu = 4\nmemorySize = 1024\n", "cpu = 4\nmemorySize = 1024\n"},
		{"instance concurrency FC holds", "", "instanceConcurrency = 10\n", "instanceConcurrency = 10\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := tt.base
			if base == "" {
				base = checkBase
			}
			if got := checkFile(t, base, tt.text, tt.online); len(got) > 0 {
				t.Errorf("refused:\n%s", strings.Join(got, "\n"))
			}
		})
	}
}

// Every rule of the limits table has a row in checkRefusals that shows it
// refusing, with its message.
func TestEveryLimitIsShownRefusing(t *testing.T) {
	for _, l := range limits {
		found := false
		for _, row := range checkRefusals {
			for _, w := range row.want {
				if strings.HasSuffix(w, l.why) {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("no row of checkRefusals shows the limit on %s (%s)", l.path, l.why)
		}
	}
}

// One file's problems come out together: what Decode refuses and what
// Check refuses, each once, by line.
func TestDecodeAllAndCheckTogether(t *testing.T) {
	text := "handler = \"index.handler\"\nruntime = \"python3.10\"\ntimout = 10\ninstanceconcurrency = 5\nmemory = 1024\nmemorySize = \"big\"\ndiskSize = 0\n\n[environmentVariables]\nPORT = 8080\n"
	got := checkFile(t, "", text, "")
	want := []string{
		`3: timout: unknown key; did you mean "timeout"? (FC 3.0 field names are case-sensitive)`,
		`4: instanceconcurrency: unknown key; did you mean "instanceConcurrency"? (FC 3.0 field names are case-sensitive)`,
		`5: memory: not a Function Compute field fcgit knows, and not set online either, so FC would not keep it; did you mean "memorySize"?`,
		`6: memorySize: want an integer, got string "big"`,
		`7: diskSize = 0: FC takes 512 or 10240 (MB)`,
		`10: environmentVariables.PORT: want a string, got integer 8080 (FC keeps every value as a string: quote it)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDecodeAllKeepsWhatDecodes(t *testing.T) {
	text := "runtime = \"go1\"\ntimout = 10\nfunctionArn = \"x\"\n\n[vpcConfig]\nvpcId = 3\nvpcID = \"typo\"\nsecurityGroupId = \"sg\"\n\n[tags]\nteam = \"a\"\nfcgit-commit = \"x\"\n\n[triggers.web]\ntriggerType = \"http\"\nqualifer = \"LATEST\"\n"
	st, problems := DecodeAll("f.toml", []byte(text), "api")
	if len(problems) != 6 {
		t.Errorf("problems = %v, want 6 (timout, functionArn, vpcId, vpcID, fcgit-commit, qualifer)", problems)
	}
	want := map[string]any{
		"runtime":   "go1",
		"vpcConfig": map[string]any{"vpcId": num("3"), "securityGroupId": "sg"},
		"tags":      map[string]any{"team": "a"},
	}
	if !valuesEqual(st.Config, want) {
		t.Errorf("Config = %v\nwant %v", st.Config, want)
	}
	if !valuesEqual(st.Triggers["web"], map[string]any{"triggerType": "http"}) {
		t.Errorf("trigger = %v", st.Triggers["web"])
	}
	if _, err := Decode("f.toml", []byte(text), "api"); err == nil {
		t.Error("Decode accepted what DecodeAll refused")
	}
}

func TestProblemsSortByFileThenLine(t *testing.T) {
	p := Problems{
		{Path: "functions/b/function.toml", Line: 1, Msg: "b1"},
		{Path: "functions/a/function.toml", Line: 9, Msg: "a9"},
		{Path: "domains/x.toml", Msg: "x"},
		{Path: "functions/a/function.toml", Line: 2, Msg: "a2"},
	}
	p.Sort()
	want := "domains/x.toml: x\nfunctions/a/function.toml:2: a2\nfunctions/a/function.toml:9: a9\nfunctions/b/function.toml:1: b1"
	if p.Error() != want {
		t.Errorf("Error() =\n%s\nwant\n%s", p.Error(), want)
	}
}

// A file's diskSize is compared with FC's even at FC's default: 0 against
// 512 differs, and 512 against 10240 too. Absent is whatever FC chose.
func TestDiffDiskSize(t *testing.T) {
	tests := []struct {
		local, online string
		want          string
	}{
		{"diskSize = 0\n", "diskSize = 512\n", "diskSize"},
		{"diskSize = 512\n", "diskSize = 10240\n", "diskSize"},
		{"diskSize = 10240\n", "diskSize = 512\n", "diskSize"},
		{"diskSize = 512\n", "diskSize = 512\n", ""},
		{"", "diskSize = 512\n", ""},
		{"", "diskSize = 10240\n", ""},
		{"cpu = 0.5\n", "cpu = 0.35\n", "cpu"},
		{"", "cpu = 0.35\n", ""},
	}
	for _, tt := range tests {
		a := mustDecode(t, checkBase+tt.local)
		b := mustDecode(t, checkBase+tt.online)
		if got := strings.Join(Diff(a, b), ","); got != tt.want {
			t.Errorf("Diff(%q, %q) = %q, want %q", tt.local, tt.online, got, tt.want)
		}
	}
}

// "2" = 0.1 and 2 = 0.1 are one TOML key: the same state, written one way.
func TestCanaryWeightKeyIsCanonical(t *testing.T) {
	quoted := mustDecode(t, checkBase+"\n[aliases.prod]\nversionId = \"1\"\n\n[aliases.prod.additionalVersionWeight]\n\"2\" = 0.1\n")
	bare := mustDecode(t, checkBase+"\n[aliases.prod]\nversionId = \"1\"\n\n[aliases.prod.additionalVersionWeight]\n2 = 0.1\n")
	if d := Diff(quoted, bare); len(d) > 0 {
		t.Fatalf("Diff = %v, want none", d)
	}
	a, b := mustEncode(t, quoted, nil), mustEncode(t, bare, nil)
	if a != b {
		t.Fatalf("encodings differ:\n%s\n%s", a, b)
	}
	if !strings.Contains(a, "[aliases.prod.additionalVersionWeight]\n2 = 0.1\n") {
		t.Errorf("encoding:\n%s\nwant the bare key 2 = 0.1 in [aliases.prod.additionalVersionWeight]", a)
	}
	again := mustEncode(t, mustDecode(t, a), quoted)
	if again != a {
		t.Errorf("re-encoding changed the file:\n%s\n%s", a, again)
	}
}

// A pinned diskSize or cpu against what FC holds: the change a record that
// leaves them to FC cannot show.
func TestPinnedDiff(t *testing.T) {
	tests := []struct {
		local, online string
		want          string
	}{
		{"diskSize = 0\n", "diskSize = 512\n", "diskSize"},
		{"cpu = 1\ndiskSize = 10240\n", "cpu = 0.35\ndiskSize = 512\n", "cpu,diskSize"},
		{"diskSize = 512\n", "diskSize = 512\n", ""},
		{"cpu = 1.0\n", "cpu = 1\n", ""},
		{"", "diskSize = 512\n", ""},
		{"diskSize = 10240\nmemorySize = 1024\n", "memorySize = 512\n", ""},
	}
	for _, tt := range tests {
		got := strings.Join(PinnedDiff(mustDecode(t, checkBase+tt.local), mustDecode(t, checkBase+tt.online)), ",")
		if got != tt.want {
			t.Errorf("PinnedDiff(%q, %q) = %q, want %q", tt.local, tt.online, got, tt.want)
		}
	}
}

// Changing the runtime of a function FC holds with instanceConcurrency > 1
// (an FC 2.0-era function) does not ask for more concurrency: not refused.
// Asking for more on a built-in runtime is.
func TestConcurrencyFCHoldsSurvivesRuntimeChange(t *testing.T) {
	online := mustDecode(t, "handler = \"h\"\nruntime = \"python3.9\"\ninstanceConcurrency = 10\n")
	for _, tt := range []struct {
		text string
		want int
	}{
		{"handler = \"h\"\nruntime = \"python3.10\"\ninstanceConcurrency = 10\n", 0},
		{"handler = \"h\"\nruntime = \"python3.10\"\ninstanceConcurrency = 20\n", 1},
	} {
		local := mustDecode(t, tt.text)
		if got := Check("f.toml", []byte(tt.text), local, online); len(got) != tt.want {
			t.Errorf("%q: problems %v, want %d", tt.text, got, tt.want)
		}
	}
}

func TestCheckDomainUnknownKeys(t *testing.T) {
	const path = "domains/api.example.com.toml"
	text := "protocol = \"HTTP\"\nfutureFlag = 1\n\n[[routeConfig.routes]]\npath = \"/*\"\nfunctionName = \"api\"\nweight = 2\n"
	st, err := DecodeDomain(path, []byte(text), "api.example.com")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range CheckDomain(path, []byte(text), st, nil) {
		got = append(got, p.Error())
	}
	want := []string{
		path + ":2: futureFlag: not a Function Compute custom domain field fcgit knows, and not set online either, so FC would not keep it",
		path + ":7: routeConfig.routes.weight: not a Function Compute custom domain field fcgit knows, and not set online either, so FC would not keep it",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// What FC holds it keeps.
	if p := CheckDomain(path, []byte(text), st, st); len(p) > 0 {
		t.Errorf("refused keys FC holds: %v", p)
	}
}
