package snapshot

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"sort"
	"strconv"
	"strings"

	"github.com/fcgit/fcgit/fc"
)

// gen produces realistic FC 3.0 documents from a seed: what GetFunction and
// ListTriggers return for functions people deploy (every default and empty
// shape filled in, read-only fields, layers as objects, triggerConfig as a
// JSON string), with awkward strings, unknown future fields and nulls mixed in.
type gen struct{ r *rand.Rand }

func newGen(seed int64) *gen { return &gen{r: rand.New(rand.NewSource(seed))} }

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func (g *gen) pick(xs ...string) string { return xs[g.r.Intn(len(xs))] }

// oddStrings are values that stress TOML quoting.
var oddStrings = []string{
	"", "plain", "with space", `quote " inside`, `back\slash`, "line1\nline2", "tab\there",
	"中文值", "emoji 🚀", "ctrl\x01\x1f\x7f", "# not a comment", "key = value", "[not.a.table]",
	`"""triple"""`, "'''lit'''", "trailing\\", "cr\r\nlf", "ünïcödé", "a\u2028b", "{\"json\":true}",
}

func (g *gen) oddString() string { return oddStrings[g.r.Intn(len(oddStrings))] }

func (g *gen) envKey() string {
	return g.pick("DB_URL", "LOG_LEVEL", "API_KEY", "A", "_private", "path.with.dots", "has-dash", "中文键", "with space", "x1", "NODE_ENV")
}

func (g *gen) strings(n int, f func() string) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = f()
	}
	return out
}

// function returns a GetFunction document and its ListTriggers documents.
func (g *gen) function(name string) (fc.Function, []fc.Trigger) {
	runtime := g.pick("python3.10", "python3.12", "nodejs18", "nodejs20", "go1", "java11", "custom.debian10", "custom-container", "php7.2")
	mem := g.pick("128", "512", "512", "1024", "2048", "3072")
	f := fc.Function{
		"functionName":          name,
		"functionId":            fmt.Sprintf("%08x-%04x", g.r.Uint32(), g.r.Intn(65536)),
		"functionArn":           "acs:fc:cn-hangzhou:1234567890:functions/" + name,
		"createdTime":           "2024-05-01T10:00:00Z",
		"lastModifiedTime":      "2024-06-01T11:22:33Z",
		"codeSize":              json.Number(strconv.Itoa(g.r.Intn(1 << 20))),
		"codeChecksum":          strconv.FormatUint(g.r.Uint64(), 10),
		"state":                 "Active",
		"lastUpdateStatus":      "Successful",
		"runtime":               runtime,
		"handler":               g.pick("index.handler", "main.main", "app.handler", "index.handler"),
		"memorySize":            json.Number(mem),
		"cpu":                   json.Number(g.pick("0.35", "0.5", "1", "2", "1.5", "0.05")),
		"diskSize":              json.Number(g.pick("512", "512", "10240")),
		"timeout":               json.Number(g.pick("3", "3", "60", "600", "86400")),
		"internetAccess":        g.chance(0.8),
		"description":           g.pick("", "", "order service", "line1\nline2 \"quoted\"", "描述"),
		"instanceConcurrency":   json.Number(g.pick("1", "1", "10", "100")),
		"instanceIsolationMode": g.pick("SHARE", "SHARE", "SESSION_EXCLUSIVE"),
		"sessionAffinity":       g.pick("NONE", "NONE", "MCP_SSE"),
		"role":                  g.pick("", "acs:ram::1234567890:role/fc-role"),
		"environmentVariables":  g.env(),
		"layers":                g.layers(),
		"vpcConfig":             g.vpc(),
		"nasConfig":             g.nas(),
		"ossMountConfig":        g.oss(),
		"logConfig":             g.log(),
		"tracingConfig":         map[string]any{},
	}
	if runtime == "custom-container" {
		f["customContainerConfig"] = map[string]any{
			"image":            "registry.cn-hangzhou.aliyuncs.com/ns/app:" + g.pick("v1", "latest"),
			"entrypoint":       g.strings(g.r.Intn(2), func() string { return "/app/start" }),
			"command":          g.strings(g.r.Intn(3), func() string { return g.pick("--port", "9000", "--verbose") }),
			"port":             json.Number("9000"),
			"resolvedImageUri": "registry.cn-hangzhou.aliyuncs.com/ns/app@sha256:abc",
		}
	}
	if strings.HasPrefix(runtime, "custom.") {
		f["customRuntimeConfig"] = map[string]any{
			"command": []any{"python3", "app.py"},
			"args":    g.strings(g.r.Intn(2), g.oddString),
			"port":    json.Number("9000"),
		}
	}
	if g.chance(0.4) {
		f["instanceLifecycleConfig"] = g.lifecycle()
	}
	if g.chance(0.2) {
		f["gpuConfig"] = nil // FC sends null for unset objects sometimes
	}
	if g.chance(0.3) {
		f["customDNS"] = map[string]any{
			"nameServers": g.strings(g.r.Intn(3), func() string { return g.pick("8.8.8.8", "223.5.5.5") }),
			"searches":    []any{},
			"dnsOptions":  []any{map[string]any{"name": "ndots", "value": g.pick("2", "5")}},
		}
	}
	g.future(f)
	var triggers []fc.Trigger
	for i, n := 0, g.r.Intn(4); i < n; i++ {
		triggers = append(triggers, g.trigger(name, i))
	}
	return f, triggers
}

