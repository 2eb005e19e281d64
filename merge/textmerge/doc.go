// Package textmerge is a three-way text merge that writes exactly what git
// 2.39 (merge-ort) writes for a file both sides changed: the same clean or
// conflicted outcome and byte-identical content, conflict markers included.
//
// It is a Go port of the behaviour of git's xdiff library as merge-ort drives
// it: histogram diff (merge-ort hardcodes it), falling back to xdiff's Myers
// implementation where histogram gives up, xdl_change_compact without the
// indent heuristic, and xdl_merge at level XDL_MERGE_ZEALOUS with the
// merge, diff3 and zdiff3 conflict styles, -X ours / -X theirs, the
// conflict-marker-size attribute and git's CRLF rules for marker lines.
// Before any line merge it applies the blob-level shortcuts merge-ort takes
// (identical sides, one side unchanged) and ll-merge's binary rule.
//
// Diff exposes the line diff the merge is built on; it reproduces the hunks of
// `git diff --histogram` (which, unlike a merge, applies the indent
// heuristic by default).
package textmerge
