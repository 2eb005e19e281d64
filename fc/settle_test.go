package fc

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestWaitFunctionSettledReportsFailure(t *testing.T) {
	tests := []struct {
		name     string
		final    string
		wantCode string
		wantText string
	}{
		{"state failed", `{"functionName":"f","state":"Failed","stateReason":"image pull failed","stateReasonCode":"ImagePullError","lastUpdateStatus":"Failed"}`,
			"ImagePullError", "image pull failed"},
		{"update failed", `{"functionName":"f","state":"Active","lastUpdateStatus":"Failed","lastUpdateStatusReason":"vpc unreachable","lastUpdateStatusReasonCode":"VpcError"}`,
			"VpcError", "vpc unreachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &script{responses: []func(*http.Request) (*http.Response, error){
				reply(200, `{"functionName":"f","state":"Pending","lastUpdateStatus":"InProgress"}`),
				reply(200, `{"functionName":"f","state":"Active","lastUpdateStatus":"InProgress"}`),
				reply(200, tt.final),
			}}
			c, log := newScriptedClient(t, s, RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: 10 * time.Second})
			f, err := c.WaitFunctionSettled(context.Background(), "f")
			var fcErr *Error
			if !errors.As(err, &fcErr) || fcErr.Code != tt.wantCode || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("err = %v", err)
			}
			if f == nil || f.Name() != "f" {
				t.Fatalf("function not returned with the failure: %v", f)
			}
			if got := log.all(); !equalDurations(got, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}) {
				t.Fatalf("poll waits = %v", got)
			}
		})
	}
}

func TestWaitFunctionSettledPollWaitIsCapped(t *testing.T) {
	responses := []func(*http.Request) (*http.Response, error){}
	for range 6 {
		responses = append(responses, reply(200, `{"state":"Pending"}`))
	}
	responses = append(responses, reply(200, `{"state":"Active","lastUpdateStatus":"Successful"}`))
	s := &script{responses: responses}
	c, log := newScriptedClient(t, s, RetryPolicy{BaseDelay: time.Second, MaxDelay: time.Minute})
	if _, err := c.WaitFunctionSettled(context.Background(), "f"); err != nil {
		t.Fatal(err)
	}
	for _, d := range log.all() {
		if d > maxSettlePollWait {
			t.Fatalf("poll wait %v above cap %v", d, maxSettlePollWait)
		}
	}
	if len(log.all()) != 6 {
		t.Fatalf("%d waits, want 6", len(log.all()))
	}
}
