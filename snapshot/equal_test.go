package snapshot

import (
	"reflect"
	"strings"
	"testing"

	"github.com/fcgit/fcgit/fc"
)

func TestEqualAndDiff(t *testing.T) {
	tests := []struct {
		name string
		a, b string // function.toml texts
		diff []string
	}{
		{"identical", "timeout = 60\n", "timeout = 60\n", nil},
		{"absent vs default scalar", "", "timeout = 3\nmemorySize = 512\ninternetAccess = true\ndescription = \"\"\ninstanceConcurrency = 1\n", nil},
		{"absent vs empty shapes", "", "environmentVariables = {}\nlayers = []\ntracingConfig = {}\n[vpcConfig]\nvpcId = \"\"\nvSwitchIds = []\nsecurityGroupId = \"\"\n[logConfig]\nlogBeginRule = \"None\"\nenableRequestMetrics = false\n", nil},
		{"partial nested defaults", "[vpcConfig]\nvpcId = \"v\"\n", "[vpcConfig]\nvpcId = \"v\"\nsecurityGroupId = \"\"\n", nil},
		{"mount point defaults", "[nasConfig]\nmountPoints = [{serverAddr = \"a\", mountDir = \"/m\"}]\n", "[nasConfig]\nuserId = 0\nmountPoints = [{serverAddr = \"a\", mountDir = \"/m\", enableTLS = false}]\n", nil},
		{"cpu and diskSize absent equal anything", "", "cpu = 2\ndiskSize = 10240\n", nil},
		{"number text", "cpu = 1.0\n", "cpu = 1\n", nil},
		{"scalar changed", "memorySize = 1024\n", "memorySize = 2048\n", []string{"memorySize"}},
		{"default vs non-default", "", "timeout = 4\n", []string{"timeout"}},
		{"cpu changed", "cpu = 1\n", "cpu = 2\n", []string{"cpu"}},
		{"env var", "[environmentVariables]\nA = \"1\"\n", "[environmentVariables]\nA = \"1\"\nDB_URL = \"x\"\n", []string{"environmentVariables.DB_URL"}},
		{"env var set to empty is a value", "", "[environmentVariables]\nEMPTY = \"\"\n", []string{"environmentVariables"}},
		{"nested member", "[vpcConfig]\nvpcId = \"a\"\n", "[vpcConfig]\nvpcId = \"b\"\n", []string{"vpcConfig.vpcId"}},
		{"table added", "", "[vpcConfig]\nvpcId = \"b\"\n", []string{"vpcConfig"}},
		{"array order matters", "layers = [\"a\", \"b\"]\n", "layers = [\"b\", \"a\"]\n", []string{"layers"}},
		{"unknown field empty is a value", "", "futureThing = \"\"\n", []string{"futureThing"}},
		{"trigger defaults", "[triggers.t]\ntriggerType = \"timer\"\n", "[triggers.t]\ntriggerType = \"timer\"\nqualifier = \"LATEST\"\ndescription = \"\"\n", nil},
		{"trigger config", "[triggers.http-1]\ntriggerType = \"http\"\n[triggers.http-1.config]\nmethods = [\"GET\"]\n",
			"[triggers.http-1]\ntriggerType = \"http\"\n[triggers.http-1.config]\nmethods = [\"GET\", \"POST\"]\n", []string{"triggers.http-1.config.methods"}},
		{"triggers added and deleted", "[triggers.old]\ntriggerType = \"http\"\n", "[triggers.timer]\ntriggerType = \"timer\"\n", []string{"triggers.old (deleted)", "triggers.timer (added)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := mustDecode(t, tt.a), mustDecode(t, tt.b)
			if got := Diff(a, b); !reflect.DeepEqual(got, tt.diff) {
				t.Errorf("Diff = %q, want %q", got, tt.diff)
			}
			if got := Equal(a, b); got != (len(tt.diff) == 0) {
				t.Errorf("Equal = %v", got)
			}
			if got := Equal(b, a); got != (len(tt.diff) == 0) {
				t.Errorf("Equal(b, a) = %v: not symmetric", got)
			}
		})
	}
}

