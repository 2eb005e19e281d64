package fc

import (
	"sync/atomic"
	"time"
)

// Stats counts what a Client sent and received, so that --verbose can say
// where a command's time went.
type Stats struct {
	Requests  int64 // API requests sent, retries included
	Retries   int64 // of Requests, the retries
	Downloads int64 // code package downloads started, retries included
	// DownloadedBytes counts bytes of code packages read.
	DownloadedBytes int64
	// InFlight sums the time requests and downloads were waited on;
	// concurrent ones add up, so InFlight / elapsed is the mean number of
	// requests in flight.
	InFlight time.Duration
}

// Sub returns s minus earlier: what happened in between.
func (s Stats) Sub(earlier Stats) Stats {
	return Stats{
		Requests:        s.Requests - earlier.Requests,
		Retries:         s.Retries - earlier.Retries,
		Downloads:       s.Downloads - earlier.Downloads,
		DownloadedBytes: s.DownloadedBytes - earlier.DownloadedBytes,
		InFlight:        s.InFlight - earlier.InFlight,
	}
}

// counters are a Client's Stats as they accumulate.
type counters struct {
	requests, retries, downloads, bytes, inFlight atomic.Int64
}

// Stats returns what the client has done so far.
func (c *Client) Stats() Stats {
	return Stats{
		Requests:        c.stats.requests.Load(),
		Retries:         c.stats.retries.Load(),
		Downloads:       c.stats.downloads.Load(),
		DownloadedBytes: c.stats.bytes.Load(),
		InFlight:        time.Duration(c.stats.inFlight.Load()),
	}
}

// since adds the time since start to the in-flight total.
func (s *counters) since(start time.Time) { s.inFlight.Add(int64(time.Since(start))) }
