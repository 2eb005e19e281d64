package cmd

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fcgit/fcgit/emulator"
	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/snapshot"
)

// world is one end-to-end test's setting: an emulator standing in for FC, a
// client standing in for the console, and a git repository.
type world struct {
	t      testing.TB
	srv    *emulator.Server
	url    string
	client *fc.Client
	dir    string
}

func newWorld(t testing.TB, opts emulator.Options) *world {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not on PATH")
	}
	if opts.Credentials == nil {
		opts.Credentials = map[string]string{testAK: testSK}
	}
	srv, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close() })
	client, err := fc.New(fc.Config{Region: "cn-hangzhou", Endpoint: ts.URL, AccessKeyID: testAK, AccessKeySecret: testSK})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, srv: srv, url: ts.URL, client: client, dir: t.TempDir()}
	w.git("init", "-q", "-b", "main")
	w.git("config", "user.name", "Dev")
	w.git("config", "user.email", "dev@example.com")
	// No detached background gc racing the removal of the test directory.
	w.git("config", "gc.auto", "0")
	w.mustRun("init", "--region", "cn-hangzhou", "--endpoint", ts.URL)
	return w
}

// run runs fcgit in-process in the repository.
func (w *world) run(args ...string) (int, string) {
	w.t.Helper()
	return runIn(w.dir, args...)
}

// testCredentials is the environment of in-process runs: the test key pair.
func testCredentials(k string) string {
	switch k {
	case "ALIBABA_CLOUD_ACCESS_KEY_ID":
		return testAK
	case "ALIBABA_CLOUD_ACCESS_KEY_SECRET":
		return testSK
	}
	return ""
}

// runIn runs fcgit in-process in dir with the test key pair as its
// credentials, and returns its exit code and combined output.
func runIn(dir string, args ...string) (int, string) {
	var out bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: testCredentials}
	code := Main(context.Background(), append([]string{"fcgit", "-C", dir}, args...), env)
	return code, out.String()
}

func (w *world) mustRun(args ...string) string {
	w.t.Helper()
	code, out := w.run(args...)
	if code != 0 {
		w.t.Fatalf("fcgit %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

func (w *world) git(args ...string) string {
	w.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = w.dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+w.dir+"/.home")
	out, err := cmd.CombinedOutput()
	if err != nil {
		w.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (w *world) write(rel, content string) {
	w.t.Helper()
	p := filepath.Join(w.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) commitAll(msg string) {
	w.git("add", "-A")
	w.git("commit", "-q", "-m", msg)
}

// codeInput is a code package for the console client.
func codeInput(t testing.TB, files map[string]string) map[string]any {
	t.Helper()
	var cf []snapshot.CodeFile
	for p, c := range files {
		data := c
		cf = append(cf, snapshot.CodeFile{Path: p, Mode: 0o644, Size: int64(len(data)),
			Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(data)), nil }})
	}
	var buf bytes.Buffer
	if err := snapshot.WriteZip(&buf, cf); err != nil {
		t.Fatal(err)
	}
	return map[string]any{"zipFile": base64.StdEncoding.EncodeToString(buf.Bytes())}
}
