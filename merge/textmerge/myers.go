package textmerge

// This file ports xdiff's classic algorithm (xdl_do_diff without an
// algorithm flag): xprepare.c's trimming and discarding of lines, then
// xdiffi.c's Myers split with its cost heuristics. Histogram diff falls back
// to it for regions where every common line is too frequent, so it must
// match git decision for decision, not merely produce a minimal diff.

const (
	xdlMaxCostMin  = 256
	xdlHeurMinCost = 256
	xdlSnakeCnt    = 20
	xdlKHeur       = 4
	xdlKpdisRun    = 4
	xdlMaxEqlimit  = 1024
	xdlSimscanWin  = 100
	xdlLineMax     = int(^uint(0) >> 1)
)

// bogosqrt is xdl_bogosqrt: a power of two near sqrt(n).
func bogosqrt(n int) int {
	i := 1
	for ; n > 0; n >>= 2 {
		i <<= 1
	}
	return i
}

// myersFile is the part of xdfile_t the classic algorithm needs.
type myersFile struct {
	ids     []int
	changed []bool
	dstart  int
	dend    int
	rindex  []int // indices of lines kept for the diff proper
	ha      []int // their classes
}

func myersDiff(a, b []int) (ch1, ch2 []bool) {
	x1 := &myersFile{ids: a, changed: make([]bool, len(a))}
	x2 := &myersFile{ids: b, changed: make([]bool, len(b))}
	trimEnds(x1, x2)
	cleanupRecords(x1, x2)

	n1, n2 := len(x1.rindex), len(x2.rindex)
	ndiags := n1 + n2 + 3
	kv := make([]int, 2*ndiags+2)
	env := &myersEnv{
		x1: x1, x2: x2,
		kv:       kv,
		fOff:     n2 + 1,
		bOff:     ndiags + n2 + 1,
		mxcost:   max(bogosqrt(ndiags), xdlMaxCostMin),
		snakeCnt: xdlSnakeCnt,
		heurMin:  xdlHeurMinCost,
	}
	env.recsCmp(0, n1, 0, n2, false)
	return x1.changed, x2.changed
}

// trimEnds is xdl_trim_ends: common head and tail lines are left out.
func trimEnds(x1, x2 *myersFile) {
	lim := min(len(x1.ids), len(x2.ids))
	i := 0
	for ; i < lim; i++ {
		if x1.ids[i] != x2.ids[i] {
			break
		}
	}
	x1.dstart, x2.dstart = i, i
	lim -= i
	j := 0
	for ; j < lim; j++ {
		if x1.ids[len(x1.ids)-1-j] != x2.ids[len(x2.ids)-1-j] {
			break
		}
	}
	x1.dend = len(x1.ids) - j - 1
	x2.dend = len(x2.ids) - j - 1
}

// cleanupRecords is xdl_cleanup_records: lines with no match on the other
// side, and frequent lines in runs of such, are marked changed up front and
// hidden from the split.
func cleanupRecords(x1, x2 *myersFile) {
	count1 := make(map[int]int)
	for _, id := range x1.ids {
		count1[id]++
	}
	count2 := make(map[int]int)
	for _, id := range x2.ids {
		count2[id]++
	}
	dis1 := discardMarks(x1, count2)
	dis2 := discardMarks(x2, count1)
	keepRecords(x1, dis1)
	keepRecords(x2, dis2)
}

func discardMarks(x *myersFile, otherCount map[int]int) []byte {
	dis := make([]byte, len(x.ids)+1)
	mlim := min(bogosqrt(len(x.ids)), xdlMaxEqlimit)
	for i := x.dstart; i <= x.dend; i++ {
		nm := otherCount[x.ids[i]]
		switch {
		case nm == 0:
			dis[i] = 0
		case nm >= mlim:
			dis[i] = 2
		default:
			dis[i] = 1
		}
	}
	return dis
}

func keepRecords(x *myersFile, dis []byte) {
	for i := x.dstart; i <= x.dend; i++ {
		if dis[i] == 1 || (dis[i] == 2 && !cleanMmatch(dis, i, x.dstart, x.dend)) {
			x.rindex = append(x.rindex, i)
			x.ha = append(x.ha, x.ids[i])
		} else {
			x.changed[i] = true
		}
	}
}

