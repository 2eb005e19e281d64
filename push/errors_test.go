package push

import (
	"strings"
	"testing"
)

// TestDriftTextIsEscaped: keys from FC in a drift line (printed, and
// written into the commit message of a forced push) are escaped.
func TestDriftTextIsEscaped(t *testing.T) {
	t.Parallel()
	d := Drift{Function: "api", Kind: "changed online", Config: []string{"k\x1b[2J"}, Triggers: []string{"t\x1b]0;x\x07"}, Secrets: []string{"S\u009b"}}
	if got := d.Describe(); strings.ContainsAny(got, "\x1b\x07\u009b") {
		t.Fatalf("Describe = %q", got)
	}
}