func TestEmptyValue(t *testing.T) {
	clearable := []string{"vpcConfig", "nasConfig", "ossMountConfig", "logConfig", "tracingConfig", "environmentVariables",
		"layers", "customDNS", "instanceLifecycleConfig", "memorySize", "timeout", "description", "internetAccess",
		"instanceConcurrency", "instanceIsolationMode", "sessionAffinity", "role", "disableInjectCredentials"}
	for _, key := range clearable {
		v, ok := EmptyValue(key)
		if !ok {
			t.Errorf("EmptyValue(%q) not ok", key)
			continue
		}
		// Clearing must read back as "not set": no drift after the push.
		cleared := &State{Name: "api", Config: map[string]any{key: v}}
		if !Equal(cleared, &State{Name: "api"}) {
			t.Errorf("EmptyValue(%q) = %v is not equal to absent: %v", key, v, Diff(cleared, &State{Name: "api"}))
		}
	}
	for _, key := range []string{"cpu", "diskSize", "handler", "runtime", "customContainerConfig", "futureThing", "functionArn"} {
		if v, ok := EmptyValue(key); ok {
			t.Errorf("EmptyValue(%q) = %v, want not clearable", key, v)
		}
	}
	want := map[string]string{"memorySize": "512", "timeout": "3", "internetAccess": "true", "description": `""`,
		"layers": "[]", "environmentVariables": "{}", "vpcConfig": `{"securityGroupId":"","vSwitchIds":[],"vpcId":""}`}
	for key, w := range want {
		v, _ := EmptyValue(key)
		if !valuesEqual(v, decodeJSONValue(w)) {
			t.Errorf("EmptyValue(%q) = %v, want %s", key, v, w)
		}
	}
	// Callers may modify what they get.
	v, _ := EmptyValue("vpcConfig")
	v.(map[string]any)["vpcId"] = "changed"
	if again, _ := EmptyValue("vpcConfig"); again.(map[string]any)["vpcId"] != "" {
		t.Error("EmptyValue shares its result")
	}
}

func TestFromAPI(t *testing.T) {
	fn := apiFunction(t, `{"functionName":"api","functionArn":"arn","codeChecksum":"1","lastModifiedTime":"t","state":"Active",
		"code":{"zipFile":"x"},"tags":[{"Key":"fcgit-commit","Value":"abc"},{"Key":"team","Value":"shop"}],
		"layers":[{"arn":"acs:fc:l1","size":10},{"arn":"acs:fc:l2"}],"gpuConfig":null,"vpcConfig":{"vpcId":"v","securityGroupId":null},
		"customContainerConfig":{"image":"i","resolvedImageUri":"r","accelerationInfo":{"status":"x"}},"newThing":{"a":1}}`)
	triggers := []fc.Trigger{{"triggerName": "t1", "triggerType": "http", "triggerId": "id", "httpTrigger": map[string]any{"urlInternet": "u"},
		"triggerConfig": `{"methods":["GET"],"authType":"anonymous","payload":"<b>&</b>","n":1.50}`, "sourceArn": nil}}
	st, err := FromAPI(fn, triggers)
	if err != nil {
		t.Fatal(err)
	}
	wantCfg := decodeJSONValue(`{"layers":["acs:fc:l1","acs:fc:l2"],"vpcConfig":{"vpcId":"v"},"customContainerConfig":{"image":"i"},"newThing":{"a":1},"tags":{"team":"shop"}}`)
	if !valuesEqual(st.Config, wantCfg) {
		t.Errorf("Config = %v\nwant %v", st.Config, wantCfg)
	}
	wantTrigger := decodeJSONValue(`{"triggerType":"http","config":{"methods":["GET"],"authType":"anonymous","payload":"<b>&</b>","n":1.50}}`)
	if !valuesEqual(st.Triggers["t1"], wantTrigger) {
		t.Errorf("trigger = %v\nwant %v", st.Triggers["t1"], wantTrigger)
	}
	in, err := st.TriggerInput("t1")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := in["triggerConfig"], `{"authType":"anonymous","methods":["GET"],"n":1.50,"payload":"<b>&</b>"}`; got != want {
		t.Errorf("triggerConfig = %v, want %v", got, want)
	}
	if in["triggerName"] != "t1" || in["triggerType"] != "http" || in["config"] != nil {
		t.Errorf("TriggerInput = %v", in)
	}
	fin := st.FunctionInput()
	if fin["functionName"] != "api" {
		t.Errorf("FunctionInput functionName = %v", fin["functionName"])
	}
	fin["vpcConfig"].(map[string]any)["vpcId"] = "mutated"
	if st.Config["vpcConfig"].(map[string]any)["vpcId"] != "v" {
		t.Error("FunctionInput shares maps with the state")
	}
}

func TestFromAPIErrors(t *testing.T) {
	tests := []struct {
		name     string
		fn       string
		triggers []fc.Trigger
		want     string
	}{
		{"no name", `{"runtime":"go1"}`, nil, "no functionName"},
		{"bad triggerConfig", `{"functionName":"api"}`, []fc.Trigger{{"triggerName": "t", "triggerConfig": "{"}}, "trigger t: triggerConfig is not valid JSON"},
		{"triggerConfig not object", `{"functionName":"api"}`, []fc.Trigger{{"triggerName": "t", "triggerConfig": "[1]"}}, "want a JSON object"},
		{"duplicate trigger", `{"functionName":"api"}`, []fc.Trigger{{"triggerName": "t"}, {"triggerName": "t"}}, "listed twice"},
		{"null in array", `{"functionName":"api","layers":[null]}`, nil, "layers[0]: null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromAPI(apiFunction(t, tt.fn), tt.triggers)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
