package gitstate

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// looseCompression is git's default for loose objects (core.looseCompression
// falls back to Z_BEST_SPEED): they are short-lived until a repack, so speed
// matters more than size.
const looseCompression = zlib.BestSpeed

// A flate compressor allocates about a megabyte of tables and windows;
// reusing them through Reset is what makes many small writes cheap.
var looseZlib = newZlibPool(looseCompression)

type zlibPool struct {
	level int
	p     sync.Pool
}

func newZlibPool(level int) *zlibPool { return &zlibPool{level: level} }

func (zp *zlibPool) get(w io.Writer) *zlib.Writer {
	if zw, ok := zp.p.Get().(*zlib.Writer); ok {
		zw.Reset(w)
		return zw
	}
	zw, err := zlib.NewWriterLevel(w, zp.level)
	if err != nil {
		panic(err) // only for an invalid level, which is a constant
	}
	return zw
}

// put returns zw to the pool. It drops its destination first so that a
// pooled writer does not keep a file or buffer alive.
func (zp *zlibPool) put(zw *zlib.Writer) {
	zw.Reset(io.Discard)
	zp.p.Put(zw)
}

var sha1Pool = sync.Pool{New: func() any { return sha1.New() }}

// appendObjectHeader appends the "<type> <size>\x00" prefix hashed (and, for
// loose objects, stored) before an object's content.
func appendObjectHeader(dst []byte, typ plumbing.ObjectType, size int64) []byte {
	dst = append(dst, typ.String()...)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, size, 10)
	return append(dst, 0)
}

// hashBytes is the object id of data as an object of type typ.
func hashBytes(typ plumbing.ObjectType, data []byte) plumbing.Hash {
	h := sha1Pool.Get().(hash.Hash)
	h.Reset()
	var hdr [32]byte
	h.Write(appendObjectHeader(hdr[:0], typ, int64(len(data))))
	h.Write(data)
	var id plumbing.Hash
	h.Sum(id[:0])
	sha1Pool.Put(h)
	return id
}

// memStoreLimit is the largest streamed blob that is read into memory
// before storing: small contents can then be hashed first (and skipped when
// present) and compressed outside any lock. Larger ones are streamed.
const memStoreLimit = 1 << 20

// storeObject stores an object whose content is in memory: into the open
// batch, if any, else as a loose object.
func (r *Repo) storeObject(typ plumbing.ObjectType, data []byte) (plumbing.Hash, error) {
	if b := r.batch.Load(); b != nil {
		h, err := b.store(typ, data)
		if !errors.Is(err, errBatchClosed) {
			return h, err
		}
		// The batch was committed or aborted under us: the object still
		// has to land somewhere durable.
	}
	return r.writeLoose(typ, data)
}

// storeObjectFrom stores exactly size bytes from rd as an object of type typ.
func (r *Repo) storeObjectFrom(typ plumbing.ObjectType, rd io.Reader, size int64) (plumbing.Hash, error) {
	if size < 0 {
		return plumbing.ZeroHash, fmt.Errorf("write %s object: negative size %d", typ, size)
	}
	if size <= memStoreLimit {
		buf := getBuffer()
		defer putBuffer(buf)
		buf.Grow(int(size) + bytes.MinRead) // ReadFrom wants MinRead spare bytes to see EOF
		n, err := buf.ReadFrom(io.LimitReader(rd, size+1))
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("write %s object: %w", typ, err)
		}
		if n != size {
			return plumbing.ZeroHash, fmt.Errorf("write %s object: got %d bytes, expected %d", typ, n, size)
		}
		return r.storeObject(typ, buf.Bytes())
	}
	if b := r.batch.Load(); b != nil {
		h, err := b.storeStream(typ, rd, size)
		if !errors.Is(err, errBatchClosed) { // rd is untouched when the batch is closed
			return h, err
		}
	}
	return r.writeLooseObject(typ, rd, size)
}

var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

var fileBuffers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 64<<10) }}

func getBuffer() *bytes.Buffer {
	b := bufferPool.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

// putBuffer keeps buffers up to a few megabytes for reuse; a rare huge one
// is left to the garbage collector rather than pinned in the pool.
func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= 4<<20 {
		bufferPool.Put(b)
	}
}

// writeLoose stores in-memory content as a loose object unless the object
// already exists, which, as in git, is checked first and costs no write.
func (r *Repo) writeLoose(typ plumbing.ObjectType, data []byte) (plumbing.Hash, error) {
	id := hashBytes(typ, data)
	if r.inRepo(id) {
		return id, nil
	}
	return r.writeLooseObject(typ, bytes.NewReader(data), int64(len(data)))
}

