package cmd

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
)

// benchProcessEnv, when set, makes the test binary run fcgit with these
// arguments instead of the tests (see TestMain).
const benchProcessEnv = "FCGIT_BENCH_PROCESS"

// benchProfileEnv, when set in a benchProcess's environment, names a file
// prefix: the process writes PREFIX.cpu.pprof and PREFIX.mem.pprof, the
// profiles go test's -cpuprofile and -memprofile would write for an
// in-process run.
const benchProfileEnv = "FCGIT_BENCH_PROFILE"

// peakMemoryLine starts the line a benchProcess prints last: its peak
// resident set. The process measures it itself (VmHWM), since the rusage a
// parent sees for a child it forked counts the parent's own pages too.
const peakMemoryLine = "fcgit-bench-peak-rss-kib: "

// reportPeakMemory prints peakMemoryLine, from /proc (Linux only; elsewhere
// nothing).
func reportPeakMemory() {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fmt.Fprintf(os.Stderr, "%s%s\n", peakMemoryLine, strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
}

// startBenchProfiles starts the CPU profile benchProfileEnv asks for; the
// function it returns stops it and writes the allocation profile.
func startBenchProfiles() (stop func()) {
	prefix := os.Getenv(benchProfileEnv)
	if prefix == "" {
		return func() {}
	}
	cpu, err := os.Create(prefix + ".cpu.pprof")
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", benchProfileEnv, err)
		return func() {}
	}
	runtime.MemProfileRate = 64 << 10
	if err := pprof.StartCPUProfile(cpu); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", benchProfileEnv, err)
	}
	return func() {
		pprof.StopCPUProfile()
		cpu.Close()
		mem, err := os.Create(prefix + ".mem.pprof")
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", benchProfileEnv, err)
			return
		}
		defer mem.Close()
		if err := pprof.Lookup("allocs").WriteTo(mem, 0); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", benchProfileEnv, err)
		}
	}
}
