package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/alibabacloud-go/tea/tea"
)

// TestEveryOperationHasARAMAction: each operation served has its action,
// fc:<OperationName>, and denying them all refuses every operation.
func TestEveryOperationHasARAMAction(t *testing.T) {
	t.Parallel()
	actions := ramActions()
	if len(actions) != len(handlers) {
		t.Fatalf("%d actions for %d operations", len(actions), len(handlers))
	}
	for op := range handlers {
		if got := ramAction(op); got != "fc:"+op {
			t.Errorf("%s is authorized as %s, want fc:%s", op, got, op)
		}
	}
	s, c := newTestServer(t, Options{Deny: actions})
	for _, path := range []string{"/2023-03-30/functions", "/2023-03-30/functions/f", "/2023-03-30/custom-domains", "/2023-03-30/scaling-configs"} {
		c.expectError(http.StatusForbidden, codeAccessDenied, http.MethodGet, path, nil, nil)
	}
	if st := s.Stats(); st.Rejected != 0 {
		t.Errorf("denied requests counted as authentication failures: %+v", st)
	}
}

func TestSetDeniedRefusesUnknownActions(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, Options{})
	for _, bad := range []string{"fc:ListAlias", "ListAliases", "ram:ListAliases", ""} {
		if err := s.SetDenied([]string{bad}); err == nil || !strings.Contains(err.Error(), "not a RAM action") {
			t.Errorf("SetDenied(%q) = %v", bad, err)
		}
	}
	if _, err := New(Options{Credentials: map[string]string{"a": "b"}, Deny: []string{"fc:Nope"}}); err == nil {
		t.Error("New with an unknown denied action succeeded")
	}
}

// TestDeniedActionsAnswerAsFCDoes: a denied action is refused as FC refuses
// a RAM user without it (403 AccessDenied, the action and resource named,
// AccessDeniedDetail), before its body is read; other actions, and the
// action once allowed again, are served.
func TestDeniedActionsAnswerAsFCDoes(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{Deny: []string{"fc:ListAsyncInvokeConfigs"}})
	c.createFunction("f", nil)
	c.expect(200, http.MethodPost, "/2023-03-30/functions/f/triggers", nil, map[string]any{"triggerName": "t", "triggerType": "http", "triggerConfig": httpTriggerConfig})
	arn := "acs:fc:cn-hangzhou:1234567890123456:"
	tests := []struct {
		action, method, path, resource string
	}{
		{"fc:ListAsyncInvokeConfigs", http.MethodGet, "/2023-03-30/async-invoke-configs", arn + "functions/*"},
		{"fc:ListFunctions", http.MethodGet, "/2023-03-30/functions", arn + "functions/*"},
		{"fc:ListAliases", http.MethodGet, "/2023-03-30/functions/f/aliases", arn + "functions/f"},
		{"fc:UpdateFunction", http.MethodPut, "/2023-03-30/functions/f", arn + "functions/f"},
		{"fc:GetTrigger", http.MethodGet, "/2023-03-30/functions/f/triggers/t", arn + "functions/f/triggers/t"},
		{"fc:CreateTrigger", http.MethodPost, "/2023-03-30/functions/f/triggers", arn + "functions/f/triggers/*"},
		{"fc:GetCustomDomain", http.MethodGet, "/2023-03-30/custom-domains/api.example.com", arn + "custom-domains/api.example.com"},
		{"fc:TagResources", http.MethodPost, "/2023-03-30/tags-v2", arn + "functions/*"},
	}
	for _, tc := range tests {
		if err := s.SetDenied([]string{"fc:ListAsyncInvokeConfigs", tc.action}); err != nil {
			t.Fatal(err)
		}
		body := &countingReader{size: 1 << 20}
		r := httptest.NewRequest(tc.method, c.base+tc.path, body)
		r.ContentLength = -1
		r.Header = c.sign(tc.method, tc.path, nil, nil).Header
		if tc.method == http.MethodGet {
			r.Body, r.ContentLength = http.NoBody, 0
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		var got struct {
			Code, Message      string
			AccessDeniedDetail map[string]string
		}
		decodeBody(t, w.Body.Bytes(), &got)
		want := "the caller is not authorized to perform '" + tc.action + "' on resource '" + tc.resource + "'"
		if w.Code != http.StatusForbidden || got.Code != codeAccessDenied || got.Message != want {
			t.Errorf("%s: %d %s %q, want 403 AccessDenied %q", tc.action, w.Code, got.Code, got.Message, want)
		}
		if got.AccessDeniedDetail["NoPermissionType"] != "ImplicitDeny" || got.AccessDeniedDetail["PolicyType"] != "AccountLevelIdentityBasedPolicy" {
			t.Errorf("%s: AccessDeniedDetail = %v", tc.action, got.AccessDeniedDetail)
		}
		if n := body.read.Load(); n != 0 {
			t.Errorf("%s: read %d bytes of a denied request's body", tc.action, n)
		}
	}
	if err := s.SetDenied([]string{"fc:ListAliases"}); err != nil {
		t.Fatal(err)
	}
	c.expect(200, http.MethodGet, "/2023-03-30/async-invoke-configs", nil, nil)
	c.expect(200, http.MethodGet, "/2023-03-30/functions/f", nil, nil)
	if err := s.SetDenied(nil); err != nil {
		t.Fatal(err)
	}
	c.expect(200, http.MethodGet, "/2023-03-30/functions/f/aliases", nil, nil)
}

// TestDeniedActionThroughTheOfficialSDK: the Tea SDK surfaces the refusal
// as its SDKError with FC's code, status and the detail.
func TestDeniedActionThroughTheOfficialSDK(t *testing.T) {
	t.Parallel()
	s, c := newTeaClient(t)
	if err := s.SetDenied([]string{"fc:ListAliases"}); err != nil {
		t.Fatal(err)
	}
	teaCreateFunction(c, "tea-denied")
	_, err := c.call("ListAliases", "GET", fnPath("tea-denied", "/aliases"), nil, nil, "json")
	sdkError(t, err, http.StatusForbidden, codeAccessDenied)
	var se *tea.SDKError
	if errors.As(err, &se) && !strings.Contains(tea.StringValue(se.Message), "'fc:ListAliases'") {
		t.Errorf("message = %s", tea.StringValue(se.Message))
	}
}

func decodeBody(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}
