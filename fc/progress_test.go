package fc

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestProgressWatch drives the stall rule with a window of 100ms and a
// minimum of 100 bytes per window.
func TestProgressWatch(t *testing.T) {
	t.Parallel()
	const window = 100 * time.Millisecond
	tests := []struct {
		name string
		// run moves bytes and time through w; it returns when done.
		run       func(w *progressWatch)
		wantStall bool
		wantPhase string
	}{
		{
			name: "steady transfer over many windows",
			run: func(w *progressWatch) {
				w.restart("receive", true)
				for range 30 {
					w.add(100)
					time.Sleep(window / 10)
				}
			},
		},
		{
			name: "trickle",
			run: func(w *progressWatch) {
				w.restart("receive", true)
				for range 30 {
					w.add(1)
					time.Sleep(window / 10)
				}
			},
			wantStall: true, wantPhase: "receive",
		},
		{
			name: "a burst, then nothing",
			run: func(w *progressWatch) {
				w.restart("send", true)
				w.add(1 << 20)
				time.Sleep(3 * window)
			},
			wantStall: true, wantPhase: "send",
		},
		{
			name: "paused time does not count",
			run: func(w *progressWatch) {
				w.restart("receive", false)
				// 60 bytes per 10ms of waiting: enough per window of
				// waiting, too little per window of wall time.
				for range 8 {
					w.resume()
					time.Sleep(window / 10)
					w.add(60)
					w.pause()
					time.Sleep(window * 3 / 2) // the caller is busy
				}
			},
		},
		{
			name: "waiting for a response",
			run: func(w *progressWatch) {
				w.restart("response", true)
				w.add(1 << 20) // bytes do not excuse a missing response
				time.Sleep(2 * window)
			},
			wantStall: true, wantPhase: "response",
		},
		{
			name: "stopped",
			run: func(w *progressWatch) {
				w.restart("receive", true)
				w.stop()
				time.Sleep(2 * window)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var aborted atomic.Int32
			w := newProgressWatch(window, 100, "send", func() { aborted.Add(1) })
			tt.run(w)
			w.stop()
			st := w.err()
			if (st != nil) != tt.wantStall || int(aborted.Load()) != map[bool]int{true: 1, false: 0}[tt.wantStall] {
				t.Fatalf("stall = %v, aborted %d times; want stall %v", st, aborted.Load(), tt.wantStall)
			}
			if st != nil && st.Phase != tt.wantPhase {
				t.Errorf("phase %q, want %q", st.Phase, tt.wantPhase)
			}
		})
	}
}

func TestStallErrorText(t *testing.T) {
	t.Parallel()
	for st, want := range map[StallError]string{
		{Phase: "receive", Bytes: 12, Window: 30 * time.Second, MinBytes: 32 << 10}: "stalled: 12 bytes received in the last 30 s (fewer than 32 KiB)",
		{Phase: "send", Bytes: 1, Window: 30 * time.Second, MinBytes: 32 << 10}:     "stalled: 1 byte sent in the last 30 s (fewer than 32 KiB)",
		{Phase: "response", Window: 30 * time.Second}:                               "stalled: no response within 30 s",
	} {
		if got := st.Error(); got != want {
			t.Errorf("%+v: %q, want %q", st, got, want)
		}
	}
}
