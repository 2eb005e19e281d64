package snapshot

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// git fsck reads the content of every blob a tree names .gitmodules or
// .gitattributes (in any spelling a file system reads as such, in any
// directory) and fails, --strict or not, on what it refuses there; a
// server with receive.fsckObjects refuses the push. A code package holding
// such a file is checked here by the same rules (git 2.39's fsck.c,
// config.c and fsck's check_submodule_url, written anew), so that nothing
// fetch stores fails fsck. Notices fsck prints without failing (an
// unparsable .gitmodules, a .gitattributes symlink) are let through, as
// fsck does.

const (
	// maxGitmodulesSize bounds a .gitmodules fcgit reads to check it. git
	// parses one of any size below core.bigFileThreshold (512 MiB); a real
	// one is a few hundred bytes.
	maxGitmodulesSize = 1 << 20
	// gitattributesMaxSize and gitattributesMaxLine are git's
	// ATTR_MAX_FILE_SIZE and ATTR_MAX_LINE_LENGTH (attr.h): fsck refuses a
	// larger .gitattributes (gitattributesLarge), or one with a line of
	// this many bytes or more (gitattributesLineLength).
	gitattributesMaxSize = 100 << 20
	gitattributesMaxLine = 2048
)

// isGitmodulesName and isGitattributesName are fsck_tree's is_hfs_dot…
// || is_ntfs_dot… tests on a tree entry name.
func isGitmodulesName(name string) bool {
	return isHFSDot(name, "gitmodules") || isNTFSDot(name, "gitmodules", "gi7eba")
}

func isGitattributesName(name string) bool {
	return isHFSDot(name, "gitattributes") || isNTFSDot(name, "gitattributes", "gi7d29")
}

// checkGitattributes applies fsck's checks of a .gitattributes blob, read
// from r: at most gitattributesMaxSize bytes, and no line, up to the first
// NUL byte (fsck reads the blob as a C string), of gitattributesMaxLine
// bytes or more.
func checkGitattributes(r io.Reader) error {
	br := bufio.NewReader(io.LimitReader(r, gitattributesMaxSize+1))
	var size int64
	line, lineLen, nul := 1, 0, false
	for {
		c, err := br.ReadByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		size++
		switch {
		case nul:
		case c == 0:
			nul = true
		case c == '\n':
			line, lineLen = line+1, 0
		default:
			if lineLen++; lineLen >= gitattributesMaxLine {
				return fmt.Errorf(".gitattributes line %d is %d bytes long or more: git fsck refuses lines of %d bytes or more (gitattributesLineLength)", line, gitattributesMaxLine, gitattributesMaxLine)
			}
		}
	}
	if size > gitattributesMaxSize {
		return fmt.Errorf(".gitattributes of more than %d bytes: git fsck refuses it (gitattributesLarge)", gitattributesMaxSize)
	}
	return nil
}

// checkGitmodules applies fsck's checks of a .gitmodules blob: it is read
// as git reads config text, and every submodule.<name>.<key> setting met
// before the text stops parsing is checked as fsck_gitmodules_fn does.
func checkGitmodules(content []byte) error {
	if len(content) > maxGitmodulesSize {
		return fmt.Errorf(".gitmodules of %d bytes is over the %d bytes fcgit checks", len(content), maxGitmodulesSize)
	}
	// git reads a blob's bytes as C chars: signed on x86 (a 0xFF byte then
	// reads as the end of the text, and a byte order mark is not
	// recognised), unsigned on ARM. What either reading finds is refused.
	if err := checkGitmodulesAs(content, true); err != nil {
		return err
	}
	return checkGitmodulesAs(content, false)
}

// checkGitmodulesAs is checkGitmodules for one reading of the bytes.
func checkGitmodulesAs(content []byte, signedChars bool) error {
	var problem error
	parseGitConfig(content, signedChars, func(name string, value *string) bool {
		// git splits the name as a C string: a NUL ends it.
		if i := strings.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		sub, key, ok := submoduleKey(name)
		if !ok {
			return true
		}
		problem = checkSubmoduleSetting(sub, key, value)
		return problem == nil
	})
	return problem
}

