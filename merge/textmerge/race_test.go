//go:build race

package textmerge

// raceEnabled lets the slowest reference test trim its largest input: the
// race detector makes that input's Myers pass many times slower.
const raceEnabled = true
