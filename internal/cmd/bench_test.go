package cmd

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/fcgit/fcgit/emulator"
)

// BenchmarkPushUpToDate measures the most frequent push: 100 functions, none
// changed. It reads every function's state and triggers, reuses every code
// tree, and writes nothing.
func BenchmarkPushUpToDate(b *testing.B) {
	w := newWorld(b, emulator.Options{})
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 100 {
		if _, err := w.client.CreateFunction(b.Context(), variedFunction(b, r, i)); err != nil {
			b.Fatal(err)
		}
	}
	w.commitAll("init")
	w.mustRun("pull")
	b.ResetTimer()
	for b.Loop() {
		if out := w.mustRun("push"); !strings.Contains(out, "Everything up to date") {
			b.Fatal(out)
		}
	}
}
