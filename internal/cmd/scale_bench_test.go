//go:build unix

package cmd

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fcgit/fcgit/fc"
)

// The scale benchmarks (docs/performance.md) run fcgit in-process against an
// emulator in a child process that adds a fixed latency to every request, so
// that the CPU time they measure (getrusage of this process) is fcgit's
// alone, and the wall time can be compared with the latency bound: requests
// × latency / jobs, what perfect overlap of the requests would take.

const benchLatency = 20 * time.Millisecond

// benchEmulator starts an emulator process and returns its URL.
func benchEmulator(b *testing.B, args ...string) string {
	b.Helper()
	args = append([]string{"--quiet", "emulator", "--listen", "127.0.0.1:0", "--access-key-id", testAK, "--access-key-secret", testSK}, args...)
	cmd := benchProcess(args...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("emulator: %v", err)
	}
	m := regexp.MustCompile(`listening on (\S+)`).FindStringSubmatch(line)
	if m == nil {
		b.Fatalf("emulator said %q", line)
	}
	go func() { // keep the pipe drained
		buf := make([]byte, 4096)
		for {
			if _, err := stdout.Read(buf); err != nil {
				return
			}
		}
	}()
	return m[1]
}

// benchProcess is fcgit ARGS in a process of its own (this test binary).
// Arguments must not contain spaces.
func benchProcess(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), benchProcessEnv+"="+strings.Join(args, " "),
		"ALIBABA_CLOUD_ACCESS_KEY_ID="+testAK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET="+testSK)
	return cmd
}

// peakMemory reads a benchProcess's peak resident set from its output.
func peakMemory(b *testing.B, out []byte) int64 {
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, peakMemoryLine); ok {
			kib, err := strconv.ParseInt(v, 10, 64)
			if err == nil {
				return kib
			}
		}
	}
	b.Skip("peak memory not reported (needs /proc/self/status)")
	return 0
}

// benchClient is an FC client for the benchmark's emulator.
func benchClient(b *testing.B, url string) *fc.Client {
	b.Helper()
	c, err := fc.New(fc.Config{Region: "cn-hangzhou", Endpoint: url, AccessKeyID: testAK, AccessKeySecret: testSK})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// populateRich creates n varied functions (configuration, a code package of
// a few files, an HTTP and a timer trigger), 16 at a time.
func populateRich(b *testing.B, c *fc.Client, n int) {
	b.Helper()
	ctx := context.Background()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r := rand.New(rand.NewPCG(uint64(i), 7))
			in := variedFunction(b, r, i)
			name := in["functionName"].(string)
			err := func() error {
				if _, err := c.CreateFunction(ctx, in); err != nil {
					return err
				}
				if _, err := c.CreateTrigger(ctx, name, map[string]any{"triggerName": "web", "triggerType": "http",
					"triggerConfig": `{"authType":"anonymous","methods":["GET","POST"]}`}); err != nil {
					return err
				}
				_, err := c.CreateTrigger(ctx, name, map[string]any{"triggerName": "tick", "triggerType": "timer",
					"triggerConfig": `{"cronExpression":"@every 5m","enable":true}`})
				return err
			}()
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		b.Fatal(errs[0])
	}
}

// benchRepo makes a fresh repository whose fcgit.toml points at url.
func benchRepo(b *testing.B, url string) string {
	b.Helper()
	return benchRepoAt(b, b.TempDir(), url)
}

