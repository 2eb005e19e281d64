package textmerge

import "bytes"

// SplitLines cuts data into xdiff records: every line keeps its '\n'; a last
// line without one is a record of its own. Empty input has no records.
// Diff's edits index these records.
func SplitLines(data []byte) [][]byte {
	var lines [][]byte
	for len(data) > 0 {
		n := bytes.IndexByte(data, '\n')
		if n < 0 {
			lines = append(lines, data)
			break
		}
		lines = append(lines, data[:n+1])
		data = data[n+1:]
	}
	return lines
}

// classifier gives every distinct line a small integer, so the algorithms
// compare ints instead of bytes. xdiff does the same (xdl_classify_record);
// with no whitespace flags two records are equal exactly when their bytes,
// newline included, are equal.
type classifier struct {
	ids map[string]int
}

func newClassifier() *classifier {
	return &classifier{ids: make(map[string]int)}
}

func (c *classifier) classify(lines [][]byte) []int {
	out := make([]int, len(lines))
	for i, l := range lines {
		id, ok := c.ids[string(l)]
		if !ok {
			id = len(c.ids)
			c.ids[string(l)] = id
		}
		out[i] = id
	}
	return out
}

// lineFile is one side of a diff: its records and their classes.
type lineFile struct {
	lines [][]byte
	ids   []int
}

func (c *classifier) file(data []byte) lineFile {
	lines := SplitLines(data)
	return lineFile{lines: lines, ids: c.classify(lines)}
}
