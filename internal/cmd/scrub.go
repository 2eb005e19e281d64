package cmd

import (
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
)

// scrubber keeps secret values out of everything fcgit prints: push and
// fetch hand it every secret value they handle, and stdout and stderr are
// written through it. FC's error messages may quote what was sent (JSON,
// perhaps form-encoded), and a stack trace may show anything; neither must
// show a secret, in any of those escapings.
type scrubber struct {
	mu     sync.Mutex
	values []string // the values' escaped forms, longest first, so a value containing another is replaced whole
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
	for _, f := range escapedForms(v) {
		if !slices.Contains(s.values, f) {
			s.values = append(s.values, f)
		}
	}
	sort.Slice(s.values, func(i, j int) bool { return len(s.values[i]) > len(s.values[j]) })
}

// escapedForms are the ways v can show in a message quoting a request:
// as it is, inside a JSON string (with and without HTML escaping), and each
// of those URL-encoded (query and path style), as a message quoting a body
// form-encoded shows it.
func escapedForms(v string) []string {
	forms := []string{v}
	add := func(f string) {
		if !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	if b, err := json.Marshal(v); err == nil {
		add(string(b[1 : len(b)-1]))
	}
	var plain bytes.Buffer
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err == nil {
		b := bytes.TrimSuffix(plain.Bytes(), []byte("\n"))
		add(string(b[1 : len(b)-1]))
	}
	for _, f := range slices.Clone(forms) {
		add(url.QueryEscape(f))
		add(url.PathEscape(f))
	}
	return forms
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
