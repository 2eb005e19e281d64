package snapshot

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/kinds"
)

// Custom domains live in their own files, <domains dir>/<domainName>.toml,
// described by kinds.CustomDomain: the same canonical encoding, defaults and
// comparisons as function.toml. A State holds a domain with Name the domain
// name and Config its fields (no triggers).

// domainField describes a domain file's top level.
var domainField = func() *field {
	f := fromKinds(&kinds.Field{Type: kinds.Struct, Fields: kinds.CustomDomain.Fields})
	f.explicitDefaults = true
	for _, p := range kinds.CustomDomain.SecretFields {
		if sf := lookupPath(f, p); sf != nil {
			sf.writeOnly = true
		}
	}
	return f
}()

func lookupPath(f *field, p []string) *field {
	for _, k := range p {
		if f = f.member(k); f == nil {
			return nil
		}
	}
	return f
}

// DomainFile is the name of a domain's file in the domains directory.
func DomainFile(domain string) string { return domain + ".toml" }

// DomainOfFile is the domain a file of the domains directory holds, "" for
// a file that is not a domain's.
func DomainOfFile(name string) string {
	d, ok := strings.CutSuffix(name, ".toml")
	if !ok || ValidDomainName(d) != nil {
		return ""
	}
	return d
}

// ValidDomainName checks a custom domain name: DNS labels, a wildcard "*."
// first label allowed.
func ValidDomainName(name string) error {
	rest := strings.TrimPrefix(name, "*.")
	labels := strings.Split(rest, ".")
	ok := len(name) <= 253 && len(labels) >= 2
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			ok = false
			break
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				ok = false
			}
		}
	}
	if !ok {
		return fmt.Errorf("invalid custom domain name %s", strconv.Quote(name))
	}
	return nil
}

// DecodeDomain parses a domain file strictly, as Decode does function.toml.
// A secret field (certConfig.privateKey) must be a reference.
func DecodeDomain(path string, data []byte, name string) (*State, error) {
	st, problems := DecodeDomainAll(path, data, name)
	if len(problems) > 0 {
		return nil, problems.err()
	}
	return st, nil
}

// DecodeDomainAll is DecodeDomain that goes on past problems, as DecodeAll.
func DecodeDomainAll(path string, data []byte, name string) (*State, Problems) {
	raw, d, perr := parseTOML(path, data)
	if perr != nil {
		return nil, Problems{perr}
	}
	if err := ValidDomainName(name); err != nil {
		d.fail(nil, "file name: %v", err)
	}
	st := &State{Name: name, Config: map[string]any{}, Triggers: map[string]map[string]any{}}
	for _, k := range mapkeys.Sorted(raw) {
		v, err := fromTOML(raw[k])
		if err != nil {
			d.fail([]string{k}, "%s: %v", k, err)
			continue
		}
		if k == "domainName" {
			if v != name {
				d.fail([]string{k}, "domainName: %s differs from the file name %q; rename the file to rename the domain, and remove this line", describe(v), DomainFile(name))
			}
			continue
		}
		if d.member(domainField, []string{k}, v) {
			st.Config[k] = v
		}
	}
	for _, p := range kinds.CustomDomain.SecretFields {
		v, ok := valueAt(st.Config, p)
		if !ok {
			continue
		}
		m, isTable := v.(map[string]any)
		if !isTable {
			d.fail(p, "%s: a private key never goes in a file: write %s = {secret = \"env:NAME\"} and set $NAME where push runs", strings.Join(p, "."), p[len(p)-1])
			continue
		}
		if err := checkSecretRef(m); err != nil {
			d.fail(p, "%s: %v", strings.Join(p, "."), err)
		}
	}
	return st, d.problems()
}

