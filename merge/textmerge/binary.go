package textmerge

import "bytes"

const (
	// firstFewBytes is how much of a buffer git inspects for a NUL
	// (xdiff-interface.c buffer_is_binary).
	firstFewBytes = 8000
	// maxXdiffSize is git's MAX_XDIFF_SIZE: larger inputs are merged as
	// binary (ll-merge.c).
	maxXdiffSize = 1024 * 1024 * 1023
)

// isBinary is git's buffer_is_binary: a NUL byte in the first 8000 bytes.
func isBinary(data []byte) bool {
	if len(data) > firstFewBytes {
		data = data[:firstFewBytes]
	}
	return bytes.IndexByte(data, 0) >= 0
}