// cleanMmatch is xdl_clean_mmatch: should a multi-match line sitting among
// unmatched lines be discarded?
func cleanMmatch(dis []byte, i, s, e int) bool {
	if i-s > xdlSimscanWin {
		s = i - xdlSimscanWin
	}
	if e-i > xdlSimscanWin {
		e = i + xdlSimscanWin
	}
	rdis0, rpdis0 := 0, 1
	for r := 1; i-r >= s; r++ {
		if dis[i-r] == 0 {
			rdis0++
		} else if dis[i-r] == 2 {
			rpdis0++
		} else {
			break
		}
	}
	if rdis0 == 0 {
		return false
	}
	rdis1, rpdis1 := 0, 1
	for r := 1; i+r <= e; r++ {
		if dis[i+r] == 0 {
			rdis1++
		} else if dis[i+r] == 2 {
			rpdis1++
		} else {
			break
		}
	}
	if rdis1 == 0 {
		return false
	}
	rdis1 += rdis0
	rpdis1 += rpdis0
	return rpdis1*xdlKpdisRun < rpdis1+rdis1
}

type myersEnv struct {
	x1, x2   *myersFile
	kv       []int
	fOff     int // kv index of forward diagonal 0
	bOff     int // kv index of backward diagonal 0
	mxcost   int
	snakeCnt int
	heurMin  int
}

func (e *myersEnv) kvdf(d int) *int { return &e.kv[e.fOff+d] }
func (e *myersEnv) kvdb(d int) *int { return &e.kv[e.bOff+d] }

type split struct {
	i1, i2       int
	minLo, minHi bool
}

// recsCmp is xdl_recs_cmp: divide and conquer over the kept records.
func (e *myersEnv) recsCmp(off1, lim1, off2, lim2 int, needMin bool) {
	h1, h2 := e.x1.ha, e.x2.ha
	for off1 < lim1 && off2 < lim2 && h1[off1] == h2[off2] {
		off1++
		off2++
	}
	for off1 < lim1 && off2 < lim2 && h1[lim1-1] == h2[lim2-1] {
		lim1--
		lim2--
	}
	switch {
	case off1 == lim1:
		for ; off2 < lim2; off2++ {
			e.x2.changed[e.x2.rindex[off2]] = true
		}
	case off2 == lim2:
		for ; off1 < lim1; off1++ {
			e.x1.changed[e.x1.rindex[off1]] = true
		}
	default:
		spl := e.split(off1, lim1, off2, lim2, needMin)
		e.recsCmp(off1, spl.i1, off2, spl.i2, spl.minLo)
		e.recsCmp(spl.i1, lim1, spl.i2, lim2, spl.minHi)
	}
}

