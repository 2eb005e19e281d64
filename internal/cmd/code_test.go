package cmd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fcgit/fcgit/emulator"
	"github.com/fcgit/fcgit/internal/heapwatch"
	"github.com/fcgit/fcgit/push"
)

const codeFunctionTOML = "handler = \"index.handler\"\nruntime = \"python3.10\"\n"

// withOSS serves the world's emulator as an OSS endpoint too, and returns
// its URL.
func (w *world) withOSS() string {
	w.t.Helper()
	ts := httptest.NewServer(w.srv.OSSHandler())
	w.t.Cleanup(ts.Close)
	return ts.URL
}

// setCode writes the [code] keys of fcgit.toml (uncommenting what init
// wrote) and commits the file.
func (w *world) setCode(keys map[string]string) {
	w.t.Helper()
	p := filepath.Join(w.dir, "fcgit.toml")
	data, err := os.ReadFile(p)
	if err != nil {
		w.t.Fatal(err)
	}
	text := string(data)
	for k, v := range keys {
		line := k + " = \"" + v + "\""
		if i := strings.Index(text, "# "+k+" = "); i >= 0 {
			end := i + strings.IndexByte(text[i:], '\n')
			text = text[:i] + line + text[end:]
			continue
		}
		w.t.Fatalf("fcgit.toml has no commented %s key", k)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		w.t.Fatal(err)
	}
	w.commitAll("code settings")
}

// runCode runs fcgit like run, with push's code limits adjusted and extra
// environment variables.
func (w *world) runCode(tweak func(*push.CodeOptions), environ map[string]string, args ...string) (int, string) {
	w.t.Helper()
	var out bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, tweakCode: tweak,
		Getenv: func(k string) string {
			if v, ok := environ[k]; ok {
				return v
			}
			return testCredentials(k)
		}}
	code := Main(context.Background(), append([]string{"fcgit", "-C", w.dir}, args...), env)
	return code, out.String()
}

// writeRandom writes n incompressible bytes to rel: deflate cannot shrink
// them, so the zipped package is as large as the file.
func (w *world) writeRandom(rel string, n int64, seed byte) {
	w.t.Helper()
	p := filepath.Join(w.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		w.t.Fatal(err)
	}
	f, err := os.Create(p)
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := io.CopyN(f, rand.NewChaCha8([32]byte{seed}), n); err != nil {
		w.t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		w.t.Fatal(err)
	}
}

// fetchedBlob fetches the region into a new, unrelated repository (no
// history, no stamps to go by: every package is downloaded) and returns the
// blob id git gives the file rel there.
func (w *world) fetchedBlob(rel string) string {
	w.t.Helper()
	dir := w.t.TempDir()
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"config", "gc.auto", "0"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			w.t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	for _, args := range [][]string{{"init", "--region", "cn-hangzhou", "--endpoint", w.url}, {"fetch"}} {
		if code, out := runIn(dir, args...); code != 0 {
			w.t.Fatalf("fcgit %v in a new repository: exit %d\n%s", args, code, out)
		}
	}
	cmd := exec.Command("git", "rev-parse", "fcgit/online:"+rel)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		w.t.Fatalf("git rev-parse fcgit/online:%s in the new repository: %v", rel, err)
	}
	return strings.TrimSpace(string(out))
}

