package config

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
)

// TargetTable is one [targets.<name>] table of fcgit.toml: a place the
// repository deploys to (staging, production: a region, an account). Keys
// left out take the top-level ones; branch defaults to fcgit/online/<name>.
type TargetTable struct {
	Region   string `toml:"region"`
	Endpoint string `toml:"endpoint"`
	// Profile names the aliyun CLI profile (~/.aliyun/config.json) whose
	// credentials sign this target's requests, so that targets can be
	// different accounts; "" takes the default credential chain.
	Profile string `toml:"profile"`
	Branch  string `toml:"branch"`
	Scope   *Scope `toml:"scope"`
	Code    *Code  `toml:"code"`
}

// Target is one target resolved: where it deploys, how, and its online
// branch. A repository without [targets] has one implicit target, named "",
// made of the top-level keys.
type Target struct {
	Name     string
	Region   string
	Endpoint string
	Profile  string
	Branch   string
	Scope    Scope
	Code     Code
}

// BranchRef is the full ref name of the target's online branch.
func (t *Target) BranchRef() string { return "refs/heads/" + t.Branch }

// Label names the target for people: its name, or "" for the implicit one.
func (t *Target) Label() string { return t.Name }

// InScope reports whether the target manages the online function name.
func (t *Target) InScope(name string) bool { return t.Scope.inScope(name) }

// DefaultOverlays is the directory of the targets' overlays when fcgit.toml
// names none.
const DefaultOverlays = "targets"

// OverlaysDir is the directory holding one <target>.toml overlay each.
func (c *Config) OverlaysDir() string {
	if c.Overlays == "" {
		return DefaultOverlays
	}
	return c.Overlays
}

// Overlay is the path of a target's overlay file, "" for the implicit
// target (it has none).
func (c *Config) Overlay(t *Target) string {
	if t.Name == "" {
		return ""
	}
	return path.Join(c.OverlaysDir(), t.Name+".toml")
}

