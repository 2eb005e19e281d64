package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
)

// startSDKServer serves a fresh emulator and returns its host and port.
func startSDKServer(t *testing.T) (*Server, string, string) {
	t.Helper()
	s, err := New(Options{Credentials: map[string]string{testAK: testSK}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	u, err := url.Parse(hs.URL)
	if err != nil {
		t.Fatal(err)
	}
	return s, u.Hostname(), u.Port()
}

// roaCall sends one FC request through alibaba-cloud-sdk-go's CommonRequest,
// the ROA v1 signature path fcgit's client uses.
func roaCall(t *testing.T, client *sdk.Client, host, port, method, pattern string, params map[string]string, query map[string]string, body any) (int, []byte, error) {
	t.Helper()
	req := requests.NewCommonRequest()
	req.Method = method
	req.Product = "FC"
	req.Version = "2023-03-30"
	req.PathPattern = pattern
	req.Scheme = "http"
	req.Domain = host
	req.Port = port
	for k, v := range params {
		req.PathParams[k] = v
	}
	for k, v := range query {
		req.QueryParams[k] = v
	}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		req.SetContent(b)
		req.SetContentType("application/json")
	}
	resp, err := client.ProcessCommonRequest(req)
	if err != nil {
		return 0, nil, err
	}
	return resp.GetHttpStatus(), resp.GetHttpContentBytes(), nil
}

func TestAlibabaCloudSDKCommonRequestROA(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	s, host, port := startSDKServer(t)
	client, err := sdk.NewClientWithAccessKey("cn-hangzhou", testAK, testSK)
	if err != nil {
		t.Fatalf("NewClientWithAccessKey: %v", err)
	}

	// A name that needs percent-encoding in the path would not be a valid FC
	// name; encoding a valid one must still be understood (%5F is "_").
	create := map[string]any{
		"functionName": "sdk_roa-fn", "runtime": "python3.10", "handler": "index.handler",
		"code": zipCode(makeZip(t, map[string]string{"index.py": "x = 1\n"})),
	}
	status, out, err := roaCall(t, client, host, port, "POST", "/2023-03-30/functions", nil, nil, create)
	if err != nil || status != http.StatusOK {
		t.Fatalf("CreateFunction via ROA: status %d, err %v, body %s", status, err, out)
	}
	status, out, err = roaCall(t, client, host, port, "GET", "/2023-03-30/functions/[functionName]",
		map[string]string{"functionName": "sdk%5Froa-fn"}, map[string]string{"qualifier": "LATEST"}, nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("GetFunction via ROA: status %d, err %v", status, err)
	}
	var fn map[string]any
	if err := json.Unmarshal(out, &fn); err != nil {
		t.Fatal(err)
	}
	if fn["functionName"] != "sdk_roa-fn" || fn["state"] != "Active" {
		t.Errorf("GetFunction = %v", fn)
	}
	status, out, err = roaCall(t, client, host, port, "GET", "/2023-03-30/functions", nil,
		map[string]string{"prefix": "sdk", "limit": "10"}, nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("ListFunctions via ROA: %d %v", status, err)
	}
	var list struct{ Functions []map[string]any }
	if err := json.Unmarshal(out, &list); err != nil || len(list.Functions) != 1 {
		t.Fatalf("ListFunctions = %s (%v)", out, err)
	}

	// FC's errors surface as the SDK's ServerError with FC's code.
	_, _, err = roaCall(t, client, host, port, "GET", "/2023-03-30/functions/[functionName]",
		map[string]string{"functionName": "missing"}, nil, nil)
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) || se.HttpStatus() != http.StatusNotFound || se.ErrorCode() != "FunctionNotFound" || se.RequestId() == "" {
		t.Fatalf("missing function error = %v", err)
	}

	bad, err := sdk.NewClientWithAccessKey("cn-hangzhou", testAK, "wrong-secret")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = roaCall(t, bad, host, port, "GET", "/2023-03-30/functions", nil, nil, nil)
	if !errors.As(err, &se) || se.HttpStatus() != http.StatusForbidden || se.ErrorCode() != "SignatureNotMatch" {
		t.Fatalf("wrong secret error = %v", err)
	}
	if st := s.Stats(); st.Rejected != 1 || st.Requests["GetFunction"] != 2 || st.Writes != 1 {
		t.Errorf("stats = %+v", st)
	}
}

