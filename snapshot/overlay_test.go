package snapshot

import (
	"reflect"
	"strings"
	"testing"

	"github.com/fcgit/fcgit/internal/mapkeys"
)

func TestOverlayBetweenApplies(t *testing.T) {
	dec := func(text string) *State {
		t.Helper()
		st, err := Decode("f/function.toml", []byte(text), "f")
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	shared := dec(`handler = "index.handler"
memorySize = 512
runtime = "python3.10"
timeout = 10

[environmentVariables]
LOG = "info"
STAGE = "staging"

[vpcConfig]
vpcId = "vpc-1"
vSwitchIds = ["vsw-1"]

[triggers.web]
triggerType = "http"

[triggers.web.config]
authType = "anonymous"
methods = ["GET"]

[triggers.old]
triggerType = "timer"

[triggers.old.config]
cronExpression = "@every 1m"
`)
	for _, tc := range []struct {
		name, target string
		wantSet      []string // dotted keys the entry sets
		wantUnset    []string
	}{
		{"same", "", nil, nil},
		{"values", `handler = "index.handler"
memorySize = 1024
runtime = "python3.10"
timeout = 10
description = "prod"

[environmentVariables]
LOG = "info"
STAGE = "prod"

[vpcConfig]
vpcId = "vpc-1"
vSwitchIds = ["vsw-1", "vsw-2"]

[triggers.web]
triggerType = "http"

[triggers.web.config]
authType = "function"
methods = ["GET"]

[triggers.old]
triggerType = "timer"

[triggers.old.config]
cronExpression = "@every 1m"
`, []string{"description", "environmentVariables.STAGE", "memorySize", "triggers.web.config.authType", "vpcConfig.vSwitchIds"}, nil},
		{"removed", `handler = "index.handler"
runtime = "python3.10"
timeout = 10

[environmentVariables]
LOG = "info"

[triggers.web]
triggerType = "http"

[triggers.web.config]
authType = "anonymous"
methods = ["GET"]
`, nil, []string{"environmentVariables.STAGE", "triggers.old", "vpcConfig"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := shared
			if tc.target != "" {
				target = dec(tc.target)
			}
			e := OverlayBetween(shared, target)
			if got := ApplyOverlay(shared, e); !Equal(got, target) {
				t.Fatalf("applied overlay differs from the target: %v", Diff(got, target))
			}
			var set []string
			var walk func(prefix []string, m map[string]any)
			walk = func(prefix []string, m map[string]any) {
				for _, k := range mapkeys.Sorted(m) {
					p := append(append([]string(nil), prefix...), k)
					if sub, ok := m[k].(map[string]any); ok && !(len(p) == 2 && p[0] == "triggers" && k == "") {
						walk(p, sub)
						continue
					}
					set = append(set, dottedKey(p))
				}
			}
			walk(nil, e.Set)
			var unset []string
			for _, p := range e.Unset {
				unset = append(unset, dottedKey(p))
			}
			if !reflect.DeepEqual(set, tc.wantSet) || !reflect.DeepEqual(unset, tc.wantUnset) {
				t.Errorf("set %v unset %v; want %v, %v", set, unset, tc.wantSet, tc.wantUnset)
			}
			// The file says the same once written and read back.
			data, err := (&Overlay{Functions: map[string]*OverlayEntry{"f": e}}).Encode("production")
			if err != nil {
				t.Fatal(err)
			}
			back, problems := DecodeOverlay("targets/production.toml", data)
			if problems != nil {
				t.Fatalf("decode %s: %v", data, problems)
			}
			if got := ApplyOverlay(shared, back.Functions["f"]); !Equal(got, target) && !e.Empty() {
				t.Fatalf("read back, the overlay differs: %v\n%s", Diff(got, target), data)
			}
		})
	}
}

func TestDecodeOverlayProblems(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"typo", "[functions.api]\nmemorySise = 1024\n", `targets/p.toml:2: functions.api.memorySise: unknown key; did you mean "memorySize"?`},
		{"type", "[functions.api]\ntimeout = \"long\"\n", `targets/p.toml:2: functions.api.timeout: want an integer, got string "long"`},
		{"other table", "[settings]\nx = 1\n", `targets/p.toml:1: settings: an overlay holds [functions.<name>] and [domains.<name>] tables only`},
		{"bad unset", "[functions.api]\nunset = [\"a..b\"]\n", `targets/p.toml:2: functions.api.unset: string "a..b" is not a dotted key`},
		{"bad domain", "[domains.\"-x.com\"]\nprotocol = \"HTTP\"\n", `targets/p.toml:1: domains."-x.com":`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, problems := DecodeOverlay("targets/p.toml", []byte(tc.in))
			if problems == nil || !strings.Contains(problems.Error(), tc.want) {
				t.Fatalf("problems %v, want %q", problems, tc.want)
			}
		})
	}
}
