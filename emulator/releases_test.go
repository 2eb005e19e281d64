package emulator

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func publish(c *apiClient, fn, description string) apiResponse {
	c.t.Helper()
	return c.expect(200, http.MethodPost, "/2023-03-30/functions/"+fn+"/versions", nil, map[string]any{"description": description})
}

func TestPublishVersionsSnapshotsConfigAndCode(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{})
	zip1 := makeZip(t, map[string]string{"index.py": "v = 1\n"})
	created := c.createFunction("rel", map[string]any{"code": zipCode(zip1), "description": "first", "environmentVariables": map[string]any{"V": "1"}})
	s.ResetStats()

	v1 := publish(c, "rel", "release one")
	if v1.JSON["versionId"] != "1" || v1.JSON["description"] != "release one" || v1.JSON["createdTime"] == nil || v1.JSON["lastModifiedTime"] == nil {
		t.Fatalf("version 1 = %s", v1.Body)
	}
	// Nothing changed since version 1: FC refuses a new version.
	r := c.expectError(400, codeVersionPublishError, http.MethodPost, "/2023-03-30/functions/rel/versions", nil, map[string]any{"description": "again"})
	if !strings.Contains(r.JSON["Message"].(string), "No changes were made since last publish") {
		t.Errorf("refusal message = %v", r.JSON["Message"])
	}

	zip2 := makeZip(t, map[string]string{"index.py": "v = 2\n"})
	c.expect(200, http.MethodPut, "/2023-03-30/functions/rel", nil, map[string]any{"code": zipCode(zip2), "description": "second", "environmentVariables": map[string]any{"V": "2"}})
	v2 := c.expect(200, http.MethodPost, "/2023-03-30/functions/rel/versions", nil, nil) // no body: description ""
	if v2.JSON["versionId"] != "2" || v2.JSON["description"] != "" {
		t.Fatalf("version 2 = %s", v2.Body)
	}
	c.expect(200, http.MethodPut, "/2023-03-30/functions/rel", nil, map[string]any{"description": "third"})

	// GetFunction by version returns the snapshot; LATEST the live function.
	old := c.expect(200, http.MethodGet, "/2023-03-30/functions/rel", url.Values{"qualifier": {"1"}}, nil).JSON
	if old["description"] != "first" || canonicalJSON(t, old["environmentVariables"]) != `{"V":"1"}` ||
		old["codeChecksum"] != created.JSON["codeChecksum"] || old["lastModifiedTime"] != created.JSON["lastModifiedTime"] ||
		old["functionId"] != created.JSON["functionId"] || old["state"] != "Active" {
		t.Errorf("version 1 function = %v", old)
	}
	live := c.expect(200, http.MethodGet, "/2023-03-30/functions/rel", url.Values{"qualifier": {"LATEST"}}, nil).JSON
	if live["description"] != "third" {
		t.Errorf("LATEST description = %v", live["description"])
	}
	c.expectError(404, codeVersionNotFound, http.MethodGet, "/2023-03-30/functions/rel", url.Values{"qualifier": {"9"}}, nil)
	c.expectError(404, codeAliasNotFound, http.MethodGet, "/2023-03-30/functions/rel", url.Values{"qualifier": {"prod"}}, nil)

	// GetFunctionCode by version and by alias serves that version's package.
	c.expect(200, http.MethodPost, "/2023-03-30/functions/rel/aliases", nil, map[string]any{"aliasName": "prod", "versionId": "1"})
	for _, q := range []string{"1", "prod"} {
		code := c.expect(200, http.MethodGet, "/2023-03-30/functions/rel/code", url.Values{"qualifier": {q}}, nil)
		if code.JSON["checksum"] != created.JSON["codeChecksum"] {
			t.Errorf("code of %s: checksum %v", q, code.JSON["checksum"])
		}
		if got := download(t, code.JSON["url"].(string)); string(got) != string(zip1) {
			t.Errorf("code of %s: downloaded %d bytes, not version 1's package", q, len(got))
		}
	}
	byAlias := c.expect(200, http.MethodGet, "/2023-03-30/functions/rel", url.Values{"qualifier": {"prod"}}, nil).JSON
	if canonicalJSON(t, byAlias) != canonicalJSON(t, old) {
		t.Errorf("GetFunction by alias differs from by version:\n%v\n%v", byAlias, old)
	}
	if got := download(t, c.expect(200, http.MethodGet, "/2023-03-30/functions/rel/code", nil, nil).JSON["url"].(string)); string(got) != string(zip2) {
		t.Errorf("LATEST code is not the updated package")
	}
	if st := s.Stats(); st.Writes != 5 || st.Requests["PublishFunctionVersion"] != 3 {
		t.Errorf("stats = %+v", st)
	}
}

