package cmd

import (
	"io"
	"sort"
	"strings"
	"sync"
)

// scrubber keeps secret values out of everything fcgit prints: push and
// fetch hand it every secret value they handle, and stdout and stderr are
// written through it. FC's error messages may quote what was sent, and a
// stack trace may show anything; neither must show a secret.
type scrubber struct {
	mu     sync.Mutex
	values []string // longest first, so a value containing another is replaced whole
}

// minScrubbed is the shortest value scrubbed: replacing every "a" would make
// output unreadable, and a secret that short is not one.
const minScrubbed = 4

const scrubbedText = "[secret]"

func (s *scrubber) add(v string) {
	if len(v) < minScrubbed {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, have := range s.values {
		if have == v {
			return
		}
	}
	s.values = append(s.values, v)
	sort.Slice(s.values, func(i, j int) bool { return len(s.values[i]) > len(s.values[j]) })
}

func (s *scrubber) scrub(p []byte) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.values) == 0 {
		return p
	}
	text := string(p)
	changed := false
	for _, v := range s.values {
		if strings.Contains(text, v) {
			text = strings.ReplaceAll(text, v, scrubbedText)
			changed = true
		}
	}
	if !changed {
		return p
	}
	return []byte(text)
}

// scrubWriter writes through a scrubber.
type scrubWriter struct {
	w io.Writer
	s *scrubber
}

func (w scrubWriter) Write(p []byte) (int, error) {
	if _, err := w.w.Write(w.s.scrub(p)); err != nil {
		return 0, err
	}
	// The caller's bytes were all consumed, whatever was written instead.
	return len(p), nil
}
