package snapshot

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/fcgit/fcgit/internal/mapkeys"
)

// Check lists what FC would refuse, or silently not keep, in a function's
// desired state, before anything is written: keys fcgit does not know that
// are not online either (FC would drop them, and the file and FC would
// disagree forever), and values outside FC's documented limits (the limits
// and relations tables in schema.go). Each problem is located at its key's
// line in text, the file's content (path names it), and the list is sorted
// by line.
//
// st may be a state DecodeAll returned with problems: values of the wrong
// type are passed over (Decode reported them), so each problem comes out
// once. Online, when set, is the function as FC holds it: a key it has is
// not unknown, and a value equal to its own is not checked against a
// limit, since FC took it.
func Check(path string, text []byte, st *State, online *State) Problems {
	c := &checker{file: path, lines: locateKeys(string(text)), st: st, onlineSt: online, doc: document(st)}
	if online != nil {
		c.online = document(online)
	}
	c.unknownKeys()
	for _, l := range limits {
		c.apply(l)
	}
	for _, r := range relations {
		r(c)
	}
	c.out.Sort()
	return c.out
}

// CheckDomain is Check for a domain file: the keys fcgit does not know that
// FC does not hold either, which FC would drop, leaving the file and FC to
// differ forever (a typo near a known name is DecodeDomain's to refuse).
func CheckDomain(path string, text []byte, st *State, online *State) Problems {
	c := &checker{file: path, lines: locateKeys(string(text)), st: st, onlineSt: online, doc: st.Config}
	var unknown [][]string
	unknownIn(domainField, nil, st.Config, &unknown)
	for _, p := range unknown {
		if online != nil && hasIn(online.Config, p) {
			continue
		}
		c.fail(p, "%s: not a Function Compute custom domain field fcgit knows, and not set online either, so FC would not keep it", shownPath(p))
	}
	c.out.Sort()
	return c.out
}

// checker holds one function's check: its state as one document, the
// triggers under "triggers" as function.toml nests them.
type checker struct {
	file     string
	lines    keyLines
	st       *State
	onlineSt *State
	doc      map[string]any
	online   map[string]any // nil when the function is not online
	out      Problems
	failed   map[string]bool // paths with a problem, joined by "\x00"
}

func document(st *State) map[string]any {
	doc := make(map[string]any, len(st.Config)+1)
	for k, v := range st.Config {
		doc[k] = v
	}
	if len(st.Triggers) > 0 {
		ts := make(map[string]any, len(st.Triggers))
		for name, t := range st.Triggers {
			ts[name] = t
		}
		doc["triggers"] = ts
	}
	return doc
}

func (c *checker) fail(path []string, format string, args ...any) {
	c.out = append(c.out, &DecodeError{Path: c.file, Line: c.lines.line(path), Msg: fmt.Sprintf(format, args...)})
	if c.failed == nil {
		c.failed = map[string]bool{}
	}
	c.failed[strings.Join(path, "\x00")] = true
}

// failedAt reports whether a problem was found at path already.
func (c *checker) failedAt(path ...string) bool {
	return c.failed[strings.Join(path, "\x00")]
}