// benchRepoAt is benchRepo in dir, an empty directory.
func benchRepoAt(b *testing.B, dir, url string) string {
	b.Helper()
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"config", "user.name", "Dev"}, {"config", "user.email", "dev@example.com"}, {"config", "gc.auto", "0"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if code, out := runIn(dir, "init", "--region", "cn-hangzhou", "--endpoint", url); code != 0 {
		b.Fatalf("fcgit init: %s", out)
	}
	return dir
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var (
	totalRequestsRe  = regexp.MustCompile(`: total .* (\d+) requests?`)
	totalDownloadsRe = regexp.MustCompile(`: total .* (\d+) downloads?`)
)

// measured is one timed fcgit run.
type measured struct {
	wall, cpu time.Duration
	requests  int // API requests and code downloads
}

// timedRun runs fcgit -v ARGS in dir and reads its request count from the
// --verbose summary.
func timedRun(b *testing.B, dir string, args ...string) measured {
	b.Helper()
	cpu0, start := cpuTime(), time.Now()
	code, out := runIn(dir, append([]string{"-v"}, args...)...)
	m := measured{wall: time.Since(start), cpu: cpuTime() - cpu0}
	if code != 0 {
		b.Fatalf("fcgit %v: exit %d\n%s", args, code, out)
	}
	// The --verbose phase lines say where the time went.
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, args[0]+": ") {
			b.Log(line)
		}
	}
	sub := totalRequestsRe.FindStringSubmatch(out)
	if sub == nil {
		b.Fatalf("no request count in\n%s", out)
	}
	m.requests, _ = strconv.Atoi(sub[1])
	// A download is a request too, for the latency bound.
	if d := totalDownloadsRe.FindStringSubmatch(out); d != nil {
		n, _ := strconv.Atoi(d[1])
		m.requests += n
	}
	return m
}

// report writes the figures the goals are stated in.
func (m measured) report(b *testing.B, jobs, functions int) {
	bound := time.Duration(m.requests) * benchLatency / time.Duration(jobs)
	b.ReportMetric(m.wall.Seconds(), "s/op")
	b.ReportMetric(m.wall.Seconds()/bound.Seconds(), "x-bound")
	b.ReportMetric(float64(m.cpu.Microseconds())/1000/float64(functions), "cpu-ms/fn")
	b.ReportMetric(float64(m.requests), "requests")
}

// BenchmarkFetchCold measures a first fetch of N rich functions at 20 ms per
// request: every function's triggers, settings and code read, every package
// downloaded and stored. Goals (issue 14): x-bound ≤ 1.25, cpu-ms/fn ≤ 3.
func BenchmarkFetchCold(b *testing.B) {
	for _, n := range []int{300, 1000} {
		b.Run(fmt.Sprintf("fns=%d", n), func(b *testing.B) {
			url := benchEmulator(b, "--latency", benchLatency.String())
			populateRich(b, benchClient(b, url), n)
			var last measured
			for b.Loop() {
				b.StopTimer()
				dir := benchRepo(b, url)
				b.StartTimer()
				last = timedRun(b, dir, "fetch", "--jobs", "16")
			}
			last.report(b, 16, n)
		})
	}
}

// BenchmarkFetchConsoleView measures what reading aliases and VPC bindings
// for every function (the default) costs against reading them only where
// declared (readForEveryFunction without them), at 20 ms per request: a
// first fetch, and an unchanged one (what every pull, status and push
// reads), of N rich functions.
func BenchmarkFetchConsoleView(b *testing.B) {
	for _, n := range []int{300, 1000} {
		url := benchEmulator(b, "--latency", benchLatency.String())
		populateRich(b, benchClient(b, url), n)
		for _, reads := range []struct{ name, line string }{
			{"all", ""},
			{"declared", `readForEveryFunction = ["asyncInvokeConfig", "concurrencyConfig", "provisionConfig", "scalingConfig"]`},
		} {
			b.Run(fmt.Sprintf("fns=%d/reads=%s", n, reads.name), func(b *testing.B) {
				var cold, unchanged measured
				for b.Loop() {
					b.StopTimer()
					dir := benchRepo(b, url)
					if reads.line != "" {
						p := filepath.Join(dir, "fcgit.toml")
						data, err := os.ReadFile(p)
						if err != nil {
							b.Fatal(err)
						}
						text := strings.Replace(string(data), "\n[scope]\n", "\n"+reads.line+"\n\n[scope]\n", 1)
						if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
							b.Fatal(err)
						}
					}
					b.StartTimer()
					cold = timedRun(b, dir, "fetch", "--jobs", "16")
					unchanged = timedRun(b, dir, "fetch", "--jobs", "16")
				}
				b.ReportMetric(cold.wall.Seconds(), "cold-s")
				b.ReportMetric(float64(cold.requests), "cold-requests")
				b.ReportMetric(unchanged.wall.Seconds(), "unchanged-s")
				b.ReportMetric(float64(unchanged.requests), "unchanged-requests")
			})
		}
	}
}

