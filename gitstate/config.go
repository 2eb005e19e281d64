package gitstate

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// configEntry is one "key = value" line of a git config file.
type configEntry struct {
	section    string // lower case
	subsection string // case-sensitive, "" when absent
	name       string // lower case
	value      string
	implicit   bool // "key" without "=": a boolean true
}

// configSet is every entry of the config files git would read, in order:
// later entries override earlier ones.
type configSet struct{ entries []configEntry }

// Config returns the value of a config key (e.g. "merge.conflictStyle",
// "remote.origin.url") as git reads it: system, global (XDG then ~/.gitconfig,
// or GIT_CONFIG_GLOBAL), repository, then GIT_CONFIG_COUNT variables, with
// include.path honoured; the last value wins. A key written without a value
// (a bare boolean) reads as "true".
func (r *Repo) Config(key string) (string, bool, error) {
	cs, err := r.loadConfig()
	if err != nil {
		return "", false, err
	}
	v, ok := cs.get(key)
	return v, ok, nil
}

func (r *Repo) loadConfig() (*configSet, error) {
	cs, err := loadConfigFiles(filepath.Join(r.commonDir, "config"))
	if err != nil {
		return nil, fmt.Errorf("read git config: %w", err)
	}
	return cs, nil
}

// loadConfigFiles reads system, global and (when repoConfig != "") repository
// config, then the GIT_CONFIG_COUNT environment entries.
func loadConfigFiles(repoConfig string) (*configSet, error) {
	var files []string
	if os.Getenv("GIT_CONFIG_NOSYSTEM") == "" || !parseBool(os.Getenv("GIT_CONFIG_NOSYSTEM"), true) {
		if p := os.Getenv("GIT_CONFIG_SYSTEM"); p != "" {
			files = append(files, p)
		} else {
			files = append(files, "/etc/gitconfig")
		}
	}
	if p, ok := os.LookupEnv("GIT_CONFIG_GLOBAL"); ok {
		if p != "" {
			files = append(files, expandHome(p))
		}
	} else {
		if xdg := os.Getenv("XDG_CONFIG_HOME"); xdg != "" {
			files = append(files, filepath.Join(xdg, "git", "config"))
		} else if home := os.Getenv("HOME"); home != "" {
			files = append(files, filepath.Join(home, ".config", "git", "config"))
		}
		if home := os.Getenv("HOME"); home != "" {
			files = append(files, filepath.Join(home, ".gitconfig"))
		}
	}
	if repoConfig != "" {
		files = append(files, repoConfig)
	}
	cs := &configSet{}
	for _, f := range files {
		entries, err := readConfigFile(f)
		if err != nil {
			return nil, err
		}
		cs.entries = append(cs.entries, entries...)
	}
	envEntries, err := configFromEnv()
	if err != nil {
		return nil, err
	}
	cs.entries = append(cs.entries, envEntries...)
	return cs, nil
}

// configFromEnv reads GIT_CONFIG_COUNT / GIT_CONFIG_KEY_<n> / GIT_CONFIG_VALUE_<n>.
func configFromEnv() ([]configEntry, error) {
	countStr := os.Getenv("GIT_CONFIG_COUNT")
	if countStr == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(countStr)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("bogus GIT_CONFIG_COUNT %q", countStr)
	}
	var out []configEntry
	for i := 0; i < n; i++ {
		key := os.Getenv(fmt.Sprintf("GIT_CONFIG_KEY_%d", i))
		sec, sub, name, ok := splitKey(key)
		if !ok {
			return nil, fmt.Errorf("bogus config key GIT_CONFIG_KEY_%d=%q", i, key)
		}
		out = append(out, configEntry{section: sec, subsection: sub, name: name,
			value: os.Getenv(fmt.Sprintf("GIT_CONFIG_VALUE_%d", i))})
	}
	return out, nil
}

func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return filepath.Join(os.Getenv("HOME"), rest)
	}
	return p
}

// splitKey splits "section.sub.section.name" into its parts, normalising case
// the way git does (section and name are case-insensitive).
func splitKey(key string) (section, subsection, name string, ok bool) {
	first := strings.IndexByte(key, '.')
	last := strings.LastIndexByte(key, '.')
	if first <= 0 || last == len(key)-1 {
		return "", "", "", false
	}
	section = strings.ToLower(key[:first])
	name = strings.ToLower(key[last+1:])
	if first != last {
		subsection = key[first+1 : last]
	}
	return section, subsection, name, true
}

func (cs *configSet) get(key string) (string, bool) {
	sec, sub, name, ok := splitKey(key)
	if !ok {
		return "", false
	}
	for i := len(cs.entries) - 1; i >= 0; i-- {
		e := cs.entries[i]
		if e.section == sec && e.subsection == sub && e.name == name {
			if e.implicit {
				return "true", true
			}
			return e.value, true
		}
	}
	return "", false
}

// boolean reads a key as git's --type=bool would; absent reads as false.
func (cs *configSet) boolean(key string) (bool, bool) {
	v, ok := cs.get(key)
	if !ok {
		return false, false
	}
	return parseBool(v, true), true
}

func parseBool(v string, emptyIs bool) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return emptyIs
	case "true", "yes", "on", "1":
		return true
	case "false", "no", "off", "0":
		return false
	}
	if n, err := strconv.Atoi(v); err == nil {
		return n != 0
	}
	return false
}

// readConfigFile parses one config file; a missing file is empty. include.path
// directives are followed (relative to the including file).
func readConfigFile(path string) ([]configEntry, error) {
	return readConfigFileDepth(path, 0)
}