// value returns the value at path in doc.
func value(doc map[string]any, path []string) (any, bool) {
	var v any = doc
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// same reports whether every path holds the same value locally and online
// (absent on both sides counts as the same).
func (c *checker) same(paths ...[]string) bool {
	if c.online == nil {
		return false
	}
	for _, p := range paths {
		lv, lok := value(c.doc, p)
		ov, ook := value(c.online, p)
		if lok != ook || lok && !valuesEqual(lv, ov) {
			return false
		}
	}
	return true
}

// onlineHas reports whether FC holds a value at path.
func (c *checker) onlineHas(path []string) bool {
	if c.online == nil {
		return false
	}
	_, ok := value(c.online, path)
	return ok
}

// unknownKeys refuses the keys fcgit does not know that FC does not hold
// either: FC would not keep them.
func (c *checker) unknownKeys() {
	for _, p := range UnknownPaths(c.st) {
		if c.onlineSt != nil && HasPath(c.onlineSt, p) {
			continue
		}
		if len(p) > 3 && p[0] == "triggers" && p[2] == triggerConfigKey {
			if cf := triggerConfigField(c.st.Triggers[p[1]]); cf != nil && len(cf.fields) == 0 {
				continue // an empty configuration: the tablestore rule says so once
			}
		}
		msg := fmt.Sprintf("%s: not a Function Compute field fcgit knows, and not set online either, so FC would not keep it", shownPath(p))
		switch near := nearestKnown(c.st, p); {
		case len(p) == 3 && p[0] == "aliases" && isVersionID(p[2]):
			msg += fmt.Sprintf("; a canary weight goes in the table [aliases.%s.additionalVersionWeight] (%s = 0.1)", quoteKey(p[1]), quoteKey(p[2]))
		case len(p) == 3 && p[0] == "aliases" && strings.Contains(strings.ToLower(p[2]), "weight"):
			msg += fmt.Sprintf("; a canary weight goes in the table [aliases.%s.additionalVersionWeight], by version (\"2\" = 0.1)", quoteKey(p[1]))
		case near != "":
			msg += fmt.Sprintf("; did you mean %q?", near)
		}
		c.fail(p, "%s", msg)
	}
}

// match is one value a limit's path reaches.
type match struct {
	path []string
	v    any
}

// matches returns the values at pattern in doc, "*" standing for every key.
func matches(doc map[string]any, pattern []string) []match {
	var out []match
	var walk func(v any, i int, path []string)
	walk = func(v any, i int, path []string) {
		if i == len(pattern) {
			out = append(out, match{append([]string(nil), path...), v})
			return
		}
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		if pattern[i] != "*" {
			if sub, ok := m[pattern[i]]; ok {
				walk(sub, i+1, append(path, pattern[i]))
			}
			return
		}
		for _, k := range mapkeys.Sorted(m) {
			walk(m[k], i+1, append(path, k))
		}
	}
	walk(doc, 0, nil)
	return out
}

// apply checks every value (or key) a limit's path reaches.
func (c *checker) apply(l limit) {
	for _, m := range matches(c.doc, strings.Split(l.path, ".")) {
		if l.trigger != "" {
			tr, _ := value(c.doc, m.path[:min(2, len(m.path))])
			trm, _ := tr.(map[string]any)
			if typ, _ := trm["triggerType"].(string); typ != l.trigger {
				continue
			}
		}
		if l.key {
			k := m.path[len(m.path)-1]
			if l.ok(k) || c.onlineHas(m.path) {
				continue
			}
			c.fail(m.path, "%s: %s", shownPath(m.path), l.why)
			continue
		}
		if l.ok(m.v) || c.same(m.path) {
			continue
		}
		if l.show != nil {
			c.fail(m.path, "%s: %s; %s", shownPath(m.path), l.show(m.v), l.why)
		} else {
			c.fail(m.path, "%s = %s: %s", shownPath(m.path), literal(m.v), l.why)
		}
	}
}

// limit is one of FC's rules about one value, or one key, of function.toml.
type limit struct {
	// path locates the values it applies to, keys joined by "."; "*"
	// stands for every key of a table (a qualifier, an alias or trigger
	// name, a variable). "triggers" holds the [triggers.<name>] tables.
	path string
	// trigger restricts the rule to triggers of this triggerType.
	trigger string
	// key checks the key the path's last "*" matches instead of the value.
	key bool
	rule
}

// rule says what FC takes.
type rule struct {
	// ok reports whether a value (a key, for a key rule) complies. A value
	// of another type than the field's is Decode's to refuse: ok.
	ok func(v any) bool
	// show, when set, describes a refused value instead of quoting it.
	show func(v any) string
	// why ends the message: what FC takes, so what to write instead.
	why string
}

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("snapshot: bad built-in number " + s)
	}
	return r
}

// number returns a number value's exact value; ok is false for anything
// else.
func number(v any) (*big.Rat, bool) {
	if _, isNum := v.(json.Number); !isNum {
		return nil, false
	}
	return numberRat(v)
}

func unitSuffix(unit string) string {
	if unit == "" {
		return ""
	}
	return " (" + unit + ")"
}

// between takes numbers from lo to hi.
func between(lo, hi, unit string) rule {
	l, h := rat(lo), rat(hi)
	return rule{ok: func(v any) bool {
		r, ok := number(v)
		return !ok || r.Cmp(l) >= 0 && r.Cmp(h) <= 0
	}, why: fmt.Sprintf("FC takes %s to %s%s", lo, hi, unitSuffix(unit))}
}

