package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
)

func listNames(t *testing.T, c *apiClient, query url.Values) []string {
	t.Helper()
	r := c.expect(200, http.MethodGet, "/2023-03-30/functions", query, nil)
	var names []string
	for _, f := range r.JSON["functions"].([]any) {
		names = append(names, f.(map[string]any)["functionName"].(string))
	}
	return names
}

// TestFC2FunctionsAreListedAndFiltered: functions created under FC 2.0 are
// listed with the 3.0 ones unless fcVersion narrows the list.
func TestFC2FunctionsAreListedAndFiltered(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{SeedV2: []V2Function{{Name: "shop$legacy"}, {Name: "shop$old", Config: map[string]any{"runtime": "nodejs18"}}}})
	c.createFunction("shop-new", nil)
	tests := []struct {
		fcVersion string
		want      string
	}{
		{"", "shop$legacy shop$old shop-new"},
		{"v2", "shop$legacy shop$old"},
		{"v3", "shop-new"},
	}
	for _, tc := range tests {
		q := url.Values{"prefix": {"shop"}}
		if tc.fcVersion != "" {
			q.Set("fcVersion", tc.fcVersion)
		}
		if got := strings.Join(listNames(t, c, q), " "); got != tc.want {
			t.Errorf("fcVersion %q lists %q, want %q", tc.fcVersion, got, tc.want)
		}
	}
	c.expectError(400, codeInvalidArgument, http.MethodGet, "/2023-03-30/functions", url.Values{"fcVersion": {"v4"}}, nil)
}

// TestFC2FunctionsAreManagedThroughTheAPI: read, updated with the name
// percent-encoded in the path (by fcgit's ROA client and the Tea SDK alike),
// given triggers and tags, their code downloaded, routed to by a custom
// domain; never created.
func TestFC2FunctionsAreManagedThroughTheAPI(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	s, host, port := startSDKServer(t)
	if err := s.SeedV2(V2Function{Name: "shop$legacy", Config: map[string]any{"memorySize": 1024, "environmentVariables": map[string]string{"MODE": "v2"}}}); err != nil {
		t.Fatal(err)
	}
	c := &apiClient{t: t, base: "http://" + host + ":" + port, ak: testAK, sk: testSK, now: time.Now, http: http.DefaultClient}
	got := c.expect(200, http.MethodGet, "/2023-03-30/functions/shop%24legacy", nil, nil)
	if got.JSON["functionName"] != "shop$legacy" || got.JSON["memorySize"] != json.Number("1024") || got.JSON["functionArn"] != "acs:fc:cn-hangzhou:1234567890123456:functions/shop$legacy" {
		t.Errorf("GetFunction = %s", got.Body)
	}

	roa, err := sdk.NewClientWithAccessKey("cn-hangzhou", testAK, testSK)
	if err != nil {
		t.Fatal(err)
	}
	status, out, err := roaCall(t, roa, host, port, "PUT", "/2023-03-30/functions/[functionName]",
		map[string]string{"functionName": "shop%24legacy"}, nil, map[string]any{"timeout": 30})
	if err != nil || status != 200 {
		t.Fatalf("UpdateFunction shop%%24legacy via ROA: %d %v %s", status, err, out)
	}
	if r := c.expect(200, http.MethodGet, "/2023-03-30/functions/shop%24legacy", nil, nil); r.JSON["timeout"] != json.Number("30") {
		t.Errorf("timeout after update = %v", r.JSON["timeout"])
	}
	// The official Tea SDK percent-encodes the name itself.
	tea := newTeaClientFor(t, host, port)
	tea.must(nil, "UpdateFunction", "PUT", fnPath("shop$legacy", ""), nil, map[string]any{"description": "via tea"}, "json")
	if r := c.expect(200, http.MethodGet, "/2023-03-30/functions/shop%24legacy", nil, nil); r.JSON["description"] != "via tea" {
		t.Errorf("description after the Tea SDK's update = %v", r.JSON["description"])
	}

	c.expect(200, http.MethodPost, "/2023-03-30/functions/shop%24legacy/triggers", nil, map[string]any{"triggerName": "web", "triggerType": "http", "triggerConfig": httpTriggerConfig})
	c.expect(200, http.MethodGet, "/2023-03-30/functions/shop%24legacy/triggers/web", nil, nil)
	arn := "acs:fc:cn-hangzhou:1234567890123456:functions/shop$legacy"
	c.expect(204, http.MethodPost, "/2023-03-30/tags-v2", nil, map[string]any{"ResourceType": "function", "ResourceId": []string{arn}, "Tag": []any{map[string]any{"Key": "team", "Value": "shop"}}})
	if r := c.expect(200, http.MethodGet, "/2023-03-30/functions/shop%24legacy", nil, nil); canonicalJSON(t, r.JSON["tags"]) != `[{"Key":"team","Value":"shop"}]` {
		t.Errorf("tags = %v", r.JSON["tags"])
	}
	code := c.expect(200, http.MethodGet, "/2023-03-30/functions/shop%24legacy/code", nil, nil)
	if !strings.Contains(unzipFile(t, download(t, code.JSON["url"].(string)), "index.py"), "def handler") {
		t.Error("the seeded package has no handler")
	}
	c.expect(200, http.MethodPost, "/2023-03-30/custom-domains", nil, map[string]any{
		"domainName": "shop.example.com", "protocol": "HTTP",
		"routeConfig": map[string]any{"routes": []any{map[string]any{"path": "/*", "functionName": "shop$legacy"}}},
	})

	r := c.expectError(400, codeInvalidArgument, http.MethodPost, "/2023-03-30/functions", nil, map[string]any{
		"functionName": "shop$new", "runtime": "python3.10", "handler": "index.handler", "code": zipCode(makeZip(t, map[string]string{"a.py": "1"})),
	})
	if msg := r.JSON["Message"].(string); !strings.Contains(msg, "^[_a-zA-Z][-_a-zA-Z0-9]*$") || !strings.Contains(msg, "FC 2.0") {
		t.Errorf("create with '$': %s", msg)
	}
	if err := s.SeedV2(V2Function{Name: "shop$legacy"}); err == nil {
		t.Error("seeding an existing name succeeded")
	}
	for _, bad := range []V2Function{{Name: "legacy"}, {Name: "1shop$f"}, {Name: "shop$f$g"}, {Name: "shop$f", Config: map[string]any{"code": "x"}}, {Name: "shop$f", Config: map[string]any{"memorySize": 100}}} {
		if err := s.SeedV2(bad); err == nil {
			t.Errorf("SeedV2(%+v) succeeded", bad)
		}
	}
}

