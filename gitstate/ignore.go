package gitstate

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
)

// ignoreRules holds exclude patterns in increasing priority: core.excludesFile,
// .git/info/exclude, then .gitignore files from the root down (later wins, as
// in git).
type ignoreRules struct {
	patterns []gitignore.Pattern
}

// baseIgnoreRules loads the global excludes file and info/exclude.
func (r *Repo) baseIgnoreRules() (*ignoreRules, error) {
	ir := &ignoreRules{}
	global, ok, err := r.Config("core.excludesFile")
	if err != nil {
		return nil, err
	}
	if ok && global != "" {
		global = expandHome(global)
	} else if xdg := os.Getenv("XDG_CONFIG_HOME"); xdg != "" {
		global = filepath.Join(xdg, "git", "ignore")
	} else if home := os.Getenv("HOME"); home != "" {
		global = filepath.Join(home, ".config", "git", "ignore")
	}
	for _, f := range []string{global, filepath.Join(r.commonDir, "info", "exclude")} {
		if f == "" {
			continue
		}
		ps, err := readIgnoreFile(f, nil)
		if err != nil {
			return nil, err
		}
		ir.patterns = append(ir.patterns, ps...)
	}
	return ir, nil
}

// withDir returns the rules extended by the .gitignore of directory dirRel
// ("" for the root). The receiver is not modified.
func (ir *ignoreRules) withDir(workDir, dirRel string) (*ignoreRules, error) {
	var domain []string
	if dirRel != "" {
		domain = strings.Split(dirRel, "/")
	}
	ps, err := readIgnoreFile(filepath.Join(workDir, filepath.FromSlash(dirRel), ".gitignore"), domain)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return ir, nil
	}
	all := make([]gitignore.Pattern, 0, len(ir.patterns)+len(ps))
	all = append(append(all, ir.patterns...), ps...)
	return &ignoreRules{patterns: all}, nil
}

func (ir *ignoreRules) ignored(rel string, isDir bool) bool {
	if len(ir.patterns) == 0 {
		return false
	}
	return gitignore.NewMatcher(ir.patterns).Match(strings.Split(rel, "/"), isDir)
}

// readIgnoreFile parses one ignore file; missing is empty.
func readIgnoreFile(path string, domain []string) ([]gitignore.Pattern, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			return nil, nil
		}
		return nil, err
	}
	defer f.Close()
	var ps []gitignore.Pattern
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ps = append(ps, gitignore.ParsePattern(line, domain))
	}
	return ps, sc.Err()
}
