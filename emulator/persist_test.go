package emulator

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// writeLegacyState writes a version 1 data directory (one state.json) with
// n custom-container functions, which have no code package files.
func writeLegacyState(t *testing.T, dir string, n int) {
	t.Helper()
	stamp := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	fns := map[string]*functionRecord{}
	for i := range n {
		fns[fmt.Sprintf("fn-%05d", i)] = &functionRecord{
			Config: map[string]any{
				"runtime": "custom-container", "handler": "h", "memorySize": json.Number("512"),
				"customContainerConfig": map[string]any{"image": "registry/x:1"},
			},
			FunctionID: newUUID(), CreatedTime: stamp, LastModified: stamp,
			Triggers: map[string]*triggerRecord{},
		}
	}
	data, err := json.Marshal(map[string]any{"version": 1, "urlSecret": "00", "functions": fns})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, legacyStateFileName), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeCost is what the data directory saw during one request.
type writeCost struct{ bytes, files int64 }

func measure(s *Server, do func()) writeCost {
	b, f := s.disk.bytes.Load(), s.disk.files.Load()
	do()
	return writeCost{s.disk.bytes.Load() - b, s.disk.files.Load() - f}
}

// TestWriteCostDoesNotGrowWithFunctions: a write costs the object it
// changes, not the state. The same create, update, trigger and delete at
// 100 and at 2000 functions write the same number of files and, up to the
// varying width of timestamps, the same bytes: a few KiB, where rewriting
// the whole state (version 1) wrote about 1.3 KiB per function.
func TestWriteCostDoesNotGrowWithFunctions(t *testing.T) {
	t.Parallel()
	ops := []struct {
		name string
		do   func(c *apiClient)
	}{
		{"create", func(c *apiClient) { c.createFunction("probe", nil) }},
		{"update", func(c *apiClient) {
			c.expect(200, http.MethodPut, "/2023-03-30/functions/probe", nil, map[string]any{"timeout": 30})
		}},
		{"trigger", func(c *apiClient) {
			c.expect(200, http.MethodPost, "/2023-03-30/functions/probe/triggers", nil, map[string]any{"triggerName": "t", "triggerType": "http", "triggerConfig": httpTriggerConfig})
		}},
		{"tag", func(c *apiClient) {
			c.expect(204, http.MethodPost, "/2023-03-30/tags-v2", nil, map[string]any{"ResourceType": "function", "ResourceId": []string{"probe"}, "Tag": []any{map[string]any{"Key": "k", "Value": "v"}}})
		}},
		{"delete", func(c *apiClient) {
			c.expect(204, http.MethodDelete, "/2023-03-30/functions/probe/triggers/t", nil, nil)
			c.expect(204, http.MethodDelete, "/2023-03-30/functions/probe", nil, nil)
		}},
	}
	costs := map[int][]writeCost{}
	for _, n := range []int{100, 2000} {
		dir := t.TempDir()
		writeLegacyState(t, dir, n)
		s, c := newTestServer(t, Options{DataDir: dir})
		if got := len(s.st.Functions); got != n {
			t.Fatalf("migrated %d functions, want %d", got, n)
		}
		for _, op := range ops {
			costs[n] = append(costs[n], measure(s, func() { op.do(c) }))
		}
	}
	for i, op := range ops {
		small, large := costs[100][i], costs[2000][i]
		if small.files != large.files {
			t.Errorf("%s: %d files written at 100 functions, %d at 2000", op.name, small.files, large.files)
		}
		if d := large.bytes - small.bytes; d > 64 || d < -64 {
			t.Errorf("%s: %d bytes written at 100 functions, %d at 2000", op.name, small.bytes, large.bytes)
		}
		if large.bytes > 8<<10 {
			t.Errorf("%s: %d bytes written for one function", op.name, large.bytes)
		}
	}
}

func TestMigratesVersion1DataDirectory(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string)
	}{
		{"plain", func(t *testing.T, dir string) { writeLegacyState(t, dir, 3) }},
		{"cut off before meta.json", func(t *testing.T, dir string) {
			writeLegacyState(t, dir, 3)
			// Objects from an earlier attempt, one of them stale.
			if err := writeFileAtomic(filepath.Join(dir, functionsDirName, "fn-00001.json"), []byte(`{"name":"fn-00001","function":{"config":{}}}`)); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.prepare(t, dir)
			s, c := newTestServer(t, Options{DataDir: dir})
			for _, name := range []string{"fn-00000", "fn-00001", "fn-00002"} {
				r := c.expect(200, http.MethodGet, "/2023-03-30/functions/"+name, nil, nil)
				if r.JSON["runtime"] != "custom-container" {
					t.Errorf("%s after migration: %s", name, r.Body)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, legacyStateFileName)); !os.IsNotExist(err) {
				t.Errorf("state.json still there after migration (%v)", err)
			}
			c.expect(200, http.MethodPut, "/2023-03-30/functions/fn-00002", nil, map[string]any{"timeout": 7})
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			_, c2 := newTestServer(t, Options{DataDir: dir})
			if r := c2.expect(200, http.MethodGet, "/2023-03-30/functions/fn-00002", nil, nil); r.JSON["timeout"] != json.Number("7") {
				t.Errorf("write after migration lost: %s", r.Body)
			}
		})
	}
}

func TestDataDirectoryRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		files   map[string]string
		wantErr string
	}{
		{"future version", map[string]string{metaFileName: `{"version":3}`}, "has version 3"},
		{"unknown legacy version", map[string]string{legacyStateFileName: `{"version":7}`}, "has version 7"},
		{"objects without meta.json", map[string]string{"functions/a.json": `{}`}, "but no meta.json"},
		{"object changed by hand", map[string]string{metaFileName: `{"version":2,"urlSecret":"00"}`, "functions/a.json": `{"name":`}, "functions/a.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tc.files {
				if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := New(Options{Credentials: map[string]string{testAK: testSK}, DataDir: dir})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("New = %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

// TestLeftoversOfACrashAreRemoved: temporary files of writes never
// acknowledged and packages no function names are what a crash leaves;
// the next start removes them and keeps everything else.
func TestLeftoversOfACrashAreRemoved(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s1, c1 := newTestServer(t, Options{DataDir: dir})
	c1.createFunction("kept", nil)
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	leftovers := []string{
		filepath.Join(dir, functionsDirName, ".kept.json.tmp-123"),
		filepath.Join(dir, codeDirName, "0000-1.zip"),
		filepath.Join(dir, codeDirName, ".x.zip.tmp-9"),
		filepath.Join(dir, ".meta.json.tmp-5"),
	}
	for _, l := range leftovers {
		if err := os.WriteFile(l, []byte("half"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, c2 := newTestServer(t, Options{DataDir: dir})
	for _, l := range leftovers {
		if _, err := os.Stat(l); !os.IsNotExist(err) {
			t.Errorf("%s survived a restart (%v)", l, err)
		}
	}
	code := c2.expect(200, http.MethodGet, "/2023-03-30/functions/kept/code", nil, nil)
	if len(download(t, code.JSON["url"].(string))) == 0 {
		t.Error("the live package went with the leftovers")
	}
}

func TestObjectFileNames(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, want string }{
		{"api", "api.json"},
		{"Api", "%41pi.json"},
		{"shop$legacy", "shop%24legacy.json"},
		{"*.example.com", "%2A%2Eexample%2Ecom.json"},
		{strings.Repeat("a.", 100) + "com", ""}, // hashed
	}
	seen := map[string]string{}
	for _, tc := range tests {
		got := objectFileName(tc.name)
		if tc.want != "" && got != tc.want {
			t.Errorf("objectFileName(%q) = %q, want %q", tc.name, got, tc.want)
		}
		if len(got) > 255 || strings.HasPrefix(got, ".") {
			t.Errorf("objectFileName(%q) = %q: not a usable file name", tc.name, got)
		}
		if other, dup := seen[strings.ToLower(got)]; dup {
			t.Errorf("%q and %q share a file name on a case-insensitive file system", tc.name, other)
		}
		seen[strings.ToLower(got)] = tc.name
	}
}

// crashChildEnv names the data directory a TestCrashChild process serves.
const crashChildEnv = "FCGIT_EMULATOR_CRASH_CHILD_DIR"

// TestCrashChild is the emulator process TestKillNineLosesNoAcknowledgedWrite
// kills; run on its own it does nothing.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("the child process of TestKillNineLosesNoAcknowledgedWrite")
	}
	s, err := New(Options{Credentials: map[string]string{testAK: testSK}, DataDir: dir})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	_ = s.ListenAndServe(context.Background(), "127.0.0.1:0", func(u string) { fmt.Println("URL", u) })
}

// startCrashChild starts the emulator in a process of its own on dir and
// returns it and its URL.
func startCrashChild(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "URL "); ok {
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return cmd, u
		}
		if strings.HasPrefix(sc.Text(), "ERROR") {
			t.Fatalf("child: %s", sc.Text())
		}
	}
	t.Fatalf("child exited without serving: %v", sc.Err())
	return nil, ""
}

// ackLog records the writes the emulator acknowledged.
type ackLog struct {
	mu       sync.Mutex
	created  map[string]string // function -> the package's content
	counters map[string]int    // function -> last acknowledged timeout
	sent     map[string]int    // function -> last timeout sent, acknowledged or not
}

// TestKillNineLosesNoAcknowledgedWrite kills the emulator (SIGKILL) while
// four clients write, three times over the same data directory: after each
// kill, every create and update it acknowledged is there, with its code,
// and nothing half-written is.
func TestKillNineLosesNoAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts emulator processes")
	}
	t.Parallel()
	dir := t.TempDir()
	acks := &ackLog{created: map[string]string{}, counters: map[string]int{}, sent: map[string]int{}}
	for round := range 3 {
		cmd, base := startCrashChild(t, dir)
		c := &apiClient{t: t, base: base, ak: testAK, sk: testSK, now: time.Now, http: &http.Client{Timeout: 10 * time.Second}}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		acked := make(chan struct{}, 1000)
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				crashWriter(c, acks, fmt.Sprintf("r%d-w%d", round, w), stop, acked)
			}()
		}
		for range 40 {
			<-acked
		}
		if err := cmd.Process.Kill(); err != nil { // SIGKILL: no chance to flush anything
			t.Fatal(err)
		}
		close(stop)
		wg.Wait()
		_ = cmd.Wait()
		checkAcknowledged(t, dir, acks)
	}
}

