// Package gitdiff writes differences between files as `git diff` does: the
// "diff --git" header with modes and abbreviated blob ids, and unified hunks
// with three lines of context and git's default function-name context in
// the hunk headers. fcgit diff prints online state against the repository
// with it, so that a reader's tools (pagers, colorizers, patch) take it as
// git's own output.
package gitdiff

import (
	"bytes"
	"fmt"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/fcgit/fcgit/merge/textmerge"
)

// File is one side of a file's difference.
type File struct {
	Mode filemode.FileMode
	Data []byte
}

// context is git's default number of context lines (diff.context).
const context = 3

// abbrev is the length of the blob ids in "index" lines.
const abbrev = 7

// Write writes the difference of the file at path from one side to the
// other (nil: absent), as `git diff --histogram` does. Nothing is written
// when both sides are the same.
func Write(w io.Writer, path string, from, to *File) error {
	if from == nil && to == nil {
		return nil
	}
	var fromID, toID plumbing.Hash
	if from != nil {
		fromID = plumbing.ComputeHash(plumbing.BlobObject, from.Data)
	}
	if to != nil {
		toID = plumbing.ComputeHash(plumbing.BlobObject, to.Data)
	}
	if from != nil && to != nil && fromID == toID && from.Mode == to.Mode {
		return nil
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "diff --git a/%s b/%s\n", path, path)
	switch {
	case from == nil:
		fmt.Fprintf(&b, "new file mode %s\n", modeText(to.Mode))
		fmt.Fprintf(&b, "index %s..%s\n", short(fromID), short(toID))
	case to == nil:
		fmt.Fprintf(&b, "deleted file mode %s\n", modeText(from.Mode))
		fmt.Fprintf(&b, "index %s..%s\n", short(fromID), short(toID))
	case from.Mode != to.Mode:
		fmt.Fprintf(&b, "old mode %s\nnew mode %s\n", modeText(from.Mode), modeText(to.Mode))
		if fromID != toID {
			fmt.Fprintf(&b, "index %s..%s\n", short(fromID), short(toID))
		}
	default:
		fmt.Fprintf(&b, "index %s..%s %s\n", short(fromID), short(toID), modeText(to.Mode))
	}
	if fromID == toID {
		_, err := w.Write(b.Bytes())
		return err
	}
	var a, c []byte
	if from != nil {
		a = from.Data
	}
	if to != nil {
		c = to.Data
	}
	if isBinary(a) || isBinary(c) {
		fromName, toName := "a/"+path, "b/"+path
		if from == nil {
			fromName = "/dev/null"
		}
		if to == nil {
			toName = "/dev/null"
		}
		fmt.Fprintf(&b, "Binary files %s and %s differ\n", fromName, toName)
		_, err := w.Write(b.Bytes())
		return err
	}
	if len(a) == 0 && len(c) == 0 {
		// An empty file added or deleted: no lines, no hunks.
		_, err := w.Write(b.Bytes())
		return err
	}
	if from == nil {
		b.WriteString("--- /dev/null\n")
	} else {
		fmt.Fprintf(&b, "--- a/%s\n", path)
	}
	if to == nil {
		b.WriteString("+++ /dev/null\n")
	} else {
		fmt.Fprintf(&b, "+++ b/%s\n", path)
	}
	hunks(&b, a, c)
	_, err := w.Write(b.Bytes())
	return err
}

func short(h plumbing.Hash) string { return h.String()[:abbrev] }

func modeText(m filemode.FileMode) string { return fmt.Sprintf("%06o", uint32(m)) }

// isBinary is git's buffer_is_binary: a NUL byte in the first 8000 bytes.
func isBinary(data []byte) bool {
	if len(data) > 8000 {
		data = data[:8000]
	}
	return bytes.IndexByte(data, 0) >= 0
}

// hunks writes the unified hunks from a to b: xdiff's xdl_emit_diff with
// git's defaults (three lines of context, hunks joined when at most six
// lines apart, the default function-name matcher).
func hunks(w *bytes.Buffer, a, b []byte) {
	edits := textmerge.Diff(a, b)
	la, lb := textmerge.SplitLines(a), textmerge.SplitLines(b)
	var fn []byte
	fnPrev := -1
	for i := 0; i < len(edits); {
		// The hunk: edits no more than 2*context lines apart.
		j := i
		for j+1 < len(edits) && edits[j+1].OldStart-(edits[j].OldStart+edits[j].OldLines) <= 2*context {
			j++
		}
		first, last := edits[i], edits[j]
		s1 := max(first.OldStart-context, 0)
		s2 := max(first.NewStart-context, 0)
		lctx := min(context, len(la)-(last.OldStart+last.OldLines), len(lb)-(last.NewStart+last.NewLines))
		e1 := last.OldStart + last.OldLines + lctx
		e2 := last.NewStart + last.NewLines + lctx
		if f, ok := funcLine(la, s1-1, fnPrev); ok {
			fn = f
		}
		fnPrev = s1 - 1
		header(w, s1+1, e1-s1, s2+1, e2-s2, fn)
		for k := s2; k < first.NewStart; k++ {
			line(w, ' ', lb[k])
		}
		p1, p2 := first.OldStart, first.NewStart
		for k := i; k <= j; k++ {
			e := edits[k]
			for ; p1 < e.OldStart && p2 < e.NewStart; p1, p2 = p1+1, p2+1 {
				line(w, ' ', lb[p2])
			}
			for p1 = e.OldStart; p1 < e.OldStart+e.OldLines; p1++ {
				line(w, '-', la[p1])
			}
			for p2 = e.NewStart; p2 < e.NewStart+e.NewLines; p2++ {
				line(w, '+', lb[p2])
			}
		}
		for k := last.NewStart + last.NewLines; k < e2; k++ {
			line(w, ' ', lb[k])
		}
		i = j + 1
	}
}

// header is xdl_emit_hunk_hdr: a count of 1 is left out, and an empty
// side's start is the line before.
func header(w *bytes.Buffer, s1, c1, s2, c2 int, fn []byte) {
	w.WriteString("@@ -")
	side(w, s1, c1)
	w.WriteString(" +")
	side(w, s2, c2)
	w.WriteString(" @@")
	if len(fn) > 0 {
		w.WriteByte(' ')
		w.Write(fn)
	}
	w.WriteByte('\n')
}

func side(w *bytes.Buffer, s, c int) {
	if c == 0 {
		s--
	}
	fmt.Fprintf(w, "%d", s)
	if c != 1 {
		fmt.Fprintf(w, ",%d", c)
	}
}

// line writes one line of a hunk; a last line without a newline gets git's
// marker.
func line(w *bytes.Buffer, prefix byte, l []byte) {
	w.WriteByte(prefix)
	w.Write(l)
	if len(l) == 0 || l[len(l)-1] != '\n' {
		w.WriteString("\n\\ No newline at end of file\n")
	}
}

// funcLine is get_func_line with git's default matcher (def_ff): the
// nearest line at or before start, and after limit, beginning with a
// letter, '_' or '$', cut to 80 bytes without trailing whitespace.
func funcLine(ls [][]byte, start, limit int) ([]byte, bool) {
	for l := start; l > limit && l >= 0 && l < len(ls); l-- {
		rec := ls[l]
		if len(rec) == 0 {
			continue
		}
		c := rec[0]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$') {
			continue
		}
		if len(rec) > 80 {
			rec = rec[:80]
		}
		rec = bytes.TrimRight(rec, " \t\n\r\v\f")
		return append([]byte(nil), rec...), true
	}
	return nil, false
}
