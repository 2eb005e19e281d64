package pull

import (
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func TestBaseLabel(t *testing.T) {
	a := plumbing.NewHash("0123456789abcdef0123456789abcdef01234567")
	b := plumbing.NewHash("fedcba9876543210fedcba9876543210fedcba98")
	tests := []struct {
		bases []plumbing.Hash
		want  string
	}{
		{nil, "empty tree"},
		{[]plumbing.Hash{a}, "0123456"},
		{[]plumbing.Hash{a, b}, "merged common ancestors"},
	}
	for _, tt := range tests {
		if got := baseLabel(tt.bases); got != tt.want {
			t.Errorf("baseLabel(%v) = %q, want %q", tt.bases, got, tt.want)
		}
	}
}
