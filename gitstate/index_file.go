package gitstate

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// The index is encoded by hand: go-git's encoder sorts entries by name only
// (git needs name, then stage), cannot write stages faithfully and rewrites
// extensions it does not understand. Every extension this package may meet is
// an optional cache (TREE, REUC, UNTR, FSMN, EOIE, IEOT) that git rebuilds,
// so they are dropped on write; the mandatory ones it cannot honour (split
// index "link", sparse directories "sdir") make reading fail.

var errSplitIndex = errors.New("split index")

const (
	flagAssumeValid = 0x8000
	flagExtended    = 0x4000
	flagStageMask   = 0x3000
	flagStageShift  = 12
	flagNameMask    = 0x0fff

	extFlagSkipWorktree = 0x4000
	extFlagIntentToAdd  = 0x2000
)

// rawIndexEntry is an index entry with its stat data.
type rawIndexEntry struct {
	ctimeSec, ctimeNsec uint32
	mtimeSec, mtimeNsec uint32
	dev, ino            uint32
	mode                uint32
	uid, gid            uint32
	size                uint32
	hash                plumbing.Hash
	flags               uint16 // assume-valid and stage bits (name length is recomputed)
	extFlags            uint16
	path                string
}

func (e *rawIndexEntry) stage() int { return int(e.flags&flagStageMask) >> flagStageShift }

// indexFile is a decoded index.
type indexFile struct {
	version uint32
	entries []*rawIndexEntry
	mtime   time.Time // of the index file: entries not older are "racily clean"
	exists  bool
}

// readIndexFile reads and verifies an index; a missing file is an empty index.
func readIndexFile(path string) (*indexFile, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &indexFile{version: 2}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	data, err := io.ReadAll(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	idx, err := decodeIndex(data)
	if err != nil {
		return nil, fmt.Errorf("read index %s: %w", path, err)
	}
	idx.mtime = fi.ModTime()
	idx.exists = true
	return idx, nil
}

func decodeIndex(data []byte) (*indexFile, error) {
	if len(data) < 12+20 {
		return nil, fmt.Errorf("index too short")
	}
	body, trailer := data[:len(data)-20], data[len(data)-20:]
	// An all-zero trailer is index.skipHash (git >= 2.40).
	if sum := sha1.Sum(body); !bytes.Equal(sum[:], trailer) && !bytes.Equal(trailer, make([]byte, 20)) {
		return nil, fmt.Errorf("index checksum mismatch")
	}
	if string(body[:4]) != "DIRC" {
		return nil, fmt.Errorf("bad index signature")
	}
	idx := &indexFile{version: binary.BigEndian.Uint32(body[4:8])}
	if idx.version < 2 || idx.version > 4 {
		return nil, fmt.Errorf("index version %d not supported", idx.version)
	}
	count := binary.BigEndian.Uint32(body[8:12])
	pos := 12
	prev := ""
	idx.entries = make([]*rawIndexEntry, 0, count)
	for i := uint32(0); i < count; i++ {
		e, next, err := decodeIndexEntry(body, pos, idx.version, prev)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		idx.entries = append(idx.entries, e)
		prev = e.path
		pos = next
	}
	for pos+8 <= len(body) {
		sig := string(body[pos : pos+4])
		size := int(binary.BigEndian.Uint32(body[pos+4 : pos+8]))
		if pos+8+size > len(body) {
			return nil, fmt.Errorf("extension %q truncated", sig)
		}
		switch {
		case sig == "link":
			return nil, errSplitIndex
		case sig == "sdir":
			return nil, fmt.Errorf("sparse index (sdir extension) not supported: run `git sparse-checkout disable`")
		case sig[0] < 'A' || sig[0] > 'Z':
			return nil, fmt.Errorf("index extension %q is required but not understood", sig)
		}
		pos += 8 + size
	}
	if pos != len(body) {
		return nil, fmt.Errorf("trailing garbage after index extensions")
	}
	return idx, nil
}

func decodeIndexEntry(b []byte, pos int, version uint32, prev string) (*rawIndexEntry, int, error) {
	const fixed = 62
	if pos+fixed > len(b) {
		return nil, 0, fmt.Errorf("truncated")
	}
	u := func(off int) uint32 { return binary.BigEndian.Uint32(b[pos+off:]) }
	e := &rawIndexEntry{
		ctimeSec: u(0), ctimeNsec: u(4), mtimeSec: u(8), mtimeNsec: u(12),
		dev: u(16), ino: u(20), mode: u(24), uid: u(28), gid: u(32), size: u(36),
	}
	copy(e.hash[:], b[pos+40:pos+60])
	flags := binary.BigEndian.Uint16(b[pos+60:])
	e.flags = flags & (flagAssumeValid | flagStageMask)
	n := pos + fixed
	if flags&flagExtended != 0 {
		if version < 3 {
			return nil, 0, fmt.Errorf("extended flags in a version %d index", version)
		}
		if n+2 > len(b) {
			return nil, 0, fmt.Errorf("truncated")
		}
		e.extFlags = binary.BigEndian.Uint16(b[n:])
		n += 2
	}
	if version == 4 {
		strip, used, err := decodeOffsetVarint(b[n:])
		if err != nil {
			return nil, 0, err
		}
		n += used
		if strip > uint64(len(prev)) {
			return nil, 0, fmt.Errorf("bad path prefix compression")
		}
		nul := bytes.IndexByte(b[n:], 0)
		if nul < 0 {
			return nil, 0, fmt.Errorf("unterminated path")
		}
		e.path = prev[:len(prev)-int(strip)] + string(b[n:n+nul])
		return e, n + nul + 1, nil
	}
	nameLen := int(flags & flagNameMask)
	var nul int
	if nameLen < flagNameMask {
		nul = nameLen
		if n+nul >= len(b) || b[n+nul] != 0 {
			return nil, 0, fmt.Errorf("bad path length")
		}
	} else {
		nul = bytes.IndexByte(b[n:], 0)
		if nul < 0 {
			return nil, 0, fmt.Errorf("unterminated path")
		}
	}
	e.path = string(b[n : n+nul])
	entryLen := n + nul - pos
	padded := (entryLen + 8) &^ 7 // 1 to 8 NULs
	return e, pos + padded, nil
}

// decodeOffsetVarint decodes git's "offset" varint (varint.c).
func decodeOffsetVarint(b []byte) (uint64, int, error) {
	if len(b) == 0 {
		return 0, 0, fmt.Errorf("truncated varint")
	}
	c := b[0]
	val := uint64(c & 0x7f)
	i := 1
	for c&0x80 != 0 {
		if i >= len(b) {
			return 0, 0, fmt.Errorf("truncated varint")
		}
		val++
		c = b[i]
		i++
		val = val<<7 | uint64(c&0x7f)
	}
	return val, i, nil
}

func encodeOffsetVarint(v uint64) []byte {
	var buf [16]byte
	pos := len(buf) - 1
	buf[pos] = byte(v & 0x7f)
	for v >>= 7; v != 0; v >>= 7 {
		v--
		pos--
		buf[pos] = 0x80 | byte(v&0x7f)
	}
	return buf[pos:]
}

// sortIndexEntries orders entries as git requires: by path bytes, then stage.
func sortIndexEntries(es []*rawIndexEntry) {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].path != es[j].path {
			return es[i].path < es[j].path
		}
		return es[i].stage() < es[j].stage()
	})
}

