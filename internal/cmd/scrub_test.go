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

// TestMainScrubsOutput: a secret value handed to the environment's hide
// never appears in what a command prints, stack traces included.
func TestMainScrubsOutput(t *testing.T) {
	t.Parallel()
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
