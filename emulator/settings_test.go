package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const mnsQueue = "acs:mns:cn-hangzhou:1234567890123456:/queues/failed/messages"

func TestAsyncInvokeConfigLifecycle(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{})
	c.createFunction("af", nil)
	path := "/2023-03-30/functions/af/async-invoke-config"
	c.expectError(404, codeAsyncConfigNotExists, http.MethodGet, path, nil, nil)
	s.ResetStats()

	put := c.expect(200, http.MethodPut, path, nil, map[string]any{
		"maxAsyncRetryAttempts": 2,
		"destinationConfig":     map[string]any{"onFailure": map[string]any{"destination": mnsQueue}},
		"futureField":           map[string]any{"kept": true},
		"functionArn":           "echoed-and-ignored",
	})
	if put.JSON["functionArn"] != "acs:fc:cn-hangzhou:1234567890123456:functions/af" ||
		fmt.Sprint(put.JSON["maxAsyncRetryAttempts"]) != "2" ||
		canonicalJSON(t, put.JSON["destinationConfig"]) != `{"onFailure":{"destination":"`+mnsQueue+`"}}` ||
		canonicalJSON(t, put.JSON["futureField"]) != `{"kept":true}` || put.JSON["createdTime"] == "" {
		t.Fatalf("put = %s", put.Body)
	}
	// Put is partial: omitted and null fields keep their values.
	second := c.expect(200, http.MethodPut, path, url.Values{"qualifier": {"LATEST"}}, map[string]any{"maxAsyncEventAgeInSeconds": 300, "destinationConfig": nil})
	if fmt.Sprint(second.JSON["maxAsyncRetryAttempts"]) != "2" || fmt.Sprint(second.JSON["maxAsyncEventAgeInSeconds"]) != "300" ||
		canonicalJSON(t, second.JSON["destinationConfig"]) != canonicalJSON(t, put.JSON["destinationConfig"]) {
		t.Errorf("partial put = %s", second.Body)
	}
	if second.JSON["createdTime"] != put.JSON["createdTime"] || second.JSON["lastModifiedTime"] == put.JSON["lastModifiedTime"] {
		t.Errorf("times: created %v -> %v, modified %v -> %v", put.JSON["createdTime"], second.JSON["createdTime"], put.JSON["lastModifiedTime"], second.JSON["lastModifiedTime"])
	}
	// The empty shape removes the destinations and is what comes back.
	cleared := c.expect(200, http.MethodPut, path, nil, map[string]any{"destinationConfig": map[string]any{}})
	if canonicalJSON(t, cleared.JSON["destinationConfig"]) != "{}" {
		t.Errorf("cleared destinations = %v", cleared.JSON["destinationConfig"])
	}
	got := c.expect(200, http.MethodGet, path, nil, nil)
	if canonicalJSON(t, got.JSON) != canonicalJSON(t, cleared.JSON) {
		t.Errorf("get %s != put %s", got.Body, cleared.Body)
	}
	c.expectError(404, codeVersionNotFound, http.MethodPut, path, url.Values{"qualifier": {"7"}}, map[string]any{"asyncTask": true})
	c.expectError(404, codeAliasNotFound, http.MethodPut, path, url.Values{"qualifier": {"prod"}}, map[string]any{"asyncTask": true})
	c.expectError(404, codeAsyncConfigNotExists, http.MethodGet, path, url.Values{"qualifier": {"prod"}}, nil)
	c.expectError(404, codeFunctionNotFound, http.MethodPut, "/2023-03-30/functions/nope/async-invoke-config", nil, map[string]any{"asyncTask": true})

	c.expect(204, http.MethodDelete, path, nil, nil)
	c.expectError(404, codeAsyncConfigNotExists, http.MethodDelete, path, nil, nil)
	c.expectError(404, codeAsyncConfigNotExists, http.MethodGet, path, nil, nil)
	st := s.Stats()
	if st.Writes != 4 || st.Requests["PutAsyncInvokeConfig"] != 6 || st.Requests["GetAsyncInvokeConfig"] != 3 || st.Requests["DeleteAsyncInvokeConfig"] != 2 {
		t.Errorf("stats = %+v", st)
	}
}