func valueAt(m map[string]any, p []string) (any, bool) {
	var v any = m
	for _, k := range p {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = mm[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// EncodeDomain renders a domain file canonically (see Encode).
func EncodeDomain(s, prev *State) ([]byte, error) {
	return encodeDomain(s, prev, nil)
}

// EncodeDomainWithConflicts is EncodeWithConflicts for a domain file.
func EncodeDomainWithConflicts(s, prev *State, opts EncodeOptions) ([]byte, error) {
	if opts.MarkerSize <= 0 {
		opts.MarkerSize = 7
	}
	return encodeDomain(s, prev, &opts)
}

func encodeDomain(s, prev *State, opts *EncodeOptions) ([]byte, error) {
	name, err := quoteString(s.Name)
	if err != nil {
		return nil, fmt.Errorf("encode domain name: %w", err)
	}
	var prevCfg map[string]any
	if prev != nil {
		prevCfg = prev.Config
	}
	cfg := shapeTable(domainField, s.Config, prevCfg, prev != nil)
	w := &tomlWriter{conflicts: opts, multiline: true}
	return w.encode(fmt.Sprintf("# Function Compute custom domain %s. Fields: FC 3.0 API names; see docs/.\n", name), s.Name, cfg, nil)
}

// DomainFromAPI builds a domain's desired state from FC's document: server
// fields and nulls dropped. FC never returns the secret fields; prev's
// references to them are kept where the table holding them still exists,
// so a file does not lose them on every fetch.
func DomainFromAPI(doc map[string]any, prev *State) (*State, error) {
	name, _ := doc["domainName"].(string)
	if err := ValidDomainName(name); err != nil {
		return nil, err
	}
	if err := (&docCheck{}).members(doc, 0); err != nil {
		return nil, fmt.Errorf("custom domain %s: %w", Printable(name), err)
	}
	cfg, err := cleanDoc(domainField, doc)
	if err != nil {
		return nil, fmt.Errorf("custom domain %s: %w", name, err)
	}
	st := &State{Name: name, Config: cfg, Triggers: map[string]map[string]any{}}
	if prev != nil {
		for _, p := range kinds.CustomDomain.SecretFields {
			v, ok := valueAt(prev.Config, p)
			if !ok {
				continue
			}
			if parent, ok := valueAt(st.Config, p[:len(p)-1]); ok {
				if m, ok := parent.(map[string]any); ok {
					m[p[len(p)-1]] = cloneValue(v)
				}
			}
		}
	}
	return st, nil
}

// DomainInput is the Create/UpdateCustomDomain body of a domain state:
// secret references resolved by value (an error naming the secret when it
// cannot be).
func DomainInput(s *State, value func(path []string, ref SecretRef) (string, bool)) (map[string]any, error) {
	in := cloneMap(s.Config)
	if err := checkNoConflict("", in); err != nil {
		return nil, err
	}
	for _, p := range kinds.CustomDomain.SecretFields {
		v, ok := valueAt(in, p)
		if !ok {
			if _, hasParent := valueAt(in, p[:len(p)-1]); hasParent {
				// FC never returns it, so a fetched file lacks it until
				// someone says where push finds it.
				return nil, fmt.Errorf("%s: missing: FC needs it with the rest of %s; write %s = {secret = \"env:NAME\"} and set $NAME where push runs", strings.Join(p, "."), strings.Join(p[:len(p)-1], "."), p[len(p)-1])
			}
			continue
		}
		ref, _ := AsSecretRef(v)
		val, ok := value(p, ref)
		if !ok {
			return nil, fmt.Errorf("%s: no value for this secret: set $%s where push runs", strings.Join(p, "."), strings.TrimPrefix(ref.Source, SecretSourceEnv))
		}
		parent, _ := valueAt(in, p[:len(p)-1])
		parent.(map[string]any)[p[len(p)-1]] = val
	}
	return in, nil
}

// DomainRoutes lists the functions a domain routes to.
func DomainRoutes(s *State) []string {
	rc, _ := s.Config["routeConfig"].(map[string]any)
	routes, _ := rc["routes"].([]any)
	var out []string
	for _, r := range routes {
		m, _ := r.(map[string]any)
		if fn, ok := m["functionName"].(string); ok {
			out = append(out, fn)
		}
	}
	return out
}

// DomainDiff is Diff for two domain states: the paths of fields that differ
// once defaults ("LATEST", methods []) and write-only secrets are set aside.
func DomainDiff(a, b *State) []string {
	var out []string
	diffTables("", domainField, a.Config, b.Config, &out)
	return out
}

// DomainEqual is Equal for domain states.
func DomainEqual(a, b *State) bool {
	return a.Name == b.Name && len(DomainDiff(a, b)) == 0
}
