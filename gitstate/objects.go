package gitstate

import (
	"bytes"
	"fmt"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
)

// StoreBlob writes data as a blob and returns its id: into the open batch,
// if any (see BeginBatch), else as a loose object.
func (r *Repo) StoreBlob(data []byte) (plumbing.Hash, error) {
	h, err := r.storeObject(plumbing.BlobObject, data)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("store blob: %w", err)
	}
	return h, nil
}

// StoreBlobFrom stores exactly size bytes from rd as a blob, like StoreBlob.
// Large contents are streamed, never held whole in memory.
func (r *Repo) StoreBlobFrom(rd io.Reader, size int64) (plumbing.Hash, error) {
	h, err := r.storeObjectFrom(plumbing.BlobObject, rd, size)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("store blob: %w", err)
	}
	return h, nil
}

// ReadBlob returns the whole content of blob h.
func (r *Repo) ReadBlob(h plumbing.Hash) ([]byte, error) {
	rc, size, err := r.OpenBlob(h)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	// Exactly size bytes: a bytes.Buffer grown by io.Copy would keep up to
	// twice that, and callers keep thousands of small blobs (function.toml).
	data := make([]byte, size)
	if _, err := io.ReadFull(rc, data); err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	var more [1]byte
	if n, _ := rc.Read(more[:]); n > 0 {
		return nil, fmt.Errorf("read blob %s: longer than its size %d", h, size)
	}
	return data, nil
}

// OpenBlob streams blob h and returns its size.
func (r *Repo) OpenBlob(h plumbing.Hash) (io.ReadCloser, int64, error) {
	obj, err := r.encodedObject(plumbing.BlobObject, h)
	if err != nil {
		return nil, 0, fmt.Errorf("open blob %s: %w", h, err)
	}
	rc, err := obj.Reader()
	if err != nil {
		return nil, 0, fmt.Errorf("open blob %s: %w", h, err)
	}
	return rc, obj.Size(), nil
}

// readObjectBytes returns the raw content of an object of the given type.
func (r *Repo) readObjectBytes(typ plumbing.ObjectType, h plumbing.Hash) ([]byte, error) {
	obj, err := r.encodedObject(typ, h)
	if err != nil {
		return nil, err
	}
	rc, err := obj.Reader()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	buf := bytes.NewBuffer(make([]byte, 0, obj.Size()))
	if _, err := io.Copy(buf, rc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