// TestPushCodeThroughOSS: with the inline limit lowered to 64 KiB, a package
// over it is uploaded to the [code] bucket and deployed from there, on
// create and on update, while small packages still go inline; the code read
// back from FC in a new repository is the committed file, byte for byte.
func TestPushCodeThroughOSS(t *testing.T) {
	w := newWorld(t, emulator.Options{})
	ossURL := w.withOSS()
	// The file's endpoint is wrong on purpose: FCGIT_OSS_ENDPOINT wins.
	w.setCode(map[string]string{"ossBucket": "deploy", "ossEndpoint": "http://127.0.0.1:1"})
	environ := map[string]string{"FCGIT_OSS_ENDPOINT": ossURL}
	tmp := t.TempDir()
	tweak := func(o *push.CodeOptions) {
		o.MaxInline = 64 << 10
		o.InlineBudget = 1 // every inline package takes the whole budget: they go one by one
		o.TempDir = tmp
	}
	w.write("functions/big/function.toml", codeFunctionTOML)
	w.write("functions/big/code/index.py", "def handler(event, context):\n    return 'big'\n")
	w.writeRandom("functions/big/code/data.bin", 300<<10, 1)
	for _, n := range []string{"s1", "s2", "s3"} {
		w.write("functions/"+n+"/function.toml", codeFunctionTOML)
		w.write("functions/"+n+"/code/index.py", "def handler(event, context):\n    return '"+n+"'\n")
	}
	w.commitAll("functions")

	if code, out := w.runCode(tweak, environ, "push", "--dry-run"); code != 0 || !strings.Contains(out, "create big (code)") {
		t.Fatalf("push --dry-run: exit %d\n%s", code, out)
	}
	if st := w.srv.Stats(); st.Writes != 0 || st.Requests["oss:PutObject"]+st.Requests["oss:InitiateMultipartUpload"] != 0 {
		t.Fatalf("push --dry-run wrote: %v", st.Requests)
	}
	w.srv.ResetStats()
	if code, out := w.runCode(tweak, environ, "push", "--jobs", "4"); code != 0 {
		t.Fatalf("push: exit %d\n%s", code, out)
	}
	st := w.srv.Stats().Requests
	if st["oss:PutObject"]+st["oss:CompleteMultipartUpload"] != 1 || st["CreateFunction"] != 4 {
		t.Fatalf("want one package through OSS and four functions created: %v", st)
	}
	big, err := w.client.GetFunction(context.Background(), "big")
	if err != nil {
		t.Fatal(err)
	}
	if size, _ := strconv.ParseInt(fmt.Sprint(big["codeSize"]), 10, 64); big.CodeChecksum() == "" || size < 300<<10 {
		t.Fatalf("big: codeChecksum %q, codeSize %v", big.CodeChecksum(), big["codeSize"])
	}
	w.srv.ResetStats()
	if code, out := w.runCode(tweak, environ, "push"); code != 0 || !strings.Contains(out, "Everything up to date") {
		t.Fatalf("second push: exit %d\n%s", code, out)
	}
	if st := w.srv.Stats(); st.Writes != 0 || st.Requests["oss:PutObject"]+st.Requests["oss:HeadObject"] != 0 {
		t.Fatalf("an unchanged push sent something: %v", st.Requests)
	}

	// An update goes through OSS too.
	w.writeRandom("functions/big/code/data.bin", 400<<10, 2)
	w.commitAll("new data")
	w.srv.ResetStats()
	if code, out := w.runCode(tweak, environ, "push"); code != 0 || !strings.Contains(out, "updated big (code)") {
		t.Fatalf("push of new code: exit %d\n%s", code, out)
	}
	if st := w.srv.Stats().Requests; st["oss:PutObject"]+st["oss:CompleteMultipartUpload"] != 1 || st["UpdateFunction"] != 1 {
		t.Fatalf("want the update through OSS: %v", st)
	}
	want := strings.TrimSpace(w.git("hash-object", "functions/big/code/data.bin"))
	if got := w.fetchedBlob("functions/big/code/data.bin"); got != want {
		t.Fatalf("fetched data.bin is blob %s, committed %s", got, want)
	}
	if code, out := w.runCode(tweak, environ, "status"); code != 0 || !strings.Contains(out, "in sync") {
		t.Fatalf("status after pushing through OSS: exit %d\n%s", code, out)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Fatalf("temporary packages left behind: %v", left)
	}
}