func (g *gen) env() map[string]any {
	m := map[string]any{}
	for i, n := 0, g.r.Intn(5); i < n; i++ {
		m[g.envKey()] = g.oddString()
	}
	return m
}

func (g *gen) layers() []any {
	var out []any
	for i, n := 0, g.r.Intn(3); i < n; i++ {
		out = append(out, map[string]any{
			"arn":  fmt.Sprintf("acs:fc:cn-hangzhou:official:layers/%s/versions/%d", g.pick("Python310", "Nodejs20", "ServerlessDevs"), g.r.Intn(9)+1),
			"size": json.Number(strconv.Itoa(g.r.Intn(1 << 24))),
		})
	}
	if out == nil {
		out = []any{}
	}
	return out
}

func (g *gen) vpc() map[string]any {
	if g.chance(0.5) {
		return map[string]any{"securityGroupId": "", "vSwitchIds": []any{}, "vpcId": ""}
	}
	sw := g.strings(g.r.Intn(6)+1, func() string { return fmt.Sprintf("vsw-bp1%012x", g.r.Int63n(1<<40)) })
	return map[string]any{"securityGroupId": "sg-bp1abc", "vSwitchIds": sw, "vpcId": "vpc-bp1xyz"}
}

func (g *gen) nas() map[string]any {
	if g.chance(0.6) {
		return map[string]any{"groupId": json.Number("0"), "userId": json.Number("0"), "mountPoints": []any{}}
	}
	var mps []any
	for i, n := 0, g.r.Intn(3)+1; i < n; i++ {
		mps = append(mps, map[string]any{
			"serverAddr": fmt.Sprintf("abc%d.cn-hangzhou.nas.aliyuncs.com:/share", i),
			"mountDir":   fmt.Sprintf("/mnt/nas%d", i),
			"enableTLS":  g.chance(0.3),
		})
	}
	return map[string]any{"groupId": json.Number("10003"), "userId": json.Number("10003"), "mountPoints": mps}
}

func (g *gen) oss() map[string]any {
	if g.chance(0.7) {
		return map[string]any{"mountPoints": []any{}}
	}
	return map[string]any{"mountPoints": []any{map[string]any{
		"bucketName": "my-bucket", "bucketPath": "/data", "endpoint": "http://oss-cn-hangzhou-internal.aliyuncs.com",
		"mountDir": "/mnt/oss", "readOnly": g.chance(0.5),
	}}}
}

