//go:build unix

package cmd

import (
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fcgit/fcgit/emulator"
)

// BenchmarkScale10k measures fcgit's own work as the number of functions
// grows (docs/performance.md): each command of a day's work, at 1,000 and
// 10,000 rich functions, run by fcgit in a process of its own against an
// emulator without latency, so that the process's CPU time (user + system)
// and its peak resident set are fcgit's alone. Goals: at most 1.5 ms of CPU
// per function for an unchanged fetch, status and a push with nothing to
// do, and at most 256 MB resident for any command; pull's checkout within
// 2× git checkout of the same tree, measured side by side; a cold fetch of
// 10,000 functions at 20 ms per request within 1.25× the latency bound.
//
// FCGIT_BENCH_PROFILE=DIR writes each run's CPU and allocation profiles
// into DIR (N-COMMAND.cpu.pprof, N-COMMAND.mem.pprof).
func BenchmarkScale10k(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("fns=%d", n), func(b *testing.B) { benchScale(b, n) })
	}
}

func benchScale(b *testing.B, n int) {
	// At 10,000 functions the commands measured sign about 300,000
	// requests within the emulator's 15-minute replay window.
	srv, err := emulator.New(emulator.Options{Credentials: map[string]string{testAK: testSK}, MaxNonces: 1 << 21})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	b.Cleanup(func() { ts.Close(); srv.Close() })
	start := time.Now()
	populateRich(b, benchClient(b, ts.URL), n)
	b.Logf("created %d functions in %.1fs", n, time.Since(start).Seconds())

	// fetched is a repository after one fetch: main unborn, the online
	// branch holding every function. pulled is the same after a pull.
	// They outlive the sub-benchmark that makes them.
	var fetched, pulled string
	keep := b.TempDir()
	b.Run("fetch-cold", func(b *testing.B) {
		var last procRun
		for b.Loop() {
			b.StopTimer()
			fetched = benchRepoAt(b, mkdirTemp(b, keep), ts.URL)
			b.StartTimer()
			last = runProc(b, fetched, n, "fetch-cold", "fetch")
		}
		last.report(b, n)
	})
	// A sub-benchmark left out by -bench still leaves its repository for
	// the next ones, made by an unmeasured in-process run.
	if fetched == "" {
		fetched = benchRepoAt(b, mkdirTemp(b, keep), ts.URL)
		if code, out := runIn(fetched, "fetch"); code != 0 {
			b.Fatalf("fetch: %s", out)
		}
	}
	b.Run("fetch-unchanged", func(b *testing.B) {
		var last procRun
		for b.Loop() {
			last = runProc(b, fetched, n, "fetch-unchanged", "fetch")
		}
		last.report(b, n)
	})
	b.Run("pull-empty-main", func(b *testing.B) {
		var last procRun
		var checkout, git time.Duration
		for b.Loop() {
			// Side by side with git's checkout of the same tree into the
			// same kind of repository (unborn main), three times each,
			// taking the fastest, which goes first alternating: the disk
			// is shared with other work, and its speed varies from one
			// run to the next several times over. The copies are made and
			// flushed first.
			b.StopTimer()
			const rounds = 3
			var pulls, gits []string
			for range rounds {
				pulls = append(pulls, copyRepo(b, fetched, keep))
				gits = append(gits, copyRepo(b, fetched, b.TempDir()))
			}
			syncDisks(b)
			checkout, git = 0, 0
			for i := range rounds {
				gitRun := func() {
					if g := gitCheckout(b, gits[i]); git == 0 || g < git {
						git = g
					}
				}
				if i%2 == 0 {
					gitRun()
				}
				b.StartTimer()
				run := runProc(b, pulls[i], n, "pull-empty-main", "pull")
				b.StopTimer()
				if i%2 == 1 {
					gitRun()
				}
				if !strings.Contains(run.out, "Fast-forward") {
					b.Fatalf("pull did not fast-forward:\n%s", run.out)
				}
				if c := run.phase(b, "pull", "merge"); checkout == 0 || c < checkout {
					checkout, last = c, run
				}
			}
			pulled = pulls[0]
			b.StartTimer()
		}
		last.report(b, n)
		b.ReportMetric(checkout.Seconds(), "checkout-s")
		b.ReportMetric(git.Seconds(), "git-checkout-s")
		b.ReportMetric(checkout.Seconds()/git.Seconds(), "x-git")
	})
	if pulled == "" {
		pulled = copyRepo(b, fetched, keep)
		if code, out := runIn(pulled, "pull"); code != 0 {
			b.Fatalf("pull: %s", out)
		}
	}
	b.Run("status", func(b *testing.B) {
		var last procRun
		for b.Loop() {
			last = runProc(b, pulled, n, "status", "status")
		}
		last.report(b, n)
	})
	b.Run("diff", func(b *testing.B) {
		var last procRun
		for b.Loop() {
			last = runProc(b, pulled, n, "diff", "diff")
		}
		last.report(b, n)
	})
	b.Run("push-noop", func(b *testing.B) {
		var last procRun
		for b.Loop() {
			last = runProc(b, pulled, n, "push-noop", "push")
			if !strings.Contains(last.out, "Everything up to date") {
				b.Fatalf("push did something:\n%s", last.out)
			}
		}
		last.report(b, n)
	})
	if n < 10000 {
		return
	}
	// The cold fetch again, at 20 ms per request and download: its wall
	// time against the latency bound (requests × latency ÷ jobs).
	b.Run("fetch-cold-20ms", func(b *testing.B) {
		srv.SetFaults(benchLatency, 0, 0)
		defer srv.SetFaults(0, 0, 0)
		var last procRun
		for b.Loop() {
			b.StopTimer()
			dir := benchRepo(b, ts.URL)
			b.StartTimer()
			last = runProc(b, dir, n, "fetch-cold-20ms", "fetch", "--jobs", "16")
		}
		last.report(b, n)
		m := measured{wall: last.wall, cpu: last.cpu, requests: last.requests(b)}
		bound := time.Duration(m.requests) * benchLatency / 16
		b.ReportMetric(m.wall.Seconds()/bound.Seconds(), "x-bound")
		b.ReportMetric(float64(m.requests), "requests")
	})
}