// TestPushRefusesCodeFCWouldNotTake: a package over the inline limit with no
// bucket to upload it to, or over FC's limit for any package, is refused
// before anything is written, naming the function, the size and the setting.
func TestPushRefusesCodeFCWouldNotTake(t *testing.T) {
	for _, tc := range []struct {
		name   string
		bucket bool
		tweak  func(*push.CodeOptions)
		want   []string
	}{
		{
			name:  "no bucket",
			tweak: func(o *push.CodeOptions) { o.MaxInline = 64 << 10 },
			want: []string{"functions/big/code/: the code package is 300.", "KiB zipped, over the 64 KiB FC takes inline",
				"set ossBucket in the [code] table of fcgit.toml to an OSS bucket in cn-hangzhou"},
		},
		{
			name:   "too large for FC",
			bucket: true,
			tweak:  func(o *push.CodeOptions) { o.MaxInline, o.MaxSize = 64<<10, 128<<10 },
			want:   []string{"functions/big/code/: the code package is 300.", "KiB zipped; FC takes at most 128 KiB, through OSS: make it smaller"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, emulator.Options{})
			tmp := t.TempDir()
			tweak := func(o *push.CodeOptions) { tc.tweak(o); o.TempDir = tmp }
			environ := map[string]string{}
			if tc.bucket {
				environ["FCGIT_OSS_ENDPOINT"] = w.withOSS()
				w.setCode(map[string]string{"ossBucket": "deploy"})
			}
			w.write("functions/small/function.toml", codeFunctionTOML)
			w.write("functions/small/code/index.py", "def handler(event, context):\n    return 'small'\n")
			w.write("functions/big/function.toml", codeFunctionTOML)
			w.writeRandom("functions/big/code/data.bin", 300<<10, 1)
			w.commitAll("functions")
			for _, args := range [][]string{{"push", "--dry-run"}, {"push"}} {
				w.srv.ResetStats()
				code, out := w.runCode(tweak, environ, args...)
				if code != exitError {
					t.Fatalf("%v: exit %d, want %d\n%s", args, code, exitError, out)
				}
				for _, s := range tc.want {
					if !strings.Contains(out, s) {
						t.Errorf("%v: output lacks %q:\n%s", args, s, out)
					}
				}
				st := w.srv.Stats()
				if st.Writes != 0 || st.Requests["oss:PutObject"]+st.Requests["oss:InitiateMultipartUpload"] != 0 {
					t.Fatalf("%v: refused, yet wrote: %d writes, %v", args, st.Writes, st.Requests)
				}
				if out := w.gitMaybe("rev-parse", "--verify", "-q", push.DeployingRef); out != "" {
					t.Fatalf("%v: %s recorded before a refusal", args, push.DeployingRef)
				}
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Fatalf("temporary packages left behind: %v", left)
			}
		})
	}
}

