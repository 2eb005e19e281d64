package textmerge

import "bytes"

// Style is the conflict style, git's merge.conflictStyle.
type Style int

const (
	// StyleMerge shows ours and theirs (git's default "merge").
	StyleMerge Style = iota
	// StyleDiff3 also shows the base after "|||||||"; conflicts are not
	// refined, as in git.
	StyleDiff3
	// StyleZDiff3 is diff3 with lines common to both sides at the start and
	// end of a conflict moved out of it.
	StyleZDiff3
)

// Favor resolves conflicting hunks to one side: git merge -X ours / -X theirs.
type Favor int

const (
	FavorNone Favor = iota
	FavorOurs
	FavorTheirs
)

// DefaultMarkerSize is the length of git's conflict markers.
const DefaultMarkerSize = 7

// Options mirror what git passes to its low-level merge. An empty label is
// written as no label at all ("<<<<<<<" with no trailing space), which is
// what xdiff does for a NULL name; git itself always passes labels.
type Options struct {
	Style Style
	Favor Favor
	// MarkerSize is the conflict-marker-size attribute; 0 means 7.
	MarkerSize int
	// OursLabel follows "<<<<<<< ". `git merge` uses "HEAD".
	OursLabel string
	// BaseLabel follows "||||||| " in diff3 and zdiff3 output. merge-ort
	// uses the merge base's abbreviated commit id when there is exactly one
	// merge base, "merged common ancestors" when there are several, and
	// "empty tree" when the histories are unrelated.
	BaseLabel string
	// TheirsLabel follows ">>>>>>> ", the name of the merged branch
	// (e.g. "fcgit/online").
	TheirsLabel string
}

// Result is the outcome of a merge.
type Result struct {
	// Content is the merged text, with conflict markers when Conflicts > 0.
	Content []byte
	// Conflicts is the number of conflict hunks left; 0 means clean.
	Conflicts int
	// Binary reports that one of the inputs is binary (a NUL in its first
	// 8000 bytes) or too large for xdiff: then no markers are written, and a
	// conflict leaves ours (Conflicts = 1) unless a side is favoured.
	Binary bool
}

// Merge merges ours and theirs, two descendants of base, as `git merge`
// (merge-ort, git 2.39) merges a regular file both sides changed. A nil or
// empty base is an empty file: the add/add case.
func Merge(base, ours, theirs []byte, opts Options) Result {
	binary := isBinary(base) || isBinary(ours) || isBinary(theirs) ||
		len(base) > maxXdiffSize || len(ours) > maxXdiffSize || len(theirs) > maxXdiffSize

	// merge-ort's handle_content_merge resolves these by blob id before any
	// content merge, for text and binary alike.
	switch {
	case bytes.Equal(ours, theirs) || bytes.Equal(base, ours):
		return Result{Content: clone(theirs), Binary: binary}
	case bytes.Equal(base, theirs):
		return Result{Content: clone(ours), Binary: binary}
	}

	if binary {
		// ll-merge.c ll_binary_merge.
		switch opts.Favor {
		case FavorOurs:
			return Result{Content: clone(ours), Binary: true}
		case FavorTheirs:
			return Result{Content: clone(theirs), Binary: true}
		default:
			return Result{Content: clone(ours), Conflicts: 1, Binary: true}
		}
	}

	c := newClassifier()
	fb, f1, f2 := c.file(base), c.file(ours), c.file(theirs)
	x1 := diffFiles(fb, f1, false)
	x2 := diffFiles(fb, f2, false)
	// xdl_merge: a side whose diff is empty yields the other side verbatim.
	if len(x1) == 0 {
		return Result{Content: clone(theirs)}
	}
	if len(x2) == 0 {
		return Result{Content: clone(ours)}
	}
	m := &merger{base: fb, ours: f1, theirs: f2, opts: opts}
	return m.merge(x1, x2)
}

func clone(b []byte) []byte {
	return append([]byte{}, b...)
}