func (g *gen) log() map[string]any {
	if g.chance(0.5) {
		return map[string]any{"enableInstanceMetrics": false, "enableRequestMetrics": false, "logBeginRule": "None", "logstore": "", "project": ""}
	}
	return map[string]any{"enableInstanceMetrics": g.chance(0.5), "enableRequestMetrics": true,
		"logBeginRule": g.pick("None", "DefaultRegex"), "logstore": "fc-logs", "project": "my-project"}
}

func (g *gen) lifecycle() map[string]any {
	hook := func() map[string]any {
		if g.chance(0.5) {
			return map[string]any{"handler": "", "timeout": json.Number("3")}
		}
		return map[string]any{"handler": "index.init", "timeout": json.Number(g.pick("3", "10", "30"))}
	}
	return map[string]any{"initializer": hook(), "preStop": hook()}
}

// future adds fields FC may introduce after this code was written.
func (g *gen) future(f fc.Function) {
	if g.chance(0.3) {
		f["futureFlag"] = g.chance(0.5)
	}
	if g.chance(0.3) {
		f["newRoutingConfig"] = map[string]any{"mode": g.pick("fast", "safe"), "weight": json.Number(g.pick("0.25", "3", "1e3")), "targets": []any{"a", "b"}}
	}
	if g.chance(0.2) {
		f["someNullField"] = nil
	}
}

func (g *gen) trigger(fnName string, i int) fc.Trigger {
	kind := g.pick("http", "timer", "oss", "eventbridge")
	name := fmt.Sprintf("%s-%d", kind, i)
	if g.chance(0.2) {
		// FC's rule for trigger names leaves nothing TOML must quote.
		name = fmt.Sprintf("_%s_Trigger-%d", kind, i)
	}
	var cfg map[string]any
	t := fc.Trigger{
		"triggerName":      name,
		"triggerType":      kind,
		"triggerId":        fmt.Sprintf("%08x", g.r.Uint32()),
		"createdTime":      "2024-05-01T10:00:00Z",
		"lastModifiedTime": "2024-06-01T11:22:33Z",
		"status":           "Ready",
		"targetArn":        "acs:fc:cn-hangzhou:1234567890:functions/" + fnName,
		"qualifier":        g.pick("LATEST", "LATEST", "prod"),
		"description":      g.pick("", "", "nightly job", "with \"quotes\""),
		"invocationRole":   "",
		"sourceArn":        "",
	}
	switch kind {
	case "http":
		cfg = map[string]any{
			"methods":            g.strings(g.r.Intn(4)+1, func() string { return g.pick("GET", "POST", "PUT", "DELETE", "HEAD") }),
			"authType":           g.pick("anonymous", "function"),
			"disableURLInternet": g.chance(0.2),
		}
		if g.chance(0.3) {
			cfg["corsConfig"] = map[string]any{"allowOrigins": []any{"https://example.com"}, "maxAge": json.Number("600"), "allowCredentials": true}
		}
		t["httpTrigger"] = map[string]any{"urlInternet": "https://x.fcapp.run", "urlIntranet": "https://x-internal.fcapp.run"}
	case "timer":
		cfg = map[string]any{"cronExpression": g.pick("@every 5m", "CRON_TZ=Asia/Shanghai 0 0 9 * * *"), "enable": g.chance(0.7), "payload": g.pick("", `{"k":"v"}`, g.oddString())}
	case "oss":
		cfg = map[string]any{"events": []any{"oss:ObjectCreated:PutObject", "oss:ObjectCreated:PostObject"},
			"filter": map[string]any{"key": map[string]any{"prefix": "src/", "suffix": g.pick(".jpg", "")}}}
		t["sourceArn"] = "acs:oss:cn-hangzhou:1234567890:my-bucket"
		t["invocationRole"] = "acs:ram::1234567890:role/oss-invoke"
	case "eventbridge":
		cfg = map[string]any{"triggerEnable": true, "asyncInvocationType": false,
			"eventRuleFilterPattern": `{"source":["acs.oss"]}`,
			"eventSourceConfig":      map[string]any{"eventSourceType": "Default", "eventSourceParameters": map[string]any{}}}
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		panic(err)
	}
	t["triggerConfig"] = string(b)
	return t
}

