package emulator

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const httpTriggerConfig = `{"authType":"anonymous","methods":["GET"]}`

func TestTriggerLifecycle(t *testing.T) {
	_, c := newTestServer(t, Options{})
	c.createFunction("tf", nil)
	base := "/2023-03-30/functions/tf/triggers"
	r := c.do(http.MethodPost, base, nil, map[string]any{"triggerName": "web", "triggerType": "http", "triggerConfig": httpTriggerConfig, "future": "kept"})
	if r.Status != 200 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	if r.JSON["qualifier"] != "LATEST" || r.JSON["description"] != "" || r.JSON["triggerConfig"] != httpTriggerConfig || r.JSON["future"] != "kept" {
		t.Errorf("defaults / round trip: %v", r.JSON)
	}
	ht, _ := r.JSON["httpTrigger"].(map[string]any)
	if u, _ := ht["urlInternet"].(string); !strings.HasPrefix(u, "https://") {
		t.Errorf("httpTrigger = %v", r.JSON["httpTrigger"])
	}
	if r.JSON["targetArn"] != "acs:fc:cn-hangzhou:1234567890123456:functions/tf" || r.JSON["triggerId"] == "" || r.JSON["createdTime"] == "" {
		t.Errorf("server-set fields: %v", r.JSON)
	}
	if r := c.do(http.MethodPost, base, nil, map[string]any{"triggerName": "web", "triggerType": "http", "triggerConfig": httpTriggerConfig}); r.Status != 409 || r.code() != codeTriggerAlreadyExists {
		t.Errorf("duplicate: %d %s", r.Status, r.code())
	}
	before := c.do(http.MethodGet, base+"/web", nil, nil).JSON
	upd := c.do(http.MethodPut, base+"/web", nil, map[string]any{"description": "public", "triggerConfig": `{"authType":"function","methods":["GET","POST"]}`})
	if upd.Status != 200 || upd.JSON["description"] != "public" || upd.JSON["triggerId"] != before["triggerId"] || upd.JSON["lastModifiedTime"] == before["lastModifiedTime"] {
		t.Errorf("update: %d %v", upd.Status, upd.JSON)
	}
	if r := c.do(http.MethodPut, base+"/web", nil, map[string]any{"triggerType": "timer"}); r.Status != 400 {
		t.Errorf("changing triggerType: %d", r.Status)
	}
	if r := c.do(http.MethodPut, base+"/web", nil, map[string]any{"triggerType": "http", "description": "same type echoed"}); r.Status != 200 {
		t.Errorf("echoing unchanged triggerType: %d %s", r.Status, r.Body)
	}
	if r := c.do(http.MethodGet, base+"/nope", nil, nil); r.Status != 404 || r.code() != codeTriggerNotFound {
		t.Errorf("missing trigger: %d %s", r.Status, r.code())
	}
	if r := c.do(http.MethodGet, "/2023-03-30/functions/nofn/triggers", nil, nil); r.Status != 404 || r.code() != codeFunctionNotFound {
		t.Errorf("triggers of missing function: %d %s", r.Status, r.code())
	}

	// FC refuses to delete a function that still has triggers.
	if r := c.do(http.MethodDelete, "/2023-03-30/functions/tf", nil, nil); r.Status != http.StatusPreconditionFailed || !strings.Contains(r.JSON["Message"].(string), "web") {
		t.Errorf("delete with triggers: %d %s", r.Status, r.Body)
	}
	if r := c.do(http.MethodDelete, base+"/web", nil, nil); r.Status != http.StatusNoContent {
		t.Errorf("delete trigger: %d", r.Status)
	}
	if r := c.do(http.MethodDelete, "/2023-03-30/functions/tf", nil, nil); r.Status != http.StatusNoContent {
		t.Errorf("delete function: %d %s", r.Status, r.Body)
	}
	if r := c.do(http.MethodDelete, "/2023-03-30/functions/tf", nil, nil); r.Status != 404 || r.code() != codeFunctionNotFound {
		t.Errorf("delete again: %d %s", r.Status, r.code())
	}
}

