package typo

import "testing"

func TestNearest(t *testing.T) {
	cands := []string{"init", "fetch", "pull", "status", "push", "emulator", "demo"}
	tests := map[string]string{
		"pul": "pull", "psuh": "push", "statsu": "status", "fecth": "fetch",
		"deom": "demo", "frobnicate": "", "": "", "emulater": "emulator",
		"puhs": "push",
	}
	for in, want := range tests {
		if got := Nearest(in, cands); got != want {
			t.Errorf("Nearest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{{"", "", 0}, {"a", "", 1}, {"kitten", "sitting", 3}, {"push", "pull", 2}, {"same", "same", 0},
		{"puhs", "push", 1}, {"puhs", "pull", 2}, {"ab", "ba", 1}, {"abc", "ca", 3}}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
