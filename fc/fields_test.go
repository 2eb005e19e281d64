package fc

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestFunctionInputs(t *testing.T) {
	online := Function{
		"functionName": "shop-api", "functionArn": "acs:fc:cn-hangzhou:1:functions/shop-api",
		"functionId": "id", "createdTime": "t0", "lastModifiedTime": "t1", "codeSize": json.Number("10"),
		"codeChecksum": "123", "state": "Active", "stateReason": "", "stateReasonCode": "",
		"lastUpdateStatus": "Successful", "lastUpdateStatusReason": "", "lastUpdateStatusReasonCode": "",
		"memorySize": json.Number("512"), "runtime": "python3.10",
		"layers":                []any{map[string]any{"arn": "acs:fc:cn-hangzhou:1:layers/l/versions/1", "size": json.Number("9")}},
		"customContainerConfig": map[string]any{"image": "img", "resolvedImageUri": "img@sha", "accelerationInfo": map[string]any{}},
		"tags":                  []any{map[string]any{"Key": "k", "Value": "v"}},
		"resourceGroupId":       "rg",
		"futureField":           map[string]any{"a": json.Number("1")},
	}
	create := online.Input()
	wantCreate := map[string]any{
		"functionName": "shop-api", "memorySize": json.Number("512"), "runtime": "python3.10",
		"layers":                []any{"acs:fc:cn-hangzhou:1:layers/l/versions/1"},
		"customContainerConfig": map[string]any{"image": "img"},
		"tags":                  []any{map[string]any{"Key": "k", "Value": "v"}},
		"resourceGroupId":       "rg",
		"futureField":           map[string]any{"a": json.Number("1")},
	}
	if !reflect.DeepEqual(create, wantCreate) {
		t.Errorf("Input() = %v\nwant %v", create, wantCreate)
	}
	update := online.UpdateInput()
	for _, k := range []string{"functionName", "tags", "resourceGroupId"} {
		if _, ok := update[k]; ok {
			t.Errorf("UpdateInput keeps create-only %s", k)
		}
	}
	if !reflect.DeepEqual(update["futureField"], online["futureField"]) || update["runtime"] != "python3.10" {
		t.Errorf("UpdateInput lost fields: %v", update)
	}
	// The receiver is untouched.
	if _, ok := online["functionArn"]; !ok {
		t.Error("Input modified the function")
	}
	if _, ok := online["layers"].([]any)[0].(map[string]any); !ok {
		t.Error("Input modified the layers of the function")
	}
}

func TestTriggerInputs(t *testing.T) {
	online := Trigger{
		"triggerName": "http", "triggerType": "http", "triggerId": "id", "createdTime": "t0",
		"lastModifiedTime": "t1", "status": "ready", "targetArn": "arn", "httpTrigger": map[string]any{"urlInternet": "u"},
		"triggerConfig": `{"authType":"anonymous"}`, "qualifier": "LATEST", "description": "", "sourceArn": "src",
		"invocationRole": "role", "futureField": "x",
	}
	wantCreate := map[string]any{
		"triggerName": "http", "triggerType": "http", "triggerConfig": `{"authType":"anonymous"}`,
		"qualifier": "LATEST", "description": "", "sourceArn": "src", "invocationRole": "role", "futureField": "x",
	}
	if got := online.Input(); !reflect.DeepEqual(got, wantCreate) {
		t.Errorf("Input() = %v", got)
	}
	wantUpdate := map[string]any{
		"triggerConfig": `{"authType":"anonymous"}`, "qualifier": "LATEST", "description": "",
		"invocationRole": "role", "futureField": "x",
	}
	if got := online.UpdateInput(); !reflect.DeepEqual(got, wantUpdate) {
		t.Errorf("UpdateInput() = %v", got)
	}
}

func TestFunctionTagsField(t *testing.T) {
	f := Function{"tags": []any{
		map[string]any{"Key": "fcgit-deployed-from", "Value": "abc"},
		map[string]any{"key": "lower", "value": "case"},
		map[string]any{"Key": "empty", "Value": ""},
		"junk",
	}}
	want := map[string]string{"fcgit-deployed-from": "abc", "lower": "case", "empty": ""}
	if got := f.Tags(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Tags() = %v, want %v", got, want)
	}
	if (Function{}).Tags() != nil {
		t.Fatal("Tags() of an untagged function is not nil")
	}
}
