package snapshot

import (
	"strings"
	"testing"
	"time"
)

func TestSecretRulesDefaults(t *testing.T) {
	t.Parallel()
	r := SecretRules{Patterns: DefaultSecretPatterns}
	for name, want := range map[string]bool{
		"DB_PASSWORD": true, "db_password": true, "API_TOKEN": true, "GITHUB_TOKEN_2": true,
		"STRIPE_SECRET": true, "PRIVATE_KEY_PEM": true, "GCP_CREDENTIALS": true, "SIGNING_KEY": true,
		"MYSQL_PWD": true, "APIKEY": true, "SMTP_PASSWD": true,
		"STAGE": false, "LOG_LEVEL": false, "KEYBOARD": false, "DB_HOST": false, "MONKEY": false,
	} {
		if got := r.Match(name); got != want {
			t.Errorf("default rules: %s secret = %v, want %v", name, got, want)
		}
	}
	if (SecretRules{}).Match("DB_PASSWORD") {
		t.Error("secrets = [] still matches")
	}
}

func TestSecretRefFileRoundTrip(t *testing.T) {
	t.Parallel()
	h := HashSecret("hunter2")
	text := "handler = \"index.handler\"\nruntime = \"python3.10\"\n\n[environmentVariables]\nDB_PASSWORD = {secret = \"env:DB_PASSWORD\", hash = \"" + h + "\"}\nSTAGE = \"prod\"\nTOKEN = {secret = \"env:CI_TOKEN\"}\n"
	st := mustDecode(t, text)
	refs := st.SecretRefs()
	if refs["DB_PASSWORD"].Hash != h || refs["TOKEN"].Source != "env:CI_TOKEN" || len(refs) != 2 {
		t.Fatalf("refs = %+v", refs)
	}
	out := mustEncode(t, st, st)
	for _, want := range []string{
		`DB_PASSWORD = {secret = "env:DB_PASSWORD", hash = "` + h + `"}`,
		`TOKEN = {secret = "env:CI_TOKEN"}`,
		`STAGE = "prod"`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("encoded file lacks line %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "[environmentVariables.") {
		t.Errorf("a secret became a table section:\n%s", out)
	}
	// Two references are the same desired state whatever their source or
	// hash; a reference is never equal to a value.
	other := mustDecode(t, strings.ReplaceAll(text, `env:CI_TOKEN`, `env:OTHER`))
	if !Equal(st, other) || ContentID(st, "") != ContentID(other, "") {
		t.Error("a changed source counts as a change of desired state")
	}
	literal := mustDecode(t, strings.ReplaceAll(text, `TOKEN = {secret = "env:CI_TOKEN"}`, `TOKEN = "abc"`))
	if Equal(st, literal) {
		t.Error("a reference equals a literal value")
	}
}

func TestSecretRefDecodeErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ line, want string }{
		{`X = {secret = "vault:x"}`, `want "env:NAME"`},
		{`X = {secret = "env:"}`, `want "env:NAME"`},
		{`X = {source = "env:X"}`, `not "source"`},
		{`X = {hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"}`, `needs secret = "env:NAME"`},
		{`X = {secret = "env:X", hash = "md5:abc"}`, `not an argon2id hash`},
		{`X = {secret = "env:X", hash = "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"}`, `out of range`},
	} {
		_, err := Decode("f.toml", []byte("[environmentVariables]\n"+tc.line+"\n"), "f")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "f.toml:2:") {
			t.Errorf("%s: error %v, want f.toml:2 and %q", tc.line, err, tc.want)
		}
	}
}

func TestHashSecret(t *testing.T) {
	t.Parallel()
	h := HashSecret("correct horse")
	if strings.Contains(h, "correct") || !VerifySecret("correct horse", h) || VerifySecret("correct horsf", h) {
		t.Fatalf("hash %q", h)
	}
	if HashSecret("correct horse") == h {
		t.Fatal("hashes are not salted")
	}
	p, err := parseSecretHash(h)
	if err != nil {
		t.Fatal(err)
	}
	// The stored form's cost per guess: OWASP's argon2id minimum.
	if p.memory < 19*1024 || p.time < 2 || len(p.salt) < 16 {
		t.Fatalf("parameters too weak: %+v", p)
	}
}

// TestSecretHashResistsDictionary: the stored form does not give a short
// password away to a fast dictionary attack. A guess costs a full argon2id
// evaluation (19 MiB, 2 passes): the test times a few and checks they cost
// at least a millisecond each, far above a fast hash's nanoseconds, and that
// no cheap transform of the value (plain, hex, base64, SHA-256) appears in
// the stored form. BenchmarkSecretGuess reports the cost per guess.
func TestSecretHashResistsDictionary(t *testing.T) {
	h := HashSecret("abc123")
	for _, leak := range []string{"abc123", "616263313233", "YWJjMTIz", "6ca13d52ca70c883e0f0bb101e425a89e8624de51db2d2392593af6a84118090"} {
		if strings.Contains(h, leak) {
			t.Fatalf("stored form %q contains %q", h, leak)
		}
	}
	dictionary := []string{"123456", "password", "qwerty", "abc123", "letmein"}
	start := time.Now()
	found := ""
	for _, guess := range dictionary {
		if VerifySecret(guess, h) {
			found = guess
		}
	}
	perGuess := time.Since(start) / time.Duration(len(dictionary))
	if found != "abc123" {
		t.Fatalf("the right guess was not recognised")
	}
	t.Logf("argon2id guess: %v each", perGuess)
	if perGuess < time.Millisecond {
		t.Fatalf("a guess costs %v: too cheap", perGuess)
	}
}

