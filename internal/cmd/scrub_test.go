package cmd

import (
	"bytes"
	"context"
	"testing"
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
