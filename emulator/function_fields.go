package emulator

import (
	"encoding/json"
	"math"
	"regexp"
	"strings"

	"github.com/fcgit/fcgit/internal/mapkeys"
)

// functionNamePattern is CreateFunctionInput.functionName's pattern,
// ^[_a-zA-Z][-_a-zA-Z0-9]*$, with its 1-64 length.
var functionNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,63}$`)

// invalidFunctionName refuses a name CreateFunction cannot create.
func invalidFunctionName(name string) *apiError {
	if v2FunctionNamePattern.MatchString(name) {
		return invalidArgument("invalid functionName '%s': must match ^[_a-zA-Z][-_a-zA-Z0-9]*$ and be 1-64 characters; '$' names a function created under FC 2.0 (service$function), which FC 3.0 updates but cannot create", name)
	}
	return invalidArgument("invalid functionName '%s': must match ^[_a-zA-Z][-_a-zA-Z0-9]*$ and be 1-64 characters", name)
}

// runtimes FC 3.0 accepts: the SDK's Function.runtime documentation plus the
// newer python3.12 and custom.debian11/12 from FC's runtime list.
var runtimes = map[string]bool{
	"python3.12": true, "python3.10": true, "python3.9": true, "python3": true,
	"nodejs20": true, "nodejs18": true, "nodejs16": true, "nodejs14": true, "nodejs12": true, "nodejs10": true, "nodejs8": true,
	"java11": true, "java8": true, "php7.2": true, "dotnetcore3.1": true, "go1": true,
	"custom": true, "custom.debian10": true, "custom.debian11": true, "custom.debian12": true,
	"custom-container": true,
}

const runtimeCustomContainer = "custom-container"

// customRuntimes may serve several requests at once in one instance
// (instanceConcurrency > 1); the standard runtimes serve one.
var customRuntimes = map[string]bool{
	"custom": true, "custom.debian10": true, "custom.debian11": true, "custom.debian12": true, runtimeCustomContainer: true,
}

// Environment variable rules (FC's environment variable limits): keys start
// with a letter and hold letters, digits and '_'; all variables together at
// most 4 KB; names FC sets in the instance are reserved. How the 4 KB are
// counted is not documented: the emulator counts the bytes of the
// variables' JSON object as sent, {"K":"V",…} (inferred). Reserved are the
// FC_ prefix (documented) and the credentials FC injects into the runtime,
// ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and
// ALIBABA_CLOUD_SECURITY_TOKEN (inferred from the variables FC's runtimes
// set, as listed by devsapp/goutils fc/env.go).
var (
	envKeyPattern = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]*$`)
	reservedEnv   = map[string]bool{
		"ALIBABA_CLOUD_ACCESS_KEY_ID": true, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": true, "ALIBABA_CLOUD_SECURITY_TOKEN": true,
	}
)

const (
	maxEnvBytes       = 4096
	reservedEnvPrefix = "FC_"
)

// serverSetFunctionFields are computed by FC. A request carrying them (e.g. a
// client echoing GetFunction's output) is not an error; the values are ignored.
var serverSetFunctionFields = map[string]bool{
	"functionId": true, "functionArn": true, "createdTime": true, "lastModifiedTime": true,
	"codeSize": true, "codeChecksum": true, "state": true, "stateReason": true, "stateReasonCode": true,
	"lastUpdateStatus": true, "lastUpdateStatusReason": true, "lastUpdateStatusReasonCode": true,
	"lockInfo": true, "invocationRestriction": true,
}

// objectFields must be JSON objects when present.
var objectFields = []string{
	"vpcConfig", "nasConfig", "ossMountConfig", "logConfig", "tracingConfig", "customContainerConfig",
	"customRuntimeConfig", "customDNS", "gpuConfig", "instanceLifecycleConfig", "juiceFsConfig", "polarFsConfig",
}

// stringFields must be strings when present.
var stringFields = []string{
	"handler", "description", "role", "instanceIsolationMode", "sessionAffinity", "sessionAffinityConfig",
	"runtime", "resourceGroupId", "disableInjectCredentials",
}

