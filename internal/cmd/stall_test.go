package cmd

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fcgit/fcgit/emulator"
	"github.com/fcgit/fcgit/fc"
)

// TestStalledCodeDownload: a code download that trickles, or stops, fails
// the fetch within the stall window (shrunk here to 200ms), naming the
// function and the cause, and is not taken for an interruption by the user.
func TestStalledCodeDownload(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string // a regexp
	}{
		{
			name: "a byte now and then",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "4096")
				w.WriteHeader(http.StatusOK)
				for r.Context().Err() == nil {
					w.Write([]byte{'P'})
					w.(http.Flusher).Flush()
					time.Sleep(20 * time.Millisecond)
				}
			},
			want: `fcgit: fetch: read function api: download code of api: DownloadCode http://127\.0\.0\.1:\d+/code\.zip: stalled: \d+ bytes received in the last 200ms \(fewer than 32 KiB\)`,
		},
		{
			name:    "no response at all",
			handler: func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
			want:    `fcgit: fetch: read function api: download code of api: DownloadCode http://127\.0\.0\.1:\d+/code\.zip: stalled: no response within 200ms`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, emulator.Options{})
			if _, err := w.client.CreateFunction(context.Background(), map[string]any{
				"functionName": "api", "runtime": "python3.10", "handler": "index.handler",
				"code": codeInput(t, map[string]string{"index.py": "def handler(e, c): return 1\n"}),
			}); err != nil {
				t.Fatal(err)
			}
			code := httptest.NewServer(tt.handler)
			t.Cleanup(func() { code.CloseClientConnections(); code.Close() })
			// GetFunctionCode answers with the stalling server's URL.
			endpoint := rewritingEndpoint(t, w, func(r *http.Request, status int, body []byte) (int, []byte) {
				if strings.HasSuffix(r.URL.Path, "/code") {
					return status, []byte(`{"url":"` + code.URL + `/code.zip?Signature=s","checksum":"1"}`)
				}
				return status, body
			})
			var out bytes.Buffer
			env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: testCredentials,
				tweakClient: func(c *fc.Config) { c.Limits.StallWindow = 200 * time.Millisecond }}
			start := time.Now()
			exit := Main(context.Background(), []string{"fcgit", "-C", w.dir, "fetch", "--endpoint", endpoint}, env)
			if exit != exitError || !regexp.MustCompile(tt.want).MatchString(out.String()) {
				t.Fatalf("exit %d, output:\n%s\nwant %s", exit, out.String(), tt.want)
			}
			if strings.Contains(out.String(), "interrupted") {
				t.Errorf("a stall reported as an interruption:\n%s", out.String())
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}
