package config

import (
	"strings"
	"testing"
)

func TestRenderParseRoundTrip(t *testing.T) {
	prefix := "deploy/fcgit-"
	in := &Config{Region: "cn-shanghai", Endpoint: "http://127.0.0.1:9000", Dir: "fns", Branch: "fcgit/online",
		Scope: Scope{Prefix: "shop-", Include: []string{"shop-*"}, Exclude: []string{"shop-tmp-*"}},
		Code:  Code{OSSBucket: "shop-deploy", OSSPrefix: &prefix, OSSEndpoint: "http://127.0.0.1:9001"}}
	out, err := Parse(FileName, Render(in))
	if err != nil {
		t.Fatal(err)
	}
	if out.Region != in.Region || out.Endpoint != in.Endpoint || out.Dir != in.Dir || out.Branch != in.Branch ||
		out.Scope.Prefix != in.Scope.Prefix || strings.Join(out.Scope.Include, ",") != "shop-*" ||
		strings.Join(out.Scope.Exclude, ",") != "shop-tmp-*" ||
		out.Code.OSSBucket != "shop-deploy" || out.Code.Prefix() != prefix || out.Code.OSSEndpoint != "http://127.0.0.1:9001" {
		t.Fatalf("round trip changed config: %+v", out)
	}
}

// TestRenderOptionalKeys: keys whose absence means something (domains,
// readForEveryFunction, secrets) round-trip when set, and stay commented out when not.
func TestRenderOptionalKeys(t *testing.T) {
	off, secrets, noPrefix, reads := "", []string{"DB_*"}, "", []string{"aliases"}
	in := &Config{Region: "cn-hangzhou", Dir: "functions", Branch: "fcgit/online", Domains: &off, ReadForEveryFunction: &reads, Secrets: &secrets,
		Code: Code{OSSPrefix: &noPrefix}, Scope: Scope{FCVersion: "v3"}}
	out, err := Parse(FileName, Render(in))
	if err != nil {
		t.Fatal(err)
	}
	if out.DomainsDir() != "" || strings.Join(out.ReadsForEveryFunction(), ",") != "aliases" || out.Secrets == nil || strings.Join(*out.Secrets, ",") != "DB_*" ||
		out.Code.OSSPrefix == nil || out.Code.Prefix() != "" || out.Scope.FCVersion != "v3" {
		t.Fatalf("round trip changed config: %+v", out)
	}
	def, err := Parse(FileName, Render(&Config{Region: "cn-hangzhou", Dir: "functions", Branch: "fcgit/online"}))
	if err != nil {
		t.Fatal(err)
	}
	if def.DomainsDir() != DefaultDomains || strings.Join(def.ReadsForEveryFunction(), ",") != strings.Join(ReadKinds, ",") || def.Secrets != nil ||
		def.Code.OSSBucket != "" || def.Code.OSSPrefix != nil || def.Code.Prefix() != DefaultOSSPrefix || def.Code.OSSEndpoint != "" {
		t.Fatalf("defaults not kept: %+v", def)
	}
	for _, key := range []string{"# domains = ", "# readForEveryFunction = ", "# secrets = ", "\n[code]\n", "# ossBucket = ", "# ossPrefix = ", "# ossEndpoint = "} {
		if !strings.Contains(string(Render(def)), key) {
			t.Errorf("rendered file lacks the commented key %q", key)
		}
	}
}

