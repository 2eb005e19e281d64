package textmerge

// This file ports xdl_do_merge and its helpers from xdiff/xmerge.c.

// Merge levels (XDL_MERGE_*). git's ll-merge always asks for zealous;
// diff3 and zdiff3 lower it to eager.
const (
	levelMinimal = 0
	levelEager   = 1
	levelZealous = 2
)

// Hunk modes of xdmerge_t.
const (
	modeConflict  = 0
	modeOurs      = 1
	modeTheirs    = 2
	modeIdentical = 4 // a conflict whose refinement found both sides equal
)

// hunk is xdmerge_t: a region of base (i0, chg0) and what each side turned
// it into (i1, chg1 in ours; i2, chg2 in theirs).
type hunk struct {
	mode     int
	i0, chg0 int
	i1, chg1 int
	i2, chg2 int
}

type merger struct {
	base, ours, theirs lineFile
	opts               Options
	hunks              []hunk
}

// add is xdl_append_merge: a change overlapping or touching the previous one
// on either side is folded into it, and becomes a conflict if the modes
// differ.
func (m *merger) add(mode, i0, chg0, i1, chg1, i2, chg2 int) {
	if n := len(m.hunks); n > 0 {
		last := &m.hunks[n-1]
		if i1 <= last.i1+last.chg1 || i2 <= last.i2+last.chg2 {
			if mode != last.mode {
				last.mode = modeConflict
			}
			last.chg0 = i0 + chg0 - last.i0
			last.chg1 = i1 + chg1 - last.i1
			last.chg2 = i2 + chg2 - last.i2
			return
		}
	}
	m.hunks = append(m.hunks, hunk{mode: mode, i0: i0, chg0: chg0, i1: i1, chg1: chg1, i2: i2, chg2: chg2})
}

func (m *merger) merge(x1, x2 []Edit) Result {
	level := levelZealous
	style := m.opts.Style
	if (style == StyleDiff3 || style == StyleZDiff3) && level > levelEager {
		level = levelEager
	}
	nBase, nOurs, nTheirs := len(m.base.ids), len(m.ours.ids), len(m.theirs.ids)

	i, j := 0, 0
	for i < len(x1) && j < len(x2) {
		s1, s2 := x1[i], x2[j]
		if s1.OldStart+s1.OldLines < s2.OldStart {
			m.add(modeOurs, s1.OldStart, s1.OldLines, s1.NewStart, s1.NewLines,
				s2.NewStart-s2.OldStart+s1.OldStart, s1.OldLines)
			i++
			continue
		}
		if s2.OldStart+s2.OldLines < s1.OldStart {
			m.add(modeTheirs, s2.OldStart, s2.OldLines,
				s1.NewStart-s1.OldStart+s2.OldStart, s2.OldLines, s2.NewStart, s2.NewLines)
			j++
			continue
		}
		if level == levelMinimal || s1.OldStart != s2.OldStart ||
			s1.OldLines != s2.OldLines || s1.NewLines != s2.NewLines ||
			!sameLines(m.ours.ids[s1.NewStart:s1.NewStart+s1.NewLines], m.theirs.ids[s2.NewStart:s2.NewStart+s2.NewLines]) {
			off := s1.OldStart - s2.OldStart
			ffo := off + s1.OldLines - s2.OldLines
			i0, i1, i2 := s1.OldStart, s1.NewStart, s2.NewStart
			if off > 0 {
				i0 -= off
				i1 -= off
			} else {
				i2 += off
			}
			chg0 := s1.OldStart + s1.OldLines - i0
			chg1 := s1.NewStart + s1.NewLines - i1
			chg2 := s2.NewStart + s2.NewLines - i2
			if ffo < 0 {
				chg0 -= ffo
				chg1 -= ffo
			} else {
				chg2 += ffo
			}
			m.add(modeConflict, i0, chg0, i1, chg1, i2, chg2)
		}
		end1 := s1.OldStart + s1.OldLines
		end2 := s2.OldStart + s2.OldLines
		if end1 >= end2 {
			j++
		}
		if end2 >= end1 {
			i++
		}
	}
	for ; i < len(x1); i++ {
		s1 := x1[i]
		m.add(modeOurs, s1.OldStart, s1.OldLines, s1.NewStart, s1.NewLines,
			s1.OldStart+nTheirs-nBase, s1.OldLines)
	}
	for ; j < len(x2); j++ {
		s2 := x2[j]
		m.add(modeTheirs, s2.OldStart, s2.OldLines,
			s2.OldStart+nOurs-nBase, s2.OldLines, s2.NewStart, s2.NewLines)
	}

	switch {
	case style == StyleZDiff3:
		m.refineZDiff3()
	case level >= levelZealous:
		m.refineConflicts()
		m.simplifyNonConflicts()
	}
	return m.output()
}

func sameLines(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// refineZDiff3 is xdl_refine_zdiff3_conflicts: lines equal on both sides at
// the start and end of a conflict leave it. The base part stays whole.
func (m *merger) refineZDiff3() {
	o, t := m.ours.ids, m.theirs.ids
	for k := range m.hunks {
		h := &m.hunks[k]
		if h.mode != modeConflict {
			continue
		}
		for h.chg1 > 0 && h.chg2 > 0 && o[h.i1] == t[h.i2] {
			h.chg1--
			h.chg2--
			h.i1++
			h.i2++
		}
		for h.chg1 > 0 && h.chg2 > 0 && o[h.i1+h.chg1-1] == t[h.i2+h.chg2-1] {
			h.chg1--
			h.chg2--
		}
	}
}

// refineConflicts is xdl_refine_conflicts: diff ours against theirs inside
// each conflict and keep only the differing parts as conflicts.
func (m *merger) refineConflicts() {
	out := make([]hunk, 0, len(m.hunks))
	for _, h := range m.hunks {
		if h.mode != modeConflict || h.chg1 == 0 || h.chg2 == 0 {
			out = append(out, h)
			continue
		}
		sub1 := lineFile{lines: m.ours.lines[h.i1 : h.i1+h.chg1], ids: m.ours.ids[h.i1 : h.i1+h.chg1]}
		sub2 := lineFile{lines: m.theirs.lines[h.i2 : h.i2+h.chg2], ids: m.theirs.ids[h.i2 : h.i2+h.chg2]}
		edits := diffFiles(sub1, sub2, false)
		if len(edits) == 0 {
			h.mode = modeIdentical
			out = append(out, h)
			continue
		}
		for _, e := range edits {
			// git leaves i0/chg0 of the split hunks unset; nothing reads
			// them, since diff3 styles never refine.
			out = append(out, hunk{
				mode: modeConflict, i0: h.i0, chg0: h.chg0,
				i1: h.i1 + e.OldStart, chg1: e.OldLines,
				i2: h.i2 + e.NewStart, chg2: e.NewLines,
			})
		}
	}
	m.hunks = out
}

// simplifyNonConflicts is xdl_simplify_non_conflicts at level zealous: two
// conflicts separated by at most 3 lines become one conflict, since that
// takes no more lines than showing them apart.
func (m *merger) simplifyNonConflicts() {
	k := 0
	for k+1 < len(m.hunks) {
		cur, next := &m.hunks[k], m.hunks[k+1]
		begin := cur.i1 + cur.chg1
		end := next.i1
		if cur.mode != modeConflict || next.mode != modeConflict || end-begin > 3 {
			k++
			continue
		}
		cur.chg1 = next.i1 + next.chg1 - cur.i1
		cur.chg2 = next.i2 + next.chg2 - cur.i2
		m.hunks = append(m.hunks[:k+1], m.hunks[k+2:]...)
	}
}
