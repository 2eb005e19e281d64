package snapshot

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/fcgit/fcgit/internal/mapkeys"
)

// Secret environment variables never reach a file: function.toml holds a
// reference saying where push takes the value from, and the files fetch
// records hold at most a salted slow hash of the value online, so a change
// made in the console (a rotation) is still seen:
//
//	[environmentVariables]
//	DB_PASSWORD = {secret = "env:DB_PASSWORD", hash = "$argon2id$v=19$m=19456,t=2,p=1$…$…"}
//
// The reference is the whole desired state: two references are equal
// whatever their source or hash (a value is never compared through files),
// and a change of value online is reported by ProtectSecrets instead.

// Keys of a secret reference.
const (
	secretKey = "secret"
	hashKey   = "hash"
)

// SecretSourceEnv prefixes a reference to an environment variable of the
// process that runs push (CI secret stores provide values that way).
const SecretSourceEnv = "env:"

// DefaultSecretPatterns are the names treated as secrets when fcgit.toml has
// no secrets key: glob patterns, case-insensitive.
var DefaultSecretPatterns = []string{
	"*PASSWORD*", "*PASSWD*", "*_PWD", "*SECRET*", "*TOKEN*", "*PRIVATE*",
	"*CREDENTIAL*", "*APIKEY*", "*_KEY",
}

// SecretRules says which environment variables hold secrets.
type SecretRules struct {
	Patterns []string // globs (path.Match syntax), matched case-insensitively
}

// Match reports whether the variable name is a secret by the rules.
func (r SecretRules) Match(name string) bool {
	n := strings.ToUpper(name)
	for _, p := range r.Patterns {
		if ok, _ := path.Match(strings.ToUpper(p), n); ok {
			return true
		}
	}
	return false
}

// SecretRef is a reference to a secret value in function.toml.
type SecretRef struct {
	Source string // "env:NAME"
	Hash   string // the recorded value's argon2id hash (PHC string); "" when none
}

// AsSecretRef reads v as a secret reference.
func AsSecretRef(v any) (SecretRef, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return SecretRef{}, false
	}
	src, ok := m[secretKey].(string)
	if !ok {
		return SecretRef{}, false
	}
	h, _ := m[hashKey].(string)
	return SecretRef{Source: src, Hash: h}, true
}

func (r SecretRef) value() map[string]any {
	m := map[string]any{secretKey: r.Source}
	if r.Hash != "" {
		m[hashKey] = r.Hash
	}
	return m
}

// EnvName returns the environment variable an "env:" source names.
func (r SecretRef) EnvName() (string, bool) {
	n, ok := strings.CutPrefix(r.Source, SecretSourceEnv)
	return n, ok && n != ""
}

// secretMarker is what every secret reference normalises to: equal to any
// other reference, different from any value.
var secretMarker = map[string]any{"\x00secret": true}

// checkSecretRef validates a reference read from function.toml.
func checkSecretRef(m map[string]any) error {
	for k := range m {
		if k != secretKey && k != hashKey {
			return fmt.Errorf("a secret reference has only %q and %q, not %q", secretKey, hashKey, k)
		}
	}
	src, ok := m[secretKey].(string)
	if !ok {
		return fmt.Errorf(`a table here is a secret reference and needs %s = "env:NAME"`, secretKey)
	}
	r := SecretRef{Source: src}
	if _, ok := r.EnvName(); !ok {
		return fmt.Errorf(`secret source %q: want "env:NAME", the environment variable push reads the value from`, src)
	}
	if h, present := m[hashKey]; present {
		s, ok := h.(string)
		if !ok {
			return fmt.Errorf("%s: want the string fetch wrote", hashKey)
		}
		if _, err := parseSecretHash(s); err != nil {
			return fmt.Errorf("%s: %v (delete the line's hash to let fetch write it again)", hashKey, err)
		}
	}
	return nil
}

// Argon2id parameters of the hashes fcgit writes: OWASP's recommended
// minimum (19 MiB, 2 passes, 1 lane). A guess costs as much memory and time
// to an attacker holding the repository as to fcgit.
const (
	secretTime    = 2
	secretMemory  = 19 * 1024 // KiB
	secretThreads = 1
	secretKeyLen  = 16
	secretSaltLen = 16
	// Bounds on parameters read back from files: a forged hash must not
	// make fcgit spend gigabytes verifying it.
	maxSecretMemory = 256 * 1024
	maxSecretTime   = 10
)

type secretHash struct {
	time, memory uint32
	threads      uint8
	salt, key    []byte
}

var b64 = base64.RawStdEncoding

