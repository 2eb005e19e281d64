package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fcgit/fcgit/emulator"
)

// rewritingEndpoint serves the emulator through rewrite, which may change
// the status and body of any answer, as a hostile endpoint would.
func rewritingEndpoint(t *testing.T, w *world, rewrite func(r *http.Request, status int, body []byte) (int, []byte)) string {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		w.srv.ServeHTTP(rec, r)
		status, body := rewrite(r, rec.Code, rec.Body.Bytes())
		for k, v := range rec.Header() {
			rw.Header()[k] = v
		}
		rw.Header().Set("Content-Length", strconv.Itoa(len(body)))
		rw.WriteHeader(status)
		rw.Write(body)
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// withFunctionField adds key = "v" to every function document in a JSON
// answer.
func withFunctionField(body []byte, key string) []byte {
	var doc any
	if json.Unmarshal(body, &doc) != nil {
		return body
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if _, ok := x["functionName"]; ok {
				x[key] = "v"
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(doc)
	out, _ := json.Marshal(doc)
	return out
}

// rawControl reports whether s holds a control character other than
// newline and tab: one that could drive a terminal.
func rawControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f)
	})
}

// TestCloudTextNeverDrivesTheTerminal: escape sequences in what FC sends
// (field names, function names, error messages) reach neither the terminal
// nor the online branch's commit messages raw.
func TestCloudTextNeverDrivesTheTerminal(t *testing.T) {
	const evilKey = "x\x1b]0;owned\x07\x1b[2J\u009b31m"
	tests := []struct {
		name    string
		rewrite func(r *http.Request, status int, body []byte) (int, []byte)
		want    string // in the output
	}{
		{
			name: "a field name",
			rewrite: func(r *http.Request, status int, body []byte) (int, []byte) {
				if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/functions") {
					return status, withFunctionField(body, evilKey)
				}
				return status, body
			},
			want: `changed  api (config: "x\x1b]0;owned\a\x1b[2J\u009b31m")`,
		},
		{
			name: "an error message",
			rewrite: func(r *http.Request, status int, body []byte) (int, []byte) {
				if strings.HasSuffix(r.URL.Path, "/triggers") {
					return http.StatusBadRequest, []byte(`{"Code":"InvalidArgument","Message":"\u001b[2J\u001b]0;owned\u0007no \u009b1m"}`)
				}
				return status, body
			},
			want: `InvalidArgument: \u001B[2J\u001B]0;owned\u0007no \u009B1m`,
		},
		{
			name: "a function name",
			rewrite: func(r *http.Request, status int, body []byte) (int, []byte) {
				if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/functions") {
					return status, bytes.Replace(body, []byte(`"functionName":"api"`), []byte(`"functionName":"\u001b[2Japi"`), 1)
				}
				return status, body
			},
			want: `"\x1b[2Japi"`,
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
			w.mustRun("fetch")
			var hostile atomic.Bool
			endpoint := rewritingEndpoint(t, w, func(r *http.Request, status int, body []byte) (int, []byte) {
				if !hostile.Load() {
					return status, body
				}
				return tt.rewrite(r, status, body)
			})
			hostile.Store(true)
			_, out := w.run("fetch", "--endpoint", endpoint)
			if rawControl(out) {
				t.Errorf("output holds a raw control character:\n%q", out)
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, out)
			}
			if log := w.git("log", "--format=%B", "fcgit/online"); rawControl(log) {
				t.Errorf("a commit message holds a raw control character:\n%q", log)
			}
		})
	}
}
