package snapshot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"testing"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/internal/mapkeys"
)

const roundTripSeeds = 400

// specDefaults is fc3-api.md "Values FC fills in", written out independently
// of the package's tables: the only values a snapshot may leave out.
var specDefaults = map[string]string{
	"internetAccess": `true`, "description": `""`, "memorySize": `512`, "timeout": `3`,
	"instanceConcurrency": `1`, "diskSize": `512`, "instanceIsolationMode": `"SHARE"`, "sessionAffinity": `"NONE"`,
	"role": `""`, "environmentVariables": `{}`, "layers": `[]`, "tracingConfig": `{}`,
	"vpcConfig":      `{"securityGroupId":"","vSwitchIds":[],"vpcId":""}`,
	"nasConfig":      `{"groupId":0,"userId":0,"mountPoints":[]}`,
	"ossMountConfig": `{"mountPoints":[]}`,
	"logConfig":      `{"enableInstanceMetrics":false,"enableRequestMetrics":false,"logBeginRule":"None","logstore":"","project":""}`,
	// Inferred from the SDK models (not in fc3-api.md): unset lifecycle hooks.
	"instanceLifecycleConfig": `{"initializer":{"handler":"","timeout":3},"preStop":{"handler":"","timeout":3}}`,
}

// nestedUnset are the member values a snapshot may leave out inside tables.
var nestedUnset = []string{`""`, `[]`, `{}`, `false`, `0`, `"None"`, `3`}

func jsonValue(t *testing.T, s string) any {
	t.Helper()
	v := decodeJSONValue(s)
	return v
}

// checkSubDocument asserts that got is want with only "unset" members left
// out: every value in got equals want's, and whatever is missing is a
// documented default (top level) or an empty/default member (nested).
func checkSubDocument(t *testing.T, path string, got, want any, top bool) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Errorf("%s: got %v, want table %v", path, got, want)
			return
		}
		for k, gv := range g {
			wv, ok := w[k]
			if !ok {
				t.Errorf("%s.%s: present in snapshot (%v) but not online", path, k, gv)
				continue
			}
			checkSubDocument(t, path+"."+k, gv, wv, false)
		}
		for k, wv := range w {
			if _, ok := g[k]; ok {
				continue
			}
			if top {
				if def, ok := specDefaults[k]; ok && valuesEqual(jsonValue(t, def), wv) {
					continue
				}
				if k == "cpu" {
					t.Errorf("%s.cpu dropped", path)
				}
				if def, ok := specDefaults[k]; ok {
					// A default table with some members set cannot be dropped whole.
					t.Errorf("%s.%s: dropped %v, default is %s", path, k, wv, def)
				} else {
					t.Errorf("%s.%s: dropped %v", path, k, wv)
				}
				continue
			}
			if !isNestedUnset(t, wv) {
				t.Errorf("%s.%s: dropped %v", path, k, wv)
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			t.Errorf("%s: got %v, want %v", path, got, want)
			return
		}
		for i := range w {
			checkSubDocument(t, fmt.Sprintf("%s[%d]", path, i), g[i], w[i], false)
		}
	default:
		if !valuesEqual(got, want) {
			t.Errorf("%s: got %v, want %v", path, got, want)
		}
	}
}

func isNestedUnset(t *testing.T, v any) bool {
	if m, ok := v.(map[string]any); ok {
		for _, mv := range m {
			if !isNestedUnset(t, mv) {
				return false
			}
		}
		return true
	}
	for _, s := range nestedUnset {
		if valuesEqual(jsonValue(t, s), v) {
			return true
		}
	}
	return false
}

// onlineInput is what online state a push would have to reproduce.
func onlineInput(t *testing.T, fn fc.Function) map[string]any {
	t.Helper()
	in := fn.Input()
	delete(in, "code")
	delete(in, "tags")
	var out map[string]any
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		t.Fatal(err)
	}
	dropNulls(out)
	return out
}

func dropNulls(m map[string]any) {
	for k, v := range m {
		switch x := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			dropNulls(x)
		}
	}
}

