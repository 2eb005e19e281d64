package emulator

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ruleCase is one request against one of FC's documented rules: refused
// with status, code and a message containing want, or served (status 2xx,
// want "").
type ruleCase struct {
	name   string
	method string
	path   string
	query  url.Values
	body   any
	status int
	code   string
	want   string
}

func runRules(t *testing.T, c *apiClient, tests []ruleCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do(tc.method, tc.path, tc.query, tc.body)
			msg, _ := r.JSON["Message"].(string)
			if r.Status != tc.status || r.code() != tc.code || !strings.Contains(msg, tc.want) {
				t.Fatalf("got %d %s %q, want %d %s containing %q", r.Status, r.code(), msg, tc.status, tc.code, tc.want)
			}
		})
	}
}

func createBody(t *testing.T, name string, over map[string]any) map[string]any {
	m := map[string]any{
		"functionName": name, "runtime": "python3.10", "handler": "index.handler",
		"code": zipCode(makeZip(t, map[string]string{"index.py": "x = 1\n"})),
	}
	for k, v := range over {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

func TestFunctionRules(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	c.createFunction("py", map[string]any{"memorySize": 1024, "cpu": 0.5})
	c.expect(200, http.MethodPost, "/2023-03-30/functions", nil, map[string]any{
		"functionName": "img", "runtime": "custom-container", "handler": "h", "customContainerConfig": map[string]any{"image": "registry/x:1"},
	})
	post, put := http.MethodPost, http.MethodPut
	fns := "/2023-03-30/functions"
	env := func(n int) map[string]any { // JSON of {"A":"xxx…"} is n bytes
		return map[string]any{"A": strings.Repeat("x", n-len(`{"A":""}`))}
	}
	var layers []any
	for i := range 6 {
		layers = append(layers, "acs:fc:cn-hangzhou:1234567890123456:layers/l"+string(rune('a'+i))+"/versions/1")
	}
	runRules(t, c, []ruleCase{
		{"cpu 1:1", post, fns, nil, createBody(t, "r1", map[string]any{"memorySize": 1024, "cpu": 1}), 200, "", ""},
		{"cpu 1:4", post, fns, nil, createBody(t, "r2", map[string]any{"memorySize": 1024, "cpu": 0.25}), 200, "", ""},
		{"cpu above 1:1", post, fns, nil, createBody(t, "r3", map[string]any{"memorySize": 1024, "cpu": 1.05}), 400, codeInvalidArgument,
			"cpu 1.05 and memorySize 1024 do not fit: cpu (vCPU) to memory (GB) must be between 1:1 and 1:4, so with memorySize 1024 cpu must be in [0.25, 1]"},
		{"cpu below 1:4", post, fns, nil, createBody(t, "r4", map[string]any{"memorySize": 4096, "cpu": 0.5}), 400, codeInvalidArgument, "cpu must be in [1, 4], and with cpu 0.5 memorySize must be in [512, 2048]"},
		{"cpu with the default memory", post, fns, nil, createBody(t, "r5", map[string]any{"cpu": 2}), 400, codeInvalidArgument, "with memorySize 512 cpu must be in [0.15, 0.5]"},
		{"memory changed past the stored cpu", put, fns + "/py", nil, map[string]any{"memorySize": 4096}, 400, codeInvalidArgument, "cpu 0.5 and memorySize 4096 do not fit"},
		{"cpu changed past the stored memory", put, fns + "/py", nil, map[string]any{"cpu": 2}, 400, codeInvalidArgument, "cpu 2 and memorySize 1024 do not fit"},
		{"memory and cpu changed together", put, fns + "/py", nil, map[string]any{"memorySize": 4096, "cpu": 2}, 200, "", ""},
		{"memory not a multiple of 64", put, fns + "/py", nil, map[string]any{"memorySize": 4000}, 400, codeInvalidArgument, "memorySize must be a multiple of 64 in [128, 32768]"},
		{"memory too large", put, fns + "/py", nil, map[string]any{"memorySize": 32832}, 400, codeInvalidArgument, "memorySize must be a multiple of 64 in [128, 32768]"},

		{"concurrency on a standard runtime", post, fns, nil, createBody(t, "r6", map[string]any{"instanceConcurrency": 10}), 400, codeInvalidArgument,
			"instanceConcurrency 10 is not supported by runtime 'python3.10': only custom runtimes (custom, custom-container, custom.debian10, custom.debian11, custom.debian12)"},
		{"concurrency on a custom runtime", post, fns, nil, createBody(t, "r7", map[string]any{"runtime": "custom.debian12", "instanceConcurrency": 10}), 200, "", ""},
		{"concurrency on custom-container", put, fns + "/img", nil, map[string]any{"instanceConcurrency": 200}, 200, "", ""},
		{"concurrency 1 on a standard runtime", put, fns + "/py", nil, map[string]any{"instanceConcurrency": 1}, 200, "", ""},
		{"runtime changed to standard under concurrency", put, fns + "/r7", nil, map[string]any{"runtime": "python3.10"}, 400, codeInvalidArgument, "instanceConcurrency 10 is not supported by runtime 'python3.10'"},

		{"env key with a digit first", put, fns + "/py", nil, map[string]any{"environmentVariables": map[string]any{"1A": "x"}}, 400, codeInvalidArgument, "environment variable name '1A' is invalid: must match ^[a-zA-Z][a-zA-Z0-9_]*$"},
		{"env key with a dash", put, fns + "/py", nil, map[string]any{"environmentVariables": map[string]any{"A-B": "x"}}, 400, codeInvalidArgument, "environment variable name 'A-B' is invalid"},
		{"env key FC_", put, fns + "/py", nil, map[string]any{"environmentVariables": map[string]any{"FC_REGION": "x"}}, 400, codeInvalidArgument, "environment variable name 'FC_REGION' is reserved: names starting with FC_"},
		{"env key of injected credentials", put, fns + "/py", nil, map[string]any{"environmentVariables": map[string]any{"ALIBABA_CLOUD_ACCESS_KEY_ID": "x"}}, 400, codeInvalidArgument, "environment variable name 'ALIBABA_CLOUD_ACCESS_KEY_ID' is reserved"},
		{"env of 4 KB", put, fns + "/py", nil, map[string]any{"environmentVariables": env(4096)}, 200, "", ""},
		{"env over 4 KB", put, fns + "/py", nil, map[string]any{"environmentVariables": env(4097)}, 400, codeInvalidArgument, "environmentVariables take 4097 bytes"},
		{"env keys with underscore", put, fns + "/py", nil, map[string]any{"environmentVariables": map[string]any{"db_URL_2": "x"}}, 200, "", ""},

		{"disk size", put, fns + "/py", nil, map[string]any{"diskSize": 2048}, 400, codeInvalidArgument, "diskSize must be 512 or 10240"},
		{"disk size 10240", put, fns + "/py", nil, map[string]any{"diskSize": 10240}, 200, "", ""},
		{"timeout over a day", put, fns + "/py", nil, map[string]any{"timeout": 86401}, 400, codeInvalidArgument, "timeout must be in [1, 86400]"},
		{"timeout of a day", put, fns + "/py", nil, map[string]any{"timeout": 86400}, 200, "", ""},
		{"six layers", put, fns + "/py", nil, map[string]any{"layers": layers}, 400, codeInvalidArgument, "at most 5 layers, got 6"},
		{"five layers", put, fns + "/py", nil, map[string]any{"layers": layers[:5]}, 200, "", ""},
	})
}

func TestSettingRules(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	_, big := newTestServer(t, Options{InstanceQuota: 1000})
	for _, cl := range []*apiClient{c, big} {
		cl.createFunction("f", nil)
	}
	c.expect(200, http.MethodPost, "/2023-03-30/functions/f/versions", nil, map[string]any{})
	c.expect(200, http.MethodPost, "/2023-03-30/functions/f/aliases", nil, map[string]any{"aliasName": "prod", "versionId": "1"})
	put := http.MethodPut
	runRules(t, c, []ruleCase{
		{"reserved 90% of the quota", put, "/2023-03-30/functions/f/concurrency", nil, map[string]any{"reservedConcurrency": 90}, 200, "", ""},
		{"reserved over 90% of the quota", put, "/2023-03-30/functions/f/concurrency", nil, map[string]any{"reservedConcurrency": 91}, 400, codeInvalidArgument,
			"reservedConcurrency 91 exceeds 90: it may be at most 90% of the region's instance quota (100)"},
		{"provision on a version", put, "/2023-03-30/functions/f/provision-config", url.Values{"qualifier": {"1"}}, map[string]any{"defaultTarget": 1}, 400, codeInvalidArgument,
			"qualifier '1' is a version: a provision config is set on an alias or LATEST, not on a version"},
		{"provision on an alias", put, "/2023-03-30/functions/f/provision-config", url.Values{"qualifier": {"prod"}}, map[string]any{"defaultTarget": 1}, 200, "", ""},
		{"provision on LATEST", put, "/2023-03-30/functions/f/provision-config", url.Values{"qualifier": {"LATEST"}}, map[string]any{"defaultTarget": 1}, 200, "", ""},
		{"publish without a change", http.MethodPost, "/2023-03-30/functions/f/versions", nil, map[string]any{}, 400, codeVersionPublishError, "No changes were made since last publish"},
	})
	runRules(t, big, []ruleCase{
		{"reserved within a raised quota", put, "/2023-03-30/functions/f/concurrency", nil, map[string]any{"reservedConcurrency": 900}, 200, "", ""},
		{"reserved over a raised quota", put, "/2023-03-30/functions/f/concurrency", nil, map[string]any{"reservedConcurrency": 901}, 400, codeInvalidArgument, "(1000)"},
	})
}

func TestTriggerAndTagRules(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{MaxTriggersPerFunction: 3})
	c.createFunction("f", nil)
	post := http.MethodPost
	triggers := "/2023-03-30/functions/f/triggers"
	http1 := func(name, cfg string) map[string]any {
		return map[string]any{"triggerName": name, "triggerType": "http", "triggerConfig": cfg}
	}
	ots := func(name string, cfg any) map[string]any {
		m := map[string]any{"triggerName": name, "triggerType": "tablestore", "sourceArn": "acs:ots:cn-hangzhou:1234567890123456:instance/i/table/t"}
		if cfg != nil {
			m["triggerConfig"] = cfg
		}
		return m
	}
	tag := func(key, value string) map[string]any {
		return map[string]any{"ResourceType": "function", "ResourceId": []string{"f"}, "Tag": []any{map[string]any{"Key": key, "Value": value}}}
	}
	tags := "/2023-03-30/tags-v2"
	runRules(t, c, []ruleCase{
		{"http without authType", post, triggers, nil, http1("h1", `{"methods":["GET"]}`), 200, "", ""},
		{"http jwt", post, triggers, nil, http1("h2", `{"methods":["GET"],"authType":"jwt","authConfig":{}}`), 200, "", ""},
		{"http unknown authType", post, triggers, nil, http1("h3", `{"methods":["GET"],"authType":"none"}`), 400, codeInvalidArgument, `http triggerConfig.authType must be anonymous, function or jwt, got "none"`},
		{"tablestore with a config", post, triggers, nil, ots("o1", `{"table":"t"}`), 400, codeInvalidArgument, "tablestore triggerConfig must be empty (its table is named by sourceArn)"},
		{"tablestore without sourceArn", post, triggers, nil, map[string]any{"triggerName": "o2", "triggerType": "tablestore"}, 400, codeInvalidArgument, "a tablestore trigger needs sourceArn"},
		{"tablestore empty", post, triggers, nil, ots("o3", ""), 200, "", ""},
		{"more triggers than the limit", post, triggers, nil, ots("o4", nil), 400, codeInvalidArgument, "function 'f' has 3 triggers, the most a function can have"},

		{"tag key of 64", post, tags, nil, tag(strings.Repeat("k", 64), "v"), 204, "", ""},
		{"tag key of 65", post, tags, nil, tag(strings.Repeat("k", 65), "v"), 400, codeInvalidArgument, "must be 1-64 characters"},
		{"tag key aliyun", post, tags, nil, tag("aliyunx", "v"), 400, codeInvalidArgument, "must not start with 'aliyun' or 'acs:'"},
		{"tag key acs:", post, tags, nil, tag("acs:x", "v"), 400, codeInvalidArgument, "must not start with 'aliyun' or 'acs:'"},
		{"tag key with a URL", post, tags, nil, tag("see-https://x", "v"), 400, codeInvalidArgument, "tag key 'see-https://x' must not contain http:// or https://"},
		{"tag value with a URL", post, tags, nil, tag("doc", "http://wiki"), 400, codeInvalidArgument, "tag value of 'doc' must not contain http:// or https://"},
		{"tag value of 128", post, tags, nil, tag("long", strings.Repeat("v", 128)), 204, "", ""},
		{"tag value of 129", post, tags, nil, tag("long", strings.Repeat("v", 129)), 400, codeInvalidArgument, "must be at most 128 characters"},
		{"empty tag value", post, tags, nil, tag("empty", ""), 204, "", ""},
	})
	// The config is echoed as sent: no authType filled in.
	if r := c.expect(200, http.MethodGet, triggers+"/h1", nil, nil); r.JSON["triggerConfig"] != `{"methods":["GET"]}` {
		t.Errorf("triggerConfig = %v", r.JSON["triggerConfig"])
	}
}

// TestRulesSpareWhatAWriteDoesNotTouch: a function stored before a rule was
// enforced (here by an earlier emulator, whose default cpu for 128 MB was
// 0.15) can still be updated in its other fields; a write that sets a
// rule's field is checked against it.
func TestRulesSpareWhatAWriteDoesNotTouch(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := `{"version":1,"urlSecret":"00","functions":{"old":{"config":{"runtime":"custom-container","handler":"h",` +
		`"customContainerConfig":{"image":"registry/x:1"},"memorySize":128,"cpu":0.15},"functionId":"f-1","createdTime":"2024-01-01T00:00:00Z",` +
		`"lastModifiedTime":"2024-01-01T00:00:00Z","codeSize":0,"settleUntil":"0001-01-01T00:00:00Z","triggers":{}}}}`
	if err := os.WriteFile(filepath.Join(dir, legacyStateFileName), []byte(state), 0o644); err != nil {
		t.Fatal(err)
	}
	_, c := newTestServer(t, Options{DataDir: dir})
	c.expect(200, http.MethodPut, "/2023-03-30/functions/old", nil, map[string]any{"timeout": 10})
	c.expectError(400, codeInvalidArgument, http.MethodPut, "/2023-03-30/functions/old", nil, map[string]any{"memorySize": 128})
	c.expect(200, http.MethodPut, "/2023-03-30/functions/old", nil, map[string]any{"memorySize": 192})
}
