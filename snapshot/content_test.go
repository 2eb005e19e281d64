package snapshot

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/fcgit/fcgit/internal/mapkeys"
)

// TestContentIDFollowsEqual: whatever a file spells out or leaves to FC's
// defaults, the id of the deployed file matches the state FC reports after
// the deploy, and a canonical re-encoding of the file keeps the id.
func TestContentIDFollowsEqual(t *testing.T) {
	t.Parallel()
	for seed := int64(1); seed <= roundTripSeeds; seed++ {
		g := newGen(seed)
		name := fmt.Sprintf("fn_%d", seed)
		fn, triggers := g.function(name)
		st, err := FromAPI(fn, triggers)
		if err != nil {
			t.Fatalf("seed %d: FromAPI: %v", seed, err)
		}
		file, err := Encode(st, dropSome(g.r, st))
		if err != nil {
			t.Fatalf("seed %d: Encode: %v", seed, err)
		}
		deployed, err := Decode("function.toml", file, name)
		if err != nil {
			t.Fatalf("seed %d: Decode: %v", seed, err)
		}
		id := ContentID(deployed, "code-tree")
		var tins []map[string]any
		for _, tn := range mapkeys.Sorted(deployed.Triggers) {
			in, err := deployed.TriggerInput(tn)
			if err != nil {
				t.Fatal(err)
			}
			tins = append(tins, in)
		}
		online, otrs := fakeFC(deployed.FunctionInput(), tins)
		fetched, err := FromAPI(online, otrs)
		if err != nil {
			t.Fatalf("seed %d: FromAPI(after push): %v", seed, err)
		}
		if !MatchesContent(fetched, "code-tree", id) {
			t.Fatalf("seed %d: online state after deploy does not match the deployed id\n%s", seed, file)
		}
		if MatchesContent(fetched, "other-code", id) {
			t.Fatalf("seed %d: different code matches", seed)
		}
		canon, err := Encode(deployed, nil)
		if err != nil {
			t.Fatal(err)
		}
		again, err := Decode("function.toml", canon, name)
		if err != nil {
			t.Fatal(err)
		}
		if ContentID(again, "code-tree") != id {
			t.Fatalf("seed %d: canonical re-encoding changed the id\n%s\n---\n%s", seed, file, canon)
		}
	}
}

func TestContentIDSeesChanges(t *testing.T) {
	t.Parallel()
	base := mustDecode(t, `
handler = "index.handler"
runtime = "python3.10"
cpu = 0.5
memorySize = 1024
[environmentVariables]
STAGE = "prod"
[triggers.web]
triggerType = "http"
[triggers.web.config]
authType = "anonymous"
methods = ["GET"]
`)
	id := ContentID(base, "c")
	tests := []struct {
		name string
		edit func(s *State)
		same bool
	}{
		{"unchanged", func(*State) {}, true},
		{"default spelled out", func(s *State) { s.Config["timeout"] = json.Number("3") }, true},
		{"number written as float", func(s *State) { s.Config["memorySize"] = json.Number("1024.0") }, true},
		{"empty env table", func(s *State) { s.Config["layers"] = []any{} }, true},
		{"trigger default qualifier", func(s *State) { s.Triggers["web"]["qualifier"] = "LATEST" }, true},
		{"memory", func(s *State) { s.Config["memorySize"] = json.Number("2048") }, false},
		{"cpu", func(s *State) { s.Config["cpu"] = json.Number("1") }, false},
		{"cpu dropped", func(s *State) { delete(s.Config, "cpu") }, false},
		{"env value", func(s *State) { s.Config["environmentVariables"].(map[string]any)["STAGE"] = "dev" }, false},
		{"trigger config", func(s *State) { s.Triggers["web"]["config"].(map[string]any)["methods"] = []any{"POST"} }, false},
		{"trigger renamed", func(s *State) { s.Triggers["api"] = s.Triggers["web"]; delete(s.Triggers, "web") }, false},
		{"array order", func(s *State) { s.Config["layers"] = []any{"b", "a"} }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &State{Name: base.Name, Config: cloneMap(base.Config), Triggers: map[string]map[string]any{}}
			for k, v := range base.Triggers {
				s.Triggers[k] = cloneMap(v)
			}
			tc.edit(s)
			if got := ContentID(s, "c") == id; got != tc.same {
				t.Errorf("same id = %v, want %v (Diff %v)", got, tc.same, Diff(base, s))
			}
			// The id follows Equal, except that an absent cpu (left to FC)
			// equals any cpu but names different content: MatchesContent
			// bridges that for online states.
			if got := Equal(base, s); got != tc.same && tc.name != "cpu dropped" {
				t.Errorf("Equal = %v, want %v: the id must follow Equal", got, tc.same)
			}
		})
	}
	if ContentID(base, "other") == id {
		t.Error("code does not count")
	}
}

// TestMatchesContentFCChosen: cpu and diskSize that the deployed file left
// to FC match whatever FC reports; when the file set them, a console change
// of them does not match.
func TestMatchesContentFCChosen(t *testing.T) {
	t.Parallel()
	without := mustDecode(t, "handler = \"h\"\nruntime = \"python3.10\"\n")
	with := mustDecode(t, "handler = \"h\"\nruntime = \"python3.10\"\ncpu = 1\ndiskSize = 512\n")
	online := mustDecode(t, "handler = \"h\"\nruntime = \"python3.10\"\ncpu = 1\ndiskSize = 512\n")
	changed := mustDecode(t, "handler = \"h\"\nruntime = \"python3.10\"\ncpu = 2\ndiskSize = 512\n")
	for _, tc := range []struct {
		name     string
		deployed *State
		online   *State
		want     bool
	}{
		{"left to FC", without, online, true},
		{"left to FC, FC changed it", without, changed, true},
		{"set", with, online, true},
		{"set, changed online", with, changed, false},
	} {
		if got := MatchesContent(tc.online, "", ContentID(tc.deployed, "")); got != tc.want {
			t.Errorf("%s: MatchesContent = %v, want %v", tc.name, got, tc.want)
		}
	}
}
