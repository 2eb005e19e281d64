package snapshot

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"unicode/utf8"
)

// zipEntry is an accepted entry of a code zip.
type zipEntry struct {
	path string
	mode fs.FileMode
	file *zip.File
}

// ReadZip walks a code zip and calls emit for every regular file and
// symlink, sorted by path; directories are implied. It refuses, naming the
// entry: zip-slip (a ".." segment), absolute paths, duplicate entries (also
// after cleaning, and a file that is also a directory prefix), entries over
// the limits (declared sizes are checked up front, actual sizes while
// reading, so a zip bomb never exhausts memory), encrypted entries,
// compression methods other than store and deflate, and entry types other
// than files, directories and symlinks, and paths git refuses in a tree
// (see checkGitPath: ".git" in any spelling a file system reads as such, a
// symbolic link or directory read as .gitmodules, ...), or whose content git
// fsck refuses (a .gitmodules or .gitattributes breaking fsck's rules, see
// gitmodules.go), and names over MaxPathComponent or paths over
// MaxCodePath. Refused entries are *ZipEntryError. Backslashes in names
// (zips made on Windows) are read as separators, and "." and empty
// components are dropped, before those checks. Content is streamed: Open
// reads straight from r.
func ReadZip(r io.ReaderAt, size int64, limits ZipLimits, emit func(CodeFile) error) error {
	limits = limits.withDefaults()
	zr, err := zip.NewReader(r, size)
	if err != nil && !(errors.Is(err, zip.ErrInsecurePath) && zr != nil) {
		// ErrInsecurePath (GODEBUG zipinsecurepath=0) is checked below, per
		// entry, with a better message.
		return fmt.Errorf("read code zip: %w", err)
	}
	if len(zr.File) > limits.MaxFiles {
		return fmt.Errorf("read code zip: %d entries, more than the limit of %d", len(zr.File), limits.MaxFiles)
	}
	var entries []zipEntry
	dirs := map[string]bool{}
	var total uint64
	for _, f := range zr.File {
		e, isDir, err := checkZipEntry(f, limits)
		if err != nil {
			return fmt.Errorf("read code zip: %w", &ZipEntryError{Name: f.Name, Err: err})
		}
		if isDir {
			if e.path != "." {
				dirs[e.path] = true
			}
			continue
		}
		total += f.UncompressedSize64
		if total > uint64(limits.MaxTotalSize) {
			return fmt.Errorf("read code zip: %w", &ZipEntryError{Name: f.Name, Err: fmt.Errorf("total uncompressed size over the limit of %d bytes", limits.MaxTotalSize)})
		}
		entries = append(entries, e)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].path < entries[j].path })
	paths := make([]string, len(entries))
	for i, e := range entries {
		paths[i] = e.path
		if dirs[e.path] {
			return fmt.Errorf("read code zip: %w", &ZipEntryError{Name: e.file.Name, Err: errors.New("is both a file and a directory")})
		}
	}
	if err := checkTreePaths(paths); err != nil {
		return fmt.Errorf("read code zip: %w", err)
	}
	for _, e := range entries {
		if err := checkGitContent(e); err != nil {
			return fmt.Errorf("read code zip: %w", &ZipEntryError{Name: e.file.Name, Err: err})
		}
	}
	budget := &readBudget{left: limits.MaxTotalSize}
	for _, e := range entries {
		cf, err := codeFileOf(e, limits, budget)
		if err != nil {
			return fmt.Errorf("read code zip: %w", &ZipEntryError{Name: e.file.Name, Err: err})
		}
		if err := emit(cf); err != nil {
			return fmt.Errorf("code file %s: %w", e.path, err)
		}
	}
	return nil
}

// ZipEntryError is a code package entry ReadZip refuses: its path (one git
// or a file system refuses, one outside code/), its type, its compression
// or its size. A package holding one cannot be stored, so neither can the
// function it belongs to: callers report that function as such.
type ZipEntryError struct {
	Name string // the entry's name as the zip has it
	Err  error
}

func (e *ZipEntryError) Error() string {
	return "entry " + quoteEntryName(e.Name) + ": " + e.Err.Error()
}
func (e *ZipEntryError) Unwrap() error { return e.Err }

// quoteEntryName quotes a name from a zip for a message: escaped, and cut
// short when long (a 5000-byte name would bury the message).
func quoteEntryName(name string) string {
	const show = 100
	if len(name) <= show {
		return fmt.Sprintf("%q", name)
	}
	cut := show
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return fmt.Sprintf("%q… (%d bytes)", name[:cut], len(name))
}

// checkPathLength refuses a path that cannot be checked out on the file
// systems a pull writes to (MaxPathComponent, MaxCodePath).
func checkPathLength(p string) error {
	for _, c := range strings.Split(p, "/") {
		if len(c) > MaxPathComponent {
			return fmt.Errorf("a name of %d bytes, over the %d bytes file systems allow in one name", len(c), MaxPathComponent)
		}
	}
	if len(p) > MaxCodePath {
		return fmt.Errorf("path of %d bytes, over the %d bytes fcgit allows inside code/ so that every checkout can write it", len(p), MaxCodePath)
	}
	return nil
}

