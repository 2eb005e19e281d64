package plan

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fcgit/fcgit/snapshot"
)

// TestChangesShowValues: a change reads "path: old → new" with the values;
// a table set on one side only is shown whole when it fits on a line, and
// member by member when it does not; secrets never show.
func TestChangesShowValues(t *testing.T) {
	alias := map[string]any{"prod": map[string]any{
		"versionId":               "1",
		"additionalVersionWeight": map[string]any{"2": json.Number("0.1")},
		"description":             "canary of the next version",
	}}
	tests := []struct {
		name string
		in   snapshot.Change
		want []string
	}{
		{"scalar", snapshot.Change{Path: []string{"timeout"}, Old: json.Number("10"), New: json.Number("20")},
			[]string{"timeout: 10 → 20"}},
		{"short table added", snapshot.Change{Path: []string{"vpcConfig"}, New: map[string]any{"vpcId": "vpc-1"}, OldAbsent: true},
			[]string{`vpcConfig: (none) → {vpcId = "vpc-1"}`}},
		{"long table added", snapshot.Change{Path: []string{"aliases"}, New: alias, OldAbsent: true},
			[]string{
				`aliases.prod.additionalVersionWeight: (none) → {2 = 0.1}`,
				`aliases.prod.description: (none) → "canary of the next version"`,
				`aliases.prod.versionId: (none) → "1"`,
			}},
		{"long table removed", snapshot.Change{Path: []string{"aliases"}, Old: alias, NewAbsent: true},
			[]string{
				`aliases.prod.additionalVersionWeight: {2 = 0.1} → (none)`,
				`aliases.prod.description: "canary of the next version" → (none)`,
				`aliases.prod.versionId: "1" → (none)`,
			}},
		{"empty members left out", snapshot.Change{Path: []string{"aliases"}, New: map[string]any{"prod": map[string]any{
			"versionId": "1", "additionalVersionWeight": map[string]any{}, "description": "", "routes": []any{}, "x": strings.Repeat("y", 30)}}, OldAbsent: true},
			[]string{`aliases.prod.versionId: (none) → "1"`, `aliases.prod.x: (none) → "` + strings.Repeat("y", 30) + `"`}},
		{"long table changed stays one change", snapshot.Change{Path: []string{"layers"}, Old: []any{strings.Repeat("a", 70)}, New: []any{"b"}},
			[]string{`layers: […] (1 items) → ["b"]`}},
		{"secret variable", snapshot.Change{Path: []string{"environmentVariables", "DB"}, Old: "x", New: "y"},
			[]string{"environmentVariables.DB: (secret, value hidden)"}},
	}
	secret := func(p []string) bool { return len(p) == 2 && p[0] == "environmentVariables" && p[1] == "DB" }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, c := range changesOf([]snapshot.Change{tt.in}, secret) {
				got = append(got, c.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
