package snapshot

import (
	"strings"

	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/kinds"
)

// Version ids exist only in the target that published them: version 3 in
// staging is not version 3 in production, and an empty target has none. An
// alias can therefore name a version by the commit it was published from,
// "commit:<id>" (as versionId, or as a key of additionalVersionWeight):
// fcgit resolves it in each target to the version published there from that
// commit, and push publishes it first where there is none.

// CommitRefPrefix starts a version named by the commit it was published
// from.
const CommitRefPrefix = "commit:"

// CommitRef returns the commit a version reference names ("commit:<id>",
// 7 to 40 hex digits), and whether it is one.
func CommitRef(ref string) (string, bool) {
	c, ok := strings.CutPrefix(ref, CommitRefPrefix)
	if !ok || len(c) < 7 || len(c) > 40 {
		return "", false
	}
	for _, r := range c {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return "", false
		}
	}
	return c, true
}

// isVersionRef reports whether s names a version: its id, or its commit.
func isVersionRef(s string) bool {
	_, ok := CommitRef(s)
	return ok || isVersionID(s)
}

// CommitRefs lists the commits a state's aliases name versions by, sorted
// and once each.
func (s *State) CommitRefs() []string {
	seen := map[string]bool{}
	aliases, _ := s.Config[kinds.AliasesKey].(map[string]any)
	for _, a := range aliases {
		m, _ := a.(map[string]any)
		if id, ok := m["versionId"].(string); ok {
			if c, ok := CommitRef(id); ok {
				seen[c] = true
			}
		}
		w, _ := m["additionalVersionWeight"].(map[string]any)
		for k := range w {
			if c, ok := CommitRef(k); ok {
				seen[c] = true
			}
		}
	}
	return mapkeys.Sorted(seen)
}

// ResolveCommitRefs returns the state with each version named by its commit
// replaced by the id resolve gives it (false: none yet; the reference
// stays), and the commits left unresolved. The state is not changed; one
// without references is returned as it is.
func (s *State) ResolveCommitRefs(resolve func(commit string) (string, bool)) (*State, []string) {
	if len(s.CommitRefs()) == 0 {
		return s, nil
	}
	out := &State{Name: s.Name, Config: cloneMap(s.Config), Triggers: s.Triggers}
	var missing []string
	seen := map[string]bool{}
	id := func(ref string) string {
		c, ok := CommitRef(ref)
		if !ok {
			return ref
		}
		if v, ok := resolve(c); ok {
			return v
		}
		if !seen[c] {
			seen[c] = true
			missing = append(missing, c)
		}
		return ref
	}
	aliases, _ := out.Config[kinds.AliasesKey].(map[string]any)
	for name, a := range aliases {
		m, ok := a.(map[string]any)
		if !ok {
			continue
		}
		if v, ok := m["versionId"].(string); ok {
			m["versionId"] = id(v)
		}
		if w, ok := m["additionalVersionWeight"].(map[string]any); ok {
			nw := make(map[string]any, len(w))
			for k, v := range w {
				nw[id(k)] = v
			}
			m["additionalVersionWeight"] = nw
		}
		aliases[name] = m
	}
	return out, missing
}
