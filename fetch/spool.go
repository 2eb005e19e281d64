package fetch

import (
	"bytes"
	"io"
	"os"
)

// spoolMemory is the largest code package a download keeps in memory; a
// larger one goes to a temporary file. Small packages, by far the most
// common, then cost no file system work at all, while --jobs downloads at
// once hold at most jobs × spoolMemory.
const spoolMemory = 4 << 20

// spool holds a downloaded package so that it can be read at random (a zip
// is read from its end): in memory while small, in a temporary file beyond
// spoolMemory.
type spool struct {
	// create makes the temporary file; a killed run's is removed by the
	// next one (gitstate's CreateTemp and RemoveStaleTemps).
	create func() (*os.File, error)
	mem    bytes.Buffer
	f      *os.File
	n      int64
}

func (s *spool) Write(p []byte) (int, error) {
	if s.f == nil && s.mem.Len()+len(p) > spoolMemory {
		f, err := s.create()
		if err != nil {
			return 0, err
		}
		s.f = f
		if _, err := f.Write(s.mem.Bytes()); err != nil {
			return 0, err
		}
		s.mem = bytes.Buffer{}
	}
	var n int
	var err error
	if s.f != nil {
		n, err = s.f.Write(p)
	} else {
		n, err = s.mem.Write(p)
	}
	s.n += int64(n)
	return n, err
}

// ReaderAt returns the spooled bytes for random access.
func (s *spool) ReaderAt() io.ReaderAt {
	if s.f != nil {
		return s.f
	}
	return bytes.NewReader(s.mem.Bytes())
}

// Size is the number of bytes spooled.
func (s *spool) Size() int64 { return s.n }

// Close releases the spool: its temporary file is removed.
func (s *spool) Close() error {
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	if rmErr := os.Remove(s.f.Name()); err == nil {
		err = rmErr
	}
	return err
}
