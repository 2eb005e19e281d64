package snapshot

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"unicode/utf8"
)

// The code tree goes into git objects that users clone, check out and push
// to servers running `git fsck` (receive.fsckObjects, transfer.fsckObjects).
// checkGitPath refuses the paths git itself refuses there: what fsck_tree
// (fsck.c) reports as an error or, under --strict, a warning, and what
// verify_path (read-cache.c) refuses with core.protectNTFS and
// core.protectHFS on, which is how git ships on Windows and macOS and how
// fsck always checks. The rules follow git's is_hfs_dotgit (utf8.c),
// is_ntfs_dotgit, is_ntfs_dotgitmodules and is_ntfs_dotgitattributes
// (path.c), written anew here.
//
// Not applied: verify_path's Windows-only checks (a drive prefix, a
// backslash anywhere, reserved names such as "aux" or "con.txt", characters
// such as ':' and '?'), which would refuse ordinary Linux code packages.
// fsck's checks of what a .gitmodules or .gitattributes file contains are
// in gitmodules.go.

// errGit* are the reasons, named as git fsck names them.
var (
	errGitEmpty   = errors.New("empty name (git fsck: emptyName)")
	errGitDot     = errors.New(`"." as a name (git fsck: hasDot)`)
	errGitDotDot  = errors.New(`".." as a name (git fsck: hasDotdot)`)
	errGitDotGit  = errors.New("git refuses this name: a file system would read it as .git, the repository's own directory (git fsck: hasDotgit)")
	errGitModLink = errors.New("git refuses a symbolic link a file system would read as .gitmodules (git fsck: gitmodulesSymlink)")
	errGitModDir  = errors.New("git refuses a directory a file system would read as .gitmodules (git fsck: gitmodulesBlob)")
	errGitAttrDir = errors.New("git refuses a directory a file system would read as .gitattributes (git fsck: gitattributesBlob)")
)

// checkGitPath checks every component of a slash-separated tree path whose
// last component has the given mode (0644, 0755, fs.ModeSymlink or
// fs.ModeDir); the others are directories.
func checkGitPath(p string, mode fs.FileMode) error {
	comps := strings.Split(p, "/")
	for i, c := range comps {
		m := fs.ModeDir
		if i == len(comps)-1 {
			m = mode
		}
		if err := checkGitName(c, m); err != nil {
			return fmt.Errorf("path component %s: %w", Printable(c), err)
		}
	}
	return nil
}

// checkGitName checks one tree entry name with its mode, as fsck_tree does.
func checkGitName(name string, mode fs.FileMode) error {
	switch name {
	case "":
		return errGitEmpty
	case ".":
		return errGitDot
	case "..":
		return errGitDotDot
	}
	// fsck reads each part after a backslash as a name of its own, since
	// NTFS takes the backslash as a separator.
	parts := strings.Split(name, `\`)
	if isHFSDot(name, "git") {
		return errGitDotGit
	}
	for _, p := range parts {
		if isNTFSDotGit(p) {
			return errGitDotGit
		}
	}
	modules := isHFSDot(name, "gitmodules")
	for _, p := range parts {
		modules = modules || isNTFSDot(p, "gitmodules", "gi7eba")
	}
	switch {
	case modules && mode&fs.ModeSymlink != 0:
		return errGitModLink
	case modules && mode.IsDir():
		return errGitModDir
	case mode.IsDir() && (isHFSDot(name, "gitattributes") || isNTFSDot(name, "gitattributes", "gi7d29")):
		return errGitAttrDir
	}
	return nil
}

// isNTFSDotGit is git's is_ntfs_dotgit: ".git" or its 8.3 short name
// "git~1", in any case, then only the spaces and periods NTFS drops from
// the end of a name, up to the end, a separator or an alternate data
// stream (".git::$INDEX_ALLOCATION").
func isNTFSDotGit(name string) bool {
	var rest string
	switch {
	case len(name) >= 4 && name[0] == '.' && asciiEqualFold(name[1:4], "git"):
		rest = name[4:]
	case len(name) >= 5 && asciiEqualFold(name[:3], "git") && name[3:5] == "~1":
		rest = name[5:]
	default:
		return false
	}
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case '/', '\\', ':':
			return true
		case '.', ' ':
		default:
			return false
		}
	}
	return true
}

// isNTFSDot is git's is_ntfs_dot_generic: "." + dotName in any case, its
// usual 8.3 short name (the first six characters, '~', 1-4) or the hashed
// fallback short name starting with shortPrefix, each followed only by
// spaces and periods up to the end or an alternate data stream.
func isNTFSDot(name, dotName, shortPrefix string) bool {
	if n := len(dotName); len(name) >= 1+n && name[0] == '.' && asciiEqualFold(name[1:1+n], dotName) {
		return onlySpacesAndPeriods(name[1+n:])
	}
	if len(name) >= 8 && asciiEqualFold(name[:6], dotName[:6]) && name[6] == '~' && name[7] >= '1' && name[7] <= '4' {
		return onlySpacesAndPeriods(name[8:])
	}
	i, sawTilde := 0, false
	for ; i < 8; i++ {
		if i >= len(name) {
			return false
		}
		c := name[i]
		switch {
		case sawTilde:
			if c < '0' || c > '9' {
				return false
			}
		case c == '~':
			i++
			if i >= len(name) || name[i] < '1' || name[i] > '9' {
				return false
			}
			sawTilde = true
		case i >= 6, c >= 0x80, asciiLower(c) != shortPrefix[i]:
			return false
		}
	}
	return onlySpacesAndPeriods(name[i:])
}

func onlySpacesAndPeriods(rest string) bool {
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case ':':
			return true
		case ' ', '.':
		default:
			return false
		}
	}
	return true
}

// isHFSDot is git's is_hfs_dot_generic: "." + needle in any ASCII case
// once the code points HFS+ ignores are dropped (".g\u200cit" is ".git" on
// a Mac). Like git, it stops at malformed UTF-8 as at the end of the name.
func isHFSDot(name, needle string) bool {
	s := name
	next := func() rune {
		for s != "" {
			r, size := utf8.DecodeRuneInString(s)
			if r == utf8.RuneError && size <= 1 || r == 0xfffe || r == 0xffff {
				s = ""
				return 0
			}
			s = s[size:]
			if !hfsIgnored(r) {
				return r
			}
		}
		return 0
	}
	if next() != '.' {
		return false
	}
	for i := 0; i < len(needle); i++ {
		c := next()
		if c > 127 || asciiLower(byte(c)) != needle[i] {
			return false
		}
	}
	return next() == 0
}

// hfsIgnored lists the code points HFS+ leaves out of names (git's
// next_hfs_char).
func hfsIgnored(r rune) bool {
	switch r {
	case 0x200c, 0x200d, 0x200e, 0x200f, // zero-width (non-)joiner, LTR and RTL marks
		0x202a, 0x202b, 0x202c, 0x202d, 0x202e, // bidirectional embeddings and overrides
		0x206a, 0x206b, 0x206c, 0x206d, 0x206e, 0x206f, // deprecated format characters
		0xfeff: // zero-width no-break space
		return true
	}
	return false
}

func asciiLower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// asciiEqualFold compares a and b ignoring ASCII case only, as git's
// strncasecmp does for these names.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if asciiLower(a[i]) != asciiLower(b[i]) {
			return false
		}
	}
	return true
}
