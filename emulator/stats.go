package emulator

import "sync"

// Stats counts what the server saw since it started or was last reset.
type Stats struct {
	Requests map[string]int // by FC operation name, plus "DownloadCode" and "oss:<OSS operation>" (e.g. "oss:PutObject"); every attempt, failed ones too
	Writes   int            // successful writes of any FC resource: functions, triggers, tags, versions, aliases, settings, VPC bindings, the invocation switch, custom domains (not OSS objects)
	Rejected int            // requests refused for authentication, FC and OSS
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// ResetStats sets all counters to zero.
func (s *Server) ResetStats() { s.stats.reset() }

type statsCounter struct {
	mu sync.Mutex
	st Stats
}

func (c *statsCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st = Stats{Requests: map[string]int{}}
}

func (c *statsCounter) request(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.Requests[op]++
}

func (c *statsCounter) write() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.Writes++
}

func (c *statsCounter) rejected() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.Rejected++
}

func (c *statsCounter) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := Stats{Requests: make(map[string]int, len(c.st.Requests)), Writes: c.st.Writes, Rejected: c.st.Rejected}
	for k, v := range c.st.Requests {
		out.Requests[k] = v
	}
	return out
}