func TestPerFunctionSettingValidation(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	c.createFunction("vf", nil)
	base := "/2023-03-30/functions/vf/"
	policy := func(over map[string]any) map[string]any {
		p := map[string]any{"name": "cpu", "metricType": "CPUUtilization", "metricTarget": 0.6, "minCapacity": 1, "maxCapacity": 5}
		for k, v := range over {
			p[k] = v
		}
		return p
	}
	tests := []struct {
		name, path string
		body       any
	}{
		{"async retries above 8", "async-invoke-config", map[string]any{"maxAsyncRetryAttempts": 9}},
		{"async age zero", "async-invoke-config", map[string]any{"maxAsyncEventAgeInSeconds": 0}},
		{"async age above a week", "async-invoke-config", map[string]any{"maxAsyncEventAgeInSeconds": 604801}},
		{"async task not bool", "async-invoke-config", map[string]any{"asyncTask": "yes"}},
		{"destinationConfig not object", "async-invoke-config", map[string]any{"destinationConfig": "q"}},
		{"destination empty", "async-invoke-config", map[string]any{"destinationConfig": map[string]any{"onSuccess": map[string]any{"destination": ""}}}},
		{"destination not an ARN", "async-invoke-config", map[string]any{"destinationConfig": map[string]any{"onSuccess": map[string]any{"destination": "https://x"}}}},
		{"async body not JSON", "async-invoke-config", []byte("{")},
		{"concurrency missing", "concurrency", map[string]any{}},
		{"concurrency negative", "concurrency", map[string]any{"reservedConcurrency": -1}},
		{"concurrency fraction", "concurrency", map[string]any{"reservedConcurrency": 1.5}},
		{"provision without target", "provision-config", map[string]any{"alwaysAllocateCPU": true}},
		{"provision target too large", "provision-config", map[string]any{"defaultTarget": 10001}},
		{"provision cpu flag not bool", "provision-config", map[string]any{"target": 1, "alwaysAllocateCPU": "true"}},
		{"scheduled action without name", "provision-config", map[string]any{"target": 1, "scheduledActions": []any{map[string]any{"scheduleExpression": "cron(0 0 8 * * *)", "target": 2}}}},
		{"scheduled action without target", "provision-config", map[string]any{"target": 1, "scheduledActions": []any{map[string]any{"name": "a", "scheduleExpression": "cron(0 0 8 * * *)"}}}},
		{"scheduled actions not a list", "provision-config", map[string]any{"target": 1, "scheduledActions": map[string]any{}}},
		{"duplicate policy names", "provision-config", map[string]any{"target": 1, "targetTrackingPolicies": []any{policy(nil), policy(nil)}}},
		{"unknown metric", "provision-config", map[string]any{"target": 1, "targetTrackingPolicies": []any{policy(map[string]any{"metricType": "QPS"})}}},
		{"metric target above 1", "provision-config", map[string]any{"target": 1, "targetTrackingPolicies": []any{policy(map[string]any{"metricTarget": 2})}}},
		{"min above max", "provision-config", map[string]any{"target": 1, "targetTrackingPolicies": []any{policy(map[string]any{"minCapacity": 6})}}},
		{"scaling min negative", "scaling-config", map[string]any{"minInstances": -1}},
		{"scaling policy max below min", "scaling-config", map[string]any{"horizontalScalingPolicies": []any{
			map[string]any{"name": "p", "metricType": "CPUUtilization", "metricTarget": 0.5, "minInstances": 3, "maxInstances": 2},
		}}},
		{"scheduled policy without expression", "scaling-config", map[string]any{"scheduledPolicies": []any{map[string]any{"name": "p", "target": 1}}}},
		{"dispatch policy not string", "scaling-config", map[string]any{"requestDispatchPolicy": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do(http.MethodPut, base+tc.path, nil, tc.body)
			if r.Status != 400 || r.code() != codeInvalidArgument {
				t.Fatalf("got %d %s", r.Status, r.Body)
			}
		})
	}
	// Nothing invalid was stored.
	c.expectError(404, codeAsyncConfigNotExists, http.MethodGet, base+"async-invoke-config", nil, nil)
	if r := c.expect(200, http.MethodGet, base+"provision-config", nil, nil); string(r.Body) != "{}" {
		t.Errorf("provision config after refusals = %s", r.Body)
	}
}