// checkSubmoduleSetting is fsck_gitmodules_fn for one setting; value nil
// is a key without "=". Values are C strings to git: cut at a NUL.
func checkSubmoduleSetting(name, key string, value *string) error {
	if !validSubmoduleName(name) {
		return fmt.Errorf(".gitmodules names a submodule %q, which git fsck refuses (gitmodulesName): an empty name, or one with a \"..\" component reaching outside .git/modules", name)
	}
	if value == nil {
		return nil
	}
	v := *value
	if i := strings.IndexByte(v, 0); i >= 0 {
		v = v[:i]
	}
	switch key {
	case "url":
		if !validSubmoduleURL(v) {
			return fmt.Errorf(".gitmodules gives submodule %q the url %q, which git fsck refuses (gitmodulesUrl)", name, v)
		}
	case "path":
		if strings.HasPrefix(v, "-") {
			return fmt.Errorf(".gitmodules gives submodule %q the path %q, which git fsck refuses: it reads as an option (gitmodulesPath)", name, v)
		}
	case "update":
		if strings.HasPrefix(v, "!") {
			return fmt.Errorf(".gitmodules gives submodule %q the update setting %q, a command, which git fsck refuses (gitmodulesUpdate)", name, v)
		}
	}
	return nil
}

// submoduleKey is parse_config_key(name, "submodule", …): name must be
// "submodule.<subsection>.<key>" (the subsection may hold dots).
func submoduleKey(name string) (sub, key string, ok bool) {
	rest, ok := strings.CutPrefix(name, "submodule.")
	if !ok {
		return "", "", false
	}
	dot := strings.LastIndexByte(rest, '.')
	if dot < 0 {
		return "", "", false
	}
	return rest[:dot], rest[dot+1:], true
}

