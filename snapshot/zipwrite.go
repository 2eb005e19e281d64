package snapshot

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
	"sync"
)

// dosDate1980 is 1980-01-01 in MS-DOS date format, the earliest a zip can
// hold: every entry gets it so the same tree always zips to the same bytes.
const dosDate1980 = 1<<5 | 1

// deflateLevel is fixed so the compressed bytes do not depend on a library default.
const deflateLevel = 6

// WriteZip writes a deterministic zip of files: entries sorted by path, no
// directory entries, every timestamp 1980-01-01 00:00 without extended
// timestamp fields, Unix modes in the external attributes (0644, 0755, and
// symlinks as S_IFLNK|0777 with the target as stored content, as Info-ZIP and
// FC's unzip expect), files deflated at level 6. Same files -> same bytes, so
// an unchanged tree gives FC the same codeChecksum. Paths ReadZip would not
// read back as they are (unclean, with a backslash, or refused by git, see
// checkGitPath) are refused.
func WriteZip(w io.Writer, files []CodeFile) error {
	sorted := append([]CodeFile(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	paths := make([]string, len(sorted))
	for i, f := range sorted {
		if err := cleanTreePath(f.Path); err != nil {
			return fmt.Errorf("write code zip: %w", err)
		}
		// ReadZip would refuse these, or read the backslash as a
		// separator: the next fetch must read back what push sent.
		if strings.Contains(f.Path, `\`) {
			return fmt.Errorf("write code zip: %q: a backslash in a path reads back from a zip as a directory separator", f.Path)
		}
		if gm, err := gitMode(f.Mode); err == nil {
			if err := checkGitPath(f.Path, gm); err != nil {
				return fmt.Errorf("write code zip: %q: %w", f.Path, err)
			}
		}
		paths[i] = f.Path
	}
	if err := checkTreePaths(paths); err != nil {
		return fmt.Errorf("write code zip: %w", err)
	}
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, pooledDeflate)
	for _, f := range sorted {
		if err := writeZipEntry(zw, f); err != nil {
			return fmt.Errorf("write code zip: %s: %w", f.Path, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("write code zip: %w", err)
	}
	return nil
}

func writeZipEntry(zw *zip.Writer, f CodeFile) error {
	mode, err := gitMode(f.Mode)
	if err != nil {
		return err
	}
	hdr := &zip.FileHeader{Name: f.Path, Method: zip.Deflate}
	// The deprecated MS-DOS fields are set instead of Modified on purpose:
	// Modified would add an extended-timestamp extra field.
	hdr.ModifiedDate = dosDate1980
	hdr.ModifiedTime = 0
	if mode == fs.ModeSymlink {
		hdr.Method = zip.Store
		hdr.SetMode(fs.ModeSymlink | 0o777)
	} else {
		hdr.SetMode(mode)
	}
	if f.Open == nil {
		return fmt.Errorf("no content")
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	err = writeContent(zw, hdr, f.Size, rc)
	if closeErr := rc.Close(); err == nil {
		err = closeErr
	}
	return err
}

// writeContent writes one file's entry: deflated, or stored when it is
// large and deflate cannot shrink it.
func writeContent(zw *zip.Writer, hdr *zip.FileHeader, size int64, rc io.Reader) error {
	var content io.Reader = rc
	if hdr.Method == zip.Deflate && size >= sampleAbove {
		// Jars, images, models, archives: a large file deflate cannot
		// shrink is stored, saving the time compressing it would take.
		head := make([]byte, compressSample)
		n, err := io.ReadFull(rc, head)
		if err != nil && err != io.ErrUnexpectedEOF {
			return fmt.Errorf("copy content: %w", err)
		}
		head = head[:n]
		if !compressible(head) {
			hdr.Method = zip.Store
		}
		content = io.MultiReader(bytes.NewReader(head), rc)
	}
	fw, err := zw.CreateHeader(hdr)
	if err != nil {
		return err
	}
	if _, err := io.Copy(fw, content); err != nil {
		return fmt.Errorf("copy content: %w", err)
	}
	return nil
}

// Files from sampleAbove bytes are sampled: the first compressSample bytes
// are deflated to see whether deflating the file is worth it.
const (
	sampleAbove    = 1 << 20
	compressSample = 64 << 10
)

// compressible reports whether deflate shrinks sample by at least 3%.
func compressible(sample []byte) bool {
	var n countWriter
	fw, _ := flate.NewWriter(&n, flate.BestSpeed)
	fw.Write(sample)
	fw.Close()
	return n.n < int64(len(sample))*97/100
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// deflaters recycles compressors: a new one allocates about a megabyte, and
// a code package of many small files would take one per file. Like the
// pools of compress/gzip users in the standard library, it is a cache, not
// state.
var deflaters sync.Pool

// pooledDeflate is the zip compressor: a recycled flate writer.
func pooledDeflate(out io.Writer) (io.WriteCloser, error) {
	if fw, ok := deflaters.Get().(*flate.Writer); ok {
		fw.Reset(out)
		return &recycledDeflater{fw}, nil
	}
	fw, err := flate.NewWriter(out, deflateLevel)
	if err != nil {
		return nil, err
	}
	return &recycledDeflater{fw}, nil
}

type recycledDeflater struct{ *flate.Writer }

// Close finishes the stream and hands the compressor back for reuse.
func (d *recycledDeflater) Close() error {
	err := d.Writer.Close()
	if err == nil {
		deflaters.Put(d.Writer)
	}
	d.Writer = nil
	return err
}