// HashSecret returns a salted argon2id hash of value in the PHC string form
// (the form function.toml records).
func HashSecret(value string) string {
	salt := make([]byte, secretSaltLen)
	if _, err := rand.Read(salt); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	key := argon2.IDKey([]byte(value), salt, secretTime, secretMemory, secretThreads, secretKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, secretMemory, secretTime, secretThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// VerifySecret reports whether value is the one hash was made from.
func VerifySecret(value, hash string) bool {
	h, err := parseSecretHash(hash)
	if err != nil {
		return false
	}
	key := argon2.IDKey([]byte(value), h.salt, h.time, h.memory, h.threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1
}

func parseSecretHash(s string) (secretHash, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return secretHash{}, fmt.Errorf("not an argon2id hash")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return secretHash{}, fmt.Errorf("argon2 version %s not supported", parts[2])
	}
	var h secretHash
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &h.memory, &h.time, &threads); err != nil {
		return secretHash{}, fmt.Errorf("bad argon2 parameters %q", parts[3])
	}
	if h.memory < 8 || h.memory > maxSecretMemory || h.time < 1 || h.time > maxSecretTime || threads < 1 || threads > 16 {
		return secretHash{}, fmt.Errorf("argon2 parameters %q out of range", parts[3])
	}
	h.threads = uint8(threads)
	var err error
	if h.salt, err = b64.DecodeString(parts[4]); err != nil || len(h.salt) < 8 {
		return secretHash{}, fmt.Errorf("bad salt")
	}
	if h.key, err = b64.DecodeString(parts[5]); err != nil || len(h.key) < 8 || len(h.key) > 64 {
		return secretHash{}, fmt.Errorf("bad hash")
	}
	return h, nil
}

// The deployed-secrets stamp: push records, in the FC tag SecretsTag, short
// argon2id digests of each secret value it left deployed, so that a value
// push itself deployed from its environment (which the repository's files
// cannot know) is told apart from a rotation made in the console. A digest
// is 48 bits of argon2id(value, salt || name): as slow to guess as the
// hashes in files, and an FC tag holds at most 128 characters.
const (
	SecretsTag        = "fcgit-secrets"
	secretsTagVersion = "1"
	stampSaltLen      = 8
	stampDigestLen    = 6
	maxTagValue       = 128
)

// SecretsStamp returns the SecretsTag value for the deployed secret values
// (name → value), "" when there are none. Names beyond what a tag holds are
// left out (sorted by name); their changes are then seen only through the
// hashes in files.
func SecretsStamp(values map[string]string) string {
	if len(values) == 0 {
		return ""
	}
	salt := make([]byte, stampSaltLen)
	if _, err := rand.Read(salt); err != nil {
		panic(err)
	}
	out := secretsTagVersion + ":" + b64.EncodeToString(salt) + ":"
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names)
	var digests []string
	for i, n := range names {
		d := stampDigest(values[n], n, salt)
		// A full tag says so ("+"): the names left out are unknown to it.
		room := maxTagValue
		if i < len(names)-1 {
			room -= 2
		}
		if len(out)+len(strings.Join(append(digests, d), ".")) > room {
			digests = append(digests, "+")
			break
		}
		digests = append(digests, d)
	}
	return out + strings.Join(digests, ".")
}

// stampComplete reports whether a SecretsTag value covers every secret the
// deploy had (it was not cut to fit a tag).
func stampComplete(stamp string) bool {
	return stamp != "" && !strings.HasSuffix(stamp, ".+") && !strings.HasSuffix(stamp, ":+")
}

func stampDigest(value, name string, salt []byte) string {
	key := argon2.IDKey([]byte(value), append(append([]byte(nil), salt...), name...), secretTime, secretMemory, secretThreads, stampDigestLen)
	return b64.EncodeToString(key)
}

// StampHolds reports whether the SecretsTag value stamp records value for
// the variable name.
func StampHolds(stamp, name, value string) bool {
	parts := strings.Split(stamp, ":")
	if len(parts) != 3 || parts[0] != secretsTagVersion || parts[2] == "" {
		return false
	}
	salt, err := b64.DecodeString(parts[1])
	if err != nil || len(salt) != stampSaltLen {
		return false
	}
	d := stampDigest(value, name, salt)
	for _, have := range strings.Split(parts[2], ".") {
		if subtle.ConstantTimeCompare([]byte(have), []byte(d)) == 1 {
			return true
		}
	}
	return false
}

