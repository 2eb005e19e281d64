package snapshot

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strconv"

	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/kinds"
)

// contentDomain separates content ids from every other hash and versions
// their definition: a change of normalisation must change this string.
const contentDomain = "fcgit content v1\n"

// ContentID identifies a function's desired state by content: configuration
// and triggers as Equal sees them (defaults and empty shapes dropped, numbers
// by value, key order irrelevant) plus the code, named by code (the code
// tree's id, "" for none). Two states Equal says are the same, with the same
// code, have the same id whatever their files look like (comments, key order,
// default-valued keys written or not), so an id computed from the files that
// were deployed can be recomputed from the online state.
//
// push stamps it on every deployed function; fetch and push compare it with
// the history and the online state, so a squash merge or a rebase (new
// commits, same content) is not drift.
//
// cpu and diskSize (chosen by FC when absent) count only when the state sets
// them; MatchesContent accounts for that when the state comes from FC.
//
// Aliases are left out: they name versions, whose ids differ from target
// to target (a file may name a version by its commit, resolved per
// target), and a version is not what the function runs.
func ContentID(st *State, code string) string {
	return contentID(st, code, map[string]bool{kinds.AliasesKey: true})
}

// MatchesContent reports whether online state st with code has content id
// id, as ContentID of the state that was deployed. FC reports cpu and
// diskSize whether or not the deployed file set them, so each combination of
// leaving them out is tried.
func MatchesContent(st *State, code, id string) bool {
	for _, v := range ContentIDs(st, code) {
		if v == id {
			return true
		}
	}
	return false
}

// ContentIDs returns every content id st may have been deployed as: its own,
// and the ids without each combination of the cpu and diskSize it sets
// (a file that left them to FC reads back with FC's choice filled in).
func ContentIDs(st *State, code string) []string {
	var chosen []string
	for _, k := range mapkeys.Sorted(st.Config) {
		if f := functionFields[k]; f != nil && f.fcChosen {
			chosen = append(chosen, k)
		}
	}
	out := make([]string, 0, 2<<len(chosen))
	// Stamps written before aliases were left out hold them: both kinds
	// of id are the state's.
	for _, aliases := range []bool{false, true} {
		for mask := 0; mask < 1<<len(chosen); mask++ {
			drop := map[string]bool{kinds.AliasesKey: !aliases}
			for i, k := range chosen {
				if mask&(1<<i) != 0 {
					drop[k] = true
				}
			}
			out = append(out, contentID(st, code, drop))
		}
	}
	return out
}

func contentID(st *State, code string, drop map[string]bool) string {
	h := sha256.New()
	io.WriteString(h, contentDomain)
	cfg := normalizeTable(rootField, st.Config)
	for k, d := range drop {
		if d {
			delete(cfg, k)
		}
	}
	writeCanonical(h, cfg)
	trig := make(map[string]any, len(st.Triggers))
	for name, t := range st.Triggers {
		trig[name] = normalizeTable(triggerField, t)
	}
	writeCanonical(h, trig)
	writeCanonical(h, code)
	// 160 bits, the length of a git object id: short enough for an FC tag
	// value, far beyond accidental collisions.
	return hex.EncodeToString(h.Sum(nil)[:20])
}

// writeCanonical writes v in an unambiguous, order-independent form: each
// value is tagged with its type and length-prefixed, map keys are sorted and
// numbers are written as exact fractions, so 1 and 1.0 hash alike.
func writeCanonical(h hash.Hash, v any) {
	switch x := v.(type) {
	case map[string]any:
		fmt.Fprintf(h, "{%d", len(x))
		for _, k := range mapkeys.Sorted(x) {
			writeString(h, k)
			writeCanonical(h, x[k])
		}
		io.WriteString(h, "}")
	case []any:
		fmt.Fprintf(h, "[%d", len(x))
		for _, e := range x {
			writeCanonical(h, e)
		}
		io.WriteString(h, "]")
	case string:
		writeString(h, x)
	case bool:
		if x {
			io.WriteString(h, "t")
		} else {
			io.WriteString(h, "f")
		}
	default:
		if r, ok := numberRat(v); ok {
			io.WriteString(h, "n")
			writeString(h, r.RatString())
			return
		}
		// Only conflict values remain; they are never desired state, but
		// must not hash like anything that is.
		io.WriteString(h, "?")
		writeString(h, fmt.Sprintf("%#v", v))
	}
}

func writeString(h hash.Hash, s string) {
	io.WriteString(h, "s"+strconv.Itoa(len(s))+":")
	io.WriteString(h, s)
}
