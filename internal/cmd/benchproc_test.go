package cmd

import (
	"fmt"
	"os"
	"strings"
)

// benchProcessEnv, when set, makes the test binary run fcgit with these
// arguments instead of the tests (see TestMain).
const benchProcessEnv = "FCGIT_BENCH_PROCESS"

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