func BenchmarkSecretGuess(b *testing.B) {
	h := HashSecret("abc123")
	for i := 0; i < b.N; i++ {
		VerifySecret("guess", h)
	}
}

func TestSecretsStamp(t *testing.T) {
	t.Parallel()
	stamp := SecretsStamp(map[string]string{"DB_PASSWORD": "p1", "API_TOKEN": "t1"})
	if len(stamp) > 128 || strings.Contains(stamp, "p1") {
		t.Fatalf("stamp %q", stamp)
	}
	if !StampHolds(stamp, "DB_PASSWORD", "p1") || !StampHolds(stamp, "API_TOKEN", "t1") {
		t.Fatal("stamp does not hold its values")
	}
	if StampHolds(stamp, "DB_PASSWORD", "p2") || StampHolds(stamp, "API_TOKEN", "p1") || StampHolds(stamp, "OTHER", "p1") {
		t.Fatal("stamp holds other values or names")
	}
	if SecretsStamp(nil) != "" {
		t.Fatal("empty stamp")
	}
	many := map[string]string{}
	for i := 0; i < 30; i++ {
		many[string(rune('A'+i%26))+strings.Repeat("X", i/26)] = "v"
	}
	if s := SecretsStamp(many); len(s) > 128 {
		t.Fatalf("stamp of 30 secrets is %d characters", len(s))
	}
}

// TestProtectSecrets: values become references; an unchanged value keeps
// the previous reference byte for byte; a value push deployed keeps it too;
// a value changed elsewhere is reported by name and gets a new hash.
func TestProtectSecrets(t *testing.T) {
	t.Parallel()
	rules := SecretRules{Patterns: DefaultSecretPatterns}
	online := func(pw string) *State {
		return &State{Name: "f", Config: map[string]any{"environmentVariables": map[string]any{"DB_PASSWORD": pw, "STAGE": "prod"}}}
	}
	// First sight: a reference with a hash, nothing reported as changed.
	first := online("p1")
	values := map[string]string{}
	rep := ProtectSecrets(first, rules, SecretsBasis{}, values)
	ref, ok := AsSecretRef(first.Config["environmentVariables"].(map[string]any)["DB_PASSWORD"])
	if !ok || ref.Source != "env:DB_PASSWORD" || !VerifySecret("p1", ref.Hash) || len(rep.Changed) != 0 || values["DB_PASSWORD"] != "p1" {
		t.Fatalf("first sight: ref %+v report %+v values %v", ref, rep, values)
	}
	if first.Config["environmentVariables"].(map[string]any)["STAGE"] != "prod" {
		t.Fatal("a plain variable was touched")
	}
	prev := &State{Name: "f", Config: map[string]any{"environmentVariables": map[string]any{
		"DB_PASSWORD": map[string]any{"secret": "env:PROD_DB", "hash": ref.Hash}, "STAGE": "prod"}}}

	same := online("p1")
	rep = ProtectSecrets(same, rules, SecretsBasis{Prev: prev}, nil)
	got, _ := AsSecretRef(same.Config["environmentVariables"].(map[string]any)["DB_PASSWORD"])
	if got != (SecretRef{Source: "env:PROD_DB", Hash: ref.Hash}) || len(rep.Changed) != 0 {
		t.Fatalf("unchanged value: %+v %+v", got, rep)
	}

	deployed := online("p2")
	rep = ProtectSecrets(deployed, rules, SecretsBasis{Prev: prev, Stamp: SecretsStamp(map[string]string{"DB_PASSWORD": "p2"})}, nil)
	got, _ = AsSecretRef(deployed.Config["environmentVariables"].(map[string]any)["DB_PASSWORD"])
	if got.Hash != ref.Hash || len(rep.Changed) != 0 {
		t.Fatalf("value push deployed: %+v %+v", got, rep)
	}

	rotated := online("p3")
	rep = ProtectSecrets(rotated, rules, SecretsBasis{Prev: prev, Stamp: SecretsStamp(map[string]string{"DB_PASSWORD": "p2"})}, nil)
	got, _ = AsSecretRef(rotated.Config["environmentVariables"].(map[string]any)["DB_PASSWORD"])
	if len(rep.Changed) != 1 || rep.Changed[0] != "DB_PASSWORD" || got.Source != "env:PROD_DB" || !VerifySecret("p3", got.Hash) {
		t.Fatalf("rotation: %+v %+v", got, rep)
	}
	// A variable the previous file references is a secret even when the
	// rules do not name it.
	custom := &State{Name: "f", Config: map[string]any{"environmentVariables": map[string]any{"DSN": "mysql://u:p@h/db"}}}
	prevCustom := &State{Name: "f", Config: map[string]any{"environmentVariables": map[string]any{"DSN": map[string]any{"secret": "env:DSN"}}}}
	ProtectSecrets(custom, rules, SecretsBasis{Prev: prevCustom}, nil)
	if _, ok := AsSecretRef(custom.Config["environmentVariables"].(map[string]any)["DSN"]); !ok {
		t.Fatal("a referenced variable kept its value")
	}
}
