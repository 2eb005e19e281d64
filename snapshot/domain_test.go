package snapshot

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

const testCert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

func testDomain() *State {
	return &State{Name: "api.example.com", Config: map[string]any{
		"protocol": "HTTP,HTTPS",
		"routeConfig": map[string]any{"routes": []any{
			map[string]any{"path": "/*", "functionName": "api"},
		}},
		"certConfig": map[string]any{
			"certName": "main", "certificate": testCert,
			"privateKey": map[string]any{"secret": "env:TLS_KEY"},
		},
	}}
}

// TestDomainEncodeRoundTrip: a domain file reads back as the state it was
// written from, its certificate one file line per PEM line, and encoding
// what was read gives the same bytes.
func TestDomainEncodeRoundTrip(t *testing.T) {
	st := testDomain()
	data, err := EncodeDomain(st, nil)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{
		"certificate = \"\"\"\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n\"\"\"\n",
		`privateKey = {secret = "env:TLS_KEY"}`,
		`{functionName = "api", path = "/*"}`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("encoded domain lacks %q:\n%s", want, text)
		}
	}
	back, err := DecodeDomain("domains/api.example.com.toml", data, "api.example.com")
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if !reflect.DeepEqual(back.Config["certConfig"], st.Config["certConfig"]) {
		t.Fatalf("certConfig read back as %#v", back.Config["certConfig"])
	}
	if d := DomainDiff(st, back); len(d) > 0 {
		t.Fatalf("read back differs at %v", d)
	}
	again, err := EncodeDomain(back, back)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != text {
		t.Fatalf("re-encoding changed bytes:\n%s\nwas:\n%s", again, text)
	}
}

// TestEncodeMultilineStringsOnlyInDomains: strings with newlines are
// multi-line in domain files (escapes kept exact) and stay one line per key
// in function.toml.
func TestEncodeMultilineStringsOnlyInDomains(t *testing.T) {
	for _, v := range []string{"a\nb", "\n", "q\"\"\"q\n\\", "cr\r\nnul\x00\n", "\n\nlead"} {
		st := &State{Name: "api.example.com", Config: map[string]any{"certConfig": map[string]any{"certName": "c", "certificate": v}}}
		data, err := EncodeDomain(st, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), `certificate = """`) {
			t.Errorf("%q not written as a multi-line string:\n%s", v, data)
		}
		back, err := DecodeDomain("d.toml", data, "api.example.com")
		if err != nil {
			t.Fatalf("%q: %v\n%s", v, err, data)
		}
		if got := back.Config["certConfig"].(map[string]any)["certificate"]; got != v {
			t.Errorf("%q read back as %q\n%s", v, got, data)
		}
		fn := mustEncode(t, &State{Name: "api", Config: map[string]any{"description": v}}, nil)
		if strings.Contains(fn, `"""`) {
			t.Errorf("function.toml got a multi-line string:\n%s", fn)
		}
	}
}

func TestDecodeDomainRefuses(t *testing.T) {
	cases := []struct{ name, file, text, want string }{
		{"literal key", "api.example.com", "[certConfig]\ncertName = \"c\"\nprivateKey = \"-----BEGIN\"\n",
			"d.toml:3: certConfig.privateKey: a private key never goes in a file"},
		{"domainName differs", "api.example.com", "domainName = \"other.example.com\"\n",
			`d.toml:1: domainName: string "other.example.com" differs from the file name "api.example.com.toml"`},
		{"bad file name", "localhost", "protocol = \"HTTP\"\n", "file name"},
		{"unknown key", "api.example.com", "protocl = \"HTTP\"\n", "d.toml:1: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeDomain("d.toml", []byte(c.text), c.file)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want it to contain %q", err, c.want)
			}
		})
	}
}

// TestDomainFromAPIKeepsKeyReference: FC never returns the private key; a
// fetch keeps the file's reference while the certificate is still there,
// and the reference does not count as a difference.
func TestDomainFromAPIKeepsKeyReference(t *testing.T) {
	prev := testDomain()
	doc := map[string]any{
		"domainName": "api.example.com", "protocol": "HTTP,HTTPS", "accountId": "123", "createdTime": "x",
		"routeConfig": map[string]any{"routes": []any{map[string]any{"path": "/*", "functionName": "api", "qualifier": "LATEST", "methods": []any{}}}},
		"certConfig":  map[string]any{"certName": "main", "certificate": testCert},
	}
	st, err := DomainFromAPI(doc, prev)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Config["certConfig"].(map[string]any)["privateKey"]; !reflect.DeepEqual(got, map[string]any{"secret": "env:TLS_KEY"}) {
		t.Fatalf("privateKey reference = %#v", got)
	}
	if _, ok := st.Config["accountId"]; ok {
		t.Fatal("read-only accountId kept")
	}
	if !DomainEqual(st, prev) {
		t.Fatalf("equal domains differ at %v", DomainDiff(prev, st))
	}
	delete(doc, "certConfig")
	doc["protocol"] = "HTTP"
	st, err = DomainFromAPI(doc, prev)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.Config["certConfig"]; ok {
		t.Fatal("a reference kept for a certificate removed online")
	}
	if d := DomainDiff(prev, st); !reflect.DeepEqual(d, []string{"certConfig", "protocol"}) {
		t.Fatalf("diff = %v", d)
	}
}

func TestDomainInput(t *testing.T) {
	st := testDomain()
	in, err := DomainInput(st, func(p []string, ref SecretRef) (string, bool) {
		if ref.Source != "env:TLS_KEY" {
			t.Fatalf("asked for %v", ref)
		}
		return "KEY", true
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := in["certConfig"].(map[string]any)["privateKey"]; got != "KEY" {
		t.Fatalf("privateKey sent as %#v", got)
	}
	if _, err := json.Marshal(in); err != nil {
		t.Fatal(err)
	}
	if ref := st.Config["certConfig"].(map[string]any)["privateKey"]; !reflect.DeepEqual(ref, map[string]any{"secret": "env:TLS_KEY"}) {
		t.Fatal("DomainInput changed the state")
	}
	if _, err := DomainInput(st, func([]string, SecretRef) (string, bool) { return "", false }); err == nil || !strings.Contains(err.Error(), "set $TLS_KEY where push runs") {
		t.Fatalf("no value: %v", err)
	}
	delete(st.Config["certConfig"].(map[string]any), "privateKey")
	if _, err := DomainInput(st, nil); err == nil || !strings.Contains(err.Error(), "certConfig.privateKey: missing") {
		t.Fatalf("missing reference: %v", err)
	}
}

// TestDomainDiffDefaults: what FC fills in (qualifier LATEST, methods [])
// equals absent, inside route lists too.
func TestDomainDiffDefaults(t *testing.T) {
	a := &State{Name: "d.example.com", Config: map[string]any{"routeConfig": map[string]any{"routes": []any{map[string]any{"path": "/*", "functionName": "api"}}}}}
	b := &State{Name: "d.example.com", Config: map[string]any{"protocol": "HTTP", "routeConfig": map[string]any{"routes": []any{map[string]any{"path": "/*", "functionName": "api", "qualifier": "LATEST", "methods": []any{}}}}}}
	if d := DomainDiff(a, b); len(d) > 0 {
		t.Fatalf("defaults differ: %v", d)
	}
	b.Config["routeConfig"].(map[string]any)["routes"].([]any)[0].(map[string]any)["qualifier"] = "prod"
	if d := DomainDiff(a, b); !reflect.DeepEqual(d, []string{"routeConfig.routes"}) {
		t.Fatalf("diff = %v", d)
	}
}
