package textmerge

import "bytes"

// This file ports xdl_fill_merge_buffer and fill_conflict_hunk.

// output writes the merge result and counts the conflicts left. With a
// favoured side, every conflict takes that side (and counts as resolved).
func (m *merger) output() Result {
	markerSize := m.opts.MarkerSize
	if markerSize <= 0 {
		markerSize = DefaultMarkerSize
	}
	favor := 0
	switch m.opts.Favor {
	case FavorOurs:
		favor = modeOurs
	case FavorTheirs:
		favor = modeTheirs
	}

	var buf bytes.Buffer
	conflicts := 0
	i := 0
	for k := range m.hunks {
		h := &m.hunks[k]
		if favor != 0 && h.mode == modeConflict {
			h.mode = favor
		}
		switch h.mode {
		case modeConflict:
			conflicts++
			m.writeConflict(&buf, i, h, markerSize)
		case modeOurs, modeTheirs:
			writeLines(&buf, m.ours.lines[i:h.i1], false, false)
			if h.mode == modeOurs {
				writeLines(&buf, m.ours.lines[h.i1:h.i1+h.chg1], false, false)
			} else {
				writeLines(&buf, m.theirs.lines[h.i2:h.i2+h.chg2], false, false)
			}
		default:
			// identical on both sides: the next copy of ours covers it
			continue
		}
		i = h.i1 + h.chg1
	}
	writeLines(&buf, m.ours.lines[i:], false, false)
	return Result{Content: buf.Bytes(), Conflicts: conflicts}
}

// writeLines is xdl_recs_copy: with addNL, a last line lacking its newline
// gets one (CRLF when needsCR), because a marker line follows.
func writeLines(buf *bytes.Buffer, lines [][]byte, needsCR, addNL bool) {
	for _, l := range lines {
		buf.Write(l)
	}
	if addNL && len(lines) > 0 {
		last := lines[len(lines)-1]
		if len(last) == 0 || last[len(last)-1] != '\n' {
			if needsCR {
				buf.WriteByte('\r')
			}
			buf.WriteByte('\n')
		}
	}
}

func writeMarker(buf *bytes.Buffer, c byte, size int, label string, needsCR bool) {
	for j := 0; j < size; j++ {
		buf.WriteByte(c)
	}
	if label != "" {
		buf.WriteByte(' ')
		buf.WriteString(label)
	}
	if needsCR {
		buf.WriteByte('\r')
	}
	buf.WriteByte('\n')
}

func (m *merger) writeConflict(buf *bytes.Buffer, i int, h *hunk, markerSize int) {
	needsCR := m.crNeeded(h)
	writeLines(buf, m.ours.lines[i:h.i1], false, false)
	writeMarker(buf, '<', markerSize, m.opts.OursLabel, needsCR)
	writeLines(buf, m.ours.lines[h.i1:h.i1+h.chg1], needsCR, true)
	if m.opts.Style == StyleDiff3 || m.opts.Style == StyleZDiff3 {
		writeMarker(buf, '|', markerSize, m.opts.BaseLabel, needsCR)
		writeLines(buf, m.base.lines[h.i0:h.i0+h.chg0], needsCR, true)
	}
	writeMarker(buf, '=', markerSize, "", needsCR)
	writeLines(buf, m.theirs.lines[h.i2:h.i2+h.chg2], needsCR, true)
	writeMarker(buf, '>', markerSize, m.opts.TheirsLabel, needsCR)
}

// eolCRLF is is_eol_crlf: 1 if line i ends in CRLF (for a last line without
// newline, judge by the line before it), 0 if in LF, -1 if unknown.
func eolCRLF(lines [][]byte, i int) int {
	n := len(lines)
	endsCRLF := func(l []byte) int {
		if len(l) > 1 && l[len(l)-2] == '\r' {
			return 1
		}
		return 0
	}
	if i < n-1 {
		return endsCRLF(lines[i])
	}
	if n == 0 {
		return -1
	}
	if l := lines[i]; len(l) > 0 && l[len(l)-1] == '\n' {
		return endsCRLF(l)
	}
	if i == 0 {
		return -1
	}
	return endsCRLF(lines[i-1])
}

// crNeeded is is_cr_needed: markers end in CRLF when the lines before the
// conflict on both sides (or their first lines) and the base's first line
// all do; undecided counts as LF.
func (m *merger) crNeeded(h *hunk) bool {
	at := func(i int) int {
		if i > 0 {
			return i - 1
		}
		return 0
	}
	needs := eolCRLF(m.ours.lines, at(h.i1))
	if needs != 0 {
		needs = eolCRLF(m.theirs.lines, at(h.i2))
	}
	if needs != 0 {
		needs = eolCRLF(m.base.lines, 0)
	}
	return needs > 0
}
