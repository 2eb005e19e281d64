package fc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
)

func TestKindForResponse(t *testing.T) {
	tests := []struct {
		status int
		code   string
		want   Kind
	}{
		{404, "FunctionNotFound", KindNotFound},
		{404, "TriggerNotFound", KindNotFound},
		{404, "", KindNotFound},
		{404, "NoSuchKey", KindNotFound},
		{409, "FunctionAlreadyExists", KindAlreadyExists},
		{409, "TriggerAlreadyExists", KindAlreadyExists},
		{400, "FunctionAlreadyExists", KindAlreadyExists},
		{403, "AccessDenied", KindAccessDenied},
		{401, "", KindAccessDenied},
		{400, "InvalidAccessKeyId.NotFound", KindAccessDenied},
		{400, "SignatureNotMatch", KindAccessDenied},
		{403, "SignatureDoesNotMatch", KindAccessDenied},
		{400, "InvalidArgument", KindInvalidArgument},
		{400, "MissingParameter.functionName", KindInvalidArgument},
		{429, "ResourceThrottled", KindThrottled},
		{429, "", KindThrottled},
		{503, "Throttling.User", KindThrottled},
		{400, "Throttling", KindThrottled},
		{500, "InternalServerError", KindServer},
		{503, "ServiceUnavailable", KindServer},
		{502, "", KindServer},
		{412, "PreconditionFailed", KindOther},
		{412, "FunctionNotEmpty", KindOther},
		{409, "ConcurrentUpdateError", KindThrottled},
		{409, "SomeOtherConflict", KindOther},
		{409, "", KindAlreadyExists},
		{405, "", KindOther},
	}
	for _, tt := range tests {
		if got := kindForResponse(tt.status, tt.code); got != tt.want {
			t.Errorf("kindForResponse(%d, %q) = %v, want %v", tt.status, tt.code, got, tt.want)
		}
	}
}

func TestErrorMessageIsOneReadableLine(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Op: "GetFunction", Subject: "shop-api", Status: 404, Code: "FunctionNotFound",
			Message: "function 'shop-api' does not exist", RequestID: "1A2B", Kind: KindNotFound},
			"GetFunction shop-api: FunctionNotFound: function 'shop-api' does not exist (request 1A2B)"},
		{&Error{Op: "ListFunctions", Status: 502, Message: "bad gateway", Kind: KindServer},
			"ListFunctions: bad gateway (HTTP 502)"},
		{&Error{Op: "GetTrigger", Subject: "f/t", Kind: KindNetwork, Err: errors.New("dial tcp: refused\nsecond line")},
			"GetTrigger f/t: dial tcp: refused second line"},
		{&Error{Op: "DeleteFunction", Subject: "f", Kind: KindThrottled, Status: 429},
			"DeleteFunction f: throttled (HTTP 429)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q\nwant       %q", got, tt.want)
		}
	}
}

func TestKindHelpersSeeThroughWrapping(t *testing.T) {
	base := &Error{Op: "GetFunction", Subject: "f", Kind: KindNotFound, Err: context.Canceled}
	wrapped := fmt.Errorf("snapshot f: %w", base)
	if !IsNotFound(wrapped) || IsAlreadyExists(wrapped) || KindOf(wrapped) != KindNotFound {
		t.Fatalf("helpers do not unwrap: %v", wrapped)
	}
	if !errors.Is(wrapped, context.Canceled) {
		t.Fatal("Unwrap does not expose the cause")
	}
	if KindOf(errors.New("plain")) != KindOther || IsNotFound(nil) {
		t.Fatal("non-FC errors misclassified")
	}
}

func TestClassifySDKErrors(t *testing.T) {
	server := sdkerrors.NewServerError(404,
		`{"Code":"FunctionNotFound","Message":"function 'x' does not exist","RequestId":"R-9"}`, "")
	e := classify("GetFunction", "x", server)
	if e.Kind != KindNotFound || e.Status != 404 || e.Code != "FunctionNotFound" || e.RequestID != "R-9" ||
		e.Message != "function 'x' does not exist" {
		t.Fatalf("server error mapped to %+v", e)
	}

	// A non-JSON body (a proxy's HTML page) keeps only its first line.
	html := sdkerrors.NewServerError(502, "<html>Bad Gateway\n<body>…</body></html>", "")
	e = classify("ListFunctions", "", html)
	if e.Kind != KindServer || e.Code != "" || strings.Contains(e.Message, "\n") {
		t.Fatalf("proxy error mapped to %+v", e)
	}

	netErr := &url.Error{Op: "Get", URL: "https://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("refused")}}
	e = classify("GetFunction", "x", netErr)
	if e.Kind != KindNetwork || !neverSent(e.Err) {
		t.Fatalf("dial error mapped to %+v (neverSent=%v)", e, neverSent(e.Err))
	}
	reset := &url.Error{Op: "Post", URL: "https://x", Err: &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}}
	if e = classify("CreateFunction", "x", reset); e.Kind != KindNetwork || neverSent(e.Err) {
		t.Fatalf("read error mapped to %+v", e)
	}

	timeout := sdkerrors.NewClientError(sdkerrors.TimeoutErrorCode, "timed out", nil)
	if e = classify("GetFunction", "x", timeout); e.Kind != KindNetwork {
		t.Fatalf("SDK timeout mapped to %+v", e)
	}
	cred := &credentialsError{err: errors.New("no provider")}
	if e = classify("GetFunction", "x", cred); e.Kind != KindAccessDenied || e.Code != "NoCredentials" {
		t.Fatalf("credentials error mapped to %+v", e)
	}
	if e = classify("GetFunction", "x", errors.New("weird")); e.Kind != KindOther {
		t.Fatalf("unknown error mapped to %+v", e)
	}
}