// split is xdl_split: find the middle snake of the box, or a good enough
// point when the cost heuristics cut the search short.
func (e *myersEnv) split(off1, lim1, off2, lim2 int, needMin bool) split {
	h1, h2 := e.x1.ha, e.x2.ha
	dmin, dmax := off1-lim2, lim1-off2
	fmid, bmid := off1-off2, lim1-lim2
	odd := (fmid-bmid)&1 != 0
	fmin, fmax := fmid, fmid
	bmin, bmax := bmid, bmid
	var spl split

	*e.kvdf(fmid) = off1
	*e.kvdb(bmid) = lim1

	for ec := 1; ; ec++ {
		gotSnake := false

		if fmin > dmin {
			fmin--
			*e.kvdf(fmin - 1) = -1
		} else {
			fmin++
		}
		if fmax < dmax {
			fmax++
			*e.kvdf(fmax + 1) = -1
		} else {
			fmax--
		}

		for d := fmax; d >= fmin; d -= 2 {
			var i1 int
			if *e.kvdf(d - 1) >= *e.kvdf(d + 1) {
				i1 = *e.kvdf(d - 1) + 1
			} else {
				i1 = *e.kvdf(d + 1)
			}
			prev1 := i1
			i2 := i1 - d
			for i1 < lim1 && i2 < lim2 && h1[i1] == h2[i2] {
				i1++
				i2++
			}
			if i1-prev1 > e.snakeCnt {
				gotSnake = true
			}
			*e.kvdf(d) = i1
			if odd && bmin <= d && d <= bmax && *e.kvdb(d) <= i1 {
				return split{i1: i1, i2: i2, minLo: true, minHi: true}
			}
		}

		if bmin > dmin {
			bmin--
			*e.kvdb(bmin - 1) = xdlLineMax
		} else {
			bmin++
		}
		if bmax < dmax {
			bmax++
			*e.kvdb(bmax + 1) = xdlLineMax
		} else {
			bmax--
		}

		for d := bmax; d >= bmin; d -= 2 {
			var i1 int
			if *e.kvdb(d - 1) < *e.kvdb(d + 1) {
				i1 = *e.kvdb(d - 1)
			} else {
				i1 = *e.kvdb(d + 1) - 1
			}
			prev1 := i1
			i2 := i1 - d
			for i1 > off1 && i2 > off2 && h1[i1-1] == h2[i2-1] {
				i1--
				i2--
			}
			if prev1-i1 > e.snakeCnt {
				gotSnake = true
			}
			*e.kvdb(d) = i1
			if !odd && fmin <= d && d <= fmax && i1 <= *e.kvdf(d) {
				return split{i1: i1, i2: i2, minLo: true, minHi: true}
			}
		}

		if needMin {
			continue
		}

		if gotSnake && ec > e.heurMin {
			best := 0
			for d := fmax; d >= fmin; d -= 2 {
				dd := d - fmid
				if d <= fmid {
					dd = fmid - d
				}
				i1 := *e.kvdf(d)
				i2 := i1 - d
				v := (i1 - off1) + (i2 - off2) - dd
				if v > xdlKHeur*ec && v > best &&
					off1+e.snakeCnt <= i1 && i1 < lim1 &&
					off2+e.snakeCnt <= i2 && i2 < lim2 {
					for k := 1; h1[i1-k] == h2[i2-k]; k++ {
						if k == e.snakeCnt {
							best = v
							spl.i1 = i1
							spl.i2 = i2
							break
						}
					}
				}
			}
			if best > 0 {
				spl.minLo, spl.minHi = true, false
				return spl
			}

			best = 0
			for d := bmax; d >= bmin; d -= 2 {
				dd := d - bmid
				if d <= bmid {
					dd = bmid - d
				}
				i1 := *e.kvdb(d)
				i2 := i1 - d
				v := (lim1 - i1) + (lim2 - i2) - dd
				if v > xdlKHeur*ec && v > best &&
					off1 < i1 && i1 <= lim1-e.snakeCnt &&
					off2 < i2 && i2 <= lim2-e.snakeCnt {
					for k := 0; h1[i1+k] == h2[i2+k]; k++ {
						if k == e.snakeCnt-1 {
							best = v
							spl.i1 = i1
							spl.i2 = i2
							break
						}
					}
				}
			}
			if best > 0 {
				spl.minLo, spl.minHi = false, true
				return spl
			}
		}

		if ec >= e.mxcost {
			fbest, fbest1 := -1, -1
			for d := fmax; d >= fmin; d -= 2 {
				i1 := min(*e.kvdf(d), lim1)
				i2 := i1 - d
				if lim2 < i2 {
					i1 = lim2 + d
					i2 = lim2
				}
				if fbest < i1+i2 {
					fbest = i1 + i2
					fbest1 = i1
				}
			}
			bbest, bbest1 := xdlLineMax, xdlLineMax
			for d := bmax; d >= bmin; d -= 2 {
				i1 := max(off1, *e.kvdb(d))
				i2 := i1 - d
				if i2 < off2 {
					i1 = off2 + d
					i2 = off2
				}
				if i1+i2 < bbest {
					bbest = i1 + i2
					bbest1 = i1
				}
			}
			if (lim1+lim2)-bbest < fbest-(off1+off2) {
				return split{i1: fbest1, i2: fbest - fbest1, minLo: true, minHi: false}
			}
			return split{i1: bbest1, i2: bbest - bbest1, minLo: false, minHi: true}
		}
	}
}