// TestTeaSDKCallApiACS3 drives the emulator through darabonba-openapi's
// CallApi with the parameters the official fc-20230330 client passes
// (Protocol HTTPS overridden by the config's http, AuthType AK, Style ROA,
// json bodies): the ACS3-HMAC-SHA256 path of the official SDKs.
func TestTeaSDKCallApiACS3(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	_, host, port := startSDKServer(t)
	client, err := openapi.NewClient(&openapi.Config{
		Endpoint: dara.String(host + ":" + port), Protocol: dara.String("http"),
		AccessKeyId: dara.String(testAK), AccessKeySecret: dara.String(testSK),
	})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	call := func(action, method, path string, query map[string]*string, body any, bodyType string) (map[string]any, error) {
		return client.CallApi(&openapi.Params{
			Action: dara.String(action), Version: dara.String("2023-03-30"), Protocol: dara.String("HTTPS"),
			Pathname: dara.String(path), Method: dara.String(method), AuthType: dara.String("AK"),
			Style: dara.String("ROA"), ReqBodyType: dara.String("json"), BodyType: dara.String(bodyType),
		}, &openapi.OpenApiRequest{Query: query, Body: body}, &dara.RuntimeOptions{})
	}
	create := map[string]any{
		"functionName": "tea-fn", "runtime": "nodejs18", "handler": "index.handler",
		"code":   zipCode(makeZip(t, map[string]string{"index.js": "exports.handler = () => 1\n"})),
		"layers": nil, "environmentVariables": nil, // what the Go SDK sends for unset fields
		"tags": []any{map[string]any{"Key": "fcgit-deployed-from", "Value": "abc123"}},
	}
	res, err := call("CreateFunction", "POST", "/2023-03-30/functions", nil, create, "json")
	if err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	body, _ := res["body"].(map[string]any)
	if body["functionName"] != "tea-fn" || body["memorySize"] != json.Number("512") && body["memorySize"] != float64(512) {
		t.Errorf("CreateFunction body = %v", body)
	}
	trigger := map[string]any{
		"triggerName": "http-t", "triggerType": "http",
		"triggerConfig": `{"authType":"anonymous","methods":["GET","POST"]}`,
	}
	if _, err := call("CreateTrigger", "POST", "/2023-03-30/functions/"+dara.PercentEncode("tea-fn")+"/triggers", nil, trigger, "json"); err != nil {
		t.Fatalf("CreateTrigger: %v", err)
	}
	res, err = call("ListTriggers", "GET", "/2023-03-30/functions/tea-fn/triggers", map[string]*string{"limit": dara.String("5")}, nil, "json")
	if err != nil {
		t.Fatalf("ListTriggers: %v", err)
	}
	triggers, _ := res["body"].(map[string]any)["triggers"].([]any)
	if len(triggers) != 1 {
		t.Fatalf("ListTriggers = %v", res["body"])
	}
	// The query of ListTagResources carries JSON, exercising value encoding
	// in the canonical query string.
	arn := "acs:fc:cn-hangzhou:1234567890123456:functions/tea-fn"
	res, err = call("ListTagResources", "GET", "/2023-03-30/tags-v2", map[string]*string{
		"ResourceType": dara.String("function"), "ResourceId": dara.String(`["` + arn + `"]`), "Limit": dara.String("10"),
	}, nil, "json")
	if err != nil {
		t.Fatalf("ListTagResources: %v", err)
	}
	tr, _ := res["body"].(map[string]any)["TagResources"].([]any)
	if len(tr) != 1 || tr[0].(map[string]any)["TagValue"] != "abc123" || tr[0].(map[string]any)["ResourceId"] != arn {
		t.Fatalf("ListTagResources = %v", res["body"])
	}
	if _, err := call("UntagResources", "DELETE", "/2023-03-30/tags-v2", map[string]*string{
		"ResourceType": dara.String("function"), "ResourceId": dara.String(`["` + arn + `"]`), "TagKey": dara.String(`["fcgit-deployed-from"]`),
	}, nil, "none"); err != nil {
		t.Fatalf("UntagResources: %v", err)
	}
	_, err = call("GetFunction", "GET", "/2023-03-30/functions/nope", nil, nil, "json")
	var sdkErr *tea.SDKError // darabonba wraps its errors into tea's SDKError
	if !errors.As(err, &sdkErr) || tea.IntValue(sdkErr.StatusCode) != http.StatusNotFound || tea.StringValue(sdkErr.Code) != "FunctionNotFound" {
		t.Fatalf("GetFunction of a missing function: %v", err)
	}
}