// checkGitContent applies git fsck's checks of what a file named
// .gitmodules or .gitattributes (in any spelling, any directory) holds
// (gitmodules.go). Other files, and symlinks (checkGitName refuses a
// .gitmodules one; fsck lets a .gitattributes one pass), are not read.
func checkGitContent(e zipEntry) error {
	if e.mode == fs.ModeSymlink {
		return nil
	}
	name := path.Base(e.path)
	switch {
	case isGitmodulesName(name):
		if e.file.UncompressedSize64 > maxGitmodulesSize {
			return fmt.Errorf(".gitmodules of %d bytes is over the %d bytes fcgit checks", e.file.UncompressedSize64, maxGitmodulesSize)
		}
		content, err := readAllLimited(e.file, maxGitmodulesSize)
		if err != nil {
			return err
		}
		return checkGitmodules([]byte(content))
	case isGitattributesName(name):
		rc, err := e.file.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		return checkGitattributes(rc)
	}
	return nil
}

// checkZipEntry validates one entry's name, type, method and declared size.
func checkZipEntry(f *zip.File, limits ZipLimits) (zipEntry, bool, error) {
	p, isDir, err := cleanZipName(f.Name)
	if err != nil {
		return zipEntry{}, false, err
	}
	if err := checkPathLength(p); err != nil {
		return zipEntry{}, false, err
	}
	mode := f.Mode()
	if isDir || mode.IsDir() {
		if p != "." {
			if err := checkGitPath(p, fs.ModeDir); err != nil {
				return zipEntry{}, false, err
			}
		}
		return zipEntry{path: p}, true, nil
	}
	gm, err := gitMode(mode)
	if err != nil {
		return zipEntry{}, false, err
	}
	if err := checkGitPath(p, gm); err != nil {
		return zipEntry{}, false, err
	}
	if f.Flags&0x1 != 0 {
		return zipEntry{}, false, errors.New("encrypted entries are not supported")
	}
	if f.Method != zip.Store && f.Method != zip.Deflate {
		return zipEntry{}, false, fmt.Errorf("compression method %d is not supported (only store and deflate)", f.Method)
	}
	if f.UncompressedSize64 > uint64(limits.MaxFileSize) {
		return zipEntry{}, false, fmt.Errorf("declared size %d bytes is over the per-file limit of %d", f.UncompressedSize64, limits.MaxFileSize)
	}
	if gm == fs.ModeSymlink && f.UncompressedSize64 > maxSymlinkTarget {
		return zipEntry{}, false, fmt.Errorf("symlink target of %d bytes is too long", f.UncompressedSize64)
	}
	return zipEntry{path: p, mode: gm, file: f}, false, nil
}

// cleanZipName turns an entry name into a clean tree path, refusing names
// that would land outside the code directory.
func cleanZipName(name string) (string, bool, error) {
	if name == "" {
		return "", false, errors.New("empty name")
	}
	if strings.ContainsRune(name, 0) {
		return "", false, errors.New("name contains a NUL byte")
	}
	n := strings.ReplaceAll(name, `\`, "/")
	isDir := strings.HasSuffix(n, "/")
	if strings.HasPrefix(n, "/") || len(n) >= 2 && n[1] == ':' && (n[0] >= 'A' && n[0] <= 'Z' || n[0] >= 'a' && n[0] <= 'z') {
		return "", false, errors.New("absolute path")
	}
	for _, seg := range strings.Split(n, "/") {
		if seg == ".." {
			return "", false, errors.New(`path contains ".." (zip-slip)`)
		}
	}
	p := path.Clean(n)
	if p == "." && !isDir {
		return "", false, errors.New("empty path")
	}
	return p, isDir, nil
}

// codeFileOf builds the CodeFile for an accepted entry. Symlink targets are
// read at once (they are small); file content is read when Open is called.
func codeFileOf(e zipEntry, limits ZipLimits, budget *readBudget) (CodeFile, error) {
	cf := CodeFile{Path: e.path, Mode: e.mode, Size: int64(e.file.UncompressedSize64)}
	if e.mode == fs.ModeSymlink {
		target, err := readAllLimited(e.file, maxSymlinkTarget)
		if err != nil {
			return CodeFile{}, err
		}
		if target == "" {
			return CodeFile{}, errors.New("symlink with an empty target")
		}
		cf.Size = int64(len(target))
		cf.Open = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(target)), nil }
		return cf, nil
	}
	f := e.file
	limit := min(int64(f.UncompressedSize64), limits.MaxFileSize)
	cf.Open = func() (io.ReadCloser, error) {
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", e.path, err)
		}
		return &limitedEntry{rc: rc, name: e.path, left: limit, budget: budget}, nil
	}
	return cf, nil
}

func readAllLimited(f *zip.File, limit int64) (string, error) {
	rc, err := f.Open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return "", err
	}
	if int64(len(b)) > limit {
		return "", fmt.Errorf("content is longer than %d bytes", limit)
	}
	return string(b), nil
}

// readBudget is the uncompressed bytes ReadZip may still hand out in total.
// Emit runs on one goroutine, in order, so it needs no lock.
type readBudget struct{ left int64 }

// limitedEntry stops an entry that inflates beyond its declared size or
// the limits, whatever its headers claim.
type limitedEntry struct {
	rc     io.ReadCloser
	name   string
	left   int64
	budget *readBudget
}

func (l *limitedEntry) Read(p []byte) (int, error) {
	// Ask for one byte more than may be handed out: enough to notice an
	// entry that runs over, without ever passing the excess on.
	allowed := min(l.left, l.budget.left)
	if int64(len(p)) > allowed+1 {
		p = p[:allowed+1]
	}
	n, err := l.rc.Read(p)
	if int64(n) > allowed {
		n = int(allowed)
		err = fmt.Errorf("%s: content is larger than declared or allowed", l.name)
		if l.budget.left < l.left {
			err = fmt.Errorf("%s: code zip content is over the total size limit", l.name)
		}
	}
	l.left -= int64(n)
	l.budget.left -= int64(n)
	return n, err
}

func (l *limitedEntry) Close() error { return l.rc.Close() }