func TestConcurrencyConfig(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	c.createFunction("cf", nil)
	path := "/2023-03-30/functions/cf/concurrency"
	c.expectError(404, codeConcurrencyNotFound, http.MethodGet, path, nil, nil)
	put := c.expect(200, http.MethodPut, path, nil, map[string]any{"reservedConcurrency": 10})
	if canonicalJSON(t, put.JSON) != `{"functionArn":"acs:fc:cn-hangzhou:1234567890123456:functions/cf","reservedConcurrency":10}` {
		t.Errorf("put = %s", put.Body)
	}
	// Concurrency is per function: a qualifier is ignored.
	got := c.expect(200, http.MethodGet, path, url.Values{"qualifier": {"prod"}}, nil)
	if canonicalJSON(t, got.JSON) != canonicalJSON(t, put.JSON) {
		t.Errorf("get = %s", got.Body)
	}
	c.expect(200, http.MethodPut, path, nil, map[string]any{"reservedConcurrency": 0})
	c.expect(204, http.MethodDelete, path, nil, nil)
	c.expectError(404, codeConcurrencyNotFound, http.MethodDelete, path, nil, nil)
}

func TestProvisionConfig(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{})
	c.createFunction("pf", nil)
	path := "/2023-03-30/functions/pf/provision-config"
	// No provision config reads as an empty document, and deleting none is
	// a no-op.
	if r := c.expect(200, http.MethodGet, path, nil, nil); string(r.Body) != "{}" {
		t.Errorf("get of none = %s", r.Body)
	}
	s.ResetStats()
	c.expect(204, http.MethodDelete, path, nil, nil)
	if w := s.Stats().Writes; w != 0 {
		t.Errorf("deleting nothing counted %d writes", w)
	}

	put := c.expect(200, http.MethodPut, path, nil, map[string]any{"defaultTarget": 3, "alwaysAllocateCPU": false, "scheduledActions": nil})
	want := `{"alwaysAllocateCPU":false,"alwaysAllocateGPU":true,"current":3,"currentError":"","defaultTarget":3,` +
		`"functionArn":"acs:fc:cn-hangzhou:1234567890123456:functions/pf","scheduledActions":[],"target":3,"targetTrackingPolicies":[]}`
	if canonicalJSON(t, put.JSON) != want {
		t.Errorf("put =\n%s\nwant\n%s", canonicalJSON(t, put.JSON), want)
	}
	// The deprecated target alone sets the default target too.
	c.createFunction("legacy", nil)
	legacy := c.expect(200, http.MethodPut, "/2023-03-30/functions/legacy/provision-config", nil, map[string]any{"target": 2})
	if fmt.Sprintf("%v %v %v", legacy.JSON["defaultTarget"], legacy.JSON["target"], legacy.JSON["current"]) != "2 2 2" {
		t.Errorf("target-only put = %s", legacy.Body)
	}
	policies := map[string]any{
		"defaultTarget": 1,
		"scheduledActions": []any{map[string]any{
			"name": "morning", "scheduleExpression": "cron(0 0 8 * * *)", "target": 5, "timeZone": "Asia/Shanghai",
		}},
		"targetTrackingPolicies": []any{map[string]any{
			"name": "cpu", "metricType": "CPUUtilization", "metricTarget": 0.6, "minCapacity": 1, "maxCapacity": 10,
		}},
	}
	got := c.expect(200, http.MethodPut, path, nil, policies)
	for _, k := range []string{"scheduledActions", "targetTrackingPolicies"} {
		if canonicalJSON(t, got.JSON[k]) != canonicalJSON(t, policies[k]) {
			t.Errorf("%s = %v", k, got.JSON[k])
		}
	}
	if got.JSON["alwaysAllocateCPU"] != false {
		t.Errorf("partial put lost alwaysAllocateCPU: %v", got.JSON["alwaysAllocateCPU"])
	}

	// Provisioned instances block deleting the function; a zero target does not.
	c.expectError(http.StatusPreconditionFailed, codeProvisionConfigExist, http.MethodDelete, "/2023-03-30/functions/pf", nil, nil)
	c.expect(200, http.MethodPut, path, nil, map[string]any{"defaultTarget": 0})
	c.expect(204, http.MethodDelete, "/2023-03-30/functions/pf", nil, nil)
	c.expectError(404, codeFunctionNotFound, http.MethodGet, path, nil, nil)
}

