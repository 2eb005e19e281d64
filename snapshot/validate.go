package snapshot

import (
	"fmt"
	"strings"
)

// Settings no function can have at zero or below (positive) or below zero:
// FC refuses them whatever its current limits, so push refuses them before
// writing anything. Upper limits are left to FC, which documents and
// changes them.
var (
	positiveFields    = []string{"memorySize", "timeout", "instanceConcurrency", "cpu", "diskSize"}
	nonNegativeFields = []string{"idleTimeout"}
)

// Problem is one value of a state FC could never accept.
type Problem struct {
	Path    []string
	Message string
}

func (p Problem) Error() string { return strings.Join(p.Path, ".") + ": " + p.Message }

// Impossible lists the values of st that FC refuses whatever its limits.
func Impossible(st *State) []Problem {
	var out []Problem
	check := func(k string, minSign int, want string) {
		r, ok := numberRat(st.Config[k])
		if ok && r.Sign() < minSign {
			out = append(out, Problem{Path: []string{k}, Message: fmt.Sprintf("%s is %s; it must be %s", k, r.RatString(), want)})
		}
	}
	for _, k := range positiveFields {
		check(k, 1, "positive")
	}
	for _, k := range nonNegativeFields {
		check(k, 0, "zero or more")
	}
	return out
}