// SecretsBasis is what ProtectSecrets compares online values with.
type SecretsBasis struct {
	Prev *State // the function as last recorded (the online branch's version); nil when none
	// Stamp is the function's SecretsTag value: what push last deployed.
	Stamp string
	// Unchanged is set when FC reports the function unchanged since Prev
	// was recorded (same lastModifiedTime): Prev's entries are reused
	// without hashing.
	Unchanged bool
}

// SecretsReport says how ProtectSecrets found each secret.
type SecretsReport struct {
	// Changed names the secrets whose value online is neither the one Prev
	// recorded nor the one push last deployed: a rotation, value hidden.
	Changed []string
	// Names lists every secret of the function, sorted.
	Names []string
}

// ProtectSecrets replaces, in a state read from FC, the value of every secret
// environment variable (by rules, or because Prev references it as one) with
// a reference: Prev's own when the value is the one Prev recorded or the one
// push last deployed (so files do not churn), else a new hash of the value
// with Prev's source (or env:NAME). values receives the values taken out, for
// push and for hiding them from output; it may be nil.
func ProtectSecrets(st *State, rules SecretRules, basis SecretsBasis, values map[string]string) SecretsReport {
	var rep SecretsReport
	env, _ := st.Config["environmentVariables"].(map[string]any)
	var prevEnv map[string]any
	if basis.Prev != nil {
		prevEnv, _ = basis.Prev.Config["environmentVariables"].(map[string]any)
	}
	for _, name := range mapkeys.Sorted(env) {
		value, isString := env[name].(string)
		prevRef, prevIsRef := AsSecretRef(prevEnv[name])
		if !isString || (!rules.Match(name) && !prevIsRef) {
			continue
		}
		rep.Names = append(rep.Names, name)
		if values != nil {
			values[name] = value
		}
		switch {
		case prevIsRef && basis.Unchanged:
			env[name] = prevRef.value()
		case prevIsRef && prevRef.Hash != "" && VerifySecret(value, prevRef.Hash):
			env[name] = prevRef.value()
		case basis.Stamp != "" && StampHolds(basis.Stamp, name, value):
			// Deployed by push from its environment: the repository's
			// reference stands, whatever hash it recorded before.
			if prevIsRef {
				env[name] = prevRef.value()
			} else {
				env[name] = SecretRef{Source: SecretSourceEnv + name, Hash: HashSecret(value)}.value()
			}
		default:
			src := SecretSourceEnv + name
			if prevIsRef {
				src = prevRef.Source
			}
			// A change needs something to differ from: a recorded hash, or
			// a stamp that covers every deployed secret.
			if prevIsRef && prevRef.Hash != "" || stampComplete(basis.Stamp) {
				rep.Changed = append(rep.Changed, name)
			}
			env[name] = SecretRef{Source: src, Hash: HashSecret(value)}.value()
		}
	}
	return rep
}

// SecretRefs lists a state's secret references by variable name.
func (s *State) SecretRefs() map[string]SecretRef {
	out := map[string]SecretRef{}
	env, _ := s.Config["environmentVariables"].(map[string]any)
	for name, v := range env {
		if r, ok := AsSecretRef(v); ok {
			out[name] = r
		}
	}
	return out
}

// LiteralSecrets lists environment variables whose names the rules mark as
// secrets but whose value is written in the file.
func (s *State) LiteralSecrets(rules SecretRules) []string {
	var out []string
	env, _ := s.Config["environmentVariables"].(map[string]any)
	for _, name := range mapkeys.Sorted(env) {
		if _, literal := env[name].(string); literal && rules.Match(name) {
			out = append(out, name)
		}
	}
	return out
}

// ResolveSecrets replaces the secret references of a request body's
// environmentVariables with values from value; a reference value cannot
// resolve is an error naming it.
func ResolveSecrets(in map[string]any, value func(name string, ref SecretRef) (string, bool)) error {
	env, _ := in["environmentVariables"].(map[string]any)
	for _, name := range mapkeys.Sorted(env) {
		ref, ok := AsSecretRef(env[name])
		if !ok {
			continue
		}
		v, ok := value(name, ref)
		if !ok {
			return fmt.Errorf("environmentVariables.%s: no value for this secret: set $%s where push runs", name, strings.TrimPrefix(ref.Source, SecretSourceEnv))
		}
		env[name] = v
	}
	return nil
}

// SecretsSignature is the recorded hashes of a state's secrets, "" when it
// has none: two versions of a function with the same content id but other
// signatures recorded different secret values.
func (s *State) SecretsSignature() string {
	refs := s.SecretRefs()
	names := make([]string, 0, len(refs))
	for n, r := range refs {
		if r.Hash != "" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n + "=" + refs[n].Hash + "\n")
	}
	return b.String()
}