func download(t *testing.T, u string) []byte {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("download %s: %d %v", u, resp.StatusCode, err)
	}
	return b
}

func TestListFunctionVersionsPagingAndDirection(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	c.createFunction("pv", nil)
	for i := 1; i <= 12; i++ {
		c.expect(200, http.MethodPut, "/2023-03-30/functions/pv", nil, map[string]any{"timeout": i})
		if v := publish(c, "pv", fmt.Sprint("v", i)); v.JSON["versionId"] != fmt.Sprint(i) {
			t.Fatalf("version %d got id %v", i, v.JSON["versionId"])
		}
	}
	// Deleting a version leaves a gap; ids are never reused.
	c.expect(204, http.MethodDelete, "/2023-03-30/functions/pv/versions/5", nil, nil)
	c.expect(200, http.MethodPut, "/2023-03-30/functions/pv", nil, map[string]any{"timeout": 99})
	if v := publish(c, "pv", "v13"); v.JSON["versionId"] != "13" {
		t.Fatalf("after a deletion the next id is %v", v.JSON["versionId"])
	}
	collect := func(direction string) ([]string, string) {
		var ids []string
		token, dir := "", ""
		for {
			q := url.Values{"limit": {"5"}}
			if direction != "" {
				q.Set("direction", direction)
			}
			if token != "" {
				q.Set("nextToken", token)
			}
			r := c.expect(200, http.MethodGet, "/2023-03-30/functions/pv/versions", q, nil)
			dir, _ = r.JSON["direction"].(string)
			for _, v := range r.JSON["versions"].([]any) {
				ids = append(ids, v.(map[string]any)["versionId"].(string))
			}
			if token, _ = r.JSON["nextToken"].(string); token == "" {
				return ids, dir
			}
		}
	}
	back, dir := collect("")
	if strings.Join(back, ",") != "13,12,11,10,9,8,7,6,4,3,2,1" || dir != "BACKWARD" {
		t.Errorf("default listing %s = %v", dir, back)
	}
	fwd, dir := collect("FORWARD")
	if strings.Join(fwd, ",") != "1,2,3,4,6,7,8,9,10,11,12,13" || dir != "FORWARD" {
		t.Errorf("forward listing %s = %v", dir, fwd)
	}
	latest := c.expect(200, http.MethodGet, "/2023-03-30/functions/pv/versions", url.Values{"limit": {"1"}}, nil)
	if v := latest.JSON["versions"].([]any)[0].(map[string]any); v["versionId"] != "13" || v["description"] != "v13" || latest.JSON["nextToken"] != "12" {
		t.Errorf("latest = %s", latest.Body)
	}
	for _, q := range []url.Values{{"direction": {"UP"}}, {"nextToken": {"x"}}, {"limit": {"0"}}} {
		c.expectError(400, codeInvalidArgument, http.MethodGet, "/2023-03-30/functions/pv/versions", q, nil)
	}
	c.expectError(404, codeFunctionNotFound, http.MethodGet, "/2023-03-30/functions/none/versions", nil, nil)
	c.expectError(404, codeVersionNotFound, http.MethodDelete, "/2023-03-30/functions/pv/versions/5", nil, nil)
}

