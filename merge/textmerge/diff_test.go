package textmerge

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// hunkHeader is a unified diff hunk header in git's numbering.
type hunkHeader struct{ oldStart, oldLines, newStart, newLines int }

func (h hunkHeader) String() string {
	return fmt.Sprintf("-%d,%d +%d,%d", h.oldStart, h.oldLines, h.newStart, h.newLines)
}

// headerOf is how git prints an Edit as a -U0 hunk header: a range with
// no lines names the line before it.
func headerOf(e Edit) hunkHeader {
	h := hunkHeader{e.OldStart, e.OldLines, e.NewStart, e.NewLines}
	if e.OldLines > 0 {
		h.oldStart++
	}
	if e.NewLines > 0 {
		h.newStart++
	}
	return h
}

var hunkRE = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@`)

// gitDiffHunks runs `git diff -U0 --histogram` between two commits and
// returns every file's hunk headers.
func (m *mergeRepo) gitDiffHunks(from, to string, indentHeuristic bool) map[string][]hunkHeader {
	m.t.Helper()
	heuristic := "--indent-heuristic"
	if !indentHeuristic {
		heuristic = "--no-indent-heuristic"
	}
	out, code, err := m.git(nil, "-c", "core.quotePath=off", "diff", "--histogram", heuristic,
		"--no-renames", "--no-color", "--no-ext-diff", "-U0", from, to)
	if err != nil || code != 0 {
		m.t.Fatalf("git diff: exit %d, %v", code, err)
	}
	atoi := func(s string, def int) int {
		if s == "" {
			return def
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			m.t.Fatalf("hunk number %q: %v", s, err)
		}
		return n
	}
	res := map[string][]hunkHeader{}
	var file string
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "diff --git a/"); ok {
			file = rest[:strings.Index(rest, " b/")]
			res[file] = []hunkHeader{}
			continue
		}
		if mm := hunkRE.FindStringSubmatch(line); mm != nil {
			res[file] = append(res[file], hunkHeader{
				atoi(mm[1], 0), atoi(mm[2], 1), atoi(mm[3], 0), atoi(mm[4], 1),
			})
		}
	}
	return res
}

// checkDiffsAgainstGit compares Diff (and the heuristic-free diff merges
// use) with git diff for base->ours, base->theirs and ours->theirs.
func checkDiffsAgainstGit(t *testing.T, repo *mergeRepo, cases []triple) {
	t.Helper()
	pairs := []struct {
		label    string
		from, to string
		a, b     func(triple) []byte
	}{
		{"base-ours", repo.base, repo.ours, func(c triple) []byte { return c.base }, func(c triple) []byte { return c.ours }},
		{"base-theirs", repo.base, repo.theirs, func(c triple) []byte { return c.base }, func(c triple) []byte { return c.theirs }},
		{"ours-theirs", repo.ours, repo.theirs, func(c triple) []byte { return c.ours }, func(c triple) []byte { return c.theirs }},
	}
	compared := 0
	for _, p := range pairs {
		for _, heuristic := range []bool{true, false} {
			want := repo.gitDiffHunks(p.from, p.to, heuristic)
			for _, c := range cases {
				a, b := p.a(c), p.b(c)
				if isBinary(a) || isBinary(b) {
					continue
				}
				var edits []Edit
				if heuristic {
					edits = Diff(a, b)
				} else {
					cl := newClassifier()
					edits = diffFiles(cl.file(a), cl.file(b), false)
				}
				got := make([]hunkHeader, 0, len(edits))
				for _, e := range edits {
					got = append(got, headerOf(e))
				}
				w := want[c.name]
				if fmt.Sprint(w) != fmt.Sprint(got) && !(len(w) == 0 && len(got) == 0) {
					t.Errorf("%s %s heuristic=%v:\ngit:  %v\nDiff: %v\na: %q\nb: %q", c.name, p.label, heuristic, w, got, a, b)
				}
				compared++
			}
		}
	}
	if compared == 0 {
		t.Fatal("no diffs compared")
	}
}

func TestDiffEdits(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want []Edit
	}{
		{"equal", "a\nb\n", "a\nb\n", []Edit{}},
		{"both empty", "", "", []Edit{}},
		{"add all", "", "a\nb\n", []Edit{{0, 0, 0, 2}}},
		{"delete all", "a\nb\n", "", []Edit{{0, 2, 0, 0}}},
		{"replace middle", "a\nb\nc\n", "a\nx\nc\n", []Edit{{1, 1, 1, 1}}},
		{"insert", "a\nc\n", "a\nb\nc\n", []Edit{{1, 0, 1, 1}}},
		{"final newline matters", "a\nb", "a\nb\n", []Edit{{1, 1, 1, 1}}},
		{"crlf matters", "a\r\n", "a\n", []Edit{{0, 1, 0, 1}}},
		// Compaction slides an insertion into a run of equal lines down to
		// the end of the run (no other change to align with).
		{"slide in run", "x\nx\n", "x\nx\nx\n", []Edit{{2, 0, 2, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff([]byte(tt.a), []byte(tt.b))
			if len(got) == 0 && len(tt.want) == 0 {
				return
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("Diff(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

// TestDiffReconstructs checks that applying Diff's edits to a gives b for
// random inputs: the edits are a real edit script.
func TestDiffReconstructs(t *testing.T) {
	for _, c := range randomTriples(7, 300) {
		checkRebuild(t, c.base, c.ours)
		checkRebuild(t, c.ours, c.theirs)
	}
}
