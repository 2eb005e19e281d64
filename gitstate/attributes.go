package gitstate

import (
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/gitattributes"
)

// attrLine is one "pattern attr..." line of a gitattributes file, or a
// macro definition ("[attr]name attr...") when pattern is nil.
type attrLine struct {
	pattern gitattributes.Pattern
	macro   string
	attrs   []gitattributes.Attribute
}

// attrValue is an attribute's state as git's attr.c keeps it: set (true),
// unset (false, "-attr"), unspecified ("!attr" or no line), or a string.
type attrValue struct {
	set   bool
	unset bool
	value string // "=value"; empty when set, unset or unspecified
}

func (v attrValue) isTrue() bool  { return v.set }
func (v attrValue) isFalse() bool { return v.unset }

// attrStack resolves attributes the way git's attr.c does for the check-in
// direction (what `git status` and `git add` use): .gitattributes from the
// work tree, falling back to the index when a directory's file cannot be
// opened (missing, or a symlink, which git 2.32+ does not follow); each
// directory's file winning over its parents'; $GIT_DIR/info/attributes
// winning over all, core.attributesFile and the system file below all.
// Only directories on the way to asked paths are read, lazily.
type attrStack struct {
	r         *Repo
	indexBlob map[string]plumbing.Hash // stage-0 (or 2) entries named .gitattributes
	base      []attrLine               // builtin, system, global
	info      []attrLine
	perDir    map[string][]attrLine
}

// builtinAttrs is git's only builtin macro (attr.c builtin_attr).
const builtinAttrs = "[attr]binary -diff -merge -text\n"

func (r *Repo) newAttrStack(idx *indexFile) (*attrStack, error) {
	s := &attrStack{r: r, indexBlob: map[string]plumbing.Hash{}, perDir: map[string][]attrLine{}}
	if idx != nil {
		for _, e := range idx.entries {
			if (e.stage() == 0 || e.stage() == 2) && (e.path == ".gitattributes" || strings.HasSuffix(e.path, "/.gitattributes")) {
				s.indexBlob[e.path] = e.hash
			}
		}
	}
	s.base = parseAttrs([]byte(builtinAttrs), nil, true)
	if v := os.Getenv("GIT_ATTR_NOSYSTEM"); v == "" || !parseBool(v, true) {
		s.base = append(s.base, readAttrFile("/etc/gitattributes", nil, true)...)
	}
	global, ok, err := r.Config("core.attributesFile")
	if err != nil {
		return nil, err
	}
	if ok && global != "" {
		global = expandHome(global)
	} else if xdg := os.Getenv("XDG_CONFIG_HOME"); xdg != "" {
		global = filepath.Join(xdg, "git", "attributes")
	} else if home := os.Getenv("HOME"); home != "" {
		global = filepath.Join(home, ".config", "git", "attributes")
	}
	if global != "" {
		s.base = append(s.base, readAttrFile(global, nil, true)...)
	}
	s.info = readAttrFile(filepath.Join(r.commonDir, "info", "attributes"), nil, true)
	return s, nil
}

// readAttrFile parses one attributes file; missing or unreadable reads as
// empty, as in git (which warns).
func readAttrFile(file string, domain []string, macroOK bool) []attrLine {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	return parseAttrs(data, domain, macroOK)
}

// parseAttrs parses gitattributes text line by line, dropping what git
// rejects with a warning: negative patterns, macros outside top-level files,
// bad attribute names. Patterns ending in "/" never match a file in git
// (and go-git's matcher cannot take them), so they are dropped too.
func parseAttrs(data []byte, domain []string, macroOK bool) []attrLine {
	var out []attrLine
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		ma, ok := parseAttrLine(trimmed, domain, macroOK)
		if !ok {
			continue
		}
		if ma.Pattern == nil {
			out = append(out, attrLine{macro: ma.Name, attrs: ma.Attributes})
			continue
		}
		if strings.HasPrefix(ma.Name, "!") || strings.HasSuffix(ma.Name, "/") {
			continue
		}
		out = append(out, attrLine{pattern: ma.Pattern, attrs: ma.Attributes})
	}
	return out
}