// gitMaybe runs git and returns its output, "" when it fails.
func (w *world) gitMaybe(args ...string) string {
	cmd := exec.Command("git", args...)
	cmd.Dir = w.dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// TestPushLargeCodeThroughOSS pushes a function whose code holds a 150 MB
// incompressible file, over FC's real 100 MB inline limit: it goes through
// OSS as a multipart upload, and reads back from FC, in a new repository,
// as the same blob. The heap is sampled during the push: the package is
// streamed from git to a temporary file to OSS, never held, so the heap
// grows by a small fraction of it (the emulator, in this process too,
// streams what it receives to disk).
func TestPushLargeCodeThroughOSS(t *testing.T) {
	if testing.Short() {
		t.Skip("150 MB package, skipped with -short; TestPushCodeThroughOSS covers the same paths with a lowered limit")
	}
	const size = 150 << 20
	w := newWorld(t, emulator.Options{})
	w.setCode(map[string]string{"ossBucket": "deploy", "ossEndpoint": w.withOSS()})
	w.write("functions/big/function.toml", codeFunctionTOML)
	w.write("functions/big/code/index.py", "def handler(event, context):\n    return 'big'\n")
	w.writeRandom("functions/big/code/model.bin", size, 9)
	w.commitAll("big")
	want := strings.TrimSpace(w.git("rev-parse", "HEAD:functions/big/code/model.bin"))

	runtime.GC()
	baseline := heapwatch.InUse()
	var peak uint64
	stop := heapwatch.Sample(&peak)
	start := time.Now()
	code, out := w.run("push")
	stop()
	if code != 0 {
		t.Fatalf("push: exit %d\n%s", code, out)
	}
	t.Logf("push of a %d MiB package: %v; heap in use: baseline %.1f MiB, peak %.1f MiB",
		size>>20, time.Since(start).Round(time.Millisecond), float64(baseline)/(1<<20), float64(peak)/(1<<20))
	if grown := peak - min(peak, baseline); grown > 32<<20 {
		t.Errorf("the heap grew by %.1f MiB pushing a %d MiB package: it is held, not streamed", float64(grown)/(1<<20), size>>20)
	}
	st := w.srv.Stats().Requests
	if st["oss:CompleteMultipartUpload"] != 1 || st["oss:UploadPart"] < 2 {
		t.Fatalf("want a multipart upload: %v", st)
	}
	if got := w.fetchedBlob("functions/big/code/model.bin"); got != want {
		t.Fatalf("fetched model.bin is blob %s, committed %s", got, want)
	}
}

// TestPushUploadFailure: a package that cannot be uploaded fails its
// function before anything of it is written; the other functions deploy,
// and the failure names the object and OSS's answer.
func TestPushUploadFailure(t *testing.T) {
	w := newWorld(t, emulator.Options{Buckets: []string{"elsewhere"}})
	w.setCode(map[string]string{"ossBucket": "deploy", "ossEndpoint": w.withOSS()})
	tweak := func(o *push.CodeOptions) { o.MaxInline = 64 << 10 }
	w.write("functions/small/function.toml", codeFunctionTOML)
	w.write("functions/small/code/index.py", "def handler(event, context):\n    return 'small'\n")
	w.write("functions/big/function.toml", codeFunctionTOML)
	w.writeRandom("functions/big/code/data.bin", 100<<10, 3)
	w.commitAll("functions")
	code, out := w.runCode(tweak, nil, "push")
	if code != exitError || !strings.Contains(out, "upload big code to oss://deploy/fcgit/big/") || !strings.Contains(out, "NoSuchBucket") {
		t.Fatalf("push: exit %d\n%s", code, out)
	}
	if _, err := w.client.GetFunction(context.Background(), "big"); err == nil {
		t.Fatal("big was created without its code")
	}
	if _, err := w.client.GetFunction(context.Background(), "small"); err != nil {
		t.Fatalf("small was not deployed: %v", err)
	}
}

// TestPushNoticesCodeReplacedAfterItsWrite: push reads a function back after
// deploying it; code another writer put there between push's write and its
// read-back is noticed (exit 3), for a package sent through OSS too.
func TestPushNoticesCodeReplacedAfterItsWrite(t *testing.T) {
	w := newWorld(t, emulator.Options{})
	w.setCode(map[string]string{"ossBucket": "deploy", "ossEndpoint": w.withOSS()})
	tweak := func(o *push.CodeOptions) { o.MaxInline = 64 << 10 }
	w.write("functions/big/function.toml", codeFunctionTOML)
	w.writeRandom("functions/big/code/data.bin", 100<<10, 4)
	w.commitAll("big")
	var once sync.Once
	w.srv.SetBefore(func(op, _ string) {
		if op == "TagResources" {
			once.Do(func() {
				in := map[string]any{"code": codeInput(t, map[string]string{"index.py": "# theirs\n"})}
				if _, err := w.client.UpdateFunction(context.Background(), "big", in); err != nil {
					t.Errorf("console update: %v", err)
				}
			})
		}
	})
	code, out := w.runCode(tweak, nil, "push")
	w.srv.SetBefore(nil)
	if code != exitDrift || !strings.Contains(out, "its code is not the package this push sent") {
		t.Fatalf("push: exit %d, want %d\n%s", code, exitDrift, out)
	}
	if w.srv.Stats().Requests["oss:PutObject"] != 1 {
		t.Fatalf("the package did not go through OSS: %v", w.srv.Stats().Requests)
	}
}
