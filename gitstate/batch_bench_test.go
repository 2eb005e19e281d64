//go:build unix

package gitstate

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// The store benchmarks model a cold fetch of 200 functions: per function ten
// source files of 1-4 KB and the tree holding them.
const (
	benchFunctions = 200
	benchFiles     = 10
)

var benchWords = []string{
	"const", "function", "return", "await", "exports.handler", "event", "context",
	"if", "else", "for", "let", "require('fs')", "JSON.parse(body)", "{", "}",
	"(", ")", ";", "=>", "callback(null, result);", "console.log", "\n", "\n\t",
	"statusCode: 200", "headers", "'Content-Type'", "throw new Error(msg)",
}

// benchSources returns compressible, source-like contents of 1-4 KB.
func benchSources(n int) [][]byte {
	rng := rand.New(rand.NewPCG(42, 43))
	out := make([][]byte, n)
	for i := range out {
		size := 1024 + rng.IntN(3072)
		b := make([]byte, 0, size+32)
		for len(b) < size {
			b = append(b, benchWords[rng.IntN(len(benchWords))]...)
			b = append(b, ' ')
		}
		out[i] = b[:size]
	}
	return out
}

// storeFetchLike stores the workload once; round makes every object new.
func storeFetchLike(b *testing.B, r *Repo, sources [][]byte, round int) {
	entries := make([]TreeEntry, benchFiles)
	for f := range benchFunctions {
		for i := range benchFiles {
			src := sources[f*benchFiles+i]
			data := fmt.Appendf(make([]byte, 0, len(src)+32), "// round %d\n%s", round, src)
			h, err := r.StoreBlob(data)
			if err != nil {
				b.Fatal(err)
			}
			entries[i] = TreeEntry{Name: fmt.Sprintf("file%d.js", i), Mode: filemode.Regular, Hash: h}
		}
		if _, err := r.StoreTree(entries); err != nil {
			b.Fatal(err)
		}
	}
}

// cpuTime is the process's user and system CPU time: system time matters
// here, since creating and syncing files is kernel work.
func cpuTime() (user, sys time.Duration) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

func startCPU() [2]time.Duration {
	u, s := cpuTime()
	return [2]time.Duration{u, s}
}

func reportCPU(b *testing.B, start [2]time.Duration) {
	u, s := cpuTime()
	u, s = u-start[0], s-start[1]
	n := float64(b.N)
	b.ReportMetric(float64(u.Nanoseconds())/n, "user-ns/op")
	b.ReportMetric(float64(s.Nanoseconds())/n, "sys-ns/op")
	b.ReportMetric(float64((u+s).Microseconds())/n/benchFunctions, "cpu-µs/function")
}

// BenchmarkStoreLoose writes 2000 blobs and 200 trees as loose objects.
func BenchmarkStoreLoose(b *testing.B) {
	r := newRepo(b)
	sources := benchSources(benchFunctions * benchFiles)
	b.ReportAllocs()
	start := startCPU()
	round := 0
	for b.Loop() {
		storeFetchLike(b, r, sources, round)
		round++
	}
	reportCPU(b, start)
}

// BenchmarkStoreBatch writes the same objects into one pack per round.
func BenchmarkStoreBatch(b *testing.B) {
	r := newRepo(b)
	sources := benchSources(benchFunctions * benchFiles)
	b.ReportAllocs()
	start := startCPU()
	round := 0
	for b.Loop() {
		bt, err := r.BeginBatch()
		if err != nil {
			b.Fatal(err)
		}
		storeFetchLike(b, r, sources, round)
		if err := bt.Commit(); err != nil {
			b.Fatal(err)
		}
		round++
	}
	reportCPU(b, start)
}

// BenchmarkStoreBatchExisting stores objects the repository already has,
// as a fetch of unchanged functions does.
func BenchmarkStoreBatchExisting(b *testing.B) {
	r := newRepo(b)
	sources := benchSources(benchFunctions * benchFiles)
	storeFetchLike(b, r, sources, 0)
	b.ReportAllocs()
	start := startCPU()
	for b.Loop() {
		bt, err := r.BeginBatch()
		if err != nil {
			b.Fatal(err)
		}
		storeFetchLike(b, r, sources, 0)
		if err := bt.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

// BenchmarkBatchRead reads back small blobs while the batch is open.
func BenchmarkBatchRead(b *testing.B) {
	r := newRepo(b)
	bt, err := r.BeginBatch()
	if err != nil {
		b.Fatal(err)
	}
	defer bt.Abort()
	sources := benchSources(100)
	ids := make([]plumbing.Hash, len(sources))
	for i, s := range sources {
		if ids[i], err = r.StoreBlob(s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := r.ReadBlob(ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