// BenchmarkFetchColdSpeedup measures --jobs 16 against --jobs 1 on the same
// 300 functions: the speedup metric is their ratio (goal ≥ 10).
func BenchmarkFetchColdSpeedup(b *testing.B) {
	url := benchEmulator(b, "--latency", benchLatency.String())
	populateRich(b, benchClient(b, url), 300)
	for b.Loop() {
		b.StopTimer()
		one, many := benchRepo(b, url), benchRepo(b, url)
		b.StartTimer()
		serial := timedRun(b, one, "fetch", "--jobs", "1")
		parallel := timedRun(b, many, "fetch", "--jobs", "16")
		b.ReportMetric(serial.wall.Seconds()/parallel.wall.Seconds(), "speedup")
		b.ReportMetric(serial.wall.Seconds(), "jobs1-s")
		b.ReportMetric(parallel.wall.Seconds(), "jobs16-s")
	}
}

// BenchmarkPushChanged measures a push of 300 functions, every one changed
// (configuration and code), at 20 ms per request. Goal: x-bound ≤ 1.25.
func BenchmarkPushChanged(b *testing.B) {
	const n = 300
	url := benchEmulator(b, "--latency", benchLatency.String())
	populateRich(b, benchClient(b, url), n)
	dir := benchRepo(b, url)
	if code, out := runIn(dir, "pull"); code != 0 {
		b.Fatal(out)
	}
	round := 0
	var last measured
	for b.Loop() {
		b.StopTimer()
		round++
		for i := range n {
			name := fmt.Sprintf("svc-%03d", i)
			p := filepath.Join(dir, "functions", name, "code", "index.py")
			if err := os.WriteFile(p, []byte(fmt.Sprintf("# %s, round %d\n", name, round)), 0o644); err != nil {
				b.Fatal(err)
			}
			tp := filepath.Join(dir, "functions", name, "function.toml")
			data, err := os.ReadFile(tp)
			if err != nil {
				b.Fatal(err)
			}
			// A new description: the top-level key goes right after the
			// header comment, replacing any earlier one.
			lines := strings.Split(string(data), "\n")
			kept := []string{lines[0], fmt.Sprintf("description = \"round %d\"", round)}
			for _, l := range lines[1:] {
				if !strings.HasPrefix(l, "description = ") {
					kept = append(kept, l)
				}
			}
			if err := os.WriteFile(tp, []byte(strings.Join(kept, "\n")), 0o644); err != nil {
				b.Fatal(err)
			}
		}
		for _, args := range [][]string{{"add", "-A"}, {"commit", "-q", "-m", fmt.Sprintf("round %d", round)}} {
			cmd := exec.Command("git", args...)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("git %v: %v\n%s", args, err, out)
			}
		}
		b.StartTimer()
		last = timedRun(b, dir, "push", "--jobs", "16")
	}
	last.report(b, 16, n)
}