// writeLooseObject streams an object of the given type and size into the
// object store as a loose object: header, zlib, SHA-1 computed on the way,
// temp file renamed into place (objects are immutable, so a concurrent writer
// of the same object is harmless). It fails if rd does not hold exactly size
// bytes.
func (r *Repo) writeLooseObject(typ plumbing.ObjectType, rd io.Reader, size int64) (plumbing.Hash, error) {
	if size < 0 {
		return plumbing.ZeroHash, fmt.Errorf("write %s object: negative size %d", typ, size)
	}
	objDir := filepath.Join(r.commonDir, "objects")
	tmp, err := os.CreateTemp(objDir, "tmp_obj_")
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write %s object: %w", typ, err)
	}
	tmpName := tmp.Name()
	committed := false
	defer func() {
		if !committed {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()

	h := sha1Pool.Get().(hash.Hash)
	defer sha1Pool.Put(h)
	h.Reset()
	// flate hands its output over a few hundred bytes at a time: without a
	// buffer every one of those would be a write system call.
	bw := fileBuffers.Get().(*bufio.Writer)
	bw.Reset(tmp)
	defer func() {
		bw.Reset(nil)
		fileBuffers.Put(bw)
	}()
	zw := looseZlib.get(bw)
	defer looseZlib.put(zw)
	w := io.MultiWriter(h, zw)
	var hdr [32]byte
	if _, err := w.Write(appendObjectHeader(hdr[:0], typ, size)); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write %s object: %w", typ, err)
	}
	n, err := io.Copy(w, io.LimitReader(rd, size+1))
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write %s object: %w", typ, err)
	}
	if n != size {
		return plumbing.ZeroHash, fmt.Errorf("write %s object: got %d bytes, expected %d", typ, n, size)
	}
	if err := zw.Close(); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write %s object: %w", typ, err)
	}
	if err := bw.Flush(); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write %s object: %w", typ, err)
	}
	if err := tmp.Sync(); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write %s object: %w", typ, err)
	}
	if err := tmp.Close(); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write %s object: %w", typ, err)
	}
	var id plumbing.Hash
	h.Sum(id[:0])

	hexID := id.String()
	dir := filepath.Join(objDir, hexID[:2])
	final := filepath.Join(dir, hexID[2:])
	if r.freshenLoose(id) {
		os.Remove(tmpName)
		committed = true
		return id, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write %s object %s: %w", typ, hexID, err)
	}
	if err := os.Chmod(tmpName, 0o444); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write %s object %s: %w", typ, hexID, err)
	}
	if err := os.Rename(tmpName, final); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write %s object %s: %w", typ, hexID, err)
	}
	committed = true
	return id, nil
}

func (r *Repo) loosePath(h plumbing.Hash) string {
	hexID := h.String()
	return filepath.Join(r.commonDir, "objects", hexID[:2], hexID[2:])
}

// freshenLoose reports whether h exists as a loose object and, like git,
// bumps its mtime: an old unreachable object about to be referenced again
// must not be taken by a concurrent `git prune`.
func (r *Repo) freshenLoose(h plumbing.Hash) bool {
	p := r.loosePath(h)
	now := time.Now()
	err := os.Chtimes(p, now, now)
	if err == nil {
		return true
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false
	}
	// Someone else's object in a shared repository: it exists, even if
	// its time cannot be changed.
	_, err = os.Stat(p)
	return err == nil
}

// inRepo reports whether h is already stored outside any batch, cheaply:
// it never rescans packs nor looks into alternates. An object missed that
// way is merely written once more, which is harmless, while a rescan per miss
// would make every new object cost a directory listing and index reloads.
func (r *Repo) inRepo(h plumbing.Hash) bool {
	if r.freshenLoose(h) {
		return true
	}
	r.storeMu.Lock()
	defer r.storeMu.Unlock()
	return r.store.HasEncodedObject(h) == nil
}

// hashObject computes the object id of content without storing it.
func hashObject(typ plumbing.ObjectType, rd io.Reader, size int64) (plumbing.Hash, error) {
	h := sha1.New()
	return hashInto(h, typ, rd, size)
}

func hashInto(h hash.Hash, typ plumbing.ObjectType, rd io.Reader, size int64) (plumbing.Hash, error) {
	io.WriteString(h, typ.String()+" "+strconv.FormatInt(size, 10)+"\x00")
	n, err := io.Copy(h, io.LimitReader(rd, size+1))
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if n != size {
		return plumbing.ZeroHash, fmt.Errorf("content changed while hashing: %d bytes, expected %d", n, size)
	}
	var id plumbing.Hash
	copy(id[:], h.Sum(nil))
	return id, nil
}

// encodedObject reads an object: from the open batch, if it holds it, else
// through go-git, re-scanning packs once when it is not found (git may have
// repacked since the storage was opened).
func (r *Repo) encodedObject(typ plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	if b := r.batch.Load(); b != nil {
		if obj, found, err := b.object(typ, h); found || err != nil {
			return obj, err
		}
	}
	r.storeMu.Lock()
	defer r.storeMu.Unlock()
	obj, err := r.store.EncodedObject(typ, h)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		r.store.Reindex()
		obj, err = r.store.EncodedObject(typ, h)
	}
	if err != nil {
		return nil, err
	}
	return obj, nil
}

// hasObject reports whether h exists (any type), in the repository or in
// the open batch.
func (r *Repo) hasObject(h plumbing.Hash) (bool, error) {
	if b := r.batch.Load(); b != nil && b.has(h) {
		return true, nil
	}
	return r.hasStoredObject(h)
}

// hasStoredObject is hasObject ignoring the open batch. It goes through
// EncodedObject, not HasEncodedObject, because only the former looks into
// alternates.
func (r *Repo) hasStoredObject(h plumbing.Hash) (bool, error) {
	if _, err := os.Stat(r.loosePath(h)); err == nil {
		return true, nil
	}
	r.storeMu.Lock()
	defer r.storeMu.Unlock()
	_, err := r.store.EncodedObject(plumbing.AnyObject, h)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		r.store.Reindex()
		_, err = r.store.EncodedObject(plumbing.AnyObject, h)
	}
	if errors.Is(err, plumbing.ErrObjectNotFound) || errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

func mustHex(s string) plumbing.Hash {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 20 {
		panic("bad hash literal " + s)
	}
	var h plumbing.Hash
	copy(h[:], b)
	return h
}