func TestTriggerValidationAndPaging(t *testing.T) {
	_, c := newTestServer(t, Options{})
	c.createFunction("tv", nil)
	base := "/2023-03-30/functions/tv/triggers"
	for _, tc := range []struct {
		name string
		body map[string]any
	}{
		{"bad name", map[string]any{"triggerName": "9t", "triggerType": "http", "triggerConfig": httpTriggerConfig}},
		{"name too long", map[string]any{"triggerName": strings.Repeat("t", 129), "triggerType": "http", "triggerConfig": httpTriggerConfig}},
		{"unknown type", map[string]any{"triggerName": "t", "triggerType": "carrier-pigeon", "triggerConfig": "{}"}},
		{"config not json", map[string]any{"triggerName": "t", "triggerType": "oss", "triggerConfig": "{events"}},
		{"config not string", map[string]any{"triggerName": "t", "triggerType": "oss", "triggerConfig": map[string]any{"events": []any{}}}},
		{"http without methods", map[string]any{"triggerName": "t", "triggerType": "http", "triggerConfig": `{"authType":"anonymous"}`}},
		{"timer without cron", map[string]any{"triggerName": "t", "triggerType": "timer", "triggerConfig": `{"enable":true}`}},
	} {
		if r := c.do(http.MethodPost, base, nil, tc.body); r.Status != 400 || r.code() != codeInvalidArgument {
			t.Errorf("%s: %d %s", tc.name, r.Status, r.code())
		}
	}
	for i := 0; i < 7; i++ {
		body := map[string]any{"triggerName": fmt.Sprintf("tm%d", i), "triggerType": "timer", "triggerConfig": `{"cronExpression":"@every 1m","enable":true}`}
		if r := c.do(http.MethodPost, base, nil, body); r.Status != 200 {
			t.Fatalf("create timer: %d %s", r.Status, r.Body)
		}
	}
	var names []string
	token := ""
	for {
		q := url.Values{"limit": {"3"}}
		if token != "" {
			q.Set("nextToken", token)
		}
		r := c.do(http.MethodGet, base, q, nil)
		for _, tr := range r.JSON["triggers"].([]any) {
			names = append(names, tr.(map[string]any)["triggerName"].(string))
		}
		if token, _ = r.JSON["nextToken"].(string); token == "" {
			break
		}
	}
	if strings.Join(names, ",") != "tm0,tm1,tm2,tm3,tm4,tm5,tm6" {
		t.Errorf("paged triggers = %v", names)
	}
}

func TestTagsOnCreateAndTagsV2(t *testing.T) {
	s, c := newTestServer(t, Options{})
	c.createFunction("tg", map[string]any{"tags": []any{map[string]any{"Key": "team", "Value": "shop"}}})
	c.createFunction("untagged", nil)
	arn := "acs:fc:cn-hangzhou:1234567890123456:functions/tg"
	got := c.do(http.MethodGet, "/2023-03-30/functions/tg", nil, nil).JSON
	if canonicalJSON(t, got["tags"]) != `[{"Key":"team","Value":"shop"}]` {
		t.Errorf("GetFunction tags = %v", got["tags"])
	}
	s.ResetStats()
	r := c.do(http.MethodPost, "/2023-03-30/tags-v2", nil, map[string]any{
		"ResourceId": []any{arn}, "ResourceType": "function",
		"Tag": []any{map[string]any{"Key": "fcgit-deployed-from", "Value": "0123abc"}},
	})
	if r.Status != http.StatusNoContent {
		t.Fatalf("TagResources: %d %s", r.Status, r.Body)
	}
	list := c.do(http.MethodGet, "/2023-03-30/tags-v2", url.Values{"ResourceType": {"function"}, "ResourceId": {`["` + arn + `"]`}}, nil)
	items, _ := list.JSON["TagResources"].([]any)
	if len(items) != 2 || list.JSON["RequestId"] == "" {
		t.Fatalf("ListTagResources = %s", list.Body)
	}
	first := items[0].(map[string]any)
	if first["ResourceId"] != arn || first["TagKey"] != "fcgit-deployed-from" || first["TagValue"] != "0123abc" || first["ResourceType"] != "function" {
		t.Errorf("entry = %v", first)
	}
	filtered := c.do(http.MethodGet, "/2023-03-30/tags-v2", url.Values{"ResourceType": {"function"}, "Tag": {`[{"Key":"team","Value":"shop"}]`}}, nil)
	if n := len(filtered.JSON["TagResources"].([]any)); n != 2 {
		t.Errorf("tag filter returned %d entries", n)
	}
	r = c.do(http.MethodDelete, "/2023-03-30/tags-v2", url.Values{"ResourceType": {"function"}, "ResourceId": {`["` + arn + `"]`}, "TagKey": {`["team"]`}}, nil)
	if r.Status != http.StatusNoContent {
		t.Fatalf("UntagResources: %d %s", r.Status, r.Body)
	}
	got = c.do(http.MethodGet, "/2023-03-30/functions/tg", nil, nil).JSON
	if canonicalJSON(t, got["tags"]) != `[{"Key":"fcgit-deployed-from","Value":"0123abc"}]` {
		t.Errorf("tags after untag = %v", got["tags"])
	}
	c.do(http.MethodDelete, "/2023-03-30/tags-v2", url.Values{"ResourceId": {`["tg"]`}, "All": {"true"}}, nil)
	if got := c.do(http.MethodGet, "/2023-03-30/functions/tg", nil, nil).JSON; got["tags"] != nil {
		t.Errorf("tags after All = %v", got["tags"])
	}
	if r := c.do(http.MethodPost, "/2023-03-30/tags-v2", nil, map[string]any{"ResourceId": []any{"acs:fc:cn-hangzhou:1234567890123456:functions/none"}, "Tag": []any{map[string]any{"Key": "a", "Value": "b"}}}); r.Status != 404 {
		t.Errorf("tag missing function: %d", r.Status)
	}
	if st := s.Stats(); st.Writes != 3 || st.Requests["TagResources"] != 2 || st.Requests["UntagResources"] != 2 || st.Requests["ListTagResources"] != 2 {
		t.Errorf("stats = %+v", st)
	}
}
