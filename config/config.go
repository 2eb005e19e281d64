// Package config reads and writes fcgit.toml, the project settings committed
// at the root of the user's repository.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/BurntSushi/toml"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/internal/typo"
	"github.com/fcgit/fcgit/snapshot"
)

// FileName is the settings file at the root of the work tree.
const FileName = "fcgit.toml"

// Defaults for keys a user may leave out.
const (
	DefaultDir    = "functions"
	DefaultBranch = "fcgit/online"
	DefaultRegion = "cn-hangzhou"
)

// Config is fcgit.toml. Field names are the file's keys; docs/configuration.md
// documents each one.
type Config struct {
	Region   string `toml:"region"`
	Endpoint string `toml:"endpoint"`
	Dir      string `toml:"dir"`
	Branch   string `toml:"branch"`
	Scope    Scope  `toml:"scope"`
	// Secrets names, by glob, the environment variables whose values are
	// secrets (never written to git); nil (key absent) means
	// DefaultSecretPatterns, an empty list turns it off.
	Secrets *[]string `toml:"secrets"`
	// ReadForEveryFunction names the kinds (function.toml keys) read for
	// every function in scope; nil (key absent) means ReadKinds, all of
	// them. A kind left out is read only for the functions whose files (or
	// last record) declare it: fewer requests, or none a RAM user may be
	// refused, but a console edit on another function goes unseen.
	ReadForEveryFunction *[]string `toml:"readForEveryFunction"`
	// Watch is the old name of the per-function half of
	// ReadForEveryFunction, kept for repositories made before it: it named
	// the kinds read for every function among "aliases" and "vpcBindings"
	// (the region's settings were always read). Deprecated.
	Watch []string `toml:"watch"`
	// Domains is the directory of custom domain files, beside dir; nil
	// (key absent) means DefaultDomains, "" turns custom domains off.
	Domains *string `toml:"domains"`
	// Code says where push puts code packages too large to send inline.
	Code Code `toml:"code"`
	// Targets are the places the repository deploys to, by name; none
	// means one implicit target made of the keys above.
	Targets map[string]*TargetTable `toml:"targets"`
	// DefaultTarget is the target commands use without -t.
	DefaultTarget string `toml:"defaultTarget"`
	// Overlays is the directory of the targets' overlays (<target>.toml):
	// what differs per target from the shared function and domain files.
	Overlays string `toml:"overlays"`
}

// Code is the [code] table: FC takes a package over 100 MB only from an OSS
// bucket in the function's region, so push uploads such packages there.
type Code struct {
	// OSSBucket is the bucket; "" refuses packages over the inline limit.
	OSSBucket string `toml:"ossBucket"`
	// OSSPrefix starts every object name; nil (key absent) means
	// DefaultOSSPrefix, "" puts objects at the top of the bucket.
	OSSPrefix *string `toml:"ossPrefix"`
	// OSSEndpoint overrides https://oss-<region>.aliyuncs.com (an internal
	// endpoint, the emulator's OSS endpoint); FCGIT_OSS_ENDPOINT wins over it.
	OSSEndpoint string `toml:"ossEndpoint"`
}

// DefaultOSSPrefix starts object names when fcgit.toml sets no ossPrefix, so
// fcgit's objects stay apart from the bucket's others.
const DefaultOSSPrefix = "fcgit/"

// Prefix is the object name prefix in effect.
func (c Code) Prefix() string {
	if c.OSSPrefix == nil {
		return DefaultOSSPrefix
	}
	return *c.OSSPrefix
}

// DefaultDomains is the custom domains' directory when fcgit.toml names none.
const DefaultDomains = "domains"

// DomainsDir is the directory of custom domain files, "" when off.
func (c *Config) DomainsDir() string {
	if c.Domains == nil {
		return DefaultDomains
	}
	return *c.Domains
}

// WatchKinds are the kinds the deprecated watch key may name.
var WatchKinds = []string{"aliases", "vpcBindings"}

// ReadKinds are the kinds readForEveryFunction may name, as function.toml
// names them: the region's settings, which one listing each reads for the
// whole region, and the kinds FC lists only function by function (aliases,
// VPC bindings: one request per function each).
var ReadKinds = []string{"aliases", "asyncInvokeConfig", "concurrencyConfig", "provisionConfig", "scalingConfig", "vpcBindings"}

// ReadsForEveryFunction lists the kinds read for every function in scope:
// readForEveryFunction, or, in a repository made before it, the region's
// settings and what watch names; all of ReadKinds by default.
func (c *Config) ReadsForEveryFunction() []string {
	switch {
	case c.ReadForEveryFunction != nil:
		return append([]string(nil), *c.ReadForEveryFunction...)
	case c.Watch != nil:
		out := []string{}
		for _, k := range ReadKinds {
			per := false
			for _, w := range WatchKinds {
				per = per || k == w
			}
			if !per || contains(c.Watch, k) {
				out = append(out, k)
			}
		}
		return out
	}
	return append([]string(nil), ReadKinds...)
}

