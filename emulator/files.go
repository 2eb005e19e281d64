package emulator

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// fileRoot is the directory that holds everything too large for the heap:
// OSS objects and parts, and code packages read from OSS. With a DataDir it
// is that directory, so objects persist with the state. Without one it is a
// private temporary directory, made on first use (a server that never sees
// OSS never touches the disk) and removed by Close: in-memory mode still
// keeps a 500 MB object off the heap.
type fileRoot struct {
	mu      sync.Mutex
	dataDir string
	temp    string
	closed  bool
}

var errServerClosed = errors.New("emulator: server closed; its temporary files are gone")

// dir returns the root, creating the temporary one if needed.
func (fr *fileRoot) dir() (string, error) {
	if fr.dataDir != "" {
		return fr.dataDir, nil
	}
	fr.mu.Lock()
	defer fr.mu.Unlock()
	if fr.closed {
		return "", errServerClosed
	}
	if fr.temp == "" {
		d, err := os.MkdirTemp("", "fcgit-emulator-*")
		if err != nil {
			return "", fmt.Errorf("create emulator file directory: %w", err)
		}
		fr.temp = d
	}
	return fr.temp, nil
}

// existing returns the root if it exists, without creating it: for removals.
func (fr *fileRoot) existing() string {
	if fr.dataDir != "" {
		return fr.dataDir
	}
	fr.mu.Lock()
	defer fr.mu.Unlock()
	return fr.temp
}

// close removes the temporary root. A DataDir is left alone.
func (fr *fileRoot) close() error {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	fr.closed = true
	if fr.temp == "" {
		return nil
	}
	err := os.RemoveAll(fr.temp)
	fr.temp = ""
	return err
}

// codeBlob is a code package: in memory (inline zips, at most MaxCodeSize)
// or a file (packages read from OSS, and every package loaded from a
// DataDir), so that a 500 MB package is never held in the heap. Blobs are
// immutable and shared by a function and its versions.
type codeBlob struct {
	data []byte
	path string
	size int64
}

func memoryBlob(b []byte) *codeBlob { return &codeBlob{data: b, size: int64(len(b))} }

func (b *codeBlob) open() (io.ReadCloser, error) {
	if b.path == "" {
		return io.NopCloser(bytes.NewReader(b.data)), nil
	}
	return os.Open(b.path)
}

// copyBufferSize is the buffer used to stream objects: large enough for disk
// throughput, small enough that concurrent uploads do not add up.
const copyBufferSize = 256 << 10

// linkOrCopy makes dst hold src's content: a hard link when the file system
// allows (no data copied), else a streamed copy from the already open src,
// which stays readable even if its path was removed in the meantime.
func linkOrCopy(srcPath string, src *os.File, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.Link(srcPath, dst); err == nil {
		return nil
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = io.CopyBuffer(out, io.NewSectionReader(src, 0, 1<<62), make([]byte, copyBufferSize))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(dst)
	}
	return err
}

// syncDir fsyncs a directory so a rename into it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
