package textmerge

// This file ports xdiff/xhistogram.c. Line numbers are 1-based inside the
// algorithm, as in git, because 0 doubles as "no next occurrence".

const (
	// histMaxChainLength is git's max_chain_length: a line occurring more
	// often than this in the region of A is never used as an LCS anchor,
	// and when only such lines are common the region goes to Myers.
	histMaxChainLength = 64
)

type histRecord struct {
	ptr int // last-seen (i.e. earliest, since A is scanned backwards) line
	cnt int // occurrences in the region of A
}

type histRegion struct {
	begin1, end1 int
	begin2, end2 int
}

// histogram holds one diff in progress: the classes of both files and the
// change flags it fills in (0-based, one per line).
type histogram struct {
	a, b     []int
	ch1, ch2 []bool
}

// histogramDiff marks the changed lines of a and b the way git's histogram
// diff does over the whole files.
func histogramDiff(a, b []int) (ch1, ch2 []bool) {
	h := &histogram{a: a, b: b, ch1: make([]bool, len(a)), ch2: make([]bool, len(b))}
	h.diff(1, len(a), 1, len(b))
	return h.ch1, h.ch2
}

func (h *histogram) diff(line1, count1, line2, count2 int) {
	for {
		if count1 <= 0 && count2 <= 0 {
			return
		}
		if count1 == 0 {
			for ; count2 > 0; count2-- {
				h.ch2[line2-1] = true
				line2++
			}
			return
		}
		if count2 == 0 {
			for ; count1 > 0; count1-- {
				h.ch1[line1-1] = true
				line1++
			}
			return
		}

		var lcs histRegion
		if h.findLCS(&lcs, line1, count1, line2, count2) {
			h.fallBack(line1, count1, line2, count2)
			return
		}
		if lcs.begin1 == 0 && lcs.begin2 == 0 {
			for i := 0; i < count1; i++ {
				h.ch1[line1-1+i] = true
			}
			for i := 0; i < count2; i++ {
				h.ch2[line2-1+i] = true
			}
			return
		}
		h.diff(line1, lcs.begin1-line1, line2, lcs.begin2-line2)
		end1 := line1 + count1 - 1
		end2 := line2 + count2 - 1
		count1 = end1 - lcs.end1
		line1 = lcs.end1 + 1
		count2 = end2 - lcs.end2
		line2 = lcs.end2 + 1
	}
}

// fallBack diffs the region with xdiff's classic algorithm, as
// xdl_fall_back_diff does (a full xdl_do_diff of the two sub-files).
func (h *histogram) fallBack(line1, count1, line2, count2 int) {
	c1, c2 := myersDiff(h.a[line1-1:line1-1+count1], h.b[line2-1:line2-1+count2])
	copy(h.ch1[line1-1:], c1)
	copy(h.ch2[line2-1:], c2)
}

// histIndex is git's struct histindex for one region of A.
type histIndex struct {
	records  map[int]*histRecord // class -> record
	lineMap  []*histRecord       // line - ptrShift -> record of its class
	nextPtrs []int               // line - ptrShift -> next occurrence (0 = none)
	ptrShift int
	cnt      int
	common   bool
}

// findLCS reports whether the region must fall back to the classic diff;
// otherwise lcs holds the anchor region (all zero when nothing is common).
func (h *histogram) findLCS(lcs *histRegion, line1, count1, line2, count2 int) bool {
	idx := &histIndex{
		records:  make(map[int]*histRecord),
		lineMap:  make([]*histRecord, count1),
		nextPtrs: make([]int, count1),
		ptrShift: line1,
	}
	// scanA: walk A backwards so each chain lists occurrences in order.
	// git also gives up (an error, not a diff) when 64 distinct lines share
	// one bucket of its hash table; with a table as large as the region
	// that needs engineered hash collisions, so it is not reproduced.
	for ptr := line1 + count1 - 1; ptr >= line1; ptr-- {
		class := h.a[ptr-1]
		if rec, ok := idx.records[class]; ok {
			idx.nextPtrs[ptr-idx.ptrShift] = rec.ptr
			rec.ptr = ptr
			rec.cnt++
			idx.lineMap[ptr-idx.ptrShift] = rec
			continue
		}
		rec := &histRecord{ptr: ptr, cnt: 1}
		idx.records[class] = rec
		idx.lineMap[ptr-idx.ptrShift] = rec
	}

	idx.cnt = histMaxChainLength + 1
	for bPtr := line2; bPtr <= line2+count2-1; {
		bPtr = h.tryLCS(idx, lcs, bPtr, line1, count1, line2, count2)
	}
	return idx.common && histMaxChainLength < idx.cnt
}

func (h *histogram) tryLCS(idx *histIndex, lcs *histRegion, bPtr, line1, count1, line2, count2 int) int {
	bNext := bPtr + 1
	end1 := line1 + count1 - 1
	end2 := line2 + count2 - 1
	// git walks a hash bucket, but only the record of bPtr's own class can
	// compare equal, so looking that record up directly is equivalent.
	rec, ok := idx.records[h.b[bPtr-1]]
	if !ok {
		return bNext
	}
	if rec.cnt > idx.cnt {
		idx.common = true
		return bNext
	}
	as := rec.ptr
	idx.common = true
	for {
		np := idx.nextPtrs[as-idx.ptrShift]
		bs := bPtr
		ae := as
		be := bs
		rc := rec.cnt

		for line1 < as && line2 < bs && h.a[as-2] == h.b[bs-2] {
			as--
			bs--
			if 1 < rc {
				rc = min(rc, idx.lineMap[as-idx.ptrShift].cnt)
			}
		}
		for ae < end1 && be < end2 && h.a[ae] == h.b[be] {
			ae++
			be++
			if 1 < rc {
				rc = min(rc, idx.lineMap[ae-idx.ptrShift].cnt)
			}
		}

		if bNext <= be {
			bNext = be + 1
		}
		if lcs.end1-lcs.begin1 < ae-as || rc < idx.cnt {
			lcs.begin1 = as
			lcs.begin2 = bs
			lcs.end1 = ae
			lcs.end2 = be
			idx.cnt = rc
		}

		if np == 0 {
			break
		}
		for np <= ae {
			np = idx.nextPtrs[np-idx.ptrShift]
			if np == 0 {
				return bNext
			}
		}
		as = np
	}
	return bNext
}