// ReadsEveryFunction reports whether kind is read for every function.
func (c *Config) ReadsEveryFunction(kind string) bool {
	return contains(c.ReadsForEveryFunction(), kind)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// DefaultSecretPatterns are the secret variable names when fcgit.toml has no
// secrets key (docs/configuration.md lists them).
var DefaultSecretPatterns = []string{
	"*PASSWORD*", "*PASSWD*", "*_PWD", "*SECRET*", "*TOKEN*", "*PRIVATE*",
	"*CREDENTIAL*", "*APIKEY*", "*_KEY",
}

// SecretPatterns returns the configured secret name globs.
func (c *Config) SecretPatterns() []string {
	if c.Secrets == nil {
		return append([]string(nil), DefaultSecretPatterns...)
	}
	out := make([]string, len(*c.Secrets))
	copy(out, *c.Secrets)
	return out
}

// Scope says which online functions this repository manages. An empty scope
// manages every function in the region.
type Scope struct {
	Prefix  string   `toml:"prefix"`
	Include []string `toml:"include"`
	Exclude []string `toml:"exclude"`
	// FCVersion is ListFunctions's fcVersion: "v3" manages the functions
	// created under FC 3.0 only, "v2" those created under FC 2.0 only
	// (service$function), "" both.
	FCVersion string `toml:"fcVersion"`
}

// MaxFileSize bounds fcgit.toml: the decoder holds the whole document, and
// a real file is a few KiB.
const MaxFileSize = 1 << 20

// ErrNotFound is returned by Load when the file does not exist.
var ErrNotFound = errors.New(FileName + " not found")

// Load reads fcgit.toml from the work tree root.
func Load(workDir string) (*Config, error) {
	p := filepath.Join(workDir, FileName)
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w (run `fcgit init --region <region>` first)", p, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// One byte past the bound is enough for Parse to refuse the file.
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return Parse(FileName, data)
}

// Parse decodes and validates fcgit.toml content. name is used in errors.
func Parse(name string, data []byte) (*Config, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: %d bytes, more than fcgit reads (%d KiB): fcgit.toml holds a few settings; is this the right file?", name, len(data), MaxFileSize>>10)
	}
	if line, deep := snapshot.TOMLTooDeep(string(data)); deep {
		return nil, fmt.Errorf("%s:%d: tables and arrays nest deeper than %d levels; fcgit.toml's settings nest two levels at most (%s)", name, line, snapshot.MaxDepth, knownKeys)
	}
	var c Config
	md, err := toml.Decode(string(data), &c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s:%d: %s", name, pe.Position.Line, pe.Message)
		}
		if m := typeErrRe.FindStringSubmatch(err.Error()); m != nil {
			return nil, fmt.Errorf("%s:%s: %s: %s", name, m[1], m[2], m[3])
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		var errs []error
		for _, k := range undecoded {
			hint := ""
			candidates := knownKeyPaths
			if len(k) > 2 && k[0] == "targets" {
				candidates = nil
				for _, t := range targetKeyPaths {
					candidates = append(candidates, "targets."+k[1]+"."+t)
				}
			}
			if near := typo.Nearest(k.String(), candidates); near != "" {
				hint = fmt.Sprintf("did you mean %q? ", near)
			}
			errs = append(errs, fmt.Errorf("%s:%d: unknown key %q (%sknown keys: %s)",
				name, keyLine(data, k), k.String(), hint, knownKeys))
		}
		return nil, errors.Join(errs...)
	}
	c.setDefaults()
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, keyLine(data, strings.Split(err.(*fieldError).key, ".")), err)
	}
	return &c, nil
}

// knownKeyPaths are fcgit.toml's keys as dotted paths, for "did you mean".
var knownKeyPaths = []string{"region", "endpoint", "dir", "branch", "domains", "secrets", "readForEveryFunction", "watch", "defaultTarget", "overlays",
	"scope", "scope.prefix", "scope.include", "scope.exclude", "scope.fcVersion", "code", "code.ossBucket", "code.ossPrefix", "code.ossEndpoint"}

// targetKeyPaths are the keys of a [targets.<name>] table.
var targetKeyPaths = []string{"region", "endpoint", "profile", "branch", "scope", "scope.prefix", "scope.include", "scope.exclude", "scope.fcVersion",
	"code", "code.ossBucket", "code.ossPrefix", "code.ossEndpoint"}

// knownKeys lists fcgit.toml's keys for the unknown-key message, tables last.
const knownKeys = "region, endpoint, dir, branch, domains, secrets, readForEveryFunction, defaultTarget, overlays, [scope] prefix, include, exclude, fcVersion, [code] ossBucket, ossPrefix, ossEndpoint, [targets.<name>] region, endpoint, profile, branch, [targets.<name>.scope], [targets.<name>.code]"

