package fc

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"testing"
)

func TestChecksumKnownVector(t *testing.T) {
	// CRC-64/ECMA-182 check value as FC and Go's crc64.ECMA compute it.
	if got, want := Checksum([]byte("123456789")), "11051210869376104954"; got != want {
		t.Fatalf("Checksum(123456789) = %s, want %s", got, want)
	}
	if got := Checksum(nil); got != "0" {
		t.Fatalf("Checksum(nil) = %s, want 0", got)
	}
}

func TestNewChecksumStreamsLikeChecksum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 1<<20+17)
	for i := range data {
		data[i] = byte(rng.IntN(256))
	}
	h := NewChecksum()
	for rest := data; len(rest) > 0; {
		n := min(len(rest), 1+rng.IntN(70000))
		h.Write(rest[:n])
		rest = rest[n:]
	}
	if got, want := strconv.FormatUint(h.Sum64(), 10), Checksum(data); got != want {
		t.Fatalf("streamed %s, whole %s", got, want)
	}
	if Checksum(data) == Checksum(bytes.Repeat([]byte{0}, len(data))) {
		t.Fatal("different data gave the same checksum")
	}
}
