package gitstate

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/go-git/go-git/v5/plumbing"
)

// ErrBatchInProgress is returned by BeginBatch while another batch is open on
// the same Repo.
var ErrBatchInProgress = errors.New("an object batch is already open on this repository")

// ErrBatchFinished is returned by Commit on a batch already committed or
// aborted.
var ErrBatchFinished = errors.New("object batch already committed or aborted")

// errBatchClosed tells a store that raced with Commit or Abort to write a
// loose object instead.
var errBatchClosed = errors.New("object batch closed")

// packCompression trades pack size for CPU. On source files, what a fetch
// mostly stores, level 1 spends about 40% less CPU than zlib's default level
// for output about 10% larger; git itself uses level 1 for loose objects,
// and `git repack -F` recompresses at the configured level.
const packCompression = zlib.BestSpeed

var packZlib = newZlibPool(packCompression)

// memReadLimit is the largest batch object a read inflates into memory;
// larger ones are streamed from the temporary pack.
const memReadLimit = 1 << 20

// Batch collects the objects stored through its Repo into a single new
// packfile instead of one loose object (temp file, compressor and fsync)
// each, the way git's own bulk writers do.
//
// Use it around a burst of writes, such as a fetch:
//
//	b, err := repo.BeginBatch()
//	if err != nil {
//		return err
//	}
//	defer b.Abort() // no-op once Commit has been called
//	// Store from as many goroutines as needed: repo.StoreBlob,
//	// StoreBlobFrom, StoreTree and StoreCommit now write into the batch, and
//	// every read through repo (ReadBlob, OpenBlob, ReadTree, TreeEntryAt,
//	// WalkTree, ReadCommit...) also sees what the batch holds so far.
//	if err := b.Commit(); err != nil {
//		return err
//	}
//	// Only now point refs (UpdateRef, UpdateHead, WriteNote) at the new
//	// objects.
//
// Until Commit returns, the batch's objects exist only in a temporary file:
// other processes (git included) cannot see them, and a crash loses them
// while leaving the repository valid. That is why refs must not be moved to
// them before Commit: UpdateRef and UpdateHead refuse an object that only
// the open batch holds, and so does WriteNote, which updates a ref.
//
// Objects already in the repository or already in the batch are not written
// again. Abort, or an error from Commit, discards the batch's objects: hashes
// returned while it was open then name nothing. One batch at a time may be
// open on a Repo.
type Batch struct {
	r       *Repo
	packDir string
	tmpPath string

	// wmu serialises appends to the pack file; a streamed object holds it
	// from its first byte to its last. sealed and end are guarded by it.
	wmu    sync.Mutex
	sealed bool  // Commit or Abort has started: nothing more is appended
	end    int64 // where the next entry goes

	// mu guards objs for readers (writers also hold wmu) and the life of
	// f: a read holds it shared for as long as it uses f, and Commit and
	// Abort hold it exclusively while they retire the temporary pack.
	mu     sync.RWMutex
	objs   map[plumbing.Hash]packEntry
	closed bool
	f      *os.File
	// refs counts the users of f: the batch itself plus each open streaming
	// reader, which may outlive the batch.
	refs atomic.Int32

	// packs are the repository's packs when the batch began, for telling
	// which objects need not be written.
	packs []*packNames
}

// packEntry locates one object in the temporary pack.
type packEntry struct {
	offset  int64 // entry header
	dataOff int64 // zlib stream
	end     int64
	size    int64
	typ     plumbing.ObjectType
	crc     uint32 // of the whole entry, for the index
}

// BeginBatch opens a batch: from now until its Commit or Abort, objects
// stored through r go into one new pack. See Batch for the protocol.
func (r *Repo) BeginBatch() (*Batch, error) {
	if r.batch.Load() != nil {
		return nil, ErrBatchInProgress
	}
	packDir := filepath.Join(r.commonDir, "objects", "pack")
	if err := os.MkdirAll(packDir, 0o755); err != nil {
		return nil, fmt.Errorf("begin object batch: %w", err)
	}
	// git's own temporary packs are named tmp_pack_*: neither git nor
	// go-git takes them for packs, and git prune removes old ones. The
	// process's tag lets the next run remove one a killed run left
	// (RemoveStaleTemps).
	f, err := os.CreateTemp(packDir, "tmp_pack_"+fcgitPackTemp+tempTag()+"-")
	if err != nil {
		return nil, fmt.Errorf("begin object batch: %w", err)
	}
	if _, err := f.Write(packHeader(0)); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("begin object batch: %w", err)
	}
	b := &Batch{
		r:       r,
		packDir: packDir,
		tmpPath: f.Name(),
		end:     packHeaderLen,
		objs:    make(map[plumbing.Hash]packEntry),
		f:       f,
		packs:   loadPackNames(packDir),
	}
	b.refs.Store(1)
	if !r.batch.CompareAndSwap(nil, b) {
		f.Close()
		os.Remove(f.Name())
		return nil, ErrBatchInProgress
	}
	return b, nil
}

