package fc

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"testing"
)

func TestSubsetEqual(t *testing.T) {
	tests := []struct {
		name      string
		want, got any
		equal     bool
	}{
		{"int vs number", 512, json.Number("512"), true},
		{"float vs number text", 0.35, json.Number("0.350"), true},
		{"different numbers", 512, json.Number("1024"), false},
		{"string", "a", "a", true},
		{"string vs number", "512", json.Number("512"), false},
		{"nested subset", map[string]any{"logstore": "l"}, map[string]any{"logstore": "l", "logBeginRule": "None"}, true},
		{"nested mismatch", map[string]any{"logstore": "l"}, map[string]any{"logstore": "m"}, false},
		{"missing key", map[string]any{"a": 1}, map[string]any{}, false},
		{"empty value may be absent", map[string]any{"a": ""}, map[string]any{}, true},
		{"string map", map[string]string{"K": "V"}, map[string]any{"K": "V"}, true},
		{"arrays", []string{"x", "y"}, []any{"x", "y"}, true},
		{"array order", []string{"x", "y"}, []any{"y", "x"}, false},
		{"array length", []string{"x"}, []any{"x", "y"}, false},
		{"bool", true, false, false},
		{"nil", nil, nil, true},
	}
	for _, tt := range tests {
		if got := subsetEqual(tt.want, tt.got); got != tt.equal {
			t.Errorf("%s: subsetEqual(%v, %v) = %v", tt.name, tt.want, tt.got, got)
		}
	}
}

func TestFunctionMatchesInput(t *testing.T) {
	zip := []byte("PK fake zip bytes")
	online := Function{
		"functionName": "f", "runtime": "python3.10", "handler": "index.handler", "memorySize": json.Number("512"),
		"timeout": json.Number("3"), "codeChecksum": Checksum(zip),
		"layers": []any{map[string]any{"arn": "L1", "size": json.Number("1")}},
	}
	base := func() map[string]any {
		return map[string]any{
			"functionName": "f", "runtime": "python3.10", "handler": "index.handler",
			"code":   map[string]any{"zipFile": base64.StdEncoding.EncodeToString(zip)},
			"layers": []string{"L1"}, "tags": []any{map[string]any{"Key": "k", "Value": "v"}},
		}
	}
	if !functionMatchesInput(online, base()) {
		t.Fatal("identical create not recognised")
	}
	tests := map[string]func(map[string]any){
		"other code": func(in map[string]any) {
			in["code"] = map[string]any{"zipFile": base64.StdEncoding.EncodeToString([]byte("other"))}
		},
		"other handler":     func(in map[string]any) { in["handler"] = "main.handler" },
		"field not online":  func(in map[string]any) { in["description"] = "new" },
		"unverifiable code": func(in map[string]any) { in["code"] = map[string]any{"ossBucketName": "b", "ossObjectName": "o"} },
		"other layers":      func(in map[string]any) { in["layers"] = []string{"L2"} },
	}
	for name, mutate := range tests {
		in := base()
		mutate(in)
		if functionMatchesInput(online, in) {
			t.Errorf("%s: matched", name)
		}
	}
	withChecksum := base()
	withChecksum["code"] = map[string]any{"ossBucketName": "b", "ossObjectName": "o", "checksum": Checksum(zip)}
	if !functionMatchesInput(online, withChecksum) {
		t.Error("OSS code with matching checksum not recognised")
	}
}

func TestTriggerMatchesInput(t *testing.T) {
	online := Trigger{"triggerName": "t", "triggerType": "timer", "qualifier": "LATEST",
		"triggerConfig": `{"cronExpression":"@every 1m","enable":true,"payload":""}`}
	in := map[string]any{"triggerName": "t", "triggerType": "timer", "triggerConfig": `{"enable": true, "cronExpression": "@every 1m"}`}
	if !triggerMatchesInput(online, in) {
		t.Fatal("same trigger (config reformatted) not recognised")
	}
	in["triggerConfig"] = `{"cronExpression":"@every 5m","enable":true}`
	if triggerMatchesInput(online, in) {
		t.Fatal("different cron matched")
	}
}

// A create whose response is lost is retried; the retry meets the function
// the first attempt created and must not fail.
func TestCreateFunctionAfterLostResponse(t *testing.T) {
	zip := []byte("zip-bytes")
	input := map[string]any{"functionName": "f", "runtime": "python3.10", "handler": "index.handler",
		"code": map[string]any{"zipFile": base64.StdEncoding.EncodeToString(zip)}}
	lost := fail(&net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")})
	exists := reply(409, `{"Code":"FunctionAlreadyExists","Message":"function 'f' already exists"}`)

	tests := []struct {
		name       string
		online     string
		script     []func(*http.Request) (*http.Response, error)
		wantExists bool
	}{
		{name: "ours", online: `{"functionName":"f","runtime":"python3.10","handler":"index.handler","codeChecksum":"` + Checksum(zip) + `"}`},
		{name: "someone else's", online: `{"functionName":"f","runtime":"nodejs20","handler":"index.handler","codeChecksum":"` + Checksum(zip) + `"}`, wantExists: true},
		{name: "no earlier attempt", script: []func(*http.Request) (*http.Response, error){exists}, wantExists: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps := tt.script
			if steps == nil {
				steps = []func(*http.Request) (*http.Response, error){lost, exists, reply(200, tt.online)}
			}
			s := &script{responses: steps}
			c, _ := newScriptedClient(t, s, RetryPolicy{})
			f, err := c.CreateFunction(context.Background(), input)
			if tt.wantExists {
				if !IsAlreadyExists(err) {
					t.Fatalf("err = %v, want AlreadyExists", err)
				}
				return
			}
			if err != nil || f.Name() != "f" {
				t.Fatalf("CreateFunction = %v, %v", f, err)
			}
			if reqs := s.requests(); len(reqs) != 3 || reqs[2].Method != http.MethodGet {
				t.Fatalf("requests = %+v", reqs)
			}
		})
	}
}
