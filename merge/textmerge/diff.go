package textmerge

// Edit is one change between two versions, in 0-based line numbers:
// lines [OldStart, OldStart+OldLines) of the old text were replaced by
// lines [NewStart, NewStart+NewLines) of the new one. A pure insertion has
// OldLines == 0 and OldStart is the old line it goes before; a pure deletion
// has NewLines == 0 likewise. This is xdiff's xdchange_t.
type Edit struct {
	OldStart, OldLines int
	NewStart, NewLines int
}

// Diff returns the line edits from a to b exactly as `git diff --histogram`
// finds them (git 2.39, default settings, so the indent heuristic is on):
// with -U0 every Edit is one hunk, in order. Lines keep their line ending,
// so "x\r\n" differs from "x\n", and a last line without a newline differs
// from the same line with one.
func Diff(a, b []byte) []Edit {
	c := newClassifier()
	return diffFiles(c.file(a), c.file(b), true)
}

// diffFiles is xdl_do_diff (histogram) + xdl_change_compact on both sides
// + xdl_build_script.
func diffFiles(f1, f2 lineFile, indentHeuristic bool) []Edit {
	ch1, ch2 := histogramDiff(f1.ids, f2.ids)
	c1 := newCompactFile(f1.ids, f1.lines, ch1)
	c2 := newCompactFile(f2.ids, f2.lines, ch2)
	changeCompact(c1, c2, indentHeuristic)
	changeCompact(c2, c1, indentHeuristic)
	return buildScript(c1, c2)
}