// has reports whether the open batch holds h.
func (b *Batch) has(h plumbing.Hash) bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	_, ok := b.objs[h]
	return ok && !b.closed
}

// store adds an in-memory object. Hashing comes first so that an object
// already present costs no compression; compression happens outside the
// locks so that concurrent stores compress in parallel.
func (b *Batch) store(typ plumbing.ObjectType, data []byte) (plumbing.Hash, error) {
	id := hashBytes(typ, data)
	if b.has(id) || b.inRepo(id) {
		return id, nil
	}
	buf := getBuffer()
	defer putBuffer(buf)
	var hdr [16]byte
	buf.Write(appendPackEntryHeader(hdr[:0], typ, int64(len(data))))
	hdrLen := int64(buf.Len())
	zw := packZlib.get(buf)
	zw.Write(data) // a bytes.Buffer does not fail
	zw.Close()
	packZlib.put(zw)
	entry := buf.Bytes()

	b.wmu.Lock()
	defer b.wmu.Unlock()
	if b.sealed {
		return plumbing.ZeroHash, errBatchClosed
	}
	if _, ok := b.objs[id]; ok {
		return id, nil // stored meanwhile by another goroutine
	}
	off := b.end
	if _, err := b.f.WriteAt(entry, off); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write %s object to batch: %w", typ, err)
	}
	b.end += int64(len(entry))
	b.publish(id, packEntry{
		offset:  off,
		dataOff: off + hdrLen,
		end:     b.end,
		size:    int64(len(data)),
		typ:     typ,
		crc:     crc32.ChecksumIEEE(entry),
	})
	return id, nil
}

// storeStream adds an object too large to hold in memory: it is compressed
// straight into the pack while its id is computed, and dropped again if it
// turns out to be present already. rd is not read when the batch is closed.
func (b *Batch) storeStream(typ plumbing.ObjectType, rd io.Reader, size int64) (plumbing.Hash, error) {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	if b.sealed {
		return plumbing.ZeroHash, errBatchClosed
	}
	start := b.end
	ow := io.NewOffsetWriter(b.f, start)
	crc := crc32.NewIEEE()
	bw := fileBuffers.Get().(*bufio.Writer)
	bw.Reset(io.MultiWriter(ow, crc))
	defer func() {
		bw.Reset(nil)
		fileBuffers.Put(bw)
	}()
	var hdr [32]byte
	eh := appendPackEntryHeader(hdr[:0], typ, size)
	hdrLen := int64(len(eh))
	bw.Write(eh)
	zw := packZlib.get(bw)
	defer packZlib.put(zw)
	h := sha1Pool.Get().(hash.Hash)
	defer sha1Pool.Put(h)
	h.Reset()
	h.Write(appendObjectHeader(hdr[:0], typ, size))
	// Bytes left past b.end by a failure or a duplicate are overwritten by
	// the next entry or cut off by Commit.
	n, err := io.CopyBuffer(io.MultiWriter(h, zw), io.LimitReader(rd, size+1), make([]byte, 64<<10))
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write %s object to batch: %w", typ, err)
	}
	if n != size {
		return plumbing.ZeroHash, fmt.Errorf("write %s object to batch: got %d bytes, expected %d", typ, n, size)
	}
	if err := zw.Close(); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write %s object to batch: %w", typ, err)
	}
	if err := bw.Flush(); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write %s object to batch: %w", typ, err)
	}
	var id plumbing.Hash
	h.Sum(id[:0])
	if _, ok := b.objs[id]; ok || b.inRepo(id) {
		return id, nil
	}
	end, _ := ow.Seek(0, io.SeekCurrent)
	end += start
	b.end = end
	b.publish(id, packEntry{
		offset:  start,
		dataOff: start + hdrLen,
		end:     end,
		size:    size,
		typ:     typ,
		crc:     crc.Sum32(),
	})
	return id, nil
}