// crashWriter creates functions with code and updates a counter function
// until stop, or until the emulator is gone.
func crashWriter(c *apiClient, acks *ackLog, prefix string, stop chan struct{}, acked chan<- struct{}) {
	counter := prefix + "-counter"
	send := func(method, path string, body map[string]any) bool {
		raw, _ := json.Marshal(body)
		resp, err := c.http.Do(c.sign(method, path, nil, raw))
		if err != nil {
			return false
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	if !send(http.MethodPost, "/2023-03-30/functions", map[string]any{
		"functionName": counter, "runtime": "custom-container", "handler": "h",
		"customContainerConfig": map[string]any{"image": "registry/x:1"}, "timeout": 1,
	}) {
		return
	}
	acks.mu.Lock()
	acks.counters[counter], acks.sent[counter] = 1, 1
	acks.mu.Unlock()
	for i := 2; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		name := fmt.Sprintf("%s-%d", prefix, i)
		content := fmt.Sprintf("print(%q)\n", name)
		zip := makeZip(c.t, map[string]string{"index.py": content})
		if !send(http.MethodPost, "/2023-03-30/functions", map[string]any{
			"functionName": name, "runtime": "python3.10", "handler": "index.handler", "code": zipCode(zip),
		}) {
			return
		}
		acks.mu.Lock()
		acks.created[name] = content
		acks.sent[counter] = i
		acks.mu.Unlock()
		if !send(http.MethodPut, "/2023-03-30/functions/"+counter, map[string]any{"timeout": i}) {
			return
		}
		acks.mu.Lock()
		acks.counters[counter] = i
		acks.mu.Unlock()
		select {
		case acked <- struct{}{}:
		default:
		}
	}
}

// checkAcknowledged loads dir as a restarted emulator would and checks it
// against the acknowledged writes.
func checkAcknowledged(t *testing.T, dir string, acks *ackLog) {
	t.Helper()
	s, c := newTestServer(t, Options{DataDir: dir})
	defer s.Close()
	acks.mu.Lock()
	defer acks.mu.Unlock()
	for name, content := range acks.created {
		code := c.do(http.MethodGet, "/2023-03-30/functions/"+name+"/code", nil, nil)
		if code.Status != http.StatusOK {
			t.Errorf("acknowledged create of %s lost: %d %s", name, code.Status, code.Body)
			continue
		}
		if got := unzipFile(t, download(t, code.JSON["url"].(string)), "index.py"); got != content {
			t.Errorf("%s's code = %q, want %q", name, got, content)
		}
	}
	for name, last := range acks.counters {
		r := c.expect(http.StatusOK, http.MethodGet, "/2023-03-30/functions/"+name, nil, nil)
		got, _ := asInt(r.JSON["timeout"])
		// The update in flight when the process died may have been
		// written without being acknowledged.
		if int(got) != last && int(got) != acks.sent[name] {
			t.Errorf("%s timeout = %d, want the acknowledged %d (or %d, in flight)", name, got, last, acks.sent[name])
		}
	}
	for _, sub := range []string{functionsDirName, codeDirName} {
		entries, _ := os.ReadDir(filepath.Join(dir, sub))
		for _, e := range entries {
			if isTempName(e.Name()) {
				t.Errorf("%s/%s left after a restart", sub, e.Name())
			}
		}
	}
}

// unzipFile returns the content of one file of a zip.
func unzipFile(t *testing.T, zipBytes []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(zipBytes), int64(len(zipBytes)))
	if err != nil {
		t.Fatalf("package is not a zip: %v", err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatalf("package has no %s", name)
	return ""
}
