package cmd

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/fcgit/fcgit/emulator"
)

func TestScrubber(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	s := &scrubber{}
	w := scrubWriter{&out, s}
	s.add("hunter2-pass")
	s.add("hunter2-pass-longer")
	s.add("abc") // too short to scrub
	n, err := w.Write([]byte("sent hunter2-pass-longer and hunter2-pass, abc\n"))
	if err != nil || n != len("sent hunter2-pass-longer and hunter2-pass, abc\n") {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if got := out.String(); got != "sent [secret] and [secret], abc\n" {
		t.Fatalf("scrubbed output %q", got)
	}
}

// TestScrubberEscapedForms: a message quoting a request body carries a
// value JSON-escaped, or URL-encoded when it quotes the body form-encoded;
// every such form is scrubbed, and text merely like it is left alone.
func TestScrubberEscapedForms(t *testing.T) {
	t.Parallel()
	const secret = `pa ss"w&rd<1>/+`
	tests := []struct {
		name, text, want string
	}{
		{"plain", "sent pa ss\"w&rd<1>/+ .", "sent [secret] ."},
		{"JSON-escaped", `{"P":"pa ss\"w&rd<1>/+"}`, `{"P":"[secret]"}`},
		{"JSON-escaped for HTML", `{"P":"pa ss\"w\u0026rd\u003c1\u003e/+"}`, `{"P":"[secret]"}`},
		{"query-encoded", "p=pa+ss%22w%26rd%3C1%3E%2F%2B&q=1", "p=[secret]&q=1"},
		{"path-encoded", "/p/pa%20ss%22w&rd%3C1%3E%2F+/q", "/p/[secret]/q"},
		{"query-encoded JSON", "b=%7B%22P%22%3A%22pa+ss%5C%22w%26rd%3C1%3E%2F%2B%22%7D", "b=%7B%22P%22%3A%22[secret]%22%7D"},
		{"something else", `pa ss\"w&rd<2>/+`, `pa ss\"w&rd<2>/+`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &scrubber{}
			s.add(secret)
			if got := string(s.scrub([]byte(tt.text))); got != tt.want {
				t.Errorf("scrub(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

// TestMainScrubsOutput: a secret value handed to the environment's hide
// never appears in what a command prints, stack traces included.
func TestMainScrubsOutput(t *testing.T) {
	var out bytes.Buffer
	env := Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
	// An unknown command echoes its argument: register it as a secret
	// through a command that hides everything it is given.
	code := Main(context.Background(), []string{"fcgit", "frobnicate-s3cret-value"}, env)
	if code != exitUsage || !bytes.Contains(out.Bytes(), []byte("frobnicate-s3cret-value")) {
		t.Fatalf("baseline: exit %d, %q", code, out.String())
	}
	out.Reset()
	s := &scrubber{}
	s.add("s3cret-value")
	w := scrubWriter{&out, s}
	env = Env{Stdout: w, Stderr: w}
	Main(context.Background(), []string{"fcgit", "frobnicate-s3cret-value"}, env)
	if bytes.Contains(out.Bytes(), []byte("s3cret-value")) {
		t.Fatalf("secret printed: %q", out.String())
	}
}

// TestScrubberEncodings: a secret is hidden in every form an endpoint
// echoing a request could print it in.
func TestScrubberEncodings(t *testing.T) {
	t.Parallel()
	const secret = `p@ss"w\rd<&>ünï`
	goJSON := func(s string) string { b, _ := json.Marshal(s); return string(b[1 : len(b)-1]) }
	rawJSON := func(s string) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		return strings.TrimSpace(b.String())
	}
	forms := map[string]string{
		"plain":                                secret,
		"JSON (Go)":                            goJSON(secret),
		"JSON without HTML escape":             `p@ss\"w\\rd<&>ünï`,
		"JSON, ASCII only":                     `p@ss\"w\\rd<&>\u00fcn\u00ef`,
		"query":                                url.QueryEscape(secret),
		"query, lower-case hex":                "p%40ss%22w%5crd%3c%26%3e%c3%bcn%c3%af",
		"path":                                 url.PathEscape(secret),
		"base64":                               base64.StdEncoding.EncodeToString([]byte(secret)),
		"base64 URL, unpadded":                 base64.RawURLEncoding.EncodeToString([]byte(secret)),
		"HTML":                                 html.EscapeString(secret),
		"HTML, &quot;":                         "p@ss&quot;w\\rd&lt;&amp;&gt;ünï",
		"a JSON body in an HTML page":          html.EscapeString(`{"DB_PASSWORD":` + rawJSON(secret) + `}`),
		"a JSON body in a query":               url.QueryEscape(`{"DB_PASSWORD":` + rawJSON(secret) + `}`),
		"a JSON body in a JSON message":        goJSON(`{"DB_PASSWORD":` + rawJSON(secret) + `}`),
		"a JSON body in base64":                base64.StdEncoding.EncodeToString([]byte(`{"DB_PASSWORD":` + rawJSON(secret) + `}`)),
		"a JSON body in base64, shifted":       base64.StdEncoding.EncodeToString([]byte(`{"DB_PASSWORD": ` + rawJSON(secret) + `}`)),
		"a JSON body in base64, shifted twice": base64.StdEncoding.EncodeToString([]byte(`{"DB_PASSWORD":  ` + rawJSON(secret) + `}`)),
	}
	s := &scrubber{}
	s.add(secret)
	for name, form := range forms {
		got := string(s.scrub([]byte("echo: " + form + " end")))
		if strings.Contains(got, form) || !strings.Contains(got, scrubbedText) {
			t.Errorf("%s: %q printed as %q", name, form, got)
		}
	}
	// What is not a form of the secret is left alone.
	if got := string(s.scrub([]byte("p@ss and ünï"))); got != "p@ss and ünï" {
		t.Errorf("unrelated text scrubbed: %q", got)
	}
}

// echoingEndpoint stands in front of the emulator and answers every
// CreateFunction with an error quoting the request, in one of the forms a
// proxy or a broken endpoint uses: its body inside FC's JSON error message,
// an HTML page, a query string; its headers; its URL.
func echoingEndpoint(t *testing.T, w *world, form string) string {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/functions") {
			w.srv.ServeHTTP(rw, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var headers []string
		for k, v := range r.Header {
			headers = append(headers, k+": "+strings.Join(v, ","))
		}
		sort.Strings(headers)
		echo := "you sent " + r.URL.String() + " " + strings.Join(headers, "; ") + " " + string(body)
		switch form {
		case "json":
			msg, _ := json.Marshal(echo)
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(rw, `{"Code":"InvalidArgument","Message":%s,"RequestId":"r-1"}`, msg)
		case "html":
			rw.Header().Set("Content-Type", "text/html")
			rw.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(rw, "<html><body>%s</body></html>", html.EscapeString(echo))
		case "query":
			msg, _ := json.Marshal("retry at /retry?req=" + url.QueryEscape(echo) + "&b64=" + base64.StdEncoding.EncodeToString(body))
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(rw, `{"Code":"InvalidArgument","Message":%s}`, msg)
		}
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// TestEchoingEndpointLeaksNoSecret: whatever an endpoint echoes of a
// request, fcgit's output holds no form of a secret environment value, the
// access key secret or the STS token.
func TestEchoingEndpointLeaksNoSecret(t *testing.T) {
	const (
		secret = `p@ss"w\rd<&>ünï`
		token  = "CAIS-sts-token/+=secret"
	)
	for _, form := range []string{"json", "html", "query"} {
		t.Run(form, func(t *testing.T) {
			w := newWorld(t, emulator.Options{})
			w.write("functions/api/function.toml", "runtime = \"python3.10\"\nhandler = \"index.handler\"\n\n[environmentVariables]\nDB_PASSWORD = {secret = \"env:DB_PASSWORD\"}\n")
			w.write("functions/api/code/index.py", "def handler(e, c):\n    return 'ok'\n")
			w.commitAll("api")
			endpoint := echoingEndpoint(t, w, form)
			var out bytes.Buffer
			env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(k string) string {
				switch k {
				case "DB_PASSWORD":
					return secret
				case "ALIBABA_CLOUD_SECURITY_TOKEN":
					return token
				}
				return testCredentials(k)
			}}
			code := Main(context.Background(), []string{"fcgit", "-C", w.dir, "push", "--endpoint", endpoint}, env)
			if code != exitError || !strings.Contains(strings.ReplaceAll(out.String(), "+", " "), "you sent") {
				t.Fatalf("exit %d, want the endpoint's echo in an error:\n%s", code, out.String())
			}
			for _, leak := range []string{"p@ss", "ss%22w", "ss\\\"w", "ss&#34;w", "ss&quot;w", base64.StdEncoding.EncodeToString([]byte(secret))[:8],
				"CAIS-sts", "CAIS-sts-token%2F", testSK} {
				if strings.Contains(out.String(), leak) {
					t.Errorf("output holds %q:\n%s", leak, out.String())
				}
			}
			for _, form := range encodings(secret) {
				if len(form) >= minBase64Core && strings.Contains(out.String(), form) {
					t.Errorf("output holds %q, a form of the secret:\n%s", form, out.String())
				}
			}
		})
	}
}

// TestEndpointPasswordNeverShown: an endpoint with user information is
// refused without printing its password, and init never writes it.
func TestEndpointPasswordNeverShown(t *testing.T) {
	w := newWorld(t, emulator.Options{})
	before, err := os.ReadFile(filepath.Join(w.dir, "fcgit.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"status", "--endpoint", "http://user:PASSWORD123@127.0.0.1:1"},
		{"fetch", "--endpoint=user:PASSWORD123@127.0.0.1:1"},
		{"init", "--force", "--region", "cn-hangzhou", "--endpoint", "http://user:PASSWORD123@fc.example.com"},
	} {
		code, out := w.run(args...)
		if code == 0 || strings.Contains(out, "PASSWORD123") || !strings.Contains(out, "user name or password") {
			t.Errorf("fcgit %s: exit %d\n%s", strings.Join(args, " "), code, out)
		}
	}
	if after, _ := os.ReadFile(filepath.Join(w.dir, "fcgit.toml")); !bytes.Equal(before, after) {
		t.Errorf("fcgit.toml changed:\n%s", after)
	}
}