// atLeast takes numbers from lo up.
func atLeast(lo, unit string) rule {
	l := rat(lo)
	return rule{ok: func(v any) bool {
		r, ok := number(v)
		return !ok || r.Cmp(l) >= 0
	}, why: fmt.Sprintf("FC takes %s or more%s", lo, unitSuffix(unit))}
}

// stepsOf takes multiples of step from lo to hi.
func stepsOf(step, lo, hi, unit string) rule {
	s, l, h := rat(step), rat(lo), rat(hi)
	return rule{ok: func(v any) bool {
		r, ok := number(v)
		if !ok {
			return true
		}
		return r.Cmp(l) >= 0 && r.Cmp(h) <= 0 && new(big.Rat).Quo(r, s).IsInt()
	}, why: fmt.Sprintf("FC takes a multiple of %s from %s to %s%s", step, lo, hi, unitSuffix(unit))}
}

// numberIn takes the numbers listed.
func numberIn(unit string, values ...string) rule {
	return rule{ok: func(v any) bool {
		r, ok := number(v)
		if !ok {
			return true
		}
		for _, want := range values {
			if r.Cmp(rat(want)) == 0 {
				return true
			}
		}
		return false
	}, why: fmt.Sprintf("FC takes %s%s", orList(values), unitSuffix(unit))}
}

// words takes the strings listed.
func words(values ...string) rule {
	return rule{ok: func(v any) bool {
		s, ok := v.(string)
		if !ok {
			return true
		}
		for _, w := range values {
			if s == w {
				return true
			}
		}
		return false
	}, why: "FC takes " + orList(values)}
}

// httpMethods are the methods an HTTP trigger takes (HTTPTriggerConfig).
var httpMethods = []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}

// methods takes a non-empty list of HTTP methods.
func methods() rule {
	return rule{ok: func(v any) bool {
		list, ok := v.([]any)
		if !ok {
			return true
		}
		if len(list) == 0 {
			return false
		}
		for _, e := range list {
			s, ok := e.(string)
			if ok && !contains(httpMethods, s) {
				return false
			}
		}
		return true
	}, why: "FC takes one or more of " + strings.Join(httpMethods, ", ")}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// maxChars takes strings of at most n characters.
func maxChars(n int) rule {
	return rule{ok: func(v any) bool {
		s, ok := v.(string)
		return !ok || utf8.RuneCountInString(s) <= n
	}, show: func(v any) string {
		return fmt.Sprintf("%d characters", utf8.RuneCountInString(v.(string)))
	}, why: fmt.Sprintf("FC takes at most %d", n)}
}

// countAtMost takes tables and arrays of at most n members.
func countAtMost(n int, what, why string) rule {
	count := func(v any) int {
		switch x := v.(type) {
		case map[string]any:
			return len(x)
		case []any:
			return len(x)
		}
		return 0
	}
	w := fmt.Sprintf("FC takes at most %d", n)
	if why != "" {
		w += " (" + why + ")"
	}
	return rule{ok: func(v any) bool { return count(v) <= n },
		show: func(v any) string { return fmt.Sprintf("%d %s", count(v), what) }, why: w}
}

// keyRule takes the keys ok accepts.
func keyRule(ok func(string) bool, why string) rule {
	return rule{ok: func(v any) bool { return ok(v.(string)) }, why: why}
}

var envName = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]*$`)

func validEnvName(k string) bool { return envName.MatchString(k) }

// reservedEnv are the names FC keeps for itself besides FC_*.
var reservedEnv = []string{"accessKeyID", "accessKeySecret", "securityToken", "topic"}

func notReservedEnv(k string) bool {
	return !strings.HasPrefix(k, "FC_") && !contains(reservedEnv, k)
}

// envSize takes environment variables of at most MaxEnvSize bytes of names
// and values. A secret's value is not known before push runs: its name
// counts.
func envSize() rule {
	size := func(v any) int {
		m, _ := v.(map[string]any)
		n := 0
		for k, e := range m {
			n += len(k)
			if s, ok := e.(string); ok {
				n += len(s)
			}
		}
		return n
	}
	return rule{ok: func(v any) bool { return size(v) <= MaxEnvSize },
		show: func(v any) string { return fmt.Sprintf("%d bytes of names and values", size(v)) },
		why:  fmt.Sprintf("FC takes at most %d (4 KB) in total", MaxEnvSize)}
}

func hasURL(s string) bool {
	l := strings.ToLower(s)
	return strings.Contains(l, "http://") || strings.Contains(l, "https://")
}

func isVersionID(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// versionID takes a version id: digits, as a string.
func versionID() rule {
	return rule{ok: func(v any) bool {
		s, ok := v.(string)
		return !ok || isVersionRef(s)
	}, why: `FC takes a published version's id, digits as a string (e.g. "1"); or name the version by the commit it was published from, "commit:<id>", which fcgit resolves in each target`}
}