// TargetNames lists the targets fcgit.toml declares, sorted; none for a
// repository with the implicit target only.
func (c *Config) TargetNames() []string {
	names := make([]string, 0, len(c.Targets))
	for n := range c.Targets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Target resolves a target by name. "" is the default target: defaultTarget
// when set, the only target when there is one, the implicit target of a
// repository without [targets].
func (c *Config) Target(name string) (*Target, error) {
	if name == "" {
		switch {
		case len(c.Targets) == 0:
			return c.implicit(), nil
		case c.DefaultTarget != "":
			name = c.DefaultTarget
		case len(c.Targets) == 1:
			name = c.TargetNames()[0]
		default:
			return nil, &TargetError{Msg: fmt.Sprintf("%s declares several targets (%s) and no defaultTarget: name one with -t (or FCGIT_TARGET), or set defaultTarget in %s", FileName, strings.Join(c.TargetNames(), ", "), FileName)}
		}
	}
	tt, ok := c.Targets[name]
	if !ok {
		if len(c.Targets) == 0 {
			return nil, &TargetError{Msg: fmt.Sprintf("no target %q: %s declares no [targets]; drop -t (and FCGIT_TARGET), or declare [targets.%s]", name, FileName, name)}
		}
		return nil, &TargetError{Msg: fmt.Sprintf("no target %q in %s (targets: %s)", name, FileName, strings.Join(c.TargetNames(), ", "))}
	}
	t := &Target{Name: name, Region: c.Region, Endpoint: c.Endpoint, Profile: tt.Profile, Branch: tt.Branch, Scope: c.Scope, Code: c.Code}
	if tt.Region != "" {
		t.Region = tt.Region
	}
	if tt.Endpoint != "" {
		t.Endpoint = tt.Endpoint
	}
	if t.Branch == "" {
		t.Branch = DefaultBranch + "/" + name
	}
	if tt.Scope != nil {
		t.Scope = *tt.Scope
	}
	if tt.Code != nil {
		t.Code = *tt.Code
	}
	return t, nil
}

// AllTargets resolves every declared target (the implicit one when none is).
func (c *Config) AllTargets() ([]*Target, error) {
	if len(c.Targets) == 0 {
		return []*Target{c.implicit()}, nil
	}
	var out []*Target
	for _, n := range c.TargetNames() {
		t, err := c.Target(n)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func (c *Config) implicit() *Target {
	return &Target{Region: c.Region, Endpoint: c.Endpoint, Branch: c.Branch, Scope: c.Scope, Code: c.Code}
}

// TargetError is a target named wrongly (a usage error).
type TargetError struct{ Msg string }

func (e *TargetError) Error() string { return e.Msg }

var targetNameRe = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)

// validateTargets checks the [targets] tables and defaultTarget.
func (c *Config) validateTargets() error {
	if c.DefaultTarget != "" {
		if _, ok := c.Targets[c.DefaultTarget]; !ok {
			return &fieldError{"defaultTarget", fmt.Sprintf("%q is not a target: declare [targets.%s], or name one of: %s", c.DefaultTarget, c.DefaultTarget, strings.Join(c.TargetNames(), ", "))}
		}
	}
	if c.Overlays != "" {
		d := path.Clean(c.Overlays)
		if path.IsAbs(c.Overlays) || strings.HasPrefix(d, "..") || d == "." || d == ".git" || strings.HasPrefix(d, ".git/") ||
			d == c.Dir || strings.HasPrefix(d, c.Dir+"/") || strings.HasPrefix(c.Dir, d+"/") || d == c.DomainsDir() {
			return &fieldError{"overlays", fmt.Sprintf("%q must be a relative directory inside the repository, apart from dir and domains", c.Overlays)}
		}
		c.Overlays = d
	}
	branches := map[string]string{}
	for _, name := range c.TargetNames() {
		key := "targets." + name
		if !targetNameRe.MatchString(name) {
			return &fieldError{key, fmt.Sprintf("%q is not a target name: 1-31 of a-z, 0-9 and '-', starting with a letter (it names the online branch fcgit/online/<name> and the overlay %s/<name>.toml)", name, c.OverlaysDir())}
		}
		t, err := c.Target(name)
		if err != nil {
			return err
		}
		if t.Region == "" {
			return &fieldError{key + ".region", "missing: set region in the target's table or at the top of the file"}
		}
		if !regionRe.MatchString(t.Region) {
			return &fieldError{key + ".region", fmt.Sprintf("%q is not a region id such as \"cn-hangzhou\"", t.Region)}
		}
		if err := validBranch(t.Branch); err != nil {
			return &fieldError{key + ".branch", err.Error()}
		}
		if other, dup := branches[t.Branch]; dup {
			return &fieldError{key + ".branch", fmt.Sprintf("%q is target %s's online branch too: each target records its online state on a branch of its own", t.Branch, other)}
		}
		for other, on := range branches {
			if strings.HasPrefix(t.Branch, other+"/") || strings.HasPrefix(other, t.Branch+"/") {
				return &fieldError{key + ".branch", fmt.Sprintf("%q and target %s's %q cannot both be branches: git keeps a branch's name as a file, so one cannot be a directory of the other; name them side by side (the default fcgit/online/<target> does), e.g. rename a branch kept from before targets: git branch -m fcgit/online fcgit/online/%s", t.Branch, on, other, on)}
			}
		}
		branches[t.Branch] = name
		if strings.ContainsAny(c.Targets[name].Profile, " \t\n\"'") {
			return &fieldError{key + ".profile", fmt.Sprintf("%q is not an aliyun CLI profile name", c.Targets[name].Profile)}
		}
		if err := t.Code.validate(); err != nil {
			return prefixed(key, err)
		}
		if err := t.Scope.validate(); err != nil {
			return prefixed(key, err)
		}
	}
	return nil
}

func prefixed(table string, err error) error {
	if fe, ok := err.(*fieldError); ok {
		return &fieldError{table + "." + fe.key, fe.msg}
	}
	return err
}