// BenchmarkFetchLargeCode measures the peak memory (resident set) of a fetch
// of 1 GiB of code: 20 functions with 50 MiB packages of incompressible
// data, fetched by fcgit in a process of its own. Goal (issue 14): peak-MB
// ≤ 256, whatever the total.
func BenchmarkFetchLargeCode(b *testing.B) {
	const (
		functions = 20
		size      = 50 << 20
	)
	url := benchEmulator(b)
	client := benchClient(b, url)
	ctx := context.Background()
	for i := range functions {
		zipData := storedZip(b, map[string][]byte{"index.py": []byte("def handler(e, c):\n    return 1\n"), "blob.bin": randomBytes(uint64(i), size)})
		in := map[string]any{"functionName": fmt.Sprintf("big-%02d", i), "runtime": "python3.10", "handler": "index.handler",
			"code": map[string]any{"zipFile": base64.StdEncoding.EncodeToString(zipData)}}
		if _, err := client.CreateFunction(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	var peak int64
	var wall time.Duration
	for b.Loop() {
		b.StopTimer()
		dir := benchRepo(b, url)
		b.StartTimer()
		cmd := benchProcess("-C", dir, "-v", "fetch")
		start := time.Now()
		out, err := cmd.CombinedOutput()
		wall = time.Since(start)
		if err != nil {
			b.Fatalf("fetch: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), fmt.Sprintf("%d downloads", functions)) {
			b.Fatalf("fetch did not download every package:\n%s", out)
		}
		peak = max(peak, peakMemory(b, out))
	}
	b.ReportMetric(float64(peak)/1024, "peak-MB")
	b.ReportMetric(float64(functions*size)/(1<<20)/wall.Seconds(), "MB/s")
}

// storedZip is a zip of files, stored without compression (the data is
// random: deflating it would only cost time).
func storedZip(b *testing.B, files map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Store})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := w.Write(files[n]); err != nil {
			b.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// randomBytes is n incompressible bytes, the same for the same seed.
func randomBytes(seed uint64, n int) []byte {
	var key [32]byte
	key[0] = byte(seed)
	out := make([]byte, n)
	rand.NewChaCha8(key).Read(out)
	return out
}

// BenchmarkPushLargeCode measures the peak memory (resident set) of a push
// of 1 GiB of code: 20 new functions with 50 MiB packages of incompressible
// data, each sent inline, pushed by fcgit in a process of its own. Goal
// (issue 14): peak-MB ≤ 256, whatever the total.
func BenchmarkPushLargeCode(b *testing.B) {
	const (
		functions = 20
		size      = 50 << 20
	)
	url := benchEmulator(b)
	var peak int64
	var wall time.Duration
	for b.Loop() {
		b.StopTimer()
		dir := benchRepo(b, url)
		for i := range functions {
			fn := filepath.Join(dir, "functions", fmt.Sprintf("big-%02d-%d", i, b.N))
			if err := os.MkdirAll(filepath.Join(fn, "code"), 0o755); err != nil {
				b.Fatal(err)
			}
			files := map[string][]byte{
				"function.toml":  []byte("handler = \"index.handler\"\nruntime = \"python3.10\"\n"),
				"code/index.py":  []byte("def handler(e, c):\n    return 1\n"),
				"code/model.bin": randomBytes(uint64(i), size),
			}
			for name, data := range files {
				if err := os.WriteFile(filepath.Join(fn, name), data, 0o644); err != nil {
					b.Fatal(err)
				}
			}
		}
		for _, args := range [][]string{{"add", "-A"}, {"commit", "-q", "-m", "big"}} {
			cmd := exec.Command("git", args...)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("git %v: %v\n%s", args, err, out)
			}
		}
		b.StartTimer()
		cmd := benchProcess("-C", dir, "-v", "push")
		start := time.Now()
		out, err := cmd.CombinedOutput()
		wall = time.Since(start)
		if err != nil {
			b.Fatalf("push: %v\n%s", err, out)
		}
		if n := strings.Count(string(out), "created big-"); n != functions {
			b.Fatalf("push created %d functions, want %d:\n%s", n, functions, out)
		}
		peak = max(peak, peakMemory(b, out))
	}
	b.ReportMetric(float64(peak)/1024, "peak-MB")
	b.ReportMetric(float64(functions*size)/(1<<20)/wall.Seconds(), "MB/s")
}
