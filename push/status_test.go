package push

import "testing"

// TestSidesState: each combination of HEAD, the online branch's record and
// FC gives the state status prints, and whether the drift stands.
func TestSidesState(t *testing.T) {
	tests := []struct {
		name  string
		s     sides
		want  string
		keeps bool
	}{
		{"all three agree", sides{local: true, recorded: true, online: true, localIsRecorded: true, localIsOnline: true}, InSync, true},
		{"online only, never recorded", sides{online: true, drifted: true}, OnlineOnly, true},
		{"new in HEAD", sides{local: true}, NewLocally, true},
		{"deleted online", sides{local: true, recorded: true, drifted: true, localIsRecorded: true}, DeletedOnline, true},
		{"deleted online, changed in HEAD", sides{local: true, recorded: true, drifted: true}, DeletedOnline, true},
		{"deleted in HEAD", sides{recorded: true, online: true}, DeletedLocal, true},
		{"changed in HEAD", sides{local: true, recorded: true, online: true}, LocalChanges, true},
		{"changed online", sides{local: true, recorded: true, online: true, drifted: true, localIsRecorded: true}, ChangedOnline, true},
		{"both changed alike", sides{local: true, recorded: true, online: true, drifted: true, localIsOnline: true}, InSync, false},
		{"deleted in HEAD and online", sides{recorded: true, drifted: true, localIsOnline: true}, InSync, false},
		{"both changed apart", sides{local: true, recorded: true, online: true, drifted: true}, Diverged, true},
	}
	for _, tc := range tests {
		got, keeps := tc.s.state()
		if got != tc.want || keeps != tc.keeps {
			t.Errorf("%s: %q (drift stands %v), want %q (%v)", tc.name, got, keeps, tc.want, tc.keeps)
		}
	}
}