func TestAliasLifecycleAndValidation(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{})
	c.createFunction("al", nil)
	base := "/2023-03-30/functions/al/aliases"
	publish(c, "al", "one")
	c.expect(200, http.MethodPut, "/2023-03-30/functions/al", nil, map[string]any{"timeout": 30})
	publish(c, "al", "two")
	s.ResetStats()

	created := c.expect(200, http.MethodPost, base, nil, map[string]any{"aliasName": "prod", "versionId": "1", "future": "kept"})
	if created.JSON["aliasName"] != "prod" || created.JSON["versionId"] != "1" || created.JSON["description"] != "" ||
		canonicalJSON(t, created.JSON["additionalVersionWeight"]) != "{}" || created.JSON["future"] != "kept" ||
		created.JSON["createdTime"] == nil || created.JSON["lastModifiedTime"] == nil {
		t.Fatalf("created = %s", created.Body)
	}
	c.expectError(409, codeAliasAlreadyExists, http.MethodPost, base, nil, map[string]any{"aliasName": "prod", "versionId": "2"})

	// Canary: 10% of prod's traffic to version 2.
	upd := c.expect(200, http.MethodPut, base+"/prod", nil, map[string]any{"additionalVersionWeight": map[string]any{"2": 0.1}, "description": "canary"})
	if canonicalJSON(t, upd.JSON["additionalVersionWeight"]) != `{"2":0.1}` || upd.JSON["versionId"] != "1" || upd.JSON["future"] != "kept" ||
		upd.JSON["createdTime"] != created.JSON["createdTime"] || upd.JSON["lastModifiedTime"] == created.JSON["lastModifiedTime"] {
		t.Errorf("update = %s", upd.Body)
	}
	// A version an alias routes to cannot be deleted, as main or canary version.
	for _, id := range []string{"1", "2"} {
		r := c.expectError(http.StatusPreconditionFailed, codeFunctionNotEmpty, http.MethodDelete, "/2023-03-30/functions/al/versions/"+id, nil, nil)
		if !strings.Contains(r.JSON["Message"].(string), "prod") {
			t.Errorf("refusal does not name the alias: %v", r.JSON["Message"])
		}
	}
	// Neither can the function while it has aliases or versions.
	c.expectError(http.StatusPreconditionFailed, codeFunctionNotEmpty, http.MethodDelete, "/2023-03-30/functions/al", nil, nil)

	tests := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		code   string
	}{
		{"name starts with digit", http.MethodPost, base, map[string]any{"aliasName": "1st", "versionId": "1"}, 400, codeInvalidArgument},
		{"name LATEST", http.MethodPost, base, map[string]any{"aliasName": "LATEST", "versionId": "1"}, 400, codeInvalidArgument},
		{"name too long", http.MethodPost, base, map[string]any{"aliasName": strings.Repeat("a", 129), "versionId": "1"}, 400, codeInvalidArgument},
		{"no version", http.MethodPost, base, map[string]any{"aliasName": "x"}, 400, codeInvalidArgument},
		{"missing version", http.MethodPost, base, map[string]any{"aliasName": "x", "versionId": "7"}, 404, codeVersionNotFound},
		{"weight above 1", http.MethodPost, base, map[string]any{"aliasName": "x", "versionId": "1", "additionalVersionWeight": map[string]any{"2": 1.5}}, 400, codeInvalidArgument},
		{"negative weight", http.MethodPost, base, map[string]any{"aliasName": "x", "versionId": "1", "additionalVersionWeight": map[string]any{"2": -0.1}}, 400, codeInvalidArgument},
		{"weight on own version", http.MethodPost, base, map[string]any{"aliasName": "x", "versionId": "1", "additionalVersionWeight": map[string]any{"1": 0.5}}, 400, codeInvalidArgument},
		{"weight on missing version", http.MethodPost, base, map[string]any{"aliasName": "x", "versionId": "1", "additionalVersionWeight": map[string]any{"9": 0.5}}, 404, codeVersionNotFound},
		{"weight not a number", http.MethodPost, base, map[string]any{"aliasName": "x", "versionId": "1", "additionalVersionWeight": map[string]any{"2": "half"}}, 400, codeInvalidArgument},
		{"weights not an object", http.MethodPost, base, map[string]any{"aliasName": "x", "versionId": "1", "additionalVersionWeight": []any{0.5}}, 400, codeInvalidArgument},
		{"description too long", http.MethodPost, base, map[string]any{"aliasName": "x", "versionId": "1", "description": strings.Repeat("d", 257)}, 400, codeInvalidArgument},
		{"rename", http.MethodPut, base + "/prod", map[string]any{"aliasName": "other"}, 400, codeInvalidArgument},
		{"update to own canary version", http.MethodPut, base + "/prod", map[string]any{"versionId": "2"}, 400, codeInvalidArgument},
		{"update missing alias", http.MethodPut, base + "/none", map[string]any{"description": "x"}, 404, codeAliasNotFound},
		{"get missing alias", http.MethodGet, base + "/none", nil, 404, codeAliasNotFound},
		{"delete missing alias", http.MethodDelete, base + "/none", nil, 404, codeAliasNotFound},
		{"aliases of missing function", http.MethodGet, "/2023-03-30/functions/none/aliases", nil, 404, codeFunctionNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do(tc.method, tc.path, nil, tc.body)
			if r.Status != tc.status || r.code() != tc.code {
				t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, tc.status, tc.code)
			}
		})
	}

	// Moving prod to version 2 with {} weights clears the canary, freeing version 1.
	c.expect(200, http.MethodPut, base+"/prod", nil, map[string]any{"versionId": "2", "additionalVersionWeight": map[string]any{}})
	c.expect(204, http.MethodDelete, "/2023-03-30/functions/al/versions/1", nil, nil)
	for i := 0; i < 4; i++ {
		c.expect(200, http.MethodPost, base, nil, map[string]any{"aliasName": fmt.Sprintf("a%d", i), "versionId": "2"})
	}
	var names []string
	token := ""
	for {
		q := url.Values{"limit": {"2"}, "prefix": {"a"}}
		if token != "" {
			q.Set("nextToken", token)
		}
		r := c.expect(200, http.MethodGet, base, q, nil)
		for _, a := range r.JSON["aliases"].([]any) {
			names = append(names, a.(map[string]any)["aliasName"].(string))
		}
		if token, _ = r.JSON["nextToken"].(string); token == "" {
			break
		}
	}
	if strings.Join(names, ",") != "a0,a1,a2,a3" {
		t.Errorf("aliases = %v", names)
	}
	for _, name := range []string{"a0", "a1", "a2", "a3", "prod"} {
		c.expect(204, http.MethodDelete, base+"/"+name, nil, nil)
	}
	c.expectError(http.StatusPreconditionFailed, codeFunctionNotEmpty, http.MethodDelete, "/2023-03-30/functions/al", nil, nil)
	c.expect(204, http.MethodDelete, "/2023-03-30/functions/al/versions/2", nil, nil)
	c.expect(204, http.MethodDelete, "/2023-03-30/functions/al", nil, nil)
	st := s.Stats()
	if st.Requests["CreateAlias"] != 18 || st.Requests["UpdateAlias"] != 5 || st.Requests["DeleteAlias"] != 6 || st.Requests["ListAliases"] != 3 || st.Requests["GetAlias"] != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestReleasesAndSettingsPersist(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := Options{Credentials: map[string]string{testAK: testSK}, DataDir: dir}
	s1, c1 := newTestServer(t, opts)
	zip1 := makeZip(t, map[string]string{"index.py": "one\n"})
	c1.createFunction("keep", map[string]any{"code": zipCode(zip1)})
	publish(c1, "keep", "v1")
	c1.expect(200, http.MethodPut, "/2023-03-30/functions/keep", nil, map[string]any{"code": zipCode(makeZip(t, map[string]string{"index.py": "two\n"}))})
	publish(c1, "keep", "v2")
	c1.expect(200, http.MethodPut, "/2023-03-30/functions/keep", nil, map[string]any{"code": zipCode(makeZip(t, map[string]string{"index.py": "three\n"}))})
	c1.expect(200, http.MethodPost, "/2023-03-30/functions/keep/aliases", nil, map[string]any{"aliasName": "prod", "versionId": "1", "additionalVersionWeight": map[string]any{"2": 0.25}})
	c1.expect(200, http.MethodPut, "/2023-03-30/functions/keep/async-invoke-config", url.Values{"qualifier": {"prod"}}, map[string]any{"maxAsyncRetryAttempts": 1, "x": json1()})
	c1.expect(200, http.MethodPut, "/2023-03-30/functions/keep/concurrency", nil, map[string]any{"reservedConcurrency": 4})
	c1.expect(200, http.MethodPut, "/2023-03-30/functions/keep/provision-config", url.Values{"qualifier": {"prod"}}, map[string]any{"defaultTarget": 2})
	c1.expect(200, http.MethodPut, "/2023-03-30/functions/keep/scaling-config", nil, map[string]any{"minInstances": 1})
	c1.expect(200, http.MethodPost, "/2023-03-30/functions/keep/vpc-bindings", nil, map[string]any{"vpcId": "vpc-1"})
	c1.expect(200, http.MethodPost, "/2023-03-30/functions/keep/invoke/disable", nil, map[string]any{"reason": "r"})
	cert, key := selfSignedPEM(t, "api.example.com")
	c1.expect(200, http.MethodPost, "/2023-03-30/custom-domains", nil, map[string]any{
		"domainName": "api.example.com", "protocol": "HTTPS",
		"certConfig":  map[string]any{"certName": "c", "certificate": cert, "privateKey": key},
		"routeConfig": map[string]any{"routes": []any{map[string]any{"path": "/*", "functionName": "keep", "qualifier": "prod"}}},
	})
	reads := []struct {
		path  string
		query url.Values
	}{
		{"/2023-03-30/functions/keep", nil},
		{"/2023-03-30/functions/keep", url.Values{"qualifier": {"1"}}},
		{"/2023-03-30/functions/keep", url.Values{"qualifier": {"prod"}}},
		{"/2023-03-30/functions/keep/versions", nil},
		{"/2023-03-30/functions/keep/aliases/prod", nil},
		{"/2023-03-30/functions/keep/async-invoke-config", url.Values{"qualifier": {"prod"}}},
		{"/2023-03-30/functions/keep/concurrency", nil},
		{"/2023-03-30/functions/keep/provision-config", url.Values{"qualifier": {"prod"}}},
		{"/2023-03-30/functions/keep/scaling-config", nil},
		{"/2023-03-30/functions/keep/vpc-bindings", nil},
		{"/2023-03-30/custom-domains/api.example.com", nil},
	}
	before := make([]string, len(reads))
	for i, rd := range reads {
		before[i] = canonicalJSON(t, c1.expect(200, http.MethodGet, rd.path, rd.query, nil).JSON)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	// Three packages: the live one and each version's.
	if entries, err := os.ReadDir(filepath.Join(dir, codeDirName)); err != nil || len(entries) != 3 {
		t.Fatalf("code dir has %d files (%v), want 3", len(entries), err)
	}

	_, c2 := newTestServer(t, opts)
	for i, rd := range reads {
		if after := canonicalJSON(t, c2.expect(200, http.MethodGet, rd.path, rd.query, nil).JSON); after != before[i] {
			t.Errorf("%s %v changed across restart:\n%s\n%s", rd.path, rd.query, before[i], after)
		}
	}
	code := c2.expect(200, http.MethodGet, "/2023-03-30/functions/keep/code", url.Values{"qualifier": {"1"}}, nil)
	if got := download(t, code.JSON["url"].(string)); string(got) != string(zip1) {
		t.Errorf("version 1's package after restart: %d bytes", len(got))
	}
	// Version ids keep counting after a restart.
	c2.expect(200, http.MethodPut, "/2023-03-30/functions/keep", nil, map[string]any{"timeout": 9})
	if v := publish(c2, "keep", "v3"); v.JSON["versionId"] != "3" {
		t.Errorf("first id after restart = %v", v.JSON["versionId"])
	}
	// A version's file goes once nothing references its package.
	c2.expect(200, http.MethodPut, "/2023-03-30/functions/keep/aliases/prod", nil, map[string]any{"versionId": "3", "additionalVersionWeight": map[string]any{}})
	c2.expect(204, http.MethodDelete, "/2023-03-30/functions/keep/versions/1", nil, nil)
	if entries, _ := os.ReadDir(filepath.Join(dir, codeDirName)); len(entries) != 2 {
		t.Errorf("code dir has %d files after deleting version 1, want 2", len(entries))
	}
}

func json1() map[string]any { return map[string]any{"nested": []any{1, "two"}} }

// TestLoadsStateWithoutNewSections reads a state file of the shape written
// before versions, aliases, settings and custom domains were served.
func TestLoadsStateWithoutNewSections(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := `{"version":1,"urlSecret":"00","functions":{"old":{"config":{"runtime":"custom-container","handler":"h",` +
		`"customContainerConfig":{"image":"registry/x:1"}},"functionId":"f-1","createdTime":"2024-01-01T00:00:00Z",` +
		`"lastModifiedTime":"2024-01-01T00:00:00Z","codeSize":0,"settleUntil":"0001-01-01T00:00:00Z","triggers":{}}}}`
	if err := os.WriteFile(filepath.Join(dir, legacyStateFileName), []byte(state), 0o644); err != nil {
		t.Fatal(err)
	}
	_, c := newTestServer(t, Options{DataDir: dir})
	c.expect(200, http.MethodGet, "/2023-03-30/functions/old", nil, nil)
	c.expect(200, http.MethodGet, "/2023-03-30/custom-domains", nil, nil)
	if v := publish(c, "old", ""); v.JSON["versionId"] != "1" {
		t.Errorf("publish on a loaded function = %s", v.Body)
	}
	c.expect(200, http.MethodPut, "/2023-03-30/functions/old/concurrency", nil, map[string]any{"reservedConcurrency": 1})
}
