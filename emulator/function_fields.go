package emulator

import (
	"encoding/json"
	"math"
	"regexp"
	"sort"
	"strings"
)

var functionNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,63}$`)

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
			return invalidArgument("invalid functionName '%s': 1-64 characters of letters, digits, '_' and '-', not starting with a digit or '-'", name)
		}
		for _, k := range []string{"runtime", "handler"} {
			if s, _ := in[k].(string); s == "" {
				return invalidArgument("%s is required", k)
			}
		}
	}
	if v, ok := in["runtime"].(string); ok && !runtimes[v] {
		return invalidArgument("runtime '%s' is not supported; valid values: %s", v, strings.Join(sortedKeys(runtimes), ", "))
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
		env, isObj := v.(map[string]any)
		if !isObj {
			return invalidArgument("environmentVariables must be an object of strings")
		}
		for k, ev := range env {
			if _, isStr := ev.(string); !isStr {
				return invalidArgument("environmentVariables.%s must be a string", k)
			}
		}
	}
	if v, ok := in["layers"]; ok && v != nil {
		if e := validateLayers(v); e != nil {
			return e
		}
	}
	return nil
}

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

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// applyCreateDefaults fills what FC fills on create when the caller omitted a
// field: scalars at their defaults and unset nested settings as empty shapes
// (devsapp/fc3 src/default/config.ts). cpu defaults to memorySize/1024 rounded
// to a multiple of 0.05 (the only values FC accepts, so a value it chose is
// one it takes back), at least 0.05.
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
		cpu := math.Round(float64(mem)/1024/0.05) * 5 / 100
		cfg["cpu"] = number(max(cpu, 0.05))
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
