package fc_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/fcgit/fcgit/emulator"
	"github.com/fcgit/fcgit/fc"
)

// fastRetry keeps retry waits in the milliseconds so fault-injection tests
// run quickly while going through the real backoff code.
var fastRetry = fc.RetryPolicy{MaxAttempts: 20, BaseDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond}

// env is an emulator served on loopback and a client pointed at it.
type env struct {
	srv    *emulator.Server
	url    string
	client *fc.Client
}

// startEmulator serves a fresh emulator with key AK/SK and returns a client
// for it. opts.Credentials defaults to {"AK": "SK"}.
func startEmulator(t *testing.T, opts emulator.Options, cfg fc.Config) *env {
	t.Helper()
	if opts.Credentials == nil {
		opts.Credentials = map[string]string{"AK": "SK"}
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	srv, err := emulator.New(opts)
	if err != nil {
		t.Fatalf("emulator.New: %v", err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
	})
	if cfg.AccessKeyID == "" {
		cfg.AccessKeyID, cfg.AccessKeySecret = "AK", "SK"
	}
	cfg.Endpoint = ts.URL
	if cfg.Retry == (fc.RetryPolicy{}) {
		cfg.Retry = fastRetry
	}
	c, err := fc.New(cfg)
	if err != nil {
		t.Fatalf("fc.New: %v", err)
	}
	return &env{srv: srv, url: ts.URL, client: c}
}

// codeZip builds a small, valid code package whose content depends on tag.
func codeZip(t *testing.T, tag string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, err := w.Create("index.py")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "def handler(event, context):\n    return %q\n", tag)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// functionInput is a minimal python function with an inline zip.
func functionInput(name string, zipData []byte) map[string]any {
	return map[string]any{
		"functionName": name,
		"runtime":      "python3.10",
		"handler":      "index.handler",
		"code":         map[string]any{"zipFile": base64.StdEncoding.EncodeToString(zipData)},
	}
}

// fakeClock is an adjustable emulator clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// dropFirstResponse forwards requests, but for the first one matching
// method and path it discards the server's answer and reports a dropped
// connection: the server acted, the client never heard.
type dropFirstResponse struct {
	base         http.RoundTripper
	method, path string
	mu           sync.Mutex
	dropped      bool
}

func (d *dropFirstResponse) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := d.base.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	d.mu.Lock()
	drop := !d.dropped && r.Method == d.method && r.URL.Path == d.path
	if drop {
		d.dropped = true
	}
	d.mu.Unlock()
	if drop {
		resp.Body.Close()
		return nil, fmt.Errorf("read tcp: connection reset by peer (response dropped by test)")
	}
	return resp, nil
}

func bg() context.Context { return context.Background() }