// validateFunctionFields checks the fields present in a create or update
// body. null values count as absent: the Go SDK serialises unset maps and
// slices (environmentVariables, layers) as null on every request.
func validateFunctionFields(in map[string]any, create bool) *apiError {
	for _, k := range stringFields {
		if v, ok := in[k]; ok && v != nil {
			if _, isStr := v.(string); !isStr {
				return invalidArgument("%s must be a string", k)
			}
		}
	}
	for _, k := range objectFields {
		if v, ok := in[k]; ok && v != nil {
			if _, isObj := v.(map[string]any); !isObj {
				return invalidArgument("%s must be a JSON object", k)
			}
		}
	}
	if create {
		name, _ := in["functionName"].(string)
		if !functionNamePattern.MatchString(name) {
			return invalidFunctionName(name)
		}
		for _, k := range []string{"runtime", "handler"} {
			if s, _ := in[k].(string); s == "" {
				return invalidArgument("%s is required", k)
			}
		}
	}
	if v, ok := in["runtime"].(string); ok && !runtimes[v] {
		return invalidArgument("runtime '%s' is not supported; valid values: %s", v, strings.Join(mapkeys.Sorted(runtimes), ", "))
	}
	if v, ok := in["handler"].(string); ok && (v == "" || len(v) > 128) {
		return invalidArgument("handler must be 1-128 characters")
	}
	if v, ok := in["description"].(string); ok && len([]rune(v)) > 256 {
		return invalidArgument("description must be at most 256 characters")
	}
	if e := checkIntField(in, "memorySize", func(n int64) bool { return n >= 128 && n <= 32768 && n%64 == 0 },
		"memorySize must be a multiple of 64 in [128, 32768] (MB)"); e != nil {
		return e
	}
	if e := checkIntField(in, "timeout", func(n int64) bool { return n >= 1 && n <= 86400 }, "timeout must be in [1, 86400] (seconds)"); e != nil {
		return e
	}
	if e := checkIntField(in, "diskSize", func(n int64) bool { return n == 512 || n == 10240 }, "diskSize must be 512 or 10240 (MB)"); e != nil {
		return e
	}
	if e := checkIntField(in, "instanceConcurrency", func(n int64) bool { return n >= 1 && n <= 200 }, "instanceConcurrency must be in [1, 200]"); e != nil {
		return e
	}
	if e := checkIntField(in, "idleTimeout", func(n int64) bool { return n >= 0 }, "idleTimeout must be a non-negative integer"); e != nil {
		return e
	}
	if v, ok := in["cpu"]; ok && v != nil {
		f, isNum := asFloat(v)
		steps := math.Round(f / 0.05)
		if !isNum || f < 0.05 || f > 16 || math.Abs(f-steps*0.05) > 1e-9 {
			return invalidArgument("cpu must be a multiple of 0.05 in [0.05, 16] (vCPU)")
		}
	}
	if v, ok := in["internetAccess"]; ok && v != nil {
		if _, isBool := v.(bool); !isBool {
			return invalidArgument("internetAccess must be a boolean")
		}
	}
	if v, ok := in["environmentVariables"]; ok && v != nil {
		if e := validateEnvironment(v); e != nil {
			return e
		}
	}
	if v, ok := in["layers"]; ok && v != nil {
		if e := validateLayers(v); e != nil {
			return e
		}
	}
	return nil
}

// validateEnvironment checks environmentVariables, which a write replaces
// whole: its keys, values and size.
func validateEnvironment(v any) *apiError {
	env, isObj := v.(map[string]any)
	if !isObj {
		return invalidArgument("environmentVariables must be an object of strings")
	}
	for _, k := range mapkeys.Sorted(env) {
		if _, isStr := env[k].(string); !isStr {
			return invalidArgument("environmentVariables.%s must be a string", k)
		}
		switch {
		case !envKeyPattern.MatchString(k):
			return invalidArgument("environment variable name '%s' is invalid: must match ^[a-zA-Z][a-zA-Z0-9_]*$", k)
		case strings.HasPrefix(k, reservedEnvPrefix):
			return invalidArgument("environment variable name '%s' is reserved: names starting with %s are set by Function Compute", k, reservedEnvPrefix)
		case reservedEnv[k]:
			return invalidArgument("environment variable name '%s' is reserved: Function Compute sets it in the instance", k)
		}
	}
	if n := len(jsonText(env)); n > maxEnvBytes {
		return invalidArgument("environmentVariables take %d bytes (as the JSON object {\"name\":\"value\",…}), more than the 4 KB (%d bytes) allowed", n, maxEnvBytes)
	}
	return nil
}

