package snapshot

import (
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// CodeFile is one file of a function's code tree (the code/ directory).
type CodeFile struct {
	Path string      // slash-separated, relative to code/, cleaned
	Mode fs.FileMode // 0644, 0755 (any exec bit -> 0755, as git keeps it), or fs.ModeSymlink
	Size int64
	Open func() (io.ReadCloser, error) // content; for a symlink, the link target
}

// ZipLimits bounds what ReadZip accepts; zero fields take the defaults.
type ZipLimits struct {
	MaxFiles     int   // default 100000 entries
	MaxTotalSize int64 // default 1 GiB uncompressed
	MaxFileSize  int64 // default 512 MiB uncompressed
}

// Default limits: FC takes code packages up to 500 MB through OSS, so an
// honest package stays well inside these.
const (
	DefaultMaxFiles     = 100000
	DefaultMaxTotalSize = 1 << 30
	DefaultMaxFileSize  = 512 << 20
)

// maxSymlinkTarget bounds a symlink entry's content (Linux PATH_MAX).
const maxSymlinkTarget = 4096

// Bounds on the paths of a code package's entries, so that every path
// fetch stores can be checked out. Git itself takes any length in a tree,
// but the file systems a pull writes to do not.
const (
	// MaxPathComponent is the longest file or directory name: 255 bytes,
	// NAME_MAX of Linux file systems and macOS's APFS (255 UTF-8 bytes),
	// and within NTFS's 255 UTF-16 units.
	MaxPathComponent = 255
	// MaxCodePath is the longest path inside code/: 1024 bytes. A whole
	// path may reach 4096 bytes on Linux (PATH_MAX), so this leaves 3 KiB
	// for where the repository lies and functions/<name>/code/. (macOS
	// bounds whole paths at 1024 bytes, and Windows at 260 characters
	// unless git's core.longpaths is on: there, shorter paths already
	// fail, whatever fcgit accepts.)
	MaxCodePath = 1024
)

func (l ZipLimits) withDefaults() ZipLimits {
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultMaxFiles
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = DefaultMaxTotalSize
	}
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = DefaultMaxFileSize
	}
	return l
}

// gitMode maps a file mode to the three modes git (and so the code tree)
// keeps: a symlink, an executable file or a plain file.
func gitMode(m fs.FileMode) (fs.FileMode, error) {
	switch {
	case m&fs.ModeSymlink != 0:
		return fs.ModeSymlink, nil
	case m.IsRegular():
		if m&0o111 != 0 {
			return 0o755, nil
		}
		return 0o644, nil
	}
	return 0, fmt.Errorf("unsupported file type %v", m.Type())
}

// checkTreePaths refuses path sets that cannot be a directory tree: a path
// given twice, or a path that is both a file and a directory ("a" and "a/b").
// paths must be sorted.
func checkTreePaths(paths []string) error {
	seen := make(map[string]bool, len(paths))
	for _, p := range paths {
		if seen[p] {
			return fmt.Errorf("duplicate entry %q", p)
		}
		seen[p] = true
	}
	for _, p := range paths {
		for dir := path.Dir(p); dir != "."; dir = path.Dir(dir) {
			if seen[dir] {
				return fmt.Errorf("%q is a file, but %q is inside it", dir, p)
			}
		}
	}
	return nil
}

// cleanTreePath reports whether p is already a clean relative path inside the tree.
func cleanTreePath(p string) error {
	switch {
	case p == "" || p == ".":
		return fmt.Errorf("empty path")
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("%q: absolute path", p)
	case path.Clean(p) != p:
		return fmt.Errorf("%q: path is not clean (want %q)", p, path.Clean(p))
	case p == ".." || strings.HasPrefix(p, "../"):
		return fmt.Errorf("%q: path leaves the code directory", p)
	}
	return nil
}