// TestFC2InstanceConcurrencyOnStandardRuntimes: FC 3.0 ignores
// instanceConcurrency on a standard runtime for an FC 2.0 function: the
// update is accepted and the value FC 2.0 set stays. On a custom runtime,
// and for FC 3.0 functions, the usual rules apply.
func TestFC2InstanceConcurrencyOnStandardRuntimes(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{SeedV2: []V2Function{
		{Name: "svc$py", Config: map[string]any{"runtime": "python3.9", "instanceConcurrency": 10}},
		{Name: "svc$custom", Config: map[string]any{"runtime": "custom.debian10", "handler": "main"}},
	}})
	tests := []struct {
		path string
		body map[string]any
		want string // instanceConcurrency afterwards
	}{
		{"/2023-03-30/functions/svc%24py", map[string]any{"instanceConcurrency": 20, "timeout": 9}, "10"},
		{"/2023-03-30/functions/svc%24py", map[string]any{"instanceConcurrency": 1}, "10"},
		{"/2023-03-30/functions/svc%24custom", map[string]any{"instanceConcurrency": 20}, "20"},
	}
	for _, tc := range tests {
		r := c.expect(200, http.MethodPut, tc.path, nil, tc.body)
		if got := string(r.JSON["instanceConcurrency"].(json.Number)); got != tc.want {
			t.Errorf("%s after %v: instanceConcurrency %s, want %s", tc.path, tc.body, got, tc.want)
		}
	}
	if r := c.expect(200, http.MethodGet, "/2023-03-30/functions/svc%24py", nil, nil); r.JSON["timeout"] != json.Number("9") {
		t.Errorf("the rest of the update was not applied: %s", r.Body)
	}
	c.createFunction("v3py", nil)
	c.expectError(400, codeInvalidArgument, http.MethodPut, "/2023-03-30/functions/v3py", nil, map[string]any{"instanceConcurrency": 20})
}

// TestFC2FunctionsPersist: seeded functions keep being FC 2.0 functions
// across a restart, and seeding the same name again at start leaves the
// stored one (with its updates) alone.
func TestFC2FunctionsPersist(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := Options{DataDir: dir, SeedV2: []V2Function{{Name: "shop$legacy"}}}
	s1, c1 := newTestServer(t, opts)
	c1.expect(200, http.MethodPut, "/2023-03-30/functions/shop%24legacy", nil, map[string]any{"timeout": 42})
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	_, c2 := newTestServer(t, opts)
	if r := c2.expect(200, http.MethodGet, "/2023-03-30/functions/shop%24legacy", nil, nil); r.JSON["timeout"] != json.Number("42") {
		t.Errorf("timeout after restart = %v", r.JSON["timeout"])
	}
	if got := listNames(t, c2, url.Values{"fcVersion": {"v2"}}); strings.Join(got, " ") != "shop$legacy" {
		t.Errorf("v2 functions after restart: %v", got)
	}
}
