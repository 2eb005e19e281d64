package textmerge

// This file ports xdl_change_compact and xdl_build_script (xdiff/xdiffi.c).
// Compaction slides each group of changed lines as far up and down as equal
// lines allow, merges groups that touch, and settles the group either where
// it lines up with a change in the other file or, with the indent heuristic,
// where the indentation reads best. merge-ort does not enable the heuristic;
// `git diff` does by default.

// compactFile is the view of one side that compaction works on. changed has
// a false sentinel before the first and after the last line, as xdiff's
// rchg array does, so the group walks need no bounds checks.
type compactFile struct {
	ids     []int
	lines   [][]byte // only read by the indent heuristic
	changed []bool   // len(ids)+2; line i is changed[i+1]
}

func newCompactFile(ids []int, lines [][]byte, ch []bool) *compactFile {
	c := make([]bool, len(ids)+2)
	copy(c[1:], ch)
	return &compactFile{ids: ids, lines: lines, changed: c}
}

func (f *compactFile) isChanged(i int) bool { return f.changed[i+1] }
func (f *compactFile) setChanged(i int, v bool) {
	f.changed[i+1] = v
}
func (f *compactFile) nrec() int { return len(f.ids) }

type group struct{ start, end int }

func (f *compactFile) groupInit() group {
	g := group{}
	for f.isChanged(g.end) {
		g.end++
	}
	return g
}

func (f *compactFile) groupNext(g *group) bool {
	if g.end == f.nrec() {
		return false
	}
	g.start = g.end + 1
	for g.end = g.start; f.isChanged(g.end); g.end++ {
	}
	return true
}

func (f *compactFile) groupPrevious(g *group) bool {
	if g.start == 0 {
		return false
	}
	g.end = g.start - 1
	for g.start = g.end; f.isChanged(g.start - 1); g.start-- {
	}
	return true
}

func (f *compactFile) groupSlideDown(g *group) bool {
	if g.end < f.nrec() && f.ids[g.start] == f.ids[g.end] {
		f.setChanged(g.start, false)
		g.start++
		f.setChanged(g.end, true)
		g.end++
		for f.isChanged(g.end) {
			g.end++
		}
		return true
	}
	return false
}

func (f *compactFile) groupSlideUp(g *group) bool {
	if g.start > 0 && f.ids[g.start-1] == f.ids[g.end-1] {
		g.start--
		f.setChanged(g.start, true)
		g.end--
		f.setChanged(g.end, false)
		for f.isChanged(g.start - 1) {
			g.start--
		}
		return true
	}
	return false
}

// changeCompact is xdl_change_compact(xdf, xdfo). A broken group sync is a
// bug in this package (git calls BUG()), so it panics.
func changeCompact(f, o *compactFile, indentHeuristic bool) {
	g := f.groupInit()
	go_ := o.groupInit()

	for {
		if g.end != g.start {
			var groupsize, earliestEnd int
			endMatchingOther := -1
			for {
				groupsize = g.end - g.start
				endMatchingOther = -1

				for f.groupSlideUp(&g) {
					if !o.groupPrevious(&go_) {
						panic("textmerge: group sync broken sliding up")
					}
				}
				earliestEnd = g.end
				if go_.end > go_.start {
					endMatchingOther = g.end
				}
				for f.groupSlideDown(&g) {
					if !o.groupNext(&go_) {
						panic("textmerge: group sync broken sliding down")
					}
					if go_.end > go_.start {
						endMatchingOther = g.end
					}
				}
				if groupsize == g.end-g.start {
					break
				}
			}

			switch {
			case g.end == earliestEnd:
				// no shifting was possible
			case endMatchingOther != -1:
				for go_.end == go_.start {
					if !f.groupSlideUp(&g) {
						panic("textmerge: match disappeared")
					}
					if !o.groupPrevious(&go_) {
						panic("textmerge: group sync broken sliding to match")
					}
				}
			case indentHeuristic:
				bestShift := f.bestIndentShift(g, groupsize, earliestEnd)
				for g.end > bestShift {
					if !f.groupSlideUp(&g) {
						panic("textmerge: best shift unreached")
					}
					if !o.groupPrevious(&go_) {
						panic("textmerge: group sync broken sliding to blank line")
					}
				}
			}
		}

		if !f.groupNext(&g) {
			break
		}
		if !o.groupNext(&go_) {
			panic("textmerge: group sync broken moving to next group")
		}
	}
	if o.groupNext(&go_) {
		panic("textmerge: group sync broken at end of file")
	}
}

// buildScript is xdl_build_script: the edit list of two compacted files.
func buildScript(f1, f2 *compactFile) []Edit {
	var rev []Edit
	i1, i2 := f1.nrec(), f2.nrec()
	for i1 >= 0 || i2 >= 0 {
		if f1.isChanged(i1-1) || f2.isChanged(i2-1) {
			l1, l2 := i1, i2
			for f1.isChanged(i1 - 1) {
				i1--
			}
			for f2.isChanged(i2 - 1) {
				i2--
			}
			rev = append(rev, Edit{OldStart: i1, OldLines: l1 - i1, NewStart: i2, NewLines: l2 - i2})
		}
		i1--
		i2--
	}
	edits := make([]Edit, len(rev))
	for i, e := range rev {
		edits[len(rev)-1-i] = e
	}
	return edits
}