// TestRoundTripOnlineFilesOnline: online -> files -> online sends nothing.
func TestRoundTripOnlineFilesOnline(t *testing.T) {
	for seed := int64(1); seed <= roundTripSeeds; seed++ {
		g := newGen(seed)
		name := fmt.Sprintf("fn_%d", seed)
		fn, triggers := g.function(name)
		st, err := FromAPI(fn, triggers)
		if err != nil {
			t.Fatalf("seed %d: FromAPI: %v", seed, err)
		}
		file, err := Encode(st, nil)
		if err != nil {
			t.Fatalf("seed %d: Encode: %v", seed, err)
		}
		back, err := Decode("functions/"+name+"/function.toml", file, name)
		if err != nil {
			t.Fatalf("seed %d: Decode: %v\n%s", seed, err, file)
		}
		if d := Diff(st, back); len(d) > 0 || !Equal(st, back) {
			t.Fatalf("seed %d: decoded state differs at %v\n%s", seed, d, file)
		}
		checkSubDocument(t, fmt.Sprintf("seed %d", seed), back.FunctionInput(), onlineInput(t, fn), true)

		if len(back.Triggers) != len(triggers) {
			t.Fatalf("seed %d: %d triggers back, want %d", seed, len(back.Triggers), len(triggers))
		}
		for _, tr := range triggers {
			in, err := back.TriggerInput(tr.Name())
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			want := tr.Input()
			var gotCfg, wantCfg any
			mustUnmarshal(t, in["triggerConfig"].(string), &gotCfg)
			mustUnmarshal(t, want["triggerConfig"].(string), &wantCfg)
			if !valuesEqual(gotCfg, wantCfg) {
				t.Errorf("seed %d trigger %s: triggerConfig %v, want %v", seed, tr.Name(), gotCfg, wantCfg)
			}
			delete(in, "triggerConfig")
			delete(want, "triggerConfig")
			for k, wv := range want {
				gv, ok := in[k]
				switch {
				case ok && !valuesEqual(gv, wv):
					t.Errorf("seed %d trigger %s: %s = %v, want %v", seed, tr.Name(), k, gv, wv)
				case !ok && !(k == "qualifier" && wv == "LATEST" || wv == ""):
					t.Errorf("seed %d trigger %s: %s = %v dropped", seed, tr.Name(), k, wv)
				}
			}
		}
		again, err := Encode(st, nil)
		if err != nil || !bytes.Equal(file, again) {
			t.Fatalf("seed %d: Encode is not deterministic", seed)
		}
	}
}

func mustUnmarshal(t *testing.T, s string, v any) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		t.Fatalf("unmarshal %q: %v", s, err)
	}
}

// dropSome returns a copy of s with random keys removed at every depth: the
// choices of a hand-written file about which defaults to spell out.
func dropSome(r *rand.Rand, s *State) *State {
	var drop func(m map[string]any) map[string]any
	drop = func(m map[string]any) map[string]any {
		out := map[string]any{}
		for _, k := range mapkeys.Sorted(m) {
			if r.Float64() < 0.35 {
				continue
			}
			if sub, ok := m[k].(map[string]any); ok {
				out[k] = drop(sub)
			} else {
				out[k] = cloneValue(m[k])
			}
		}
		return out
	}
	p := &State{Name: s.Name, Config: drop(s.Config), Triggers: map[string]map[string]any{}}
	for _, name := range mapkeys.Sorted(s.Triggers) {
		p.Triggers[name] = drop(s.Triggers[name])
	}
	return p
}

// TestRoundTripFilesOnlineFiles: files -> online -> files changes no byte.
func TestRoundTripFilesOnlineFiles(t *testing.T) {
	for seed := int64(1); seed <= roundTripSeeds; seed++ {
		g := newGen(seed)
		name := fmt.Sprintf("fn_%d", seed)
		fn, triggers := g.function(name)
		st, err := FromAPI(fn, triggers)
		if err != nil {
			t.Fatalf("seed %d: FromAPI: %v", seed, err)
		}
		// The file a user keeps: some defaults spelled out, some not.
		var style *State
		switch seed % 3 {
		case 0:
			style = nil
		case 1:
			style = st
		default:
			style = dropSome(g.r, st)
		}
		file, err := Encode(st, style)
		if err != nil {
			t.Fatalf("seed %d: Encode: %v", seed, err)
		}
		decoded, err := Decode("function.toml", file, name)
		if err != nil {
			t.Fatalf("seed %d: Decode: %v\n%s", seed, err, file)
		}
		if canon, err := Encode(decoded, decoded); err != nil || !bytes.Equal(canon, file) {
			t.Fatalf("seed %d: file is not canonical (err %v):\n%s\n---\n%s", seed, err, file, canon)
		}
		var tins []map[string]any
		for _, tn := range mapkeys.Sorted(decoded.Triggers) {
			in, err := decoded.TriggerInput(tn)
			if err != nil {
				t.Fatal(err)
			}
			tins = append(tins, in)
		}
		online, otrs := fakeFC(decoded.FunctionInput(), tins)
		fetched, err := FromAPI(online, otrs)
		if err != nil {
			t.Fatalf("seed %d: FromAPI(after push): %v", seed, err)
		}
		if d := Diff(decoded, fetched); len(d) > 0 {
			t.Errorf("seed %d: pushed state reads back different at %v", seed, d)
		}
		file2, err := Encode(fetched, decoded)
		if err != nil {
			t.Fatalf("seed %d: Encode(after push): %v", seed, err)
		}
		if !bytes.Equal(file, file2) {
			t.Fatalf("seed %d: file changed after push+fetch:\n%s\n--- became ---\n%s", seed, file, file2)
		}
	}
}
