//go:build !race

package textmerge

const raceEnabled = false