// inRepo reports whether h is stored in the repository already, as a loose
// object or in one of the packs present when the batch began. Like git, it
// freshens what it finds so that a concurrent prune spares it. A miss (a
// pack added since, alternates) only costs a redundant copy in the batch.
func (b *Batch) inRepo(h plumbing.Hash) bool {
	if b.r.freshenLoose(h) {
		return true
	}
	for _, p := range b.packs {
		if p.contains(h) && p.freshen() {
			return true
		}
	}
	return false
}

// publish makes an entry visible to readers; the caller holds wmu and has
// written the entry's bytes.
func (b *Batch) publish(id plumbing.Hash, e packEntry) {
	b.mu.Lock()
	b.objs[id] = e
	b.mu.Unlock()
}

// object returns h from the batch; found is false when the batch does not
// hold it (or is closed, its objects then being in the repository or gone).
func (b *Batch) object(typ plumbing.ObjectType, h plumbing.Hash) (obj plumbing.EncodedObject, found bool, err error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return nil, false, nil
	}
	e, ok := b.objs[h]
	if !ok {
		return nil, false, nil
	}
	if typ != plumbing.AnyObject && typ != e.typ {
		return nil, true, plumbing.ErrObjectNotFound // as go-git answers a type mismatch
	}
	o := &batchObject{b: b, h: h, e: e}
	if e.size <= memReadLimit {
		if o.data, err = b.inflate(e); err != nil {
			return nil, true, fmt.Errorf("read %s from object batch: %w", h, err)
		}
		o.inMem = true
	}
	return o, true, nil
}

var zlibReaders sync.Pool

// inflate returns the content of a small entry. The caller holds mu shared.
func (b *Batch) inflate(e packEntry) ([]byte, error) {
	comp := getBuffer()
	defer putBuffer(comp)
	comp.Grow(int(e.end - e.dataOff))
	raw := comp.AvailableBuffer()[:e.end-e.dataOff]
	if _, err := b.f.ReadAt(raw, e.dataOff); err != nil {
		return nil, err
	}
	src := bytes.NewReader(raw)
	var zr io.ReadCloser
	if pooled, ok := zlibReaders.Get().(io.ReadCloser); ok {
		if err := pooled.(zlib.Resetter).Reset(src, nil); err != nil {
			return nil, err
		}
		zr = pooled
	} else {
		var err error
		if zr, err = zlib.NewReader(src); err != nil {
			return nil, err
		}
	}
	defer zlibReaders.Put(zr)
	data := make([]byte, e.size)
	if _, err := io.ReadFull(zr, data); err != nil {
		return nil, err
	}
	return data, nil
}

// acquire takes a reference on f for a reader that outlives the read lock;
// false when the batch has been retired.
func (b *Batch) acquire() (*os.File, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return nil, false
	}
	b.refs.Add(1)
	return b.f, true
}

func (b *Batch) release() {
	if b.refs.Add(-1) == 0 {
		b.f.Close()
	}
}

// batchObject is an object read from an open batch: small ones inflated
// already, large ones streamed from the temporary pack on demand.
type batchObject struct {
	b     *Batch
	h     plumbing.Hash
	e     packEntry
	inMem bool
	data  []byte
}

func (o *batchObject) Hash() plumbing.Hash           { return o.h }
func (o *batchObject) Type() plumbing.ObjectType     { return o.e.typ }
func (o *batchObject) SetType(t plumbing.ObjectType) { o.e.typ = t }
func (o *batchObject) Size() int64                   { return o.e.size }
func (o *batchObject) SetSize(s int64)               { o.e.size = s }

func (o *batchObject) Writer() (io.WriteCloser, error) {
	return nil, fmt.Errorf("object %s is read-only", o.h)
}

func (o *batchObject) Reader() (io.ReadCloser, error) {
	if o.inMem {
		return io.NopCloser(bytes.NewReader(o.data)), nil
	}
	f, ok := o.b.acquire()
	if !ok {
		// Committed since the lookup: read it from the repository.
		obj, err := o.b.r.encodedObject(o.e.typ, o.h)
		if err != nil {
			return nil, err
		}
		return obj.Reader()
	}
	sr := io.NewSectionReader(f, o.e.dataOff, o.e.end-o.e.dataOff)
	zr, err := zlib.NewReader(bufio.NewReaderSize(sr, 64<<10))
	if err != nil {
		o.b.release()
		return nil, fmt.Errorf("read %s from object batch: %w", o.h, err)
	}
	return &batchStream{ReadCloser: zr, b: o.b}, nil
}

type batchStream struct {
	io.ReadCloser
	b    *Batch
	once sync.Once
}

func (s *batchStream) Close() error {
	err := s.ReadCloser.Close()
	s.once.Do(s.b.release)
	return err
}

