package gitstate

import (
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

	"github.com/go-git/go-git/v5/plumbing"
)

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

	h := sha1.New()
	zw := zlib.NewWriter(tmp)
	w := io.MultiWriter(h, zw)
	header := typ.String() + " " + strconv.FormatInt(size, 10) + "\x00"
	if _, err := io.WriteString(w, header); err != nil {
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
	if err := tmp.Sync(); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write %s object: %w", typ, err)
	}
	if err := tmp.Close(); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write %s object: %w", typ, err)
	}
	var id plumbing.Hash
	copy(id[:], h.Sum(nil))

	hexID := id.String()
	dir := filepath.Join(objDir, hexID[:2])
	final := filepath.Join(dir, hexID[2:])
	if _, err := os.Stat(final); err == nil {
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

// encodedObject reads an object through go-git, re-scanning packs once when
// it is not found (git may have repacked since the storage was opened).
func (r *Repo) encodedObject(typ plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
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

// hasObject reports whether h exists (any type).
func (r *Repo) hasObject(h plumbing.Hash) (bool, error) {
	hexID := h.String()
	if _, err := os.Stat(filepath.Join(r.commonDir, "objects", hexID[:2], hexID[2:])); err == nil {
		return true, nil
	}
	_, err := r.encodedObject(plumbing.AnyObject, h)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return false, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	return err == nil, nil
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
