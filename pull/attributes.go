package pull

import (
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/format/gitattributes"

	"github.com/fcgit/fcgit/gitstate"
)

// markerSizes reads the conflict-marker-size attribute the way merge-ort
// does: from the work tree's .gitattributes files (each directory's, deeper
// ones winning) and .git/info/attributes (winning over all). Only the
// directories on the way to merged paths are read, lazily.
type markerSizes struct {
	workDir, gitDir string
	perDir          map[string][]gitattributes.MatchAttribute
	info            []gitattributes.MatchAttribute
}

func newMarkerSizes(repo *gitstate.Repo) *markerSizes {
	m := &markerSizes{workDir: repo.WorkDir(), gitDir: repo.GitDir(), perDir: map[string][]gitattributes.MatchAttribute{}}
	m.info = m.read(filepath.Join(m.gitDir, "info", "attributes"), nil)
	return m
}

func (m *markerSizes) read(file string, domain []string) []gitattributes.MatchAttribute {
	data, err := os.ReadFile(file)
	if err != nil {
		// No file (the usual case) or unreadable: no attributes from it,
		// as git behaves.
		return nil
	}
	return parseAttributes(data, domain)
}

// parseAttributes reads the lines go-git can take and drops the others, as
// git drops (with a warning) lines it cannot parse: go-git's parser panics
// on an empty quoted pattern, and its matcher on a pattern with a trailing
// slash (which matches no file in git anyway).
func parseAttributes(data []byte, domain []string) []gitattributes.MatchAttribute {
	var out []gitattributes.MatchAttribute
	for _, line := range strings.Split(string(data), "\n") {
		func() {
			defer func() { recover() }()
			a, err := gitattributes.ParseAttributesLine(line, domain, true)
			if err != nil || a.Name == "" || (a.Pattern != nil && strings.HasSuffix(a.Name, "/")) {
				return
			}
			out = append(out, a)
		}()
	}
	return out
}

func (m *markerSizes) dir(d string) []gitattributes.MatchAttribute {
	if a, ok := m.perDir[d]; ok {
		return a
	}
	var domain []string
	if d != "." {
		domain = strings.Split(d, "/")
	}
	a := m.read(filepath.Join(m.workDir, filepath.FromSlash(d), ".gitattributes"), domain)
	m.perDir[d] = a
	return a
}

// size returns the path's conflict-marker-size, 0 when unset.
func (m *markerSizes) size(p string) int {
	var stack []gitattributes.MatchAttribute
	var dirs []string
	for d := path.Dir(p); ; d = path.Dir(d) {
		dirs = append(dirs, d)
		if d == "." || d == "/" {
			break
		}
	}
	// Shallow first: later entries in the stack take precedence.
	for i := len(dirs) - 1; i >= 0; i-- {
		stack = append(stack, m.dir(dirs[i])...)
	}
	stack = append(stack, m.info...)
	// The last matching line that says anything about the attribute wins.
	// (go-git's Matcher stops at the first line matching the path even when
	// that line is about other attributes, so it is not used here.)
	parts := strings.Split(p, "/")
	for i := len(stack) - 1; i >= 0; i-- {
		if stack[i].Pattern == nil || !stack[i].Pattern.Match(parts) {
			continue
		}
		for _, a := range stack[i].Attributes {
			if a.Name() != "conflict-marker-size" {
				continue
			}
			if !a.IsValueSet() {
				return 0
			}
			n, err := strconv.Atoi(a.Value())
			if err != nil || n <= 0 {
				return 0
			}
			return n
		}
	}
	return 0
}