// validSubmoduleName is git's check_submodule_name: not empty, and no ".."
// component, with '/' and '\' both separators on every platform.
func validSubmoduleName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range strings.Split(strings.ReplaceAll(name, `\`, "/"), "/") {
		if c == ".." {
			return false
		}
	}
	return true
}

// validSubmoduleURL is git's check_submodule_url.
func validSubmoduleURL(url string) bool {
	if strings.HasPrefix(url, "-") {
		return false
	}
	if submoduleURLIsRelative(url) || strings.HasPrefix(url, "git://") {
		// It could be appended to an http URL and decoded there.
		if strings.Contains(urlDecode(url), "\n") {
			return false
		}
		// Climbing out of the root with "../" can rewrite the host.
		if n, next := countLeadingDotDots(url); n > 0 && (strings.HasPrefix(next, ":") || strings.HasPrefix(next, "/")) {
			return false
		}
		return true
	}
	if curl, ok := urlToCurlURL(url); ok {
		host, ok := credentialHost(curl)
		return ok && host != ""
	}
	return true
}

func startsWithDotSlash(s string) bool {
	return len(s) >= 2 && s[0] == '.' && (s[1] == '/' || s[1] == '\\')
}

func startsWithDotDotSlash(s string) bool {
	return len(s) >= 3 && s[0] == '.' && s[1] == '.' && (s[2] == '/' || s[2] == '\\')
}

func submoduleURLIsRelative(url string) bool {
	return startsWithDotSlash(url) || startsWithDotDotSlash(url)
}

// countLeadingDotDots counts the "../" at the start of url, skipping "./",
// and returns what follows them.
func countLeadingDotDots(url string) (int, string) {
	n := 0
	for {
		switch {
		case startsWithDotDotSlash(url):
			n++
			url = url[3:]
		case startsWithDotSlash(url):
			url = url[2:]
		default:
			return n, url
		}
	}
}

// urlToCurlURL: whether git hands the URL to git-remote-curl, and as what.
func urlToCurlURL(url string) (string, bool) {
	for _, p := range []string{"http::", "https::", "ftp::", "ftps::"} {
		if rest, ok := strings.CutPrefix(url, p); ok {
			return rest, true
		}
	}
	for _, p := range []string{"http://", "https://", "ftp://", "ftps://"} {
		if strings.HasPrefix(url, p) {
			return url, true
		}
	}
	return "", false
}

// credentialHost is git's credential_from_url_gently, reporting the
// decoded host, or false where it fails: no "://", or a newline in any
// decoded component.
func credentialHost(url string) (string, bool) {
	protoEnd := strings.Index(url, "://")
	if protoEnd <= 0 {
		return "", false
	}
	cp := url[protoEnd+3:]
	at := strings.IndexByte(cp, '@')
	colon := strings.IndexByte(cp, ':')
	slash := strings.IndexAny(cp, "/?#")
	if slash < 0 {
		slash = len(cp)
	}
	var user, pass *string
	host := cp
	switch {
	case at < 0 || slash <= at:
	case colon < 0 || at <= colon:
		u := urlDecode(cp[:at])
		user, host = &u, cp[at+1:]
	default:
		u, p := urlDecode(cp[:colon]), urlDecode(cp[colon+1:at])
		user, pass, host = &u, &p, cp[at+1:]
	}
	hostEnd := slash - (len(cp) - len(host))
	h := urlDecode(host[:hostEnd])
	path := strings.TrimLeft(host[hostEnd:], "/")
	components := []string{url[:protoEnd], h, urlDecode(path)}
	for _, c := range []*string{user, pass} {
		if c != nil {
			components = append(components, *c)
		}
	}
	for _, c := range components {
		// git checks C strings: what follows a decoded NUL is not seen.
		if i := strings.IndexByte(c, 0); i >= 0 {
			c = c[:i]
		}
		if strings.Contains(c, "\n") {
			return "", false
		}
	}
	if i := strings.IndexByte(h, 0); i >= 0 {
		h = h[:i]
	}
	return h, true
}

// urlDecode is git's url_decode: %XX escapes with a non-zero value are
// decoded, anything else is kept; it stops at a NUL byte.
func urlDecode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 0 {
			break
		}
		if c == '%' && i+2 < len(s) {
			if v, ok := unhex2(s[i+1], s[i+2]); ok && v != 0 {
				b.WriteByte(v)
				i += 2
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

func unhex2(a, b byte) (byte, bool) {
	x, ok1 := unhex(a)
	y, ok2 := unhex(b)
	return x<<4 | y, ok1 && ok2
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// parseGitConfig reads config text as git's git_parse_source does and
// calls fn with each setting's full name (section, subsection and key as
// git spells them: section and key lower-cased) and value (nil for a key
// without "="), until fn returns false, the text ends, or git would stop
// on a syntax error. It reports whether the whole text parsed.
//
// signedChars reads the bytes as git does where char is signed: git's
// config_buf_fgetc returns a blob's byte as a char, so a 0xFF byte equals
// EOF (the end of the text, for what git checks next, though reading goes
// on after it) and the UTF-8 byte order mark never matches.
func parseGitConfig(data []byte, signedChars bool, fn func(name string, value *string) bool) bool {
	p := &configParser{data: data, signedChars: signedChars}
	if !signedChars {
		// A UTF-8 byte order mark at the start is skipped; a partial one
		// is an error.
		bom := "\xef\xbb\xbf"
		for i := 0; i < len(bom); i++ {
			if p.pos < len(p.data) && p.data[p.pos] == bom[i] {
				p.pos++
				continue
			}
			if i > 0 {
				return false
			}
			break
		}
	}
	var section string
	comment := false
	for {
		c := p.next()
		switch {
		case c == '\n':
			if p.eof {
				return true
			}
			comment = false
			continue
		case comment:
			continue
		case isGitSpace(c):
			continue
		case c == '#' || c == ';':
			comment = true
			continue
		case c == '[':
			name, ok := p.sectionHeader()
			if !ok || name == "" {
				return false
			}
			section = name + "."
			continue
		case !isASCIIAlpha(c):
			return false
		}
		name, value, ok := p.setting(section, c)
		if !ok {
			return false
		}
		if !fn(name, value) {
			return true
		}
	}
}

type configParser struct {
	data        []byte
	pos         int
	eof         bool // sticky, as git's cf->eof
	signedChars bool
}

// fgetc is config_buf_fgetc: the next byte, or -1 for EOF (also a 0xFF
// byte where char is signed).
func (p *configParser) fgetc() int {
	if p.pos >= len(p.data) {
		return -1
	}
	c := p.data[p.pos]
	p.pos++
	if c == 0xff && p.signedChars {
		return -1
	}
	return int(c)
}

// next is get_next_char: "\r\n" reads as '\n', EOF as '\n' with eof set.
func (p *configParser) next() byte {
	c := p.fgetc()
	if c == '\r' {
		at := p.pos
		switch d := p.fgetc(); {
		case d == '\n':
			c = d
		case d != -1:
			p.pos = at // ungetc
		}
	}
	if c == -1 {
		p.eof = true
		return '\n'
	}
	return byte(c)
}

// sectionHeader is get_base_var after '[': "[section]", "[section.sub]"
// (lower-cased whole) or `[section "sub"]` (sub kept as written, with
// backslash escapes).
func (p *configParser) sectionHeader() (string, bool) {
	var b strings.Builder
	for {
		c := p.next()
		if p.eof {
			return "", false
		}
		switch {
		case c == ']':
			return b.String(), true
		case isGitSpace(c):
			return p.extendedHeader(&b, c)
		case !isKeyChar(c) && c != '.':
			return "", false
		}
		b.WriteByte(asciiLower(c))
	}
}

func (p *configParser) extendedHeader(b *strings.Builder, c byte) (string, bool) {
	for {
		if c == '\n' {
			return "", false
		}
		c = p.next()
		if !isGitSpace(c) {
			break
		}
	}
	if c != '"' {
		return "", false
	}
	b.WriteByte('.')
	for {
		c := p.next()
		if c == '\n' {
			return "", false
		}
		if c == '"' {
			break
		}
		if c == '\\' {
			if c = p.next(); c == '\n' {
				return "", false
			}
		}
		b.WriteByte(c)
	}
	if p.next() != ']' {
		return "", false
	}
	return b.String(), true
}

// setting is get_value: the key starting with first, then "=" and a value,
// or a line end (no value).
func (p *configParser) setting(section string, first byte) (string, *string, bool) {
	name := []byte(section)
	name = append(name, asciiLower(first))
	var c byte
	for {
		c = p.next()
		if p.eof || !isKeyChar(c) {
			break
		}
		name = append(name, asciiLower(c))
	}
	for c == ' ' || c == '\t' {
		c = p.next()
	}
	if c == '\n' {
		return string(name), nil, true
	}
	if c != '=' {
		return "", nil, false
	}
	v, ok := p.value()
	if !ok {
		return "", nil, false
	}
	return string(name), &v, true
}

// value is parse_value: whitespace runs inside become that many spaces,
// leading and trailing ones go, quotes group, '#' and ';' outside quotes
// start a comment, and \t \b \n \\ \" and a backslash-newline are the only
// escapes.
func (p *configParser) value() (string, bool) {
	var b []byte
	quote, comment, space := false, false, 0
	for {
		c := p.next()
		if c == '\n' {
			if quote {
				return "", false
			}
			return string(b), true
		}
		if comment {
			continue
		}
		if isGitSpace(c) && !quote {
			if len(b) > 0 {
				space++
			}
			continue
		}
		if !quote && (c == ';' || c == '#') {
			comment = true
			continue
		}
		for ; space > 0; space-- {
			b = append(b, ' ')
		}
		if c == '\\' {
			switch c = p.next(); c {
			case '\n':
				continue
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'n':
				c = '\n'
			case '\\', '"':
			default:
				return "", false
			}
			b = append(b, c)
			continue
		}
		if c == '"' {
			quote = !quote
			continue
		}
		b = append(b, c)
	}
}

// isGitSpace is git's isspace: space, tab, newline, carriage return.
func isGitSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isASCIIAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// isKeyChar is git's iskeychar: alphanumerics and '-'.
func isKeyChar(c byte) bool { return isASCIIAlpha(c) || c >= '0' && c <= '9' || c == '-' }
