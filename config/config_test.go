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
// watch, secrets) round-trip when set, and stay commented out when not.
func TestRenderOptionalKeys(t *testing.T) {
	off, secrets, noPrefix := "", []string{"DB_*"}, ""
	in := &Config{Region: "cn-hangzhou", Dir: "functions", Branch: "fcgit/online", Domains: &off, Watch: []string{"aliases"}, Secrets: &secrets,
		Code: Code{OSSPrefix: &noPrefix}}
	out, err := Parse(FileName, Render(in))
	if err != nil {
		t.Fatal(err)
	}
	if out.DomainsDir() != "" || strings.Join(out.Watch, ",") != "aliases" || out.Secrets == nil || strings.Join(*out.Secrets, ",") != "DB_*" ||
		out.Code.OSSPrefix == nil || out.Code.Prefix() != "" {
		t.Fatalf("round trip changed config: %+v", out)
	}
	def, err := Parse(FileName, Render(&Config{Region: "cn-hangzhou", Dir: "functions", Branch: "fcgit/online"}))
	if err != nil {
		t.Fatal(err)
	}
	if def.DomainsDir() != DefaultDomains || len(def.Watch) != 0 || def.Secrets != nil ||
		def.Code.OSSBucket != "" || def.Code.OSSPrefix != nil || def.Code.Prefix() != DefaultOSSPrefix || def.Code.OSSEndpoint != "" {
		t.Fatalf("defaults not kept: %+v", def)
	}
	for _, key := range []string{"# domains = ", "# watch = ", "# secrets = ", "\n[code]\n", "# ossBucket = ", "# ossPrefix = ", "# ossEndpoint = "} {
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
			`fcgit.toml:4: unknown key "code.bucket" (known keys: region, endpoint, dir, branch, domains, secrets, watch, [scope] prefix, include, exclude, [code] ossBucket, ossPrefix, ossEndpoint)`},
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
