package gitstate

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
)

// The check-in ("clean") conversion of line endings, as git's convert.c
// applies it before hashing a work tree file (convert_to_git, crlf_to_git).
// Without it a file checked out with CRLF under core.autocrlf=true, or
// under a text/eol attribute, hashes differently from its LF blob and an
// untouched file whose stat data changed reads as modified.
//
// Not applied, so such paths are compared byte for byte as before:
//   - a filter driver with a clean command or process (filter=lfs ...): the
//     filter would have to run;
//   - working-tree-encoding other than UTF-8: the file would have to be
//     re-encoded first.
// The ident attribute is not applied either: an expanded $Id$ keyword
// reads as a change, the conservative direction.

// crlfAction is convert.c's enum crlf_action.
type crlfAction int

const (
	crlfUndefined crlfAction = iota
	crlfBinary
	crlfText
	crlfTextInput
	crlfTextCRLF
	crlfAuto
	crlfAutoInput
	crlfAutoCRLF
)

// cleanMode is what the clean direction does with a file's line endings.
type cleanMode int

const (
	cleanRaw  cleanMode = iota // no conversion (binary, or a conversion fcgit does not run)
	cleanText                  // every CRLF pair becomes LF (text, eol=...)
	cleanAuto                  // CRLF becomes LF unless the content looks binary or the index blob has CRLF (text=auto, core.autocrlf)
)

type autoCRLF int

const (
	autoCRLFFalse autoCRLF = iota
	autoCRLFTrue
	autoCRLFInput
)

// cleanFilter decides and applies the conversion for paths of one index.
type cleanFilter struct {
	r        *Repo
	autocrlf autoCRLF
	drivers  map[string]bool // filter.<name> with a clean command or a process
	idx      *indexFile

	once     sync.Once
	attrs    *attrStack
	attrsErr error
}

func (r *Repo) newCleanFilter(cs *configSet, idx *indexFile) *cleanFilter {
	c := &cleanFilter{r: r, drivers: map[string]bool{}, idx: idx}
	if v, ok := cs.get("core.autocrlf"); ok {
		switch {
		case strings.EqualFold(strings.TrimSpace(v), "input"):
			c.autocrlf = autoCRLFInput
		case parseBool(v, false):
			c.autocrlf = autoCRLFTrue
		}
	}
	// apply_filter runs the process when filter.<name>.process is set (and
	// nothing when it is empty), else the clean command when not empty.
	clean, process := map[string]string{}, map[string]*string{}
	for _, e := range cs.entries {
		if e.section != "filter" || e.subsection == "" || e.implicit {
			continue
		}
		switch e.name {
		case "clean":
			clean[e.subsection] = e.value
		case "process":
			v := e.value
			process[e.subsection] = &v
		}
	}
	for name, cmd := range clean {
		c.drivers[name] = cmd != ""
	}
	for name, cmd := range process {
		c.drivers[name] = *cmd != ""
	}
	return c
}

// indexBlob is the blob read_blob_data_from_index reads for p: the stage-0
// entry, else "ours" (stage 2) in a conflicted index.
func (c *cleanFilter) indexBlob(p string) (plumbing.Hash, bool) {
	if c.idx == nil {
		return plumbing.ZeroHash, false
	}
	es := c.idx.entries
	i := sort.Search(len(es), func(i int) bool { return es[i].path >= p })
	var ours *rawIndexEntry
	for ; i < len(es) && es[i].path == p; i++ {
		switch es[i].stage() {
		case 0:
			return es[i].hash, true
		case 2:
			ours = es[i]
		}
	}
	if ours != nil {
		return ours.hash, true
	}
	return plumbing.ZeroHash, false
}

// mode is convert.c's convert_attrs for path p, reduced to what the clean
// direction does.
func (c *cleanFilter) mode(p string) (cleanMode, error) {
	c.once.Do(func() { c.attrs, c.attrsErr = c.r.newAttrStack(c.idx) })
	if c.attrsErr != nil {
		return cleanRaw, c.attrsErr
	}
	a := c.attrs.lookup(p, "text", "crlf", "eol", "filter", "working-tree-encoding")
	if f := a["filter"]; f.value != "" && c.drivers[f.value] {
		return cleanRaw, nil
	}
	if enc := a["working-tree-encoding"].value; enc != "" && !isUTF8Name(enc) {
		return cleanRaw, nil
	}
	action := checkCRLFAttr(a["text"])
	if action == crlfUndefined {
		action = checkCRLFAttr(a["crlf"])
	}
	if action != crlfBinary {
		eol := a["eol"].value
		switch {
		case action == crlfAuto && eol == "lf":
			action = crlfAutoInput
		case action == crlfAuto && eol == "crlf":
			action = crlfAutoCRLF
		case eol == "lf":
			action = crlfTextInput
		case eol == "crlf":
			action = crlfTextCRLF
		}
	}
	if action == crlfUndefined {
		switch c.autocrlf {
		case autoCRLFFalse:
			action = crlfBinary
		case autoCRLFTrue:
			action = crlfAutoCRLF
		case autoCRLFInput:
			action = crlfAutoInput
		}
	}
	switch action {
	case crlfText, crlfTextInput, crlfTextCRLF:
		return cleanText, nil
	case crlfAuto, crlfAutoInput, crlfAutoCRLF:
		return cleanAuto, nil
	}
	return cleanRaw, nil
}

// checkCRLFAttr is convert.c's git_path_check_crlf.
func checkCRLFAttr(v attrValue) crlfAction {
	switch {
	case v.isTrue():
		return crlfText
	case v.isFalse():
		return crlfBinary
	case v.value == "input":
		return crlfTextInput
	case v.value == "auto":
		return crlfAuto
	}
	return crlfUndefined
}

