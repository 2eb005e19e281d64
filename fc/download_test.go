package fc

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestDownloadCode(t *testing.T) {
	const zip = "PK\x03\x04 zip body"
	expired := `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired.</Message><RequestId>OSS-1</RequestId></Error>`
	tests := []struct {
		name     string
		script   []func(*http.Request) (*http.Response, error)
		wantKind Kind
		wantOK   bool
		wantSent int
	}{
		{name: "retried until headers arrive", script: []func(*http.Request) (*http.Response, error){reply(503, "busy"), reply(200, zip)}, wantOK: true, wantSent: 2},
		{name: "expired url", script: []func(*http.Request) (*http.Response, error){reply(403, expired)}, wantKind: KindAccessDenied, wantSent: 1},
		{name: "missing object", script: []func(*http.Request) (*http.Response, error){reply(404, `<Error><Code>NoSuchKey</Code></Error>`)}, wantKind: KindNotFound, wantSent: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &script{responses: tt.script}
			c, _ := newScriptedClient(t, s, RetryPolicy{})
			body, err := c.DownloadCode(context.Background(), "https://bucket.example/code.zip?Expires=1&Signature=secret")
			if tt.wantOK {
				if err != nil {
					t.Fatal(err)
				}
				data, _ := io.ReadAll(body)
				body.Close()
				if string(data) != zip {
					t.Fatalf("body = %q", data)
				}
			} else {
				if KindOf(err) != tt.wantKind {
					t.Fatalf("err = %v (kind %v), want %v", err, KindOf(err), tt.wantKind)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Fatalf("error leaks the URL signature: %v", err)
				}
			}
			reqs := s.requests()
			if len(reqs) != tt.wantSent {
				t.Fatalf("sent %d requests", len(reqs))
			}
			if reqs[0].Header.Get("Authorization") != "" {
				t.Fatal("download carries an Authorization header")
			}
		})
	}
	c, _ := newScriptedClient(t, &script{responses: []func(*http.Request) (*http.Response, error){reply(200, "")}}, RetryPolicy{})
	if _, err := c.DownloadCode(context.Background(), "file:///etc/passwd"); KindOf(err) != KindInvalidArgument {
		t.Fatalf("non-http URL: %v", err)
	}
}

func TestExpiredDownloadMessage(t *testing.T) {
	s := &script{responses: []func(*http.Request) (*http.Response, error){reply(403,
		`<Error><Code>AccessDenied</Code><Message>Request has expired.</Message><RequestId>OSS-1</RequestId></Error>`)}}
	c, _ := newScriptedClient(t, s, RetryPolicy{})
	_, err := c.DownloadCode(context.Background(), "https://bucket.example/code.zip?Signature=s")
	want := "DownloadCode https://bucket.example/code.zip: AccessDenied: Request has expired. (request OSS-1)"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant  %s", err, want)
	}
}
