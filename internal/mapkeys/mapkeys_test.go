package mapkeys

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestSorted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		m    map[string]int
		want []string
	}{
		{"empty", map[string]int{}, []string{}},
		{"nil", nil, []string{}},
		{"several", map[string]int{"b": 1, "a": 2, "c": 0, "B": 3}, []string{"B", "a", "b", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Sorted(tt.m)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Sorted = %q, want %q", got, tt.want)
			}
			// An empty map's keys are [] in JSON, not null.
			if b, _ := json.Marshal(got); len(tt.want) == 0 && string(b) != "[]" {
				t.Fatalf("JSON of no keys = %s, want []", b)
			}
		})
	}
}

func TestSortedOtherKeys(t *testing.T) {
	t.Parallel()
	if got := Sorted(map[int]bool{3: true, 1: false, 2: true}); !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("Sorted = %v", got)
	}
}
