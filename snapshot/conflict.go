package snapshot

// Conflict stands in a State's Config or trigger map (at any depth of nested
// tables) in place of a leaf value that two sides changed differently.
// Absent sides are nil with Has* false. A *Conflict is accepted as well.
type Conflict struct {
	Base, Ours, Theirs          any
	HasBase, HasOurs, HasTheirs bool
}

// EncodeOptions configures how EncodeWithConflicts renders conflicts, with
// the same meaning as git's merge markers.
type EncodeOptions struct {
	MarkerSize  int    // default 7
	OursLabel   string // "HEAD"
	TheirsLabel string // "fcgit/online"
	BaseLabel   string // shown in diff3/zdiff3 style; "" = no base section
}

// asConflict returns the conflict v holds, if any.
func asConflict(v any) (*Conflict, bool) {
	switch c := v.(type) {
	case *Conflict:
		return c, c != nil
	case Conflict:
		return &c, true
	}
	return nil, false
}
