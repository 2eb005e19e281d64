package textmerge

// This file ports the indent heuristic of xdiff/xdiffi.c (git diff's
// default, diff.indentHeuristic). Merges never use it.

const (
	maxIndent                       = 200
	maxBlanks                       = 20
	startOfFilePenalty              = 1
	endOfFilePenalty                = 21
	totalBlankWeight                = -30
	postBlankWeight                 = 6
	relativeIndentPenalty           = -4
	relativeIndentWithBlankPenalty  = 10
	relativeOutdentPenalty          = 24
	relativeOutdentWithBlankPenalty = 17
	relativeDedentPenalty           = 23
	relativeDedentWithBlankPenalty  = 17
	indentWeight                    = 60
	indentHeuristicMaxSliding       = 100
)

// getIndent is the indentation of a line with TAB as 8 columns, -1 for a
// line of whitespace only, clamped at maxIndent.
func getIndent(line []byte) int {
	ret := 0
	for _, c := range line {
		if !isSpace(c) {
			return ret
		}
		if c == ' ' {
			ret++
		} else if c == '\t' {
			ret += 8 - ret%8
		}
		if ret >= maxIndent {
			return maxIndent
		}
	}
	return -1
}

// isSpace is git's isspace (sane_ctype GIT_SPACE): space, \t, \n, \r only.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

type splitMeasurement struct {
	endOfFile  bool
	indent     int
	preBlank   int
	preIndent  int
	postBlank  int
	postIndent int
}

type splitScore struct {
	effectiveIndent int
	penalty         int
}

func (f *compactFile) measureSplit(split int) splitMeasurement {
	var m splitMeasurement
	if split >= f.nrec() {
		m.endOfFile = true
		m.indent = -1
	} else {
		m.indent = getIndent(f.lines[split])
	}
	m.preIndent = -1
	for i := split - 1; i >= 0; i-- {
		m.preIndent = getIndent(f.lines[i])
		if m.preIndent != -1 {
			break
		}
		m.preBlank++
		if m.preBlank == maxBlanks {
			m.preIndent = 0
			break
		}
	}
	m.postIndent = -1
	for i := split + 1; i < f.nrec(); i++ {
		m.postIndent = getIndent(f.lines[i])
		if m.postIndent != -1 {
			break
		}
		m.postBlank++
		if m.postBlank == maxBlanks {
			m.postIndent = 0
			break
		}
	}
	return m
}

func scoreAddSplit(m splitMeasurement, s *splitScore) {
	if m.preIndent == -1 && m.preBlank == 0 {
		s.penalty += startOfFilePenalty
	}
	if m.endOfFile {
		s.penalty += endOfFilePenalty
	}
	postBlank := 0
	if m.indent == -1 {
		postBlank = 1 + m.postBlank
	}
	totalBlank := m.preBlank + postBlank
	s.penalty += totalBlankWeight * totalBlank
	s.penalty += postBlankWeight * postBlank

	indent := m.indent
	if indent == -1 {
		indent = m.postIndent
	}
	anyBlanks := totalBlank != 0
	s.effectiveIndent += indent

	switch {
	case indent == -1, m.preIndent == -1:
	case indent > m.preIndent:
		if anyBlanks {
			s.penalty += relativeIndentWithBlankPenalty
		} else {
			s.penalty += relativeIndentPenalty
		}
	case indent == m.preIndent:
	default:
		if m.postIndent != -1 && m.postIndent > indent {
			if anyBlanks {
				s.penalty += relativeOutdentWithBlankPenalty
			} else {
				s.penalty += relativeOutdentPenalty
			}
		} else {
			if anyBlanks {
				s.penalty += relativeDedentWithBlankPenalty
			} else {
				s.penalty += relativeDedentPenalty
			}
		}
	}
}

func scoreCmp(s1, s2 splitScore) int {
	cmpIndents := 0
	if s1.effectiveIndent > s2.effectiveIndent {
		cmpIndents = 1
	} else if s1.effectiveIndent < s2.effectiveIndent {
		cmpIndents = -1
	}
	return indentWeight*cmpIndents + (s1.penalty - s2.penalty)
}

// bestIndentShift picks the end position for a group currently slid as far
// down as it goes (g.end) and able to rise to earliestEnd.
func (f *compactFile) bestIndentShift(g group, groupsize, earliestEnd int) int {
	shift := earliestEnd
	if g.end-groupsize-1 > shift {
		shift = g.end - groupsize - 1
	}
	if g.end-indentHeuristicMaxSliding > shift {
		shift = g.end - indentHeuristicMaxSliding
	}
	bestShift := -1
	var best splitScore
	for ; shift <= g.end; shift++ {
		var score splitScore
		scoreAddSplit(f.measureSplit(shift), &score)
		scoreAddSplit(f.measureSplit(shift-groupsize), &score)
		if bestShift == -1 || scoreCmp(score, best) <= 0 {
			best = score
			bestShift = shift
		}
	}
	return bestShift
}