func (c *Config) setDefaults() {
	if c.Dir == "" {
		c.Dir = DefaultDir
	}
	if c.Branch == "" {
		c.Branch = DefaultBranch
	}
}

type fieldError struct {
	key string
	msg string
}

func (e *fieldError) Error() string { return e.key + ": " + e.msg }

var (
	// typeErrRe picks apart BurntSushi/toml's type-mismatch errors, which
	// carry the line only in their text.
	typeErrRe = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)
	regionRe  = regexp.MustCompile(`^[a-z]{2,}(-[a-z0-9]+)+$`)
	// bucketRe is OSS's bucket naming rule.
	bucketRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)
)

func (c *Config) validate() error {
	if c.Region == "" && !c.everyTargetHasRegion() {
		return &fieldError{"region", "missing: set it to the FC region, e.g. region = \"cn-hangzhou\""}
	}
	if c.Region != "" && !regionRe.MatchString(c.Region) {
		return &fieldError{"region", fmt.Sprintf("%q is not a region id such as \"cn-hangzhou\"", c.Region)}
	}
	if err := checkEndpoint(c.Endpoint); err != nil {
		return err
	}
	clean := path.Clean(c.Dir)
	if path.IsAbs(c.Dir) || strings.HasPrefix(clean, "..") || clean == "." || strings.Contains(c.Dir, `\`) {
		return &fieldError{"dir", fmt.Sprintf("%q must be a relative directory inside the repository, e.g. \"functions\"", c.Dir)}
	}
	if clean == ".git" || strings.HasPrefix(clean, ".git/") {
		return &fieldError{"dir", fmt.Sprintf("%q is inside .git", c.Dir)}
	}
	c.Dir = clean
	if c.Domains != nil && *c.Domains != "" {
		d := path.Clean(*c.Domains)
		if path.IsAbs(*c.Domains) || strings.HasPrefix(d, "..") || d == "." || d == ".git" || strings.HasPrefix(d, ".git/") || d == c.Dir || strings.HasPrefix(d, c.Dir+"/") || strings.HasPrefix(c.Dir, d+"/") {
			return &fieldError{"domains", fmt.Sprintf("%q must be a relative directory inside the repository, apart from dir %q", *c.Domains, c.Dir)}
		}
		*c.Domains = d
	}
	if err := validBranch(c.Branch); err != nil {
		return &fieldError{"branch", err.Error()}
	}
	if c.Secrets != nil {
		for _, p := range *c.Secrets {
			if _, err := path.Match(p, ""); err != nil || p == "" {
				return &fieldError{"secrets", fmt.Sprintf("bad glob %q: want a variable name or a pattern such as \"*_TOKEN\"", p)}
			}
		}
	}
	for _, w := range c.Watch {
		if !contains(WatchKinds, w) {
			return &fieldError{"watch", fmt.Sprintf("%q: want %s (watch is the old name of readForEveryFunction, which takes %s)", w, strings.Join(WatchKinds, " or "), strings.Join(ReadKinds, ", "))}
		}
	}
	if c.Watch != nil && c.ReadForEveryFunction != nil {
		return &fieldError{"watch", "watch is the old name of readForEveryFunction, and both are set: keep readForEveryFunction (it names the region's settings too), and remove watch"}
	}
	if c.ReadForEveryFunction != nil {
		for _, k := range *c.ReadForEveryFunction {
			if !contains(ReadKinds, k) {
				hint := ""
				if near := typo.Nearest(k, ReadKinds); near != "" {
					hint = fmt.Sprintf("did you mean %q? ", near)
				}
				return &fieldError{"readForEveryFunction", fmt.Sprintf("%q is not a kind fcgit reads (%swant some of %s)", k, hint, strings.Join(ReadKinds, ", "))}
			}
		}
	}
	if err := c.Code.validate(); err != nil {
		return err
	}
	if err := c.Scope.validate(); err != nil {
		return err
	}
	return c.validateTargets()
}

func (s Scope) validate() error {
	switch s.FCVersion {
	case "", "v2", "v3":
	default:
		return &fieldError{"scope.fcVersion", fmt.Sprintf("%q: want \"v3\" (functions created under FC 3.0 only), \"v2\" (those created under FC 2.0, named service$function, only) or \"\" (both)", s.FCVersion)}
	}
	for _, pats := range [][]string{s.Include, s.Exclude} {
		for _, p := range pats {
			if _, err := path.Match(p, ""); err != nil {
				return &fieldError{"scope", fmt.Sprintf("bad glob %q: %v", p, err)}
			}
		}
	}
	return nil
}

// validBranch applies the rules of an online branch name: git's own
// (git check-ref-format --branch), and the short form.
func validBranch(b string) error {
	if why := checkBranchName(b); why != "" {
		return fmt.Errorf("%q is not a branch name git accepts: it %s (git check-ref-format --branch); use a short name such as %q", b, why, DefaultBranch)
	}
	if strings.HasPrefix(b, "refs/") {
		// Git accepts it, as refs/heads/refs/…: almost always a full ref
		// name written where the short form belongs.
		return fmt.Errorf("%q is a full ref name; branch takes the short form, e.g. %q for refs/heads/%s", b, strings.TrimPrefix(b, "refs/heads/"), strings.TrimPrefix(b, "refs/heads/"))
	}
	return nil
}

func (c Code) validate() error {
	if err := checkEndpoint(c.OSSEndpoint); err != nil {
		return &fieldError{"code.ossEndpoint", err.(*fieldError).msg}
	}
	if c.OSSBucket != "" && !bucketRe.MatchString(c.OSSBucket) {
		return &fieldError{"code.ossBucket", fmt.Sprintf("%q is not an OSS bucket name (3-63 lower-case letters, digits and '-', not starting or ending with '-')", c.OSSBucket)}
	}
	if p := c.Prefix(); p != "" {
		// OSS refuses object names starting with a slash or a backslash;
		// the others keep object names printable and unambiguous.
		bad := strings.HasPrefix(p, "/") || strings.Contains(p, `\`) || strings.Contains(p, "//") || len(p) > 512 ||
			strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f })
		for _, seg := range strings.Split(p, "/") {
			bad = bad || seg == "." || seg == ".."
		}
		if bad || !utf8.ValidString(p) {
			return &fieldError{"code.ossPrefix", fmt.Sprintf("%q is not an object name prefix such as \"fcgit/\" (no leading '/', no '\\', '//', '.' or '..' segments, no control characters, at most 512 bytes)", p)}
		}
	}
	return nil
}

// everyTargetHasRegion reports whether targets are declared, each with its
// own region (then the top-level one may be left out).
func (c *Config) everyTargetHasRegion() bool {
	for _, t := range c.Targets {
		if t == nil || t.Region == "" {
			return false
		}
	}
	return len(c.Targets) > 0
}

// checkEndpoint refuses an endpoint carrying a user name or password
// (http://user:pass@host). fcgit.toml is committed, so a password there is
// published with the repository; FC does not read one either (requests are
// signed with the access key). The message never repeats the password.
func checkEndpoint(e string) error {
	if fc.RedactEndpoint(e) == e {
		return nil
	}
	return &fieldError{"endpoint", fmt.Sprintf("%q holds a user name or password before '@': fcgit.toml is committed, so it never holds credentials, and FC authenticates requests with the access key instead; remove the \"user:password@\" part", fc.RedactEndpoint(e))}
}

// BranchRef is the full ref name of the online branch.
func (c *Config) BranchRef() string { return "refs/heads/" + c.Branch }

// InScope reports whether this repository manages the online function name.
func (c *Config) InScope(name string) bool { return c.Scope.inScope(name) }

func (s Scope) inScope(name string) bool {
	if !strings.HasPrefix(name, s.Prefix) {
		return false
	}
	// Only the names of functions created under FC 2.0 hold '$'.
	if fc2 := strings.Contains(name, "$"); s.FCVersion == "v3" && fc2 || s.FCVersion == "v2" && !fc2 {
		return false
	}
	if len(s.Include) > 0 {
		in := false
		for _, p := range s.Include {
			if ok, _ := path.Match(p, name); ok {
				in = true
				break
			}
		}
		if !in {
			return false
		}
	}
	for _, p := range s.Exclude {
		if ok, _ := path.Match(p, name); ok {
			return false
		}
	}
	return true
}

// keyLine finds the line of a dotted key in the file, for error messages. It
// is a best effort: TOML decoders do not expose key positions.
func keyLine(data []byte, k toml.Key) int {
	if len(k) == 0 {
		return 1
	}
	table := strings.Join(k[:len(k)-1], ".")
	leaf := k[len(k)-1]
	cur := ""
	for i, line := range bytes.Split(data, []byte("\n")) {
		t := strings.TrimSpace(string(line))
		if strings.HasPrefix(t, "[") {
			cur = strings.Trim(strings.TrimSpace(strings.Trim(t, "[]")), `"`)
			if table != "" && cur == table && leaf == "" {
				return i + 1
			}
			continue
		}
		if cur != table {
			continue
		}
		if eq := strings.IndexByte(t, '='); eq > 0 && strings.Trim(strings.TrimSpace(t[:eq]), `"'`) == leaf {
			return i + 1
		}
	}
	// A table that is unknown as a whole.
	for i, line := range bytes.Split(data, []byte("\n")) {
		if strings.Contains(string(line), leaf) {
			return i + 1
		}
	}
	return 1
}