// procRun is one fcgit run in a process of its own.
type procRun struct {
	wall, cpu time.Duration
	peakKiB   int64
	out       string
}

// runProc runs fcgit -v ARGS in dir in a process of its own; name (with n)
// names its profiles when FCGIT_BENCH_PROFILE asks for them.
func runProc(b *testing.B, dir string, n int, name string, args ...string) procRun {
	b.Helper()
	cmd := benchProcess(append([]string{"-C", dir, "-v"}, args...)...)
	if d := os.Getenv("FCGIT_BENCH_PROFILE"); d != "" {
		cmd.Env = append(cmd.Env, benchProfileEnv+"="+filepath.Join(d, fmt.Sprintf("%d-%s", n, name)))
	}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	r := procRun{wall: time.Since(start), out: string(out)}
	if err != nil {
		b.Fatalf("fcgit %v: %v\n%s", args, err, out)
	}
	r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	r.peakKiB = peakMemory(b, out)
	for _, line := range strings.Split(r.out, "\n") {
		if strings.HasPrefix(line, args[0]+": ") {
			b.Log(line)
		}
	}
	return r
}

// report writes the figures the goals are stated in.
func (r procRun) report(b *testing.B, functions int) {
	b.ReportMetric(r.wall.Seconds(), "s/op")
	b.ReportMetric(r.cpu.Seconds(), "cpu-s")
	b.ReportMetric(float64(r.cpu.Microseconds())/1000/float64(functions), "cpu-ms/fn")
	b.ReportMetric(float64(r.peakKiB)/1024, "peak-MB")
}

// phase is the wall time of one --verbose phase line ("pull: merge 1.23s").
func (r procRun) phase(b *testing.B, command, name string) time.Duration {
	m := regexp.MustCompile(`(?m)^` + command + `: ` + name + `\s+([0-9.]+)s`).FindStringSubmatch(r.out)
	if m == nil {
		b.Fatalf("no %s phase in\n%s", name, r.out)
	}
	s, _ := strconv.ParseFloat(m[1], 64)
	return time.Duration(s * float64(time.Second))
}

// requests is the run's API requests and code downloads (--verbose total).
func (r procRun) requests(b *testing.B) int {
	sub := totalRequestsRe.FindStringSubmatch(r.out)
	if sub == nil {
		b.Fatalf("no request count in\n%s", r.out)
	}
	n, _ := strconv.Atoi(sub[1])
	if d := totalDownloadsRe.FindStringSubmatch(r.out); d != nil {
		dl, _ := strconv.Atoi(d[1])
		n += dl
	}
	return n
}

// copyRepo copies a repository (work tree and .git) into a new directory
// under parent.
func copyRepo(b *testing.B, dir, parent string) string {
	b.Helper()
	to := filepath.Join(mkdirTemp(b, parent), "repo")
	if out, err := exec.Command("cp", "-a", dir, to).CombinedOutput(); err != nil {
		b.Fatalf("cp -a %s: %v\n%s", dir, err, out)
	}
	return to
}

// mkdirTemp is a new directory under parent.
func mkdirTemp(b *testing.B, parent string) string {
	b.Helper()
	dir, err := os.MkdirTemp(parent, "")
	if err != nil {
		b.Fatal(err)
	}
	return dir
}

// syncDisks flushes what earlier steps wrote, so that it is not written
// back during the next measurement.
func syncDisks(b *testing.B) {
	b.Helper()
	if out, err := exec.Command("sync").CombinedOutput(); err != nil {
		b.Fatalf("sync: %v\n%s", err, out)
	}
}

// gitCheckout makes the unborn main of dir the online branch's tip with git
// checkout, and returns its wall time.
func gitCheckout(b *testing.B, dir string) time.Duration {
	b.Helper()
	cmd := exec.Command("git", "checkout", "-q", "-B", "main", "fcgit/online")
	cmd.Dir = dir
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	if err != nil {
		b.Fatalf("git checkout: %v\n%s", err, out)
	}
	return wall
}
