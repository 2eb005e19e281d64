package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc64"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// incompressible returns n random bytes as hex, which deflate cannot shrink
// below n bytes.
func incompressible(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func TestCodeChecksumIsCRC64ECMADecimal(t *testing.T) {
	// The CRC-64/ECMA-182 check value of "123456789" as Go's ECMA table
	// computes it, the reference FC's codeChecksum uses.
	if got := codeChecksum([]byte("123456789")); got != "11051210869376104954" {
		t.Fatalf("codeChecksum = %s", got)
	}
}

func TestCreateFillsFCDefaultsAndEmptyShapes(t *testing.T) {
	_, c := newTestServer(t, Options{})
	c.createFunction("defaults", nil)
	r := c.do(http.MethodGet, "/2023-03-30/functions/defaults", nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("get: %d %s", r.Status, r.Body)
	}
	want := map[string]any{
		"description": "", "internetAccess": true, "memorySize": 512, "timeout": 3, "instanceConcurrency": 1,
		"diskSize": 512, "cpu": 0.5,
		"vpcConfig":             map[string]any{"securityGroupId": "", "vSwitchIds": []any{}, "vpcId": ""},
		"nasConfig":             map[string]any{"groupId": 0, "userId": 0, "mountPoints": []any{}},
		"ossMountConfig":        map[string]any{"mountPoints": []any{}},
		"logConfig":             map[string]any{"enableInstanceMetrics": false, "enableRequestMetrics": false, "logBeginRule": "None", "logstore": "", "project": ""},
		"tracingConfig":         map[string]any{},
		"environmentVariables":  map[string]any{},
		"layers":                []any{},
		"instanceIsolationMode": "SHARE", "sessionAffinity": "NONE",
		"state": "Active", "lastUpdateStatus": "Successful",
		"functionArn": "acs:fc:cn-hangzhou:1234567890123456:functions/defaults",
	}
	for k, v := range want {
		if canonicalJSON(t, r.JSON[k]) != canonicalJSON(t, v) {
			t.Errorf("%s = %s, want %s", k, canonicalJSON(t, r.JSON[k]), canonicalJSON(t, v))
		}
	}
	for _, k := range []string{"functionId", "createdTime", "lastModifiedTime", "codeChecksum"} {
		if s, _ := r.JSON[k].(string); s == "" {
			t.Errorf("%s missing", k)
		}
	}
	if _, err := time.Parse("2006-01-02T15:04:05Z", r.JSON["lastModifiedTime"].(string)); err != nil {
		t.Errorf("lastModifiedTime format: %v", err)
	}
	if _, present := r.JSON["role"]; present {
		t.Errorf("role should stay absent when not set")
	}
}

func TestCPUDefaultFollowsMemory(t *testing.T) {
	tests := []struct{ memory, wantCPU string }{{"128", "0.1"}, {"192", "0.15"}, {"384", "0.35"}, {"512", "0.5"}, {"3072", "3"}, {"32768", "16"}}
	_, c := newTestServer(t, Options{})
	for i, tc := range tests {
		mem, _ := strconv.Atoi(tc.memory)
		name := fmt.Sprintf("cpu%d", i)
		r := c.createFunction(name, map[string]any{"memorySize": mem})
		// Independent computation: memory/1024 rounded down to a multiple
		// of 0.05, within [0.05, 16], so that cpu : memory (GB) stays
		// within 1:1 and 1:4.
		got := string(r.JSON["cpu"].(json.Number))
		if got != tc.wantCPU {
			t.Errorf("memory %s: cpu %s, want %s", tc.memory, got, tc.wantCPU)
		}
		// What FC chose, it takes back: a client sending the value it read
		// is not refused.
		if u := c.do(http.MethodPut, "/2023-03-30/functions/"+name, nil, map[string]any{"cpu": r.JSON["cpu"]}); u.Status != http.StatusOK {
			t.Errorf("memory %s: sending back cpu %s: %d %s", tc.memory, got, u.Status, u.Body)
		}
	}
}

func TestPartialUpdateAndRemovingSettings(t *testing.T) {
	_, c := newTestServer(t, Options{})
	c.createFunction("upd", map[string]any{
		"environmentVariables": map[string]any{"A": "1"},
		"vpcConfig":            map[string]any{"vpcId": "vpc-1", "vSwitchIds": []any{"vsw-1"}, "securityGroupId": "sg-1"},
		"layers":               []any{"acs:fc:cn-hangzhou:1234567890123456:layers/deps/versions/2"},
		"description":          "first",
	})
	before := c.do(http.MethodGet, "/2023-03-30/functions/upd", nil, nil).JSON

	// Only description changes; null fields (as the Go SDK sends) keep values.
	r := c.do(http.MethodPut, "/2023-03-30/functions/upd", nil, map[string]any{"description": "second", "environmentVariables": nil, "layers": nil})
	if r.Status != http.StatusOK {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	after := c.do(http.MethodGet, "/2023-03-30/functions/upd", nil, nil).JSON
	for _, k := range []string{"environmentVariables", "vpcConfig", "layers", "memorySize", "codeChecksum", "functionId", "createdTime"} {
		if canonicalJSON(t, before[k]) != canonicalJSON(t, after[k]) {
			t.Errorf("%s changed by an update that omitted it: %v -> %v", k, before[k], after[k])
		}
	}
	if after["description"] != "second" {
		t.Errorf("description = %v", after["description"])
	}
	if after["lastModifiedTime"] == before["lastModifiedTime"] {
		t.Errorf("lastModifiedTime did not change: %v", after["lastModifiedTime"])
	}

	// Sending the empty shapes removes the settings.
	c.do(http.MethodPut, "/2023-03-30/functions/upd", nil, map[string]any{
		"environmentVariables": map[string]any{}, "layers": []any{},
		"vpcConfig": map[string]any{"securityGroupId": "", "vSwitchIds": []any{}, "vpcId": ""},
	})
	cleared := c.do(http.MethodGet, "/2023-03-30/functions/upd", nil, nil).JSON
	if canonicalJSON(t, cleared["environmentVariables"]) != "{}" || canonicalJSON(t, cleared["layers"]) != "[]" ||
		canonicalJSON(t, cleared["vpcConfig"]) != `{"securityGroupId":"","vSwitchIds":[],"vpcId":""}` {
		t.Errorf("settings not removed: env %v layers %v vpc %v", cleared["environmentVariables"], cleared["layers"], cleared["vpcConfig"])
	}

	if r := c.do(http.MethodPut, "/2023-03-30/functions/missing", nil, map[string]any{"description": "x"}); r.Status != http.StatusNotFound || r.code() != codeFunctionNotFound {
		t.Errorf("update of missing function: %d %s", r.Status, r.code())
	}
}

func TestLastModifiedTimeChangesWithinOneSecond(t *testing.T) {
	clock := newSettableClock()
	_, c := newTestServer(t, Options{Now: clock.Now})
	c.createFunction("mono", nil)
	seen := map[string]bool{}
	for i := 0; i < 3; i++ {
		r := c.do(http.MethodPut, "/2023-03-30/functions/mono", nil, map[string]any{"description": strconv.Itoa(i)})
		lm := r.JSON["lastModifiedTime"].(string)
		if seen[lm] {
			t.Fatalf("lastModifiedTime %s repeated within the same second", lm)
		}
		seen[lm] = true
	}
}

func TestLayersShapeAndUnknownFieldRoundTrip(t *testing.T) {
	_, c := newTestServer(t, Options{})
	arn := "acs:fc:cn-hangzhou:1234567890123456:layers/numpy/versions/3"
	future := map[string]any{"mode": "turbo", "level": 7}
	r := c.createFunction("lay", map[string]any{"layers": []any{arn}, "futureSetting": future, "resourceGroupId": "rg-1"})
	layers, _ := r.JSON["layers"].([]any)
	if len(layers) != 1 {
		t.Fatalf("layers = %v", r.JSON["layers"])
	}
	l, _ := layers[0].(map[string]any)
	if l["arn"] != arn || l["size"] == nil {
		t.Errorf("layer = %v, want {arn, size}", l)
	}
	got := c.do(http.MethodGet, "/2023-03-30/functions/lay", nil, nil).JSON
	if canonicalJSON(t, got["futureSetting"]) != canonicalJSON(t, future) || got["resourceGroupId"] != "rg-1" {
		t.Errorf("unknown field not returned as sent: %v", got["futureSetting"])
	}
	// Updating with the request shape again keeps the returned shape stable.
	c.do(http.MethodPut, "/2023-03-30/functions/lay", nil, map[string]any{"layers": []any{arn}})
	again := c.do(http.MethodGet, "/2023-03-30/functions/lay", nil, nil).JSON
	if canonicalJSON(t, again["layers"]) != canonicalJSON(t, got["layers"]) {
		t.Errorf("layers changed: %v -> %v", got["layers"], again["layers"])
	}
}

func TestListFunctionsPagingPast100(t *testing.T) {
	_, c := newTestServer(t, Options{})
	const n = 205
	for i := 0; i < n; i++ {
		c.createFunction(fmt.Sprintf("fn-%03d", i), nil)
	}
	c.createFunction("other", nil)
	var names []string
	token, pages := "", 0
	for {
		q := url.Values{"prefix": {"fn-"}, "limit": {"100"}}
		if token != "" {
			q.Set("nextToken", token)
		}
		r := c.do(http.MethodGet, "/2023-03-30/functions", q, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("list: %d %s", r.Status, r.Body)
		}
		pages++
		for _, f := range r.JSON["functions"].([]any) {
			m := f.(map[string]any)
			if _, has := m["state"]; has {
				t.Fatalf("list item has state: %v", m)
			}
			if _, has := m["lastUpdateStatus"]; has {
				t.Fatalf("list item has lastUpdateStatus")
			}
			names = append(names, m["functionName"].(string))
		}
		token, _ = r.JSON["nextToken"].(string)
		if token == "" {
			break
		}
	}
	if len(names) != n || pages != 3 {
		t.Fatalf("got %d names in %d pages, want %d in 3", len(names), pages, n)
	}
	for i, name := range names {
		if name != fmt.Sprintf("fn-%03d", i) {
			t.Fatalf("names[%d] = %s", i, name)
		}
	}
	r := c.do(http.MethodGet, "/2023-03-30/functions", nil, nil)
	if got := len(r.JSON["functions"].([]any)); got != defaultListLimit {
		t.Errorf("default page size = %d", got)
	}
	for _, bad := range []string{"0", "101", "x"} {
		if r := c.do(http.MethodGet, "/2023-03-30/functions", url.Values{"limit": {bad}}, nil); r.Status != http.StatusBadRequest || r.code() != codeInvalidArgument {
			t.Errorf("limit %s: %d %s", bad, r.Status, r.code())
		}
	}
	if r := c.do(http.MethodGet, "/2023-03-30/functions", url.Values{"nextToken": {"!!!"}}, nil); r.Status != http.StatusBadRequest {
		t.Errorf("bad nextToken: %d", r.Status)
	}
}

func TestFunctionValidationErrors(t *testing.T) {
	_, c := newTestServer(t, Options{MaxCodeSize: 4096})
	c.createFunction("exists", nil)
	valid := func(over map[string]any) map[string]any {
		m := map[string]any{
			"functionName": "v", "runtime": "python3.10", "handler": "index.handler",
			"code": zipCode(makeZip(t, map[string]string{"a.py": "1"})),
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
	tests := []struct {
		name       string
		body       any
		wantStatus int
		wantCode   string
	}{
		{"name starts with digit", valid(map[string]any{"functionName": "1abc"}), 400, codeInvalidArgument},
		{"name starts with dash", valid(map[string]any{"functionName": "-abc"}), 400, codeInvalidArgument},
		{"name too long", valid(map[string]any{"functionName": strings.Repeat("a", 65)}), 400, codeInvalidArgument},
		{"name with dot", valid(map[string]any{"functionName": "a.b"}), 400, codeInvalidArgument},
		{"unknown runtime", valid(map[string]any{"runtime": "cobol"}), 400, codeInvalidArgument},
		{"missing runtime", valid(map[string]any{"runtime": nil}), 400, codeInvalidArgument},
		{"missing handler", valid(map[string]any{"handler": nil}), 400, codeInvalidArgument},
		{"memory below min", valid(map[string]any{"memorySize": 64}), 400, codeInvalidArgument},
		{"memory above max", valid(map[string]any{"memorySize": 32832}), 400, codeInvalidArgument},
		{"memory not multiple of 64", valid(map[string]any{"memorySize": 200}), 400, codeInvalidArgument},
		{"memory not integer", valid(map[string]any{"memorySize": "512"}), 400, codeInvalidArgument},
		{"timeout zero", valid(map[string]any{"timeout": 0}), 400, codeInvalidArgument},
		{"timeout too long", valid(map[string]any{"timeout": 86401}), 400, codeInvalidArgument},
		{"disk size", valid(map[string]any{"diskSize": 1024}), 400, codeInvalidArgument},
		{"cpu not multiple of 0.05", valid(map[string]any{"cpu": 0.33}), 400, codeInvalidArgument},
		{"env not strings", valid(map[string]any{"environmentVariables": map[string]any{"A": 1}}), 400, codeInvalidArgument},
		{"layer not arn", valid(map[string]any{"layers": []any{"numpy"}}), 400, codeInvalidArgument},
		{"vpcConfig not object", valid(map[string]any{"vpcConfig": "vpc-1"}), 400, codeInvalidArgument},
		{"missing code", valid(map[string]any{"code": nil}), 400, codeInvalidArgument},
		{"code not base64", valid(map[string]any{"code": map[string]any{"zipFile": "%%%"}}), 400, codeInvalidArgument},
		{"code not zip", valid(map[string]any{"code": map[string]any{"zipFile": "aGVsbG8="}}), 400, codeInvalidArgument},
		{"code too large", valid(map[string]any{"code": zipCode(makeZip(t, map[string]string{"big": incompressible(8000)}))}), 400, codeEntityTooLarge},
		{"checksum mismatch", valid(map[string]any{"code": map[string]any{"zipFile": zipCode(makeZip(t, map[string]string{"a": "1"}))["zipFile"], "checksum": "123"}}), 400, codeInvalidArgument},
		{"oss code location", valid(map[string]any{"code": map[string]any{"ossBucketName": "b", "ossObjectName": "o"}}), 400, codeInvalidArgument},
		{"custom-container without image", valid(map[string]any{"runtime": "custom-container", "code": nil}), 400, codeInvalidArgument},
		{"custom-container with code", valid(map[string]any{"runtime": "custom-container", "customContainerConfig": map[string]any{"image": "registry/x:1"}}), 400, codeInvalidArgument},
		{"bad tag key", valid(map[string]any{"tags": []any{map[string]any{"Key": "aliyun-x", "Value": "v"}}}), 400, codeInvalidArgument},
		{"body not json", []byte("{"), 400, codeInvalidArgument},
		{"already exists", valid(map[string]any{"functionName": "exists"}), 409, codeFunctionAlreadyExists},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do(http.MethodPost, "/2023-03-30/functions", nil, tc.body)
			if r.Status != tc.wantStatus || r.code() != tc.wantCode {
				t.Fatalf("got %d %s (%s), want %d %s", r.Status, r.code(), r.JSON["Message"], tc.wantStatus, tc.wantCode)
			}
		})
	}
	// A checksum that matches is accepted; custom-container needs no code.
	z := makeZip(t, map[string]string{"ok.py": "1"})
	crc := strconv.FormatUint(crc64.Checksum(z, crc64.MakeTable(crc64.ECMA)), 10)
	if r := c.do(http.MethodPost, "/2023-03-30/functions", nil, valid(map[string]any{"functionName": "ck", "code": map[string]any{"zipFile": zipCode(z)["zipFile"], "checksum": crc}})); r.Status != 200 || r.JSON["codeChecksum"] != crc {
		t.Errorf("matching checksum: %d %s", r.Status, r.Body)
	}
	r := c.do(http.MethodPost, "/2023-03-30/functions", nil, valid(map[string]any{"functionName": "img", "runtime": "custom-container", "code": nil, "customContainerConfig": map[string]any{"image": "registry/x:1"}}))
	if r.Status != 200 || r.JSON["codeChecksum"] != nil {
		t.Errorf("custom-container create: %d %s", r.Status, r.Body)
	}
	if r := c.do(http.MethodGet, "/2023-03-30/functions/img/code", nil, nil); r.Status != 400 {
		t.Errorf("code of custom-container: %d", r.Status)
	}
	if r := c.do(http.MethodPut, "/2023-03-30/functions/exists", nil, map[string]any{"timeout": 0}); r.Status != 400 || r.code() != codeInvalidArgument {
		t.Errorf("update validation: %d %s", r.Status, r.code())
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	_, c := newTestServer(t, Options{})
	for _, tc := range []struct{ method, path string }{
		{"GET", "/2023-03-30/nothing"}, {"PATCH", "/2023-03-30/functions"}, {"GET", "/2016-08-15/services"},
		{"POST", "/2023-03-30/functions/x/code"}, {"GET", "/2023-03-30/functions/x/triggers/t/extra"},
	} {
		r := c.do(tc.method, tc.path, nil, nil)
		if r.Status != http.StatusNotFound || r.code() != codePathNotSupported || r.JSON["RequestId"] == "" {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, r.Status, r.Body)
		}
	}
}

func TestCodeURLDownloadAndExpiry(t *testing.T) {
	clock := newSettableClock()
	s, c := newTestServer(t, Options{Now: clock.Now, CodeURLExpiry: time.Minute})
	zipBytes := makeZip(t, map[string]string{"index.py": "print(1)\n"})
	created := c.createFunction("dl", map[string]any{"code": zipCode(zipBytes)})
	r := c.do(http.MethodGet, "/2023-03-30/functions/dl/code", nil, nil)
	if r.Status != 200 || r.JSON["checksum"] != created.JSON["codeChecksum"] {
		t.Fatalf("GetFunctionCode: %d %s", r.Status, r.Body)
	}
	codeURL := r.JSON["url"].(string)
	if !strings.HasPrefix(codeURL, c.base+"/") || !strings.Contains(codeURL, "Expires=") || !strings.Contains(codeURL, "Signature=") {
		t.Fatalf("url %s does not point at this server with an expiry and signature", codeURL)
	}
	get := func(u string) (int, []byte) {
		resp, err := http.Get(u) // plain GET, no Alibaba signature
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	status, body := get(codeURL)
	if status != 200 || string(body) != string(zipBytes) {
		t.Fatalf("download: %d, %d bytes", status, len(body))
	}
	if status, body := get(strings.Replace(codeURL, "Signature=", "Signature=x", 1)); status != 403 || !strings.Contains(string(body), "<Code>SignatureDoesNotMatch</Code>") {
		t.Errorf("tampered url: %d %s", status, body)
	}
	clock.Advance(61 * time.Second)
	status, body = get(codeURL)
	if status != 403 || !strings.Contains(string(body), "<Code>AccessDenied</Code>") || !strings.Contains(string(body), "Request has expired") {
		t.Errorf("expired url: %d %s", status, body)
	}
	if got := s.Stats().Requests["DownloadCode"]; got != 3 {
		t.Errorf("DownloadCode count = %d", got)
	}
	// A URL for replaced code no longer resolves.
	r = c.do(http.MethodGet, "/2023-03-30/functions/dl/code", nil, nil)
	old := r.JSON["url"].(string)
	c.do(http.MethodPut, "/2023-03-30/functions/dl", nil, map[string]any{"code": zipCode(makeZip(t, map[string]string{"index.py": "print(2)\n"}))})
	if status, _ := get(old); status != 404 {
		t.Errorf("url of replaced code: %d", status)
	}
}

func TestSettleDelayReportsPendingThenActive(t *testing.T) {
	clock := newSettableClock()
	_, c := newTestServer(t, Options{Now: clock.Now, SettleDelay: 2 * time.Second})
	c.createFunction("slow", nil)
	r := c.do(http.MethodGet, "/2023-03-30/functions/slow", nil, nil)
	if r.JSON["state"] != "Pending" || r.JSON["lastUpdateStatus"] != "InProgress" {
		t.Fatalf("after create: %v / %v", r.JSON["state"], r.JSON["lastUpdateStatus"])
	}
	if r := c.do(http.MethodPut, "/2023-03-30/functions/slow", nil, map[string]any{"timeout": 10}); r.Status != 409 || r.code() != codeConcurrentUpdateError {
		t.Errorf("update while InProgress: %d %s", r.Status, r.code())
	}
	clock.Advance(3 * time.Second)
	r = c.do(http.MethodGet, "/2023-03-30/functions/slow", nil, nil)
	if r.JSON["state"] != "Active" || r.JSON["lastUpdateStatus"] != "Successful" {
		t.Fatalf("after settle: %v / %v", r.JSON["state"], r.JSON["lastUpdateStatus"])
	}
	c.do(http.MethodPut, "/2023-03-30/functions/slow", nil, map[string]any{"timeout": 10})
	r = c.do(http.MethodGet, "/2023-03-30/functions/slow", nil, nil)
	if r.JSON["state"] != "Active" || r.JSON["lastUpdateStatus"] != "InProgress" {
		t.Errorf("after update: %v / %v", r.JSON["state"], r.JSON["lastUpdateStatus"])
	}
}