func TestParseDefaults(t *testing.T) {
	c, err := Parse(FileName, []byte(`region = "cn-hangzhou"`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Dir != DefaultDir || c.Branch != DefaultBranch || c.BranchRef() != "refs/heads/fcgit/online" {
		t.Fatalf("defaults not applied: %+v", c)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"syntax", "region = \"cn-hangzhou\"\ndir = functions\n", "fcgit.toml:2:"},
		{"unknown key", "region = \"cn-hangzhou\"\n\nregoin = \"x\"\n", `fcgit.toml:3: unknown key "regoin"`},
		{"unknown scope key", "region = \"cn-hangzhou\"\n[scope]\nprefix = \"a\"\nprefx = \"b\"\n", `fcgit.toml:4: unknown key "scope.prefx"`},
		{"wrong type", "region = 5\n", "fcgit.toml:1:"},
		{"missing region", "dir = \"functions\"\n", "region: missing"},
		{"bad region", "region = \"Hangzhou\"\n", `fcgit.toml:1: region: "Hangzhou" is not a region id`},
		{"absolute dir", "region = \"cn-hangzhou\"\ndir = \"/tmp/x\"\n", "fcgit.toml:2: dir:"},
		{"escaping dir", "region = \"cn-hangzhou\"\ndir = \"../x\"\n", "fcgit.toml:2: dir:"},
		{"bad branch", "region = \"cn-hangzhou\"\nbranch = \"a..b\"\n", "fcgit.toml:2: branch:"},
		{"bad glob", "region = \"cn-hangzhou\"\n[scope]\ninclude = [\"[\"]\n", "bad glob"},
		{"unknown code key", "region = \"cn-hangzhou\"\n[code]\nossBucket = \"b-1\"\nbucket = \"b\"\n",
			`fcgit.toml:4: unknown key "code.bucket" (known keys: region, endpoint, dir, branch, domains, secrets, readForEveryFunction, defaultTarget, overlays, [scope] prefix, include, exclude, fcVersion, [code] ossBucket, ossPrefix, ossEndpoint, [targets.<name>] region, endpoint, profile, branch, [targets.<name>.scope], [targets.<name>.code])`},
		{"code key at the top", "region = \"cn-hangzhou\"\nossBucket = \"b-1\"\n", `fcgit.toml:2: unknown key "ossBucket"`},
		{"bad bucket", "region = \"cn-hangzhou\"\n\n[code]\nossPrefix = \"x/\"\nossBucket = \"My_Bucket\"\n",
			`fcgit.toml:5: code.ossBucket: "My_Bucket" is not an OSS bucket name`},
		{"short bucket", "region = \"cn-hangzhou\"\n[code]\nossBucket = \"ab\"\n", `fcgit.toml:3: code.ossBucket: "ab"`},
		{"bucket type", "region = \"cn-hangzhou\"\n[code]\nossBucket = 5\n", "fcgit.toml:3:"},
		{"absolute prefix", "region = \"cn-hangzhou\"\n[code]\nossPrefix = \"/fcgit/\"\n", `fcgit.toml:3: code.ossPrefix: "/fcgit/" is not an object name prefix`},
		{"dot-dot prefix", "region = \"cn-hangzhou\"\n[code]\nossPrefix = \"a/../b/\"\n", `fcgit.toml:3: code.ossPrefix:`},
		{"control prefix", "region = \"cn-hangzhou\"\n[code]\nossPrefix = \"a\\tb/\"\n", `fcgit.toml:3: code.ossPrefix:`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(FileName, []byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestInScope(t *testing.T) {
	c := &Config{Scope: Scope{Prefix: "shop-", Include: []string{"shop-api*", "shop-web"}, Exclude: []string{"*-tmp"}}}
	tests := map[string]bool{
		"shop-api": true, "shop-api-v2": true, "shop-web": true,
		"shop-cart": false, "blog-api": false, "shop-api-tmp": false,
	}
	for name, want := range tests {
		if got := c.InScope(name); got != want {
			t.Errorf("InScope(%q) = %v, want %v", name, got, want)
		}
	}
	if !(&Config{}).InScope("anything") {
		t.Error("an empty scope must manage every function")
	}
}

func TestSecretPatterns(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
		err  string
	}{
		{"region = \"cn-hangzhou\"\n", DefaultSecretPatterns, ""},
		{"region = \"cn-hangzhou\"\nsecrets = []\n", []string{}, ""},
		{"region = \"cn-hangzhou\"\nsecrets = [\"DB_PASSWORD\", \"*_TOKEN\"]\n", []string{"DB_PASSWORD", "*_TOKEN"}, ""},
		{"region = \"cn-hangzhou\"\nsecrets = [\"[\"]\n", nil, "fcgit.toml:2: secrets: bad glob"},
		{"region = \"cn-hangzhou\"\nsecrets = \"DB\"\n", nil, "fcgit.toml:2"},
	} {
		c, err := Parse("fcgit.toml", []byte(tc.text))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.text, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.text, err)
			continue
		}
		if got := c.SecretPatterns(); strings.Join(got, ",") != strings.Join(tc.want, ",") || got == nil {
			t.Errorf("%q: patterns %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestTargets(t *testing.T) {
	c, err := Parse(FileName, []byte(`region = "cn-hangzhou"
defaultTarget = "staging"
[scope]
prefix = "shop-"
[targets.staging]
region = "cn-shanghai"
profile = "stage"
[targets.production]
branch = "fcgit/online-production"
[targets.production.scope]
prefix = "shop-"
exclude = ["shop-debug"]
[targets.production.code]
ossBucket = "prod-deploy"
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.TargetNames(), ","); got != "production,staging" {
		t.Fatalf("targets %s", got)
	}
	def, err := c.Target("")
	if err != nil || def.Name != "staging" || def.Region != "cn-shanghai" || def.Profile != "stage" || def.Branch != "fcgit/online/staging" || def.Scope.Prefix != "shop-" {
		t.Fatalf("default target: %+v, %v", def, err)
	}
	prod, err := c.Target("production")
	if err != nil || prod.Region != "cn-hangzhou" || prod.Branch != "fcgit/online-production" || prod.InScope("shop-debug") || !prod.InScope("shop-api") || prod.Code.OSSBucket != "prod-deploy" {
		t.Fatalf("production: %+v, %v", prod, err)
	}
	if c.Overlay(prod) != "targets/production.toml" {
		t.Fatalf("overlay %q", c.Overlay(prod))
	}
	if _, err := c.Target("prod"); err == nil || !strings.Contains(err.Error(), `no target "prod" in fcgit.toml (targets: production, staging)`) {
		t.Fatalf("unknown target: %v", err)
	}
	plain, err := Parse(FileName, []byte(`region = "cn-hangzhou"`))
	if err != nil {
		t.Fatal(err)
	}
	if imp, err := plain.Target(""); err != nil || imp.Name != "" || imp.Branch != DefaultBranch || plain.Overlay(imp) != "" {
		t.Fatalf("implicit target: %+v, %v", imp, err)
	}
	if _, err := plain.Target("staging"); err == nil || !strings.Contains(err.Error(), "declares no [targets]") {
		t.Fatalf("-t without targets: %v", err)
	}
}

func TestTargetErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"bad name", "region = \"cn-hangzhou\"\n[targets.Prod]\n", `targets.Prod: "Prod" is not a target name`},
		{"shared branch", "region = \"cn-hangzhou\"\n[targets.a]\nbranch = \"x\"\n[targets.b]\nbranch = \"x\"\n", `targets.b.branch: "x" is target a's online branch too`},
		{"default names nothing", "region = \"cn-hangzhou\"\ndefaultTarget = \"prod\"\n[targets.staging]\n", `fcgit.toml:2: defaultTarget: "prod" is not a target`},
		{"no region anywhere", "[targets.a]\nregion = \"cn-hangzhou\"\n[targets.b]\n", `region: missing`},
		{"typo in a target", "region = \"cn-hangzhou\"\n[targets.a]\nregoin = \"cn-hangzhou\"\n", `fcgit.toml:3: unknown key "targets.a.regoin" (did you mean "targets.a.region"?`},
		{"bad bucket", "region = \"cn-hangzhou\"\n[targets.a.code]\nossBucket = \"B\"\n", `targets.a.code.ossBucket`},
		{"several, no default", "region = \"cn-hangzhou\"\n[targets.a]\n[targets.b]\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(FileName, []byte(tc.in))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestTargetBranchesSideBySide(t *testing.T) {
	_, err := Parse(FileName, []byte("region = \"cn-hangzhou\"\n[targets.production]\nbranch = \"fcgit/online\"\n[targets.staging]\n"))
	if err == nil || !strings.Contains(err.Error(), `"fcgit/online/staging" and target production's "fcgit/online" cannot both be branches`) ||
		!strings.Contains(err.Error(), "git branch -m fcgit/online fcgit/online/production") {
		t.Fatalf("nested branches: %v", err)
	}
}

// TestReadsForEveryFunction: every kind by default; readForEveryFunction
// names them; the old watch key of repositories made before it keeps its
// meaning (the region's settings, always read, and the per-function kinds
// it names).
func TestReadsForEveryFunction(t *testing.T) {
	tests := []struct {
		name, file string
		want       string
		err        string
	}{
		{"default", ``, "aliases,asyncInvokeConfig,concurrencyConfig,provisionConfig,scalingConfig,vpcBindings", ""},
		{"none", `readForEveryFunction = []`, "", ""},
		{"some", `readForEveryFunction = ["aliases", "concurrencyConfig"]`, "aliases,concurrencyConfig", ""},
		{"old watch", `watch = ["aliases"]`, "aliases,asyncInvokeConfig,concurrencyConfig,provisionConfig,scalingConfig", ""},
		{"old empty watch", `watch = []`, "asyncInvokeConfig,concurrencyConfig,provisionConfig,scalingConfig", ""},
		{"typo", `readForEveryFunction = ["alias"]`, "", `fcgit.toml:2: readForEveryFunction: "alias" is not a kind fcgit reads (did you mean "aliases"? want some of aliases, asyncInvokeConfig, concurrencyConfig, provisionConfig, scalingConfig, vpcBindings)`},
		{"both", "watch = [\"aliases\"]\nreadForEveryFunction = []", "", "fcgit.toml:2: watch: watch is the old name of readForEveryFunction, and both are set"},
		{"old watch of a setting", `watch = ["asyncInvokeConfig"]`, "", `watch: "asyncInvokeConfig": want aliases or vpcBindings (watch is the old name of readForEveryFunction`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(FileName, []byte("region = \"cn-hangzhou\"\n"+tt.file+"\n"))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(c.ReadsForEveryFunction(), ","); got != tt.want {
				t.Errorf("reads %q, want %q", got, tt.want)
			}
		})
	}
}

// TestScopeFCVersion: fcVersion keeps the functions created under FC 3.0
// ("v3") or under FC 2.0 ("v2", named service$function), with the other
// rules of the scope.
func TestScopeFCVersion(t *testing.T) {
	tests := []struct {
		scope Scope
		in    map[string]bool
	}{
		{Scope{}, map[string]bool{"api": true, "legacy$worker": true}},
		{Scope{FCVersion: "v3"}, map[string]bool{"api": true, "legacy$worker": false}},
		{Scope{FCVersion: "v2"}, map[string]bool{"api": false, "legacy$worker": true}},
		{Scope{FCVersion: "v2", Prefix: "legacy"}, map[string]bool{"legacy$worker": true, "other$worker": false}},
		{Scope{Exclude: []string{"legacy$*"}}, map[string]bool{"legacy$worker": false, "legacy-api": true}},
	}
	for _, tt := range tests {
		for name, want := range tt.in {
			if got := tt.scope.inScope(name); got != want {
				t.Errorf("%+v: inScope(%q) = %v, want %v", tt.scope, name, got, want)
			}
		}
	}
	if _, err := Parse(FileName, []byte("region = \"cn-hangzhou\"\n[scope]\nfcVersion = \"3\"\n")); err == nil || !strings.Contains(err.Error(), `fcgit.toml:3: scope.fcVersion: "3": want "v3"`) {
		t.Errorf("err = %v", err)
	}
}