func readConfigFileDepth(path string, depth int) ([]configEntry, error) {
	if depth > 10 {
		return nil, fmt.Errorf("config include depth exceeded at %s", path)
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			return nil, nil
		}
		return nil, fmt.Errorf("open config %s: %w", path, err)
	}
	defer f.Close()
	p := configParser{sc: bufio.NewScanner(f), path: path}
	p.sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	raw, err := p.parse()
	if err != nil {
		return nil, err
	}
	var out []configEntry
	for _, e := range raw {
		out = append(out, e)
		if e.section == "include" && e.subsection == "" && e.name == "path" && !e.implicit {
			inc := expandHome(e.value)
			if !filepath.IsAbs(inc) {
				inc = filepath.Join(filepath.Dir(path), inc)
			}
			sub, err := readConfigFileDepth(inc, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		}
	}
	return out, nil
}

type configParser struct {
	sc   *bufio.Scanner
	path string
	line int
}

func (p *configParser) errorf(format string, args ...any) error {
	return fmt.Errorf("bad config line %d in %s: %s", p.line, p.path, fmt.Sprintf(format, args...))
}

func (p *configParser) parse() ([]configEntry, error) {
	var out []configEntry
	section, subsection := "", ""
	for p.sc.Scan() {
		p.line++
		line := strings.TrimLeft(p.sc.Text(), " \t")
		if p.line == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			var rest string
			var err error
			section, subsection, rest, err = p.parseSectionHeader(line)
			if err != nil {
				return nil, err
			}
			line = strings.TrimLeft(rest, " \t")
			if line == "" || line[0] == '#' || line[0] == ';' {
				continue
			}
		}
		if section == "" {
			return nil, p.errorf("key outside any section")
		}
		e, err := p.parseKeyValue(line)
		if err != nil {
			return nil, err
		}
		e.section, e.subsection = section, subsection
		out = append(out, e)
	}
	if err := p.sc.Err(); err != nil {
		return nil, fmt.Errorf("read config %s: %w", p.path, err)
	}
	return out, nil
}

// parseSectionHeader handles `[section]`, `[section "sub"]` and the
// deprecated `[section.sub]` (whose subsection is lower-cased).
func (p *configParser) parseSectionHeader(line string) (section, subsection, rest string, err error) {
	end := -1
	inQuote := false
	for i := 1; i < len(line); i++ {
		c := line[i]
		switch {
		case inQuote && c == '\\' && i+1 < len(line):
			i++
		case c == '"':
			inQuote = !inQuote
		case c == ']' && !inQuote:
			end = i
		}
		if end >= 0 {
			break
		}
	}
	if end < 0 {
		return "", "", "", p.errorf("unterminated section header")
	}
	body := line[1:end]
	rest = line[end+1:]
	if sp := strings.IndexAny(body, " \t"); sp >= 0 {
		section = strings.ToLower(body[:sp])
		q := strings.TrimSpace(body[sp:])
		if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
			return "", "", "", p.errorf("bad subsection in %q", body)
		}
		var b strings.Builder
		for i := 1; i < len(q)-1; i++ {
			if q[i] == '\\' && i+1 < len(q)-1 {
				i++
			}
			b.WriteByte(q[i])
		}
		return section, b.String(), rest, nil
	}
	if dot := strings.IndexByte(body, '.'); dot >= 0 {
		return strings.ToLower(body[:dot]), strings.ToLower(body[dot+1:]), rest, nil
	}
	return strings.ToLower(body), "", rest, nil
}

func (p *configParser) parseKeyValue(line string) (configEntry, error) {
	i := 0
	for i < len(line) && (isAlnum(line[i]) || line[i] == '-') {
		i++
	}
	if i == 0 {
		return configEntry{}, p.errorf("bad key")
	}
	e := configEntry{name: strings.ToLower(line[:i])}
	rest := strings.TrimLeft(line[i:], " \t")
	if rest == "" || rest[0] == '#' || rest[0] == ';' {
		e.implicit = true
		return e, nil
	}
	if rest[0] != '=' {
		return configEntry{}, p.errorf("expected '=' after %q", e.name)
	}
	v, err := p.parseValue(rest[1:])
	if err != nil {
		return configEntry{}, err
	}
	e.value = v
	return e, nil
}

// parseValue decodes a value: quotes, escapes, comments and continuation lines.
func (p *configParser) parseValue(s string) (string, error) {
	var b strings.Builder
	inQuote := false
	pendingSpace := "" // whitespace outside quotes, kept only if more text follows
	started := false
	for {
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case c == '\\':
				if i+1 == len(s) { // continuation
					goto nextLine
				}
				i++
				flushSpace(&b, &pendingSpace, started)
				switch s[i] {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				case 'b':
					if b.Len() > 0 {
						str := b.String()
						b.Reset()
						b.WriteString(str[:len(str)-1])
					}
				case '\\', '"':
					b.WriteByte(s[i])
				default:
					return "", p.errorf("bad escape \\%c", s[i])
				}
				started = true
			case c == '"':
				flushSpace(&b, &pendingSpace, started)
				inQuote = !inQuote
				started = true
			case !inQuote && (c == '#' || c == ';'):
				return b.String(), nil
			case !inQuote && (c == ' ' || c == '\t'):
				if started {
					pendingSpace += " " // git turns each unquoted blank into a space
				}
			default:
				flushSpace(&b, &pendingSpace, started)
				b.WriteByte(c)
				started = true
			}
		}
		if inQuote {
			return "", p.errorf("unterminated quote")
		}
		return b.String(), nil
	nextLine:
		if !p.sc.Scan() {
			return b.String(), nil
		}
		p.line++
		s = p.sc.Text()
	}
}

func flushSpace(b *strings.Builder, pending *string, started bool) {
	if started {
		b.WriteString(*pending)
	}
	*pending = ""
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