// isUTF8Name is utf8.c's same_encoding against git's default, UTF-8.
func isUTF8Name(enc string) bool {
	return strings.EqualFold(enc, "utf-8") || strings.EqualFold(enc, "utf8")
}

// textStats is convert.c's struct text_stat, gathered incrementally.
type textStats struct {
	nul, lonecr, lonelf, crlf uint64
	printable, nonprintable   uint64
	size                      int64
	pendingCR                 bool
	last                      byte
}

// add is gather_stats over the next chunk; a CR at the end of a chunk waits
// for the next byte to decide between CRLF and a lone CR.
func (s *textStats) add(b []byte) {
	for _, c := range b {
		if s.pendingCR {
			s.pendingCR = false
			if c == '\n' {
				s.crlf++
				continue
			}
			s.lonecr++
		}
		switch {
		case c == '\r':
			s.pendingCR = true
		case c == '\n':
			s.lonelf++
		case c == 127:
			s.nonprintable++
		case c < 32:
			switch c {
			case '\b', '\t', '\033', '\014':
				s.printable++
			case 0:
				s.nul++
				s.nonprintable++
			default:
				s.nonprintable++
			}
		default:
			s.printable++
		}
	}
	if len(b) > 0 {
		s.last = b[len(b)-1]
		s.size += int64(len(b))
	}
}

// finish closes the stream: a trailing CR is lone, and a trailing ^Z (DOS
// end of file) does not count as non-printable.
func (s *textStats) finish() {
	if s.pendingCR {
		s.pendingCR = false
		s.lonecr++
	}
	if s.size >= 1 && s.last == '\032' {
		s.nonprintable--
	}
}

// isBinary is convert.c's convert_is_binary: any lone CR or NUL, or more
// than one non-printable byte per 128 printable ones, over the whole
// content (not only the first 8000 bytes, which is diff's rule).
func (s *textStats) isBinary() bool {
	return s.lonecr > 0 || s.nul > 0 || (s.printable>>7) < s.nonprintable
}

func statsOf(data []byte) textStats {
	var s textStats
	s.add(data)
	s.finish()
	return s
}

// hasCRLFInIndex is convert.c's has_crlf_in_index: the blob the index holds
// for p is text with at least one CRLF. Auto conversion then leaves CRLF
// alone ("safe autocrlf"): such a file was committed with CRLF on purpose.
func (c *cleanFilter) hasCRLFInIndex(p string) bool {
	h, ok := c.indexBlob(p)
	if !ok {
		return false
	}
	data, err := c.r.ReadBlob(h)
	if err != nil || bytes.IndexByte(data, '\r') < 0 {
		return false
	}
	s := statsOf(data)
	return !s.isBinary() && s.crlf > 0
}

// hashFile returns the blob id git would record for the regular file abs at
// path p: its bytes after the line-ending conversion (index_fd ->
// convert_to_git -> crlf_to_git). size is the file's size from lstat.
func (c *cleanFilter) hashFile(p, abs string, size int64) (plumbing.Hash, error) {
	mode, err := c.mode(p)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	f, err := os.Open(abs)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	defer f.Close()
	if mode == cleanRaw || size == 0 {
		return hashObject(plumbing.BlobObject, f, size)
	}
	// One pass hashes the raw bytes and gathers the statistics: most files
	// need no conversion (no CRLF), and then the raw hash is the answer.
	raw := sha1.New()
	io.WriteString(raw, "blob "+strconv.FormatInt(size, 10)+"\x00")
	var st textStats
	buf := make([]byte, 64*1024)
	for {
		n, err := f.Read(buf)
		if n > 0 {
			raw.Write(buf[:n])
			st.add(buf[:n])
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return plumbing.ZeroHash, err
		}
	}
	st.finish()
	if st.size != size {
		return plumbing.ZeroHash, fmt.Errorf("content changed while hashing: %d bytes, expected %d", st.size, size)
	}
	convert := st.crlf > 0
	if convert && mode == cleanAuto && (st.isBinary() || c.hasCRLFInIndex(p)) {
		convert = false
	}
	if !convert {
		var id plumbing.Hash
		copy(id[:], raw.Sum(nil))
		return id, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return plumbing.ZeroHash, err
	}
	// With auto detection a lone CR made the file binary, so every CR left
	// is part of a CRLF; with text every CRLF pair loses its CR. Either way
	// the result is the input minus one byte per CRLF.
	return hashObject(plumbing.BlobObject, &crlfToLF{r: f}, size-int64(st.crlf))
}

// crlfToLF streams r with each CR that is followed by LF dropped.
type crlfToLF struct {
	r       io.Reader
	in, out []byte
	pending []byte // converted bytes not yet returned
	heldCR  bool   // a CR at the end of the last chunk, undecided
	eof     bool
}

func (c *crlfToLF) Read(p []byte) (int, error) {
	if c.in == nil {
		c.in = make([]byte, 64*1024)
		c.out = make([]byte, 0, len(c.in)+1)
	}
	for len(c.pending) == 0 {
		if c.eof {
			return 0, io.EOF
		}
		n, err := c.r.Read(c.in)
		out := c.out[:0]
		for _, b := range c.in[:n] {
			if c.heldCR {
				c.heldCR = false
				if b != '\n' {
					out = append(out, '\r')
				}
			}
			if b == '\r' {
				c.heldCR = true
				continue
			}
			out = append(out, b)
		}
		switch {
		case err == io.EOF:
			c.eof = true
			if c.heldCR {
				c.heldCR = false
				out = append(out, '\r')
			}
		case err != nil:
			return 0, err
		}
		c.pending = out
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}