// encodeIndex serialises idx (entries must already be sorted) with no
// extensions. Like git, version 3 is written only when an entry needs
// extended flags (2 otherwise); version 4 is kept.
func encodeIndex(idx *indexFile) []byte {
	version := idx.version
	needExt := false
	for _, e := range idx.entries {
		if e.extFlags != 0 {
			needExt = true
			break
		}
	}
	if version < 2 || version > 4 {
		version = 2
	}
	switch {
	case needExt && version == 2:
		version = 3
	case !needExt && version == 3:
		version = 2 // as git does: version 3 only adds extended flags
	}
	var b bytes.Buffer
	b.WriteString("DIRC")
	binary.Write(&b, binary.BigEndian, version)
	binary.Write(&b, binary.BigEndian, uint32(len(idx.entries)))
	prev := ""
	for _, e := range idx.entries {
		start := b.Len()
		for _, v := range []uint32{e.ctimeSec, e.ctimeNsec, e.mtimeSec, e.mtimeNsec, e.dev, e.ino, e.mode, e.uid, e.gid, e.size} {
			binary.Write(&b, binary.BigEndian, v)
		}
		b.Write(e.hash[:])
		flags := e.flags & (flagAssumeValid | flagStageMask)
		flags |= uint16(min(len(e.path), flagNameMask))
		if e.extFlags != 0 && version >= 3 {
			flags |= flagExtended
		}
		binary.Write(&b, binary.BigEndian, flags)
		if flags&flagExtended != 0 {
			binary.Write(&b, binary.BigEndian, e.extFlags)
		}
		if version == 4 {
			common := 0
			for common < len(prev) && common < len(e.path) && prev[common] == e.path[common] {
				common++
			}
			b.Write(encodeOffsetVarint(uint64(len(prev) - common)))
			b.WriteString(e.path[common:])
			b.WriteByte(0)
			prev = e.path
			continue
		}
		b.WriteString(e.path)
		entryLen := b.Len() - start
		pad := ((entryLen + 8) &^ 7) - entryLen
		b.Write(make([]byte, pad))
	}
	sum := sha1.Sum(b.Bytes())
	b.Write(sum[:])
	return b.Bytes()
}