// nxdomain answers every request as a resolver does for a name that does not
// exist.
type nxdomain struct{ calls int }

func (n *nxdomain) RoundTrip(r *http.Request) (*http.Response, error) {
	n.calls++
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: r.URL.Hostname(), IsNotFound: true}}
}

// TestUnknownHostIsNotRetried: a host that does not exist (a mistyped
// region) fails at once, naming the host and the region, instead of after
// every retry.
func TestUnknownHostIsNotRetried(t *testing.T) {
	rt := &nxdomain{}
	c, err := New(Config{Region: "cn-hanzhou", AccessKeyID: "ak", AccessKeySecret: "sk", Transport: rt})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListFunctions(t.Context(), "")
	if err == nil {
		t.Fatal("no error")
	}
	if rt.calls != 1 {
		t.Errorf("%d attempts, want 1", rt.calls)
	}
	for _, want := range []string{"cannot resolve fcv3.cn-hanzhou.aliyuncs.com", `check the region "cn-hanzhou"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestDeniedAction(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		want   string
		denied bool
	}{
		{"FC names the action", &Error{Op: "ListAsyncInvokeConfigs", Status: 403, Code: "AccessDenied", Kind: KindAccessDenied,
			Message: "the caller is not authorized to perform 'fc:ListAsyncInvokeConfigs' on resource 'acs:fc:cn-hangzhou:123:functions/*'"}, "fc:ListAsyncInvokeConfigs", true},
		{"named after the operation", &Error{Op: "ListAliases", Status: 403, Code: "AccessDenied", Kind: KindAccessDenied, Message: "denied"}, "fc:ListAliases", true},
		{"403 without a code", &Error{Op: "ListVpcBindings", Status: 403, Kind: KindAccessDenied}, "fc:ListVpcBindings", true},
		{"wrapped", fmt.Errorf("list aliases: %w", &Error{Op: "ListAliases", Status: 403, Code: "AccessDenied", Kind: KindAccessDenied}), "fc:ListAliases", true},
		{"bad signature", &Error{Op: "ListFunctions", Status: 403, Code: "SignatureDoesNotMatch", Kind: KindAccessDenied}, "", false},
		{"unknown key", &Error{Op: "ListFunctions", Status: 400, Code: "InvalidAccessKeyId.NotFound", Kind: KindAccessDenied}, "", false},
		{"expired download URL", &Error{Op: "DownloadCode", Status: 403, Code: "AccessDenied", Kind: KindAccessDenied}, "", false},
		{"not found", &Error{Op: "GetFunction", Status: 404, Code: "FunctionNotFound", Kind: KindNotFound}, "", false},
		{"not an FC error", errors.New("boom"), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := DeniedAction(tt.err)
			if got != tt.want || ok != tt.denied {
				t.Errorf("DeniedAction = %q, %v; want %q, %v", got, ok, tt.want, tt.denied)
			}
		})
	}
}

// TestIsNothingToPublish: FC's "nothing changed since the last version" is
// known by its code whatever the status it comes with, and by the older
// InvalidArgument answer; other refusals of a publish are errors.
func TestIsNothingToPublish(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"code, 400", &Error{Op: "PublishFunctionVersion", Status: 400, Code: "VersionPublishError", Kind: KindInvalidArgument, Message: "can not publish version"}, true},
		{"code, 409", &Error{Op: "PublishFunctionVersion", Status: 409, Code: "VersionPublishError", Kind: KindAlreadyExists}, true},
		{"code, 500, wrapped", fmt.Errorf("publish f: %w", &Error{Status: 500, Code: "VersionPublishError", Kind: KindServer}), true},
		{"older answer", &Error{Status: 400, Code: "InvalidArgument", Kind: KindInvalidArgument, Message: "No changes were made to the function since the last version"}, true},
		{"other invalid argument", &Error{Status: 400, Code: "InvalidArgument", Kind: KindInvalidArgument, Message: "description too long"}, false},
		{"too many versions", &Error{Status: 400, Code: "VersionExceeded", Kind: KindInvalidArgument}, false},
		{"plain", errors.New("No changes"), false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsNothingToPublish(tt.err); got != tt.want {
				t.Errorf("IsNothingToPublish(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