// fakeFC answers what FC returns after CreateFunction/CreateTrigger with
// these request bodies: omitted fields at their defaults and empty shapes,
// partial nested settings completed, cpu filled in, read-only fields added,
// layers as objects, numbers re-rendered the way a server holding float64
// would (1.0 -> 1), triggerConfig re-serialised.
func fakeFC(in map[string]any, triggers []map[string]any) (fc.Function, []fc.Trigger) {
	out := fc.Function{}
	for k, v := range in {
		out[k] = reserialise(v)
	}
	for _, k := range []string{"internetAccess", "description", "memorySize", "timeout", "instanceConcurrency",
		"instanceIsolationMode", "sessionAffinity", "environmentVariables", "layers", "tracingConfig", "diskSize"} {
		if _, ok := out[k]; !ok {
			def, _ := EmptyValue(k)
			if k == "diskSize" {
				def = json.Number("512")
			}
			out[k] = def
		}
	}
	if _, ok := out["cpu"]; !ok {
		mem, _ := strconv.ParseFloat(string(out["memorySize"].(json.Number)), 64)
		out["cpu"] = json.Number(strconv.FormatFloat(max(0.35, mem/1024/2), 'f', -1, 64))
	}
	for _, k := range []string{"vpcConfig", "nasConfig", "ossMountConfig", "logConfig"} {
		shape, _ := EmptyValue(k)
		full := shape.(map[string]any)
		if cur, ok := out[k].(map[string]any); ok {
			for mk, mv := range cur {
				full[mk] = mv
			}
		}
		out[k] = full
	}
	for _, k := range []string{"nasConfig", "ossMountConfig"} {
		flag := map[string]string{"nasConfig": "enableTLS", "ossMountConfig": "readOnly"}[k]
		for _, mp := range out[k].(map[string]any)["mountPoints"].([]any) {
			if m := mp.(map[string]any); m[flag] == nil {
				m[flag] = false
			}
		}
	}
	var layers []any
	for _, l := range out["layers"].([]any) {
		layers = append(layers, map[string]any{"arn": l, "size": json.Number("4096")})
	}
	if layers == nil {
		layers = []any{}
	}
	out["layers"] = layers
	if ccc, ok := out["customContainerConfig"].(map[string]any); ok {
		ccc["resolvedImageUri"] = "registry/resolved@sha256:0"
	}
	out["functionArn"] = "acs:fc:cn-hangzhou:1:functions/" + out.Name()
	out["functionId"] = "id-1"
	out["lastModifiedTime"] = "2024-07-01T00:00:00Z"
	out["codeChecksum"] = "1"
	out["state"] = "Active"

	var trs []fc.Trigger
	for _, t := range triggers {
		ot := fc.Trigger{}
		for k, v := range t {
			ot[k] = reserialise(v)
		}
		for k, def := range map[string]string{"qualifier": "LATEST", "description": "", "invocationRole": "", "sourceArn": ""} {
			if _, ok := ot[k]; !ok {
				ot[k] = def
			}
		}
		if s, ok := ot["triggerConfig"].(string); ok {
			var v any
			if err := json.Unmarshal([]byte(s), &v); err != nil {
				panic(err)
			}
			b, _ := json.Marshal(v) // float64 numbers, keys re-sorted
			ot["triggerConfig"] = string(b)
		}
		ot["triggerId"] = "t-1"
		ot["status"] = "Ready"
		trs = append(trs, ot)
	}
	sort.Slice(trs, func(i, j int) bool { return trs[i].Name() < trs[j].Name() })
	return out, trs
}

// reserialise sends v through JSON as a server holding float64 numbers
// would, decoding the answer with UseNumber as the fc package does.
func reserialise(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var f any
	if err := json.Unmarshal(b, &f); err != nil {
		panic(err)
	}
	b, err = json.Marshal(f)
	if err != nil {
		panic(err)
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	var out any
	if err := d.Decode(&out); err != nil {
		panic(err)
	}
	return out
}
