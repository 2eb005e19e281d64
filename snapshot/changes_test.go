package snapshot

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestChangesMatchDiff: Changes names exactly the paths Diff names, with
// the values each side holds.
func TestChangesMatchDiff(t *testing.T) {
	st := func(cfg map[string]any, triggers map[string]map[string]any) *State {
		if triggers == nil {
			triggers = map[string]map[string]any{}
		}
		return &State{Name: "fn", Config: cfg, Triggers: triggers}
	}
	n := func(s string) json.Number { return json.Number(s) }
	for _, tc := range []struct {
		name string
		a, b *State
		want []Change
	}{
		{"scalar", st(map[string]any{"timeout": n("10")}, nil), st(map[string]any{"timeout": n("20")}, nil),
			[]Change{{Path: []string{"timeout"}, Old: n("10"), New: n("20")}}},
		{"default equals absent", st(map[string]any{"description": ""}, nil), st(map[string]any{}, nil), nil},
		{"added key", st(map[string]any{}, nil), st(map[string]any{"memorySize": n("1024")}, nil),
			[]Change{{Path: []string{"memorySize"}, Old: n("512"), New: n("1024")}}},
		{"nested", st(map[string]any{"environmentVariables": map[string]any{"A": "1", "B": "2"}}, nil),
			st(map[string]any{"environmentVariables": map[string]any{"A": "1", "B": "3", "C": "4"}}, nil),
			[]Change{{Path: []string{"environmentVariables", "B"}, Old: "2", New: "3"}, {Path: []string{"environmentVariables", "C"}, New: "4"}}},
		{"dotted key", st(map[string]any{"tags": map[string]any{"app.io/name": "a"}}, nil),
			st(map[string]any{"tags": map[string]any{"app.io/name": "b"}}, nil),
			[]Change{{Path: []string{"tags", "app.io/name"}, Old: "a", New: "b"}}},
		{"trigger added", st(map[string]any{}, nil), st(map[string]any{}, map[string]map[string]any{"web": {"triggerType": "http"}}),
			[]Change{{Path: []string{"triggers", "web"}, New: map[string]any{"triggerType": "http"}}}},
		{"trigger config", st(map[string]any{}, map[string]map[string]any{"web": {"triggerType": "http", "config": map[string]any{"methods": []any{"GET"}}}}),
			st(map[string]any{}, map[string]map[string]any{"web": {"triggerType": "http", "config": map[string]any{"methods": []any{"GET", "POST"}}}}),
			[]Change{{Path: []string{"triggers", "web", "config", "methods"}, Old: []any{"GET"}, New: []any{"GET", "POST"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Changes(tc.a, tc.b)
			for i := range got {
				if got[i].OldAbsent != (tc.a.Config[got[i].Path[0]] == nil && got[i].Path[0] != "triggers") && got[i].Path[0] != "triggers" && len(got[i].Path) == 1 {
					t.Errorf("%v: OldAbsent %v", got[i].Path, got[i].OldAbsent)
				}
				got[i].OldAbsent, got[i].NewAbsent = false, false
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Changes = %#v\nwant %#v", got, tc.want)
			}
			var paths []string
			for _, c := range got {
				p := strings.Join(c.Path, ".")
				if c.Path[0] == "triggers" && len(c.Path) == 2 {
					if c.Old == nil {
						p += " (added)"
					} else {
						p += " (deleted)"
					}
				}
				paths = append(paths, p)
			}
			if diff := Diff(tc.a, tc.b); !reflect.DeepEqual(paths, diff) && (len(paths) > 0 || len(diff) > 0) {
				t.Errorf("Changes paths %q, Diff %q", paths, diff)
			}
		})
	}
}