func isEmptyTable(v any) bool {
	m, ok := v.(map[string]any)
	return !ok || len(m) == 0
}

// reservedConcurrency takes up to 90% of the default instance quota.
func reservedConcurrency() rule {
	most := DefaultInstanceQuota * 9 / 10
	r := between("0", fmt.Sprint(most), "")
	r.why = fmt.Sprintf("FC takes at most 90%% of the region's instance quota: %d with the default quota of %d (with a raised quota, set the value in the console and pull: a value FC holds is not checked)", most, DefaultInstanceQuota)
	return r
}

func orList(values []string) string {
	if len(values) == 1 {
		return values[0]
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}

// cpuMemoryRatio: cpu : memory (GB) between 1:1 and 1:4, so cpu from a
// quarter of the memory in GB to all of it. GPU functions have fixed
// specifications of their own, and an absent cpu is FC's to choose.
func cpuMemoryRatio(c *checker) {
	cpu, ok := number(c.doc["cpu"])
	if !ok || c.failedAt("cpu") || c.failedAt("memorySize") {
		return
	}
	if g, ok := c.doc["gpuConfig"].(map[string]any); ok && len(g) > 0 {
		return
	}
	memText := "512 (FC's default)"
	mem := rat("512")
	if v, present := c.doc["memorySize"]; present {
		if mem, ok = number(v); !ok {
			return
		}
		memText = literal(v)
	}
	gb := new(big.Rat).Quo(mem, rat("1024"))
	low := new(big.Rat).Quo(gb, rat("4"))
	if cpu.Cmp(low) >= 0 && cpu.Cmp(gb) <= 0 {
		return
	}
	if c.same([]string{"cpu"}, []string{"memorySize"}) {
		return
	}
	c.fail([]string{"cpu"}, "cpu = %s with memorySize = %s: FC takes cpu : memory (GB) from 1:1 to 1:4, so cpu from %s to %s here",
		literal(c.doc["cpu"]), memText, decimal(low), decimal(gb))
}

// decimal renders an exact value as a short decimal.
func decimal(r *big.Rat) string {
	s := strings.TrimRight(r.FloatString(4), "0")
	return strings.TrimSuffix(s, ".")
}

// concurrencyOnCustomRuntimes: more than one request per instance only on
// the custom runtimes (custom, custom.debian10/11/12, custom-container).
func concurrencyOnCustomRuntimes(c *checker) {
	if _, set := c.doc["instanceConcurrency"]; set && len(IgnoredFields(c.st.Name, c.doc["runtime"])) > 0 && !c.failedAt("instanceConcurrency") {
		c.fail([]string{"instanceConcurrency"}, "instanceConcurrency: FC 3.0 ignores it on a function created under FC 2.0 (%s) with runtime = %s: it keeps the value FC 2.0 had, whatever push sends; remove the line", Printable(c.st.Name), literal(c.doc["runtime"]))
		return
	}
	n, ok := number(c.doc["instanceConcurrency"])
	if !ok || n.Cmp(rat("1")) <= 0 || c.failedAt("instanceConcurrency") {
		return
	}
	rt, ok := c.doc["runtime"].(string)
	if !ok || strings.HasPrefix(rt, "custom") {
		return
	}
	// A value FC holds stays, whatever the runtime becomes: FC 2.0-era
	// functions kept theirs, and the rule is about asking for more.
	if c.same([]string{"instanceConcurrency"}) {
		return
	}
	c.fail([]string{"instanceConcurrency"}, "instanceConcurrency = %s with runtime = %s: FC takes more than 1 only on custom runtimes (custom, custom.debian10, custom.debian11, custom.debian12, custom-container)",
		literal(c.doc["instanceConcurrency"]), literal(rt))
}

// aliasWeights: an alias's canary weights add up to at most 1 and do not
// name the alias's own version.
func aliasWeights(c *checker) {
	aliases, _ := c.doc["aliases"].(map[string]any)
	for _, name := range mapkeys.Sorted(aliases) {
		a, _ := aliases[name].(map[string]any)
		w, _ := a["additionalVersionWeight"].(map[string]any)
		wp := []string{"aliases", name, "additionalVersionWeight"}
		if len(w) == 0 || c.same(wp, []string{"aliases", name, "versionId"}) {
			continue
		}
		if id, ok := a["versionId"].(string); ok {
			if _, own := w[id]; own {
				c.fail(append(wp, id), "%s: version %s is the alias's own version (versionId); FC takes weights for other versions only", shownPath(append(wp, id)), id)
			}
		}
		sum := new(big.Rat)
		for _, k := range mapkeys.Sorted(w) {
			if r, ok := number(w[k]); ok {
				sum.Add(sum, r)
			}
		}
		if sum.Cmp(rat("1")) > 0 {
			c.fail(wp, "%s: the weights add up to %s; FC takes at most 1 in total", shownPath(wp), decimal(sum))
		}
	}
}

// newNames: the names of triggers and aliases not online yet follow FC's
// rules (those online FC took already).
func newNames(c *checker) {
	for _, kind := range []struct {
		key   string
		valid func(string) error
	}{{"triggers", ValidTriggerName}, {"aliases", ValidAliasName}} {
		m, _ := c.doc[kind.key].(map[string]any)
		for _, name := range mapkeys.Sorted(m) {
			p := []string{kind.key, name}
			if c.onlineHas(p) {
				continue
			}
			if err := kind.valid(name); err != nil {
				c.fail(p, "%s: %v", shownPath(p), err)
			}
		}
	}
}

// stringSizes: no string or key over MaxStringLen, fcgit's own limit for
// what it reads from FC: a longer one could be sent, and never read back.
func stringSizes(c *checker) {
	var walk func(v any, path []string)
	walk = func(v any, path []string) {
		switch x := v.(type) {
		case string:
			if len(x) > MaxStringLen && !c.same(path) {
				c.fail(path, "%s: a string of %d bytes; fcgit reads at most %d (64 KiB) back from FC", shownPath(path), len(x), MaxStringLen)
			}
		case []any:
			for _, e := range x {
				walk(e, path)
			}
		case map[string]any:
			for _, k := range mapkeys.Sorted(x) {
				p := append(append([]string(nil), path...), k)
				if len(k) > MaxStringLen && !c.onlineHas(p) {
					c.fail(p, "%s: a key of %d bytes; fcgit reads at most %d (64 KiB) back from FC", shownPath(p), len(k), MaxStringLen)
					continue
				}
				walk(x[k], p)
			}
		}
	}
	walk(c.doc, nil)
}

// shownPath renders a key path for a message, quoting keys TOML would
// quote and escaping what a terminal would interpret.
func shownPath(p []string) string {
	s := dottedKey(p)
	if len(s) > maxFieldInMessage {
		s = strings.ToValidUTF8(s[:maxFieldInMessage], "") + "..."
	}
	return Printable(s)
}

// literal renders a value as function.toml writes it, cut short when long.
func literal(v any) string {
	switch x := v.(type) {
	case string:
		if utf8.RuneCountInString(x) > 60 {
			x = string([]rune(x)[:60]) + "..."
		}
		s, err := quoteString(x)
		if err != nil {
			return Printable(x)
		}
		return Printable(s)
	case json.Number:
		if t, _, err := numberText(x); err == nil {
			return t
		}
		return string(x)
	case bool:
		return fmt.Sprint(x)
	case []any:
		parts := make([]string, 0, len(x))
		for i, e := range x {
			if i == 10 {
				parts = append(parts, "...")
				break
			}
			parts = append(parts, literal(e))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		return "a table"
	}
	return describe(v)
}