// parseAttrLine guards go-git's parser, which indexes past the end of some
// malformed lines (an empty quoted pattern): such a line is dropped, as git
// drops lines it cannot parse.
func parseAttrLine(line string, domain []string, macroOK bool) (ma gitattributes.MatchAttribute, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	ma, err := gitattributes.ParseAttributesLine(line, domain, macroOK)
	return ma, err == nil && ma.Name != ""
}

// matches guards go-git's pattern matcher the same way: a pattern it cannot
// evaluate matches nothing.
func (l attrLine) matches(parts []string) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return l.pattern != nil && l.pattern.Match(parts)
}

// dir returns the lines of directory d's .gitattributes ("." for the root).
func (s *attrStack) dir(d string) []attrLine {
	if ls, ok := s.perDir[d]; ok {
		return ls
	}
	var domain []string
	rel := ".gitattributes"
	if d != "." {
		domain = strings.Split(d, "/")
		rel = d + "/.gitattributes"
	}
	macroOK := d == "."
	abs := s.r.absPath(rel)
	// Like attr.c's read_attr for the check-in direction: the work tree's
	// file when it can be opened (a symlink cannot: it is not followed),
	// else the index's.
	var ls []attrLine
	fi, err := os.Lstat(abs)
	switch {
	case err == nil && fi.IsDir():
	case err == nil && fi.Mode().IsRegular():
		if data, err := os.ReadFile(abs); err == nil {
			ls = parseAttrs(data, domain, macroOK)
			break
		}
		fallthrough
	default:
		if h, ok := s.indexBlob[rel]; ok {
			if data, err := s.r.ReadBlob(h); err == nil {
				ls = parseAttrs(data, domain, macroOK)
			}
		}
	}
	s.perDir[d] = ls
	return ls
}

// stackFor returns every line that applies to p, lowest priority first.
func (s *attrStack) stackFor(p string) []attrLine {
	var dirs []string
	for d := path.Dir(p); ; d = path.Dir(d) {
		dirs = append(dirs, d)
		if d == "." || d == "/" {
			break
		}
	}
	stack := append([]attrLine(nil), s.base...)
	for i := len(dirs) - 1; i >= 0; i-- {
		stack = append(stack, s.dir(dirs[i])...)
	}
	return append(stack, s.info...)
}

// lookup resolves the named attributes for path p with git's fill algorithm
// (attr.c fill/fill_one/macroexpand_one): lines from the highest priority
// down, attributes of a line from last to first, the first decision for an
// attribute winning; a macro attribute decided as set expands in place,
// filling only what is still undecided.
func (s *attrStack) lookup(p string, names ...string) map[string]attrValue {
	stack := s.stackFor(p)
	macros := map[string][]gitattributes.Attribute{}
	for i := len(stack) - 1; i >= 0; i-- {
		if l := stack[i]; l.pattern == nil {
			if _, ok := macros[l.macro]; !ok {
				macros[l.macro] = l.attrs
			}
		}
	}
	decided := map[string]attrValue{}
	parts := strings.Split(p, "/")
	var fill func(attrs []gitattributes.Attribute, depth int)
	fill = func(attrs []gitattributes.Attribute, depth int) {
		for i := len(attrs) - 1; i >= 0; i-- {
			a := attrs[i]
			if _, ok := decided[a.Name()]; ok {
				continue
			}
			v := attrValue{set: a.IsSet(), unset: a.IsUnset()}
			if a.IsValueSet() {
				v.value = a.Value()
			}
			decided[a.Name()] = v
			if m, ok := macros[a.Name()]; ok && v.set && depth < 16 {
				fill(m, depth+1)
			}
		}
	}
	for i := len(stack) - 1; i >= 0; i-- {
		l := stack[i]
		if !l.matches(parts) {
			continue
		}
		fill(l.attrs, 0)
	}
	out := make(map[string]attrValue, len(names))
	for _, n := range names {
		out[n] = decided[n]
	}
	return out
}
