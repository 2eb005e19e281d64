package gitstate

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// Pack and index layout, as in git's Documentation/gitformat-pack.txt:
//
//	pack: "PACK" | version 2 | object count | entries... | SHA-1 of all before
//	entry: type+size varint header | zlib stream of the object's content
//	idx v2: "\377tOc" | 2 | fan-out[256] | names | CRC-32s | 31-bit offsets |
//	        64-bit offsets | pack SHA-1 | SHA-1 of all before
const (
	packHeaderLen = 12
	packVersion   = 2
	idxVersion    = 2
)

var idxMagic = []byte{0xff, 't', 'O', 'c'}

// packTypeCode maps an object type to its pack type number; only the
// undeltified kinds are ever written.
func packTypeCode(t plumbing.ObjectType) byte {
	switch t {
	case plumbing.CommitObject:
		return 1
	case plumbing.TreeObject:
		return 2
	case plumbing.BlobObject:
		return 3
	case plumbing.TagObject:
		return 4
	}
	panic("gitstate: no pack type for " + t.String())
}

// appendPackEntryHeader appends the variable-length type and size header
// that precedes each object's zlib stream: 3 type bits and 4 size bits in the
// first byte, then 7 size bits per byte, least significant first.
func appendPackEntryHeader(dst []byte, t plumbing.ObjectType, size int64) []byte {
	c := packTypeCode(t)<<4 | byte(size&0x0f)
	size >>= 4
	for size > 0 {
		dst = append(dst, c|0x80)
		c = byte(size & 0x7f)
		size >>= 7
	}
	return append(dst, c)
}

func packHeader(count uint32) []byte {
	h := make([]byte, 0, packHeaderLen)
	h = append(h, "PACK"...)
	h = binary.BigEndian.AppendUint32(h, packVersion)
	return binary.BigEndian.AppendUint32(h, count)
}

// idxEntry is what the index records about one packed object.
type idxEntry struct {
	hash   plumbing.Hash
	offset int64
	crc    uint32
}

// writePackIndex writes a version 2 index for a pack whose trailer is
// packSum. Offsets past 2^31-1 go to the 64-bit table, as git does, so packs
// over 2 GiB stay readable. entries is sorted in place.
func writePackIndex(w io.Writer, entries []idxEntry, packSum plumbing.Hash) error {
	slices.SortFunc(entries, func(a, b idxEntry) int { return bytes.Compare(a.hash[:], b.hash[:]) })
	h := sha1.New()
	bw := bufio.NewWriterSize(io.MultiWriter(w, h), 64<<10)
	var b4 [4]byte
	put32 := func(v uint32) {
		binary.BigEndian.PutUint32(b4[:], v)
		bw.Write(b4[:])
	}
	bw.Write(idxMagic)
	put32(idxVersion)
	var fanout [256]uint32
	for _, e := range entries {
		fanout[e.hash[0]]++
	}
	var total uint32
	for i := range fanout {
		total += fanout[i]
		put32(total)
	}
	for _, e := range entries {
		bw.Write(e.hash[:])
	}
	for _, e := range entries {
		put32(e.crc)
	}
	var large []int64
	for _, e := range entries {
		if e.offset > 0x7fffffff {
			put32(0x80000000 | uint32(len(large)))
			large = append(large, e.offset)
			continue
		}
		put32(uint32(e.offset))
	}
	var b8 [8]byte
	for _, off := range large {
		binary.BigEndian.PutUint64(b8[:], uint64(off))
		bw.Write(b8[:])
	}
	bw.Write(packSum[:])
	if err := bw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(h.Sum(nil))
	return err
}

// packNames is the sorted object list of one existing pack, read from its
// index: enough to answer whether the pack holds an object.
type packNames struct {
	pack   string // path of the .pack
	fanout [256]uint32
	names  []byte // 20 bytes per object, sorted

	freshenOnce sync.Once
	present     bool
}

// loadPackNames reads the object lists of the packs in dir. A pack that
// cannot be read, or an index whose .pack is missing (git ignores those
// too), is left out: the answers only serve to avoid redundant writes.
func loadPackNames(dir string) []*packNames {
	idxs, _ := filepath.Glob(filepath.Join(dir, "pack-*.idx"))
	var out []*packNames
	for _, idx := range idxs {
		p := &packNames{pack: strings.TrimSuffix(idx, ".idx") + ".pack"}
		if _, err := os.Stat(p.pack); err != nil {
			continue
		}
		if p.read(idx) == nil {
			out = append(out, p)
		}
	}
	return out
}

func (p *packNames) read(idxPath string) error {
	f, err := os.Open(idxPath)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 8+256*4)
	if _, err := io.ReadFull(f, head); err != nil {
		return err
	}
	if !bytes.Equal(head[:4], idxMagic) || binary.BigEndian.Uint32(head[4:8]) != idxVersion {
		return fmt.Errorf("%s: not a version 2 pack index", idxPath)
	}
	for i := range p.fanout {
		p.fanout[i] = binary.BigEndian.Uint32(head[8+4*i:])
	}
	p.names = make([]byte, int(p.fanout[255])*20)
	_, err = io.ReadFull(f, p.names)
	return err
}

func (p *packNames) contains(h plumbing.Hash) bool {
	lo := 0
	if h[0] > 0 {
		lo = int(p.fanout[h[0]-1])
	}
	hi := int(p.fanout[h[0]])
	if hi > len(p.names)/20 || lo > hi {
		return false
	}
	_, found := sort.Find(hi-lo, func(i int) int {
		off := (lo + i) * 20
		return bytes.Compare(h[:], p.names[off:off+20])
	})
	return found
}

// freshen bumps the pack's mtime once, as git's freshen_packed_object does,
// and reports whether the pack is still there (a concurrent gc may have
// replaced it).
func (p *packNames) freshen() bool {
	p.freshenOnce.Do(func() {
		now := time.Now()
		err := os.Chtimes(p.pack, now, now)
		if err == nil {
			p.present = true
			return
		}
		_, err = os.Stat(p.pack)
		p.present = err == nil
	})
	return p.present
}