func TestScalingConfig(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	c.createFunction("sf", nil)
	path := "/2023-03-30/functions/sf/scaling-config"
	if r := c.expect(200, http.MethodGet, path, nil, nil); string(r.Body) != "{}" {
		t.Errorf("get of none = %s", r.Body)
	}
	body := map[string]any{
		"minInstances": 2, "enableOnDemandScaling": true, "requestDispatchPolicy": "Balanced",
		"horizontalScalingPolicies": []any{map[string]any{"name": "cpu", "metricType": "CPUUtilization", "metricTarget": 0.5, "minInstances": 2, "maxInstances": 8}},
		"residentConfig":            map[string]any{"poolId": "fc-pool-1", "count": 1}, // not in this SDK version: kept as sent
		"scheduledPolicies":         nil,
	}
	put := c.expect(200, http.MethodPut, path, nil, body)
	if fmt.Sprintf("%v %v %v", put.JSON["minInstances"], put.JSON["targetInstances"], put.JSON["currentInstances"]) != "2 2 2" ||
		canonicalJSON(t, put.JSON["scheduledPolicies"]) != "[]" || put.JSON["currentError"] != "" ||
		canonicalJSON(t, put.JSON["residentConfig"]) != `{"count":1,"poolId":"fc-pool-1"}` ||
		canonicalJSON(t, put.JSON["horizontalScalingPolicies"]) != canonicalJSON(t, body["horizontalScalingPolicies"]) ||
		put.JSON["functionArn"] != "acs:fc:cn-hangzhou:1234567890123456:functions/sf" {
		t.Errorf("put = %s", put.Body)
	}
	c.expect(204, http.MethodDelete, path, nil, nil)
	if r := c.expect(200, http.MethodGet, path, nil, nil); string(r.Body) != "{}" {
		t.Errorf("get after delete = %s", r.Body)
	}
}

func TestListPerFunctionSettings(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	for _, fn := range []string{"la", "lb", "lc"} {
		c.createFunction(fn, nil)
		c.expect(200, http.MethodPut, "/2023-03-30/functions/"+fn+"/async-invoke-config", nil, map[string]any{"maxAsyncRetryAttempts": 1})
		c.expect(200, http.MethodPut, "/2023-03-30/functions/"+fn+"/concurrency", nil, map[string]any{"reservedConcurrency": 5})
		c.expect(200, http.MethodPut, "/2023-03-30/functions/"+fn+"/scaling-config", nil, map[string]any{"minInstances": 1})
	}
	// A second qualifier on lb: an alias of a published version.
	c.expect(200, http.MethodPost, "/2023-03-30/functions/lb/versions", nil, map[string]any{})
	c.expect(200, http.MethodPost, "/2023-03-30/functions/lb/aliases", nil, map[string]any{"aliasName": "prod", "versionId": "1"})
	c.expect(200, http.MethodPut, "/2023-03-30/functions/lb/async-invoke-config", url.Values{"qualifier": {"prod"}}, map[string]any{"maxAsyncRetryAttempts": 3})
	c.expect(200, http.MethodPut, "/2023-03-30/functions/lb/provision-config", url.Values{"qualifier": {"prod"}}, map[string]any{"defaultTarget": 1})

	collect := func(path, key string, query url.Values) []string {
		t.Helper()
		var arns []string
		token := ""
		for {
			q := url.Values{"limit": {"2"}}
			for k, v := range query {
				q[k] = v
			}
			if token != "" {
				q.Set("nextToken", token)
			}
			r := c.expect(200, http.MethodGet, path, q, nil)
			items, ok := r.JSON[key].([]any)
			if !ok {
				t.Fatalf("%s: no %q list in %s", path, key, r.Body)
			}
			for _, it := range items {
				arns = append(arns, strings.TrimPrefix(it.(map[string]any)["functionArn"].(string), "acs:fc:cn-hangzhou:1234567890123456:functions/"))
			}
			if token, _ = r.JSON["nextToken"].(string); token == "" {
				return arns
			}
		}
	}
	if got := strings.Join(collect("/2023-03-30/async-invoke-configs", "configs", nil), ","); got != "la,lb,lb/prod,lc" {
		t.Errorf("async configs = %s", got)
	}
	if got := strings.Join(collect("/2023-03-30/async-invoke-configs", "configs", url.Values{"functionName": {"lb"}}), ","); got != "lb,lb/prod" {
		t.Errorf("async configs of lb = %s", got)
	}
	if got := strings.Join(collect("/2023-03-30/concurrency-configs", "configs", nil), ","); got != "la,lb,lc" {
		t.Errorf("concurrency configs = %s", got)
	}
	if got := strings.Join(collect("/2023-03-30/scaling-configs", "scalingConfigs", nil), ","); got != "la,lb,lc" {
		t.Errorf("scaling configs = %s", got)
	}
	if got := strings.Join(collect("/2023-03-30/provision-configs", "provisionConfigs", nil), ","); got != "lb/prod" {
		t.Errorf("provision configs = %s", got)
	}
	r := c.expect(200, http.MethodGet, "/2023-03-30/provision-configs", url.Values{"functionName": {"none"}}, nil)
	if canonicalJSON(t, r.JSON) != `{"provisionConfigs":[]}` {
		t.Errorf("list for a missing function = %s", r.Body)
	}
	c.expectError(400, codeInvalidArgument, http.MethodGet, "/2023-03-30/scaling-configs", url.Values{"nextToken": {"!!"}}, nil)
	c.expectError(400, codeInvalidArgument, http.MethodGet, "/2023-03-30/concurrency-configs", url.Values{"limit": {"101"}}, nil)
}

