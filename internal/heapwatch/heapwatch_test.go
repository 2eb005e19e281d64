package heapwatch

import "testing"

// TestSampleSeesAnAllocation: a large allocation made while sampling shows
// in the peak.
func TestSampleSeesAnAllocation(t *testing.T) {
	const size = 64 << 20
	var peak uint64
	base := InUse()
	stop := Sample(&peak)
	held := make([]byte, size)
	for i := range held {
		held[i] = byte(i)
	}
	for InUse() < base+size/2 {
		// wait for the sampler's view to include it
	}
	stop()
	if peak < base+size/2 {
		t.Fatalf("peak %d, want at least %d (base %d plus half of %d)", peak, base+size/2, base, size)
	}
	_ = held[size-1]
}
