// Package heapwatch measures the heap while something runs, for tests that
// promise a bound on memory (a package streamed, not held).
package heapwatch

import (
	"runtime"
	"time"
)

// InUse is the heap in use now (runtime.MemStats.HeapInuse).
func InUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// Sample records in *peak the largest heap in use seen every few
// milliseconds, until stop is called; *peak is final once stop returns.
func Sample(peak *uint64) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			*peak = max(*peak, InUse())
			select {
			case <-quit:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(quit); <-done }
}