// seal stops appends; it reports false when Commit or Abort came first.
func (b *Batch) seal() (end int64, ok bool) {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	if b.sealed {
		return 0, false
	}
	b.sealed = true
	return b.end, true
}

// Commit writes the pack's header, trailer and index, syncs them and moves
// them into objects/pack, where git and go-git find them. Nothing is written
// for a batch that stored no new object. Stores still running when Commit
// starts either make it into the pack or fall back to loose objects. After
// Commit returns, with or without an error, the Repo writes loose objects
// again until the next BeginBatch; on error the batch's objects are gone.
func (b *Batch) Commit() error {
	end, ok := b.seal()
	if !ok {
		return ErrBatchFinished
	}
	if err := b.finish(end); err != nil {
		b.discard()
		return fmt.Errorf("commit object batch: %w", err)
	}
	return nil
}

// Abort discards the batch: its temporary pack is removed and its objects
// are gone. It is a no-op after Commit, so it can be deferred.
func (b *Batch) Abort() error {
	if _, ok := b.seal(); !ok {
		return nil
	}
	if err := b.discard(); err != nil {
		return fmt.Errorf("abort object batch: %w", err)
	}
	return nil
}

// discard retires a sealed batch without installing anything.
func (b *Batch) discard() error {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		b.release()
	}
	b.mu.Unlock()
	b.r.batch.CompareAndSwap(b, nil)
	// Trees read from the batch are gone with it.
	b.r.trees.Reset()
	if err := os.Remove(b.tmpPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// finish completes a sealed batch. No entry is added any more, so objs is
// read without locking.
func (b *Batch) finish(end int64) error {
	if len(b.objs) == 0 {
		return b.discard()
	}
	f := b.f
	// An abandoned stream (a failure or a duplicate) may have left bytes
	// past the last entry.
	if err := f.Truncate(end); err != nil {
		return err
	}
	if _, err := f.WriteAt(packHeader(uint32(len(b.objs))), 0); err != nil {
		return err
	}
	// The header's object count was only known now, so the trailer is
	// computed over the finished file, as git's fixup_pack_header_footer
	// does.
	h := sha1.New()
	if _, err := io.CopyBuffer(h, io.NewSectionReader(f, 0, end), make([]byte, 1<<20)); err != nil {
		return err
	}
	var sum plumbing.Hash
	h.Sum(sum[:0])
	if _, err := f.WriteAt(sum[:], end); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}

	entries := make([]idxEntry, 0, len(b.objs))
	for id, e := range b.objs {
		entries = append(entries, idxEntry{hash: id, offset: e.offset, crc: e.crc})
	}
	idx, err := os.CreateTemp(b.packDir, "tmp_idx_"+fcgitPackTemp+tempTag()+"-")
	if err != nil {
		return err
	}
	idxTmp := idx.Name()
	defer os.Remove(idxTmp) // fails harmlessly once renamed
	if err := writePackIndex(idx, entries, sum); err != nil {
		idx.Close()
		return err
	}
	if err := idx.Sync(); err != nil {
		idx.Close()
		return err
	}
	if err := idx.Close(); err != nil {
		return err
	}
	// Packs are immutable; git makes them read-only too.
	if err := os.Chmod(idxTmp, 0o444); err != nil {
		return err
	}
	if err := os.Chmod(b.tmpPath, 0o444); err != nil {
		return err
	}

	base := filepath.Join(b.packDir, "pack-"+sum.String())
	// Readers wait here until go-git can see the pack, so that no read
	// falls between the batch and the repository.
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.release() // streaming readers may still hold f; rename does not mind
	defer b.r.batch.CompareAndSwap(b, nil)
	// The .idx goes first. git lists packs by their .idx and skips one
	// whose .pack is missing; go-git lists them by their .pack and fails
	// on one whose .idx is missing. In this order a reader of either kind
	// sees the pack whole or not at all, also after a crash between the
	// two renames (which leaves only an ignored .idx behind).
	if err := os.Rename(idxTmp, base+".idx"); err != nil {
		return err
	}
	if err := os.Rename(b.tmpPath, base+".pack"); err != nil {
		os.Remove(base + ".idx")
		return err
	}
	// The pack is in place; making the renames durable is best effort,
	// as for loose objects, so an error here does not undo the batch.
	syncDir(b.packDir)
	b.r.storeMu.Lock()
	b.r.store.Reindex()
	b.r.storeMu.Unlock()
	return nil
}

// syncDir flushes a directory's entries (renames into it) to disk where the
// platform allows it.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
