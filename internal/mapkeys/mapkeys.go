// Package mapkeys lists a map's keys in order, for output that must not
// depend on Go's map iteration.
package mapkeys

import (
	"cmp"
	"slices"
)

// Sorted returns m's keys in ascending order: an empty slice, never nil,
// for an empty map, so that JSON shows [] rather than null (what
// slices.Sorted(maps.Keys(m)) would return).
func Sorted[K cmp.Ordered, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