// checkFunctionRules checks what relates fields of a function's whole
// configuration: after FC's defaults on create, after merging the update
// on update. A rule is checked when the write sets one of its fields
// (changed; nil on create: all), so that a function stored before a rule
// was enforced stays updatable in its other fields. v2 is set for a
// function created under FC 2.0.
func checkFunctionRules(cfg, changed map[string]any, v2 bool) *apiError {
	touched := func(fields ...string) bool {
		if changed == nil {
			return true
		}
		for _, f := range fields {
			if _, ok := changed[f]; ok {
				return true
			}
		}
		return false
	}
	runtime, _ := cfg["runtime"].(string)
	if n, ok := asInt(cfg["instanceConcurrency"]); ok && n > 1 && !customRuntimes[runtime] && !v2 && touched("instanceConcurrency", "runtime") {
		return invalidArgument("instanceConcurrency %d is not supported by runtime '%s': only custom runtimes (%s) serve more than one request per instance; use 1", n, runtime, strings.Join(mapkeys.Sorted(customRuntimes), ", "))
	}
	mem, memOK := asInt(cfg["memorySize"])
	cpu, cpuOK := asFloat(cfg["cpu"])
	if memOK && cpuOK && cpu > 0 && touched("cpu", "memorySize") {
		// Ratio memory (GB) / cpu within [1, 4], in hundredths of a vCPU to
		// stay exact: cpu*1024 <= memory <= 4*cpu*1024.
		hundredths := int64(math.Round(cpu * 100))
		if hundredths*1024 > mem*100 || mem*100 > 4*hundredths*1024 {
			lo, hi := cpuRangeFor(mem)
			return invalidArgument("cpu %s and memorySize %d do not fit: cpu (vCPU) to memory (GB) must be between 1:1 and 1:4, so with memorySize %d cpu must be in [%s, %s], and with cpu %s memorySize must be in [%d, %d] (MB, a multiple of 64)",
				jsonText(cfg["cpu"]), mem, mem, lo, hi, jsonText(cfg["cpu"]), roundUp64(hundredths*1024/100), min(4*hundredths*1024/100/64*64, 32768))
		}
	}
	return nil
}

// cpuRangeFor is the cpu range (multiples of 0.05 within [0.05, 16]) that
// fits memorySize mem at between 1:1 and 1:4.
func cpuRangeFor(mem int64) (string, string) {
	lo := (mem*100/4 + 1023) / 1024 // ceil(mem/4/1024 * 100)
	lo = max((lo+4)/5*5, 5)
	hi := min(mem*100/1024/5*5, 1600)
	return string(number(float64(lo) / 100)), string(number(float64(hi) / 100))
}

func roundUp64(mb int64) int64 { return max((mb+63)/64*64, 128) }

func checkIntField(in map[string]any, name string, valid func(int64) bool, msg string) *apiError {
	v, ok := in[name]
	if !ok || v == nil {
		return nil
	}
	n, isInt := asInt(v)
	if !isInt || !valid(n) {
		return invalidArgument("%s, got %s", msg, jsonText(v))
	}
	return nil
}

// validateLayers accepts the request shape ["acs:fc:…:layers/name/versions/n", …].
func validateLayers(v any) *apiError {
	list, ok := v.([]any)
	if !ok {
		return invalidArgument("layers must be an array of layer version ARNs")
	}
	if len(list) > 5 {
		return invalidArgument("a function can use at most 5 layers, got %d", len(list))
	}
	for _, l := range list {
		arn, isStr := l.(string)
		if !isStr || !strings.HasPrefix(arn, "acs:fc:") || !strings.Contains(arn, ":layers/") || !strings.Contains(arn, "/versions/") {
			return invalidArgument("invalid layer ARN %s: want acs:fc:{region}:{account}:layers/{name}/versions/{version}", jsonText(l))
		}
	}
	return nil
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(b)
}

// applyCreateDefaults fills what FC fills on create when the caller omitted a
// field: scalars at their defaults and unset nested settings as empty shapes
// (devsapp/fc3 src/default/config.ts). cpu defaults to memorySize/1024
// rounded down to a multiple of 0.05 (the only values FC accepts, so a value
// it chose is one it takes back), within [0.05, 16]: rounding down keeps
// cpu : memory (GB) within 1:1 and 1:4 for every memory size (inferred: FC
// documents no default formula).
func applyCreateDefaults(cfg map[string]any) {
	setDefault := func(k string, v any) {
		if cur, ok := cfg[k]; !ok || cur == nil {
			cfg[k] = v
		}
	}
	setDefault("description", "")
	setDefault("internetAccess", true)
	setDefault("memorySize", intNumber(512))
	setDefault("timeout", intNumber(3))
	setDefault("instanceConcurrency", intNumber(1))
	setDefault("diskSize", intNumber(512))
	if cur, ok := cfg["cpu"]; !ok || cur == nil {
		mem, _ := asInt(cfg["memorySize"])
		hundredths := min(max(mem*100/1024/5*5, 5), 1600)
		cfg["cpu"] = number(float64(hundredths) / 100)
	}
	setDefault("vpcConfig", map[string]any{"securityGroupId": "", "vSwitchIds": []any{}, "vpcId": ""})
	setDefault("nasConfig", map[string]any{"groupId": intNumber(0), "userId": intNumber(0), "mountPoints": []any{}})
	setDefault("ossMountConfig", map[string]any{"mountPoints": []any{}})
	setDefault("logConfig", map[string]any{
		"enableInstanceMetrics": false, "enableRequestMetrics": false,
		"logBeginRule": "None", "logstore": "", "project": "",
	})
	setDefault("tracingConfig", map[string]any{})
	setDefault("environmentVariables", map[string]any{})
	setDefault("layers", []any{})
	setDefault("instanceIsolationMode", "SHARE")
	setDefault("sessionAffinity", "NONE")
}