func TestVpcBindings(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{})
	c.createFunction("vb", nil)
	path := "/2023-03-30/functions/vb/vpc-bindings"
	if r := c.expect(200, http.MethodGet, path, nil, nil); canonicalJSON(t, r.JSON) != `{"vpcIds":[]}` {
		t.Errorf("no bindings = %s", r.Body)
	}
	s.ResetStats()
	c.expect(200, http.MethodPost, path, nil, map[string]any{"vpcId": "vpc-b2"})
	c.expect(200, http.MethodPost, path, nil, map[string]any{"vpcId": "vpc-a1"})
	c.expectError(409, codeVpcBindingExists, http.MethodPost, path, nil, map[string]any{"vpcId": "vpc-a1"})
	for _, bad := range []any{map[string]any{}, map[string]any{"vpcId": "sg-1"}, map[string]any{"vpcId": 7}} {
		c.expectError(400, codeInvalidArgument, http.MethodPost, path, nil, bad)
	}
	if r := c.expect(200, http.MethodGet, path, nil, nil); canonicalJSON(t, r.JSON) != `{"vpcIds":["vpc-a1","vpc-b2"]}` {
		t.Errorf("bindings = %s", r.Body)
	}
	c.expect(204, http.MethodDelete, path+"/vpc-a1", nil, nil)
	c.expectError(404, codeVpcBindingNotFound, http.MethodDelete, path+"/vpc-a1", nil, nil)
	c.expectError(404, codeFunctionNotFound, http.MethodGet, "/2023-03-30/functions/none/vpc-bindings", nil, nil)
	if st := s.Stats(); st.Writes != 3 || st.Requests["CreateVpcBinding"] != 6 || st.Requests["DeleteVpcBinding"] != 2 || st.Requests["ListVpcBindings"] != 2 {
		t.Errorf("stats = %+v", st)
	}
}

