package textmerge

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// randomLines builds a file from a tiny alphabet, so lines repeat and the
// diffs are full of ambiguous choices: that is where ports go wrong.
func randomLines(rng *rand.Rand, alphabet []string, n int) []string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return lines
}

// mutate applies a few random inserts, deletes, replacements and block
// copies, so the sides stay related to the base.
func mutate(rng *rand.Rand, alphabet []string, base []string, maxOps int) []string {
	out := append([]string(nil), base...)
	for ops := rng.IntN(maxOps + 1); ops > 0; ops-- {
		switch op := rng.IntN(4); {
		case op == 0 || len(out) == 0:
			at := rng.IntN(len(out) + 1)
			ins := randomLines(rng, alphabet, 1+rng.IntN(3))
			out = append(out[:at], append(ins, out[at:]...)...)
		case op == 1:
			at := rng.IntN(len(out))
			n := min(1+rng.IntN(3), len(out)-at)
			out = append(out[:at], out[at+n:]...)
		case op == 2:
			out[rng.IntN(len(out))] = alphabet[rng.IntN(len(alphabet))]
		default:
			from := rng.IntN(len(out))
			n := min(1+rng.IntN(3), len(out)-from)
			at := rng.IntN(len(out) + 1)
			blk := append([]string(nil), out[from:from+n]...)
			out = append(out[:at], append(blk, out[at:]...)...)
		}
	}
	return out
}

// render joins lines with LF or CRLF and maybe drops the final newline.
func render(lines []string, crlf, noEOL bool) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l)
		if crlf {
			b.WriteString("\r\n")
		} else {
			b.WriteString("\n")
		}
	}
	out := b.Bytes()
	if noEOL {
		out = bytes.TrimSuffix(out, []byte("\n"))
		if crlf {
			out = bytes.TrimSuffix(out, []byte("\r"))
		}
	}
	return out
}

func randomTriples(seed uint64, n int) []triple {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	small := []string{"a", "b", "c", "d", "}", "", "x"}
	tiny := []string{"a", "b", "}"}
	var cases []triple
	for i := 0; i < n; i++ {
		alphabet, size, ops := small, rng.IntN(13), 4
		// Every tenth case is long over three symbols: each line then occurs
		// more than 64 times and histogram falls back to Myers.
		if i%10 == 9 {
			alphabet, size, ops = tiny, 150+rng.IntN(200), 12
		}
		base := randomLines(rng, alphabet, size)
		ours := mutate(rng, alphabet, base, ops)
		theirs := mutate(rng, alphabet, base, ops)
		crlf := rng.IntN(12) == 0
		c := triple{
			name:   fmt.Sprintf("r%04d", i),
			base:   render(base, crlf && rng.IntN(4) != 0, rng.IntN(8) == 0),
			ours:   render(ours, crlf, rng.IntN(8) == 0),
			theirs: render(theirs, crlf && rng.IntN(3) != 0, rng.IntN(8) == 0),
		}
		cases = append(cases, c)
	}
	return cases
}

// TestRandomAgainstGit merges a few hundred seeded random triples with git
// and with Merge in every style and favour.
func TestRandomAgainstGit(t *testing.T) {
	t.Parallel()
	cases := randomTriples(20240601, 400)
	repo := buildMergeRepo(t, cases)
	checkMergesAgainstGit(t, repo, cases)
	checkDiffsAgainstGit(t, repo, cases)
}

// largeTriples builds long files over three symbols with many scattered
// edits, some inserting lines found nowhere else. Every line of the base
// is then too frequent for histogram, so the whole diff runs through the
// Myers fallback, deep enough to hit its cost cut-offs and its discarding
// of unmatched lines.
func largeTriples(seed uint64, n, minLines, spread, ops int) []triple {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	tiny := []string{"a", "b", "}"}
	unique := 0
	side := func(base []string) []string {
		out := mutate(rng, tiny, base, ops)
		for k := rng.IntN(40); k > 0; k-- {
			at := rng.IntN(len(out) + 1)
			unique++
			ins := []string{fmt.Sprintf("u%d", unique)}
			out = append(out[:at], append(ins, out[at:]...)...)
		}
		return out
	}
	var cases []triple
	for i := 0; i < n; i++ {
		base := randomLines(rng, tiny, minLines+rng.IntN(spread))
		cases = append(cases, triple{
			name:   fmt.Sprintf("large%d-%02d", minLines, i),
			base:   render(base, false, false),
			ours:   render(side(base), false, false),
			theirs: render(side(base), false, false),
		})
	}
	return cases
}

func TestLargeAgainstGit(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("large inputs")
	}
	cases := largeTriples(99, 6, 1500, 2500, 300)
	// Past 65536 lines in all, xdiff's Myers raises its cost limit above
	// the heuristic threshold, and the snake heuristics take over. Under
	// the race detector this one input alone takes half a minute, so it
	// runs in ordinary `go test` only.
	if !raceEnabled {
		cases = append(cases, largeTriples(100, 1, 36000, 1000, 900)...)
	}
	repo := buildMergeRepo(t, cases)
	checkMergesAgainstGit(t, repo, cases)
	checkDiffsAgainstGit(t, repo, cases)
}
