//go:build race

package cmd

// raceEnabled lets the 150 MB package test step aside: the race detector
// makes its byte-by-byte work (deflate, CRC-64, MD5) some twenty times
// slower, and TestPushCodeThroughOSS runs the same code paths under it.
const raceEnabled = true