func TestInvocationRestriction(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	created := c.createFunction("ir", nil)
	if _, has := created.JSON["invocationRestriction"]; has {
		t.Fatalf("new function has invocationRestriction: %s", created.Body)
	}
	r := c.expect(200, http.MethodPost, "/2023-03-30/functions/ir/invoke/disable", nil, map[string]any{"reason": "maintenance", "abortOngoingRequest": true})
	if canonicalJSON(t, r.JSON) != `{"success":true}` {
		t.Errorf("disable = %s", r.Body)
	}
	got := c.expect(200, http.MethodGet, "/2023-03-30/functions/ir", nil, nil).JSON
	restriction, _ := got["invocationRestriction"].(map[string]any)
	if restriction["disable"] != true || restriction["reason"] != "maintenance" || restriction["lastModifiedTime"] == nil {
		t.Errorf("invocationRestriction = %v", got["invocationRestriction"])
	}
	if got["lastModifiedTime"] != created.JSON["lastModifiedTime"] {
		t.Errorf("disabling changed the function's lastModifiedTime")
	}
	list := c.expect(200, http.MethodGet, "/2023-03-30/functions", nil, nil).JSON["functions"].([]any)
	if item := list[0].(map[string]any); canonicalJSON(t, item["invocationRestriction"]) != canonicalJSON(t, restriction) {
		t.Errorf("list item restriction = %v", item["invocationRestriction"])
	}
	// The restriction is read-only: echoing it in an update is ignored.
	c.expect(200, http.MethodPut, "/2023-03-30/functions/ir", nil, map[string]any{"invocationRestriction": map[string]any{"disable": false}})
	c.expect(200, http.MethodPost, "/2023-03-30/functions/ir/invoke/enable", nil, nil)
	got = c.expect(200, http.MethodGet, "/2023-03-30/functions/ir", nil, nil).JSON
	restriction, _ = got["invocationRestriction"].(map[string]any)
	if restriction["disable"] != false || restriction["reason"] != nil {
		t.Errorf("after enable = %v", got["invocationRestriction"])
	}
	c.expectError(400, codeInvalidArgument, http.MethodPost, "/2023-03-30/functions/ir/invoke/disable", nil, map[string]any{"reason": 1})
	c.expectError(404, codeFunctionNotFound, http.MethodPost, "/2023-03-30/functions/none/invoke/enable", nil, nil)
	c.expectError(404, codePathNotSupported, http.MethodGet, "/2023-03-30/functions/ir/invoke/disable", nil, nil)
}

func TestDeleteFunctionTakesItsSettings(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	c.createFunction("gone", nil)
	base := "/2023-03-30/functions/gone"
	c.expect(200, http.MethodPut, base+"/async-invoke-config", nil, map[string]any{"asyncTask": true})
	c.expect(200, http.MethodPut, base+"/concurrency", nil, map[string]any{"reservedConcurrency": 3})
	c.expect(200, http.MethodPut, base+"/scaling-config", nil, map[string]any{"minInstances": 1})
	c.expect(200, http.MethodPost, base+"/vpc-bindings", nil, map[string]any{"vpcId": "vpc-1"})
	c.expect(200, http.MethodPost, base+"/invoke/disable", nil, map[string]any{})
	c.expect(204, http.MethodDelete, base, nil, nil)
	c.createFunction("gone", nil)
	c.expectError(404, codeAsyncConfigNotExists, http.MethodGet, base+"/async-invoke-config", nil, nil)
	c.expectError(404, codeConcurrencyNotFound, http.MethodGet, base+"/concurrency", nil, nil)
	if r := c.expect(200, http.MethodGet, base+"/vpc-bindings", nil, nil); canonicalJSON(t, r.JSON) != `{"vpcIds":[]}` {
		t.Errorf("bindings of the new function = %s", r.Body)
	}
	if r := c.expect(200, http.MethodGet, base, nil, nil); r.JSON["invocationRestriction"] != nil {
		t.Errorf("restriction of the new function = %v", r.JSON["invocationRestriction"])
	}
	var list struct{ ScalingConfigs []json.RawMessage }
	if err := json.Unmarshal(c.expect(200, http.MethodGet, "/2023-03-30/scaling-configs", nil, nil).Body, &list); err != nil || len(list.ScalingConfigs) != 0 {
		t.Errorf("scaling configs after the delete: %v (%v)", list.ScalingConfigs, err)
	}
}

func TestNewOperationsAreCountedAndFaulted(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{})
	c.createFunction("ff", nil)
	s.SetFaults(0, 0, 1)
	for _, rq := range []struct{ method, path string }{
		{http.MethodGet, "/2023-03-30/async-invoke-configs"},
		{http.MethodPut, "/2023-03-30/functions/ff/concurrency"},
		{http.MethodPost, "/2023-03-30/functions/ff/versions"},
		{http.MethodGet, "/2023-03-30/custom-domains/x.example.com"},
	} {
		c.expectError(http.StatusTooManyRequests, codeResourceThrottled, rq.method, rq.path, nil, nil)
	}
	s.SetFaults(0, 0, 0)
	st := s.Stats()
	for _, op := range []string{"ListAsyncInvokeConfigs", "PutConcurrencyConfig", "PublishFunctionVersion", "GetCustomDomain"} {
		if st.Requests[op] != 1 {
			t.Errorf("%s counted %d times", op, st.Requests[op])
		}
	}
	if st.Writes != 1 {
		t.Errorf("writes = %d, want only the create", st.Writes)
	}
}
