package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// newUUID returns a random RFC 4122 version 4 UUID, the shape FC uses for
// functionId, triggerId and request ids.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

// fcTimeFormat is how FC 3.0 renders createdTime / lastModifiedTime
// (e.g. "2023-04-01T08:15:27Z" in the SDK's model docs): UTC, whole seconds.
const fcTimeFormat = "2006-01-02T15:04:05Z"

func formatFCTime(t time.Time) string { return t.UTC().Format(fcTimeFormat) }

// nextStamp returns the modification time for a write at now that follows a
// previous one at prev. FC's format has whole seconds only, and fcgit detects
// changes by comparing lastModifiedTime, so two writes within one second must
// still render differently: the stamp moves at least one second past prev.
func nextStamp(prev, now time.Time) time.Time {
	t := now.UTC().Truncate(time.Second)
	if !prev.IsZero() && !t.After(prev) {
		t = prev.Add(time.Second)
	}
	return t
}
