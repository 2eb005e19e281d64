package fc

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// StallError is a transfer that stopped making progress: fewer than
// MinBytes moved during Window of waiting on the network (the caller's own
// pauses between reads do not count), or no response arrived within Window.
// It is a network failure (KindNetwork) of its own kind: not a cancellation,
// though the transfer was aborted through its context.
type StallError struct {
	Phase    string // "response" (waiting for the headers), "receive", "send"
	Bytes    int64  // moved during the window that failed
	Window   time.Duration
	MinBytes int64
}

func (e *StallError) Error() string {
	switch e.Phase {
	case "response":
		return fmt.Sprintf("stalled: no response within %s", formatWindow(e.Window))
	case "send":
		return fmt.Sprintf("stalled: %s sent in the last %s (fewer than %s)", formatBytes(e.Bytes), formatWindow(e.Window), formatSize(e.MinBytes))
	}
	return fmt.Sprintf("stalled: %s received in the last %s (fewer than %s)", formatBytes(e.Bytes), formatWindow(e.Window), formatSize(e.MinBytes))
}

// formatWindow prints a window as "30 s" or "200ms".
func formatWindow(d time.Duration) string {
	if d >= time.Second && d%time.Second == 0 {
		return fmt.Sprintf("%d s", d/time.Second)
	}
	return d.String()
}

func formatBytes(n int64) string {
	if n == 1 {
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}

// progressWatch aborts a transfer moving fewer than minBytes per window. It
// counts only while the client waits on the network (resume … pause), so a
// consumer that is slow to read is never taken for a stalled server, and a
// server thinking before it answers is bounded elsewhere (the wait for the
// response headers has a bound of its own, Transport.ResponseHeaderTimeout
// and the attempt's deadline for API calls, one window for downloads).
//
// Windows are consecutive: each one that ends having moved enough starts the
// next. A transfer that stops dead is caught within two windows at most.
type progressWatch struct {
	window   time.Duration
	minBytes int64
	phase    string
	abort    func()

	mu      sync.Mutex
	active  bool
	since   time.Time     // when the current stretch of waiting began
	waited  time.Duration // waiting in the current window before since
	bytes   int64         // moved in the current window
	timer   *time.Timer
	stalled *StallError // set once the watch fired
}

func newProgressWatch(window time.Duration, minBytes int64, phase string, abort func()) *progressWatch {
	return &progressWatch{window: window, minBytes: minBytes, phase: phase, abort: abort}
}

// resume starts counting time (the client waits on the network).
func (w *progressWatch) resume() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.active || w.stalled != nil {
		return
	}
	w.active = true
	w.since = time.Now()
	w.arm(w.window - w.waited)
}

// pause stops counting time (the caller has the data, or the transfer is
// not under way).
func (w *progressWatch) pause() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.active {
		return
	}
	w.active = false
	w.waited += time.Since(w.since)
	if w.timer != nil {
		w.timer.Stop()
	}
}

// restart begins a fresh window in phase (a new stage of the transfer: the
// body after the headers), counting time at once when active.
func (w *progressWatch) restart(phase string, active bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stalled != nil {
		return
	}
	w.phase = phase
	w.waited, w.bytes = 0, 0
	w.active = active
	if w.timer != nil {
		w.timer.Stop()
	}
	if active {
		w.since = time.Now()
		w.arm(w.window)
	}
}

// stop ends the watch for good.
func (w *progressWatch) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.active = false
	if w.timer != nil {
		w.timer.Stop()
	}
}

// add records n bytes moved.
func (w *progressWatch) add(n int) {
	if n <= 0 {
		return
	}
	w.mu.Lock()
	w.bytes += int64(n)
	w.mu.Unlock()
}

// arm sets the timer to fire after d; w.mu is held.
func (w *progressWatch) arm(d time.Duration) {
	if w.timer == nil {
		w.timer = time.AfterFunc(d, w.check)
		return
	}
	w.timer.Reset(d)
}

// check runs when a window may have ended.
func (w *progressWatch) check() {
	w.mu.Lock()
	if !w.active || w.stalled != nil {
		w.mu.Unlock()
		return
	}
	waited := w.waited + time.Since(w.since)
	switch {
	case waited < w.window:
		// A pause and resume raced the timer: the window has not ended.
		w.arm(w.window - waited)
		w.mu.Unlock()
		return
	case w.bytes >= w.minBytes && w.phase != "response":
		w.waited, w.bytes = 0, 0
		w.since = time.Now()
		w.arm(w.window)
		w.mu.Unlock()
		return
	}
	w.stalled = &StallError{Phase: w.phase, Bytes: w.bytes, Window: w.window, MinBytes: w.minBytes}
	w.active = false
	w.mu.Unlock()
	w.abort()
}

// err is the stall, once the watch fired; nil before.
func (w *progressWatch) err() *StallError {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stalled
}

// countingReader reports the bytes read through it to a watch, counting
// time only while a read is blocked (watched) or always (the transport
// reading a request body as fast as the connection takes it).
type countingReader struct {
	r       io.Reader
	w       *progressWatch
	watched bool // resume and pause around each read
}

func (c countingReader) Read(p []byte) (int, error) {
	if c.watched {
		c.w.resume()
	}
	n, err := c.r.Read(p)
	if c.watched {
		c.w.pause()
	}
	c.w.add(n)
	return n, err
}
