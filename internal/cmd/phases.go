package cmd

import (
	"fmt"
	"io"
	"time"

	"github.com/fcgit/fcgit/fc"
)

// phases times a command's phases and what the FC client did in each, for
// --verbose: where the time went (requests, downloads, local work).
type phases struct {
	stats func() fc.Stats
	start time.Time
	last  time.Time
	prev  fc.Stats
	done  []phase
}

type phase struct {
	name    string
	elapsed time.Duration
	fc.Stats
}

func newPhases(client *fc.Client) *phases {
	now := time.Now()
	p := &phases{stats: func() fc.Stats { return fc.Stats{} }, start: now, last: now}
	if client != nil {
		p.stats = client.Stats
	}
	p.prev = p.stats()
	return p
}

// mark ends the phase named name: the time and requests since the last mark.
func (p *phases) mark(name string) {
	now, st := time.Now(), p.stats()
	p.done = append(p.done, phase{name: name, elapsed: now.Sub(p.last), Stats: st.Sub(p.prev)})
	p.last, p.prev = now, st
}

// print writes one line per phase and a total, prefixed by the command.
func (p *phases) print(w io.Writer, command string) {
	var total fc.Stats
	for _, ph := range p.done {
		fmt.Fprintf(w, "%s: %-8s %s\n", command, ph.name, describePhase(ph.elapsed, ph.Stats))
		total.Requests += ph.Requests
		total.Retries += ph.Retries
		total.Downloads += ph.Downloads
		total.DownloadedBytes += ph.DownloadedBytes
		total.InFlight += ph.InFlight
	}
	fmt.Fprintf(w, "%s: %-8s %s\n", command, "total", describePhase(time.Since(p.start), total))
}

func describePhase(elapsed time.Duration, st fc.Stats) string {
	s := fmt.Sprintf("%6.2fs", elapsed.Seconds())
	if st.Requests > 0 {
		s += "  " + plural(int(st.Requests), "request")
		if st.Retries > 0 {
			s += fmt.Sprintf(" (%d retries)", st.Retries)
		}
	}
	if st.Downloads > 0 {
		s += fmt.Sprintf("  %d downloads, %s", st.Downloads, formatBytes(st.DownloadedBytes))
	}
	if elapsed > 0 && st.InFlight > 0 {
		// Concurrency achieved: how many requests were in flight on
		// average, against --jobs.
		s += fmt.Sprintf("  %.1f in flight on average", st.InFlight.Seconds()/elapsed.Seconds())
	}
	return s
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
