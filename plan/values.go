package plan

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/fcgit/fcgit/gitstate"
	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/snapshot"
)

// Change is one field's change, "path: old → new".
type Change struct {
	// Path is the field as a dotted TOML key: "timeout",
	// "environmentVariables.DB", "triggers.web.config.methods",
	// `tags."app.io/name"`.
	Path string `json:"path"`
	// Old and New are the values (absent: FC's default or not set). A
	// secret's value is never one of them: a reference, or (secret).
	Old any `json:"old,omitempty"`
	New any `json:"new,omitempty"`
	// Secret: the field is a secret; its values are not shown.
	Secret bool `json:"secret,omitempty"`
}

// String renders the change for people: "timeout: 10 → 20".
func (c Change) String() string {
	if c.Secret {
		return c.Path + ": (secret, value hidden)"
	}
	return fmt.Sprintf("%s: %s → %s", c.Path, FormatValue(c.Old), FormatValue(c.New))
}

// changesOf turns snapshot changes into plan changes, secrets masked: one
// change per secret variable, whatever part of its reference changed.
func changesOf(cs []snapshot.Change, secret func([]string) bool) []Change {
	out := make([]Change, 0, len(cs))
	seen := map[string]bool{}
	for _, sc := range cs {
		for _, c := range expandTables(sc) {
			pc := Change{Path: KeyPath(c.Path), Old: c.Old, New: c.New}
			if secret(c.Path) {
				p := c.Path[:min(2, len(c.Path))]
				pc = Change{Path: KeyPath(p), Secret: true}
				if seen[pc.Path] {
					continue
				}
				seen[pc.Path] = true
			}
			out = append(out, pc)
		}
	}
	return out
}

// expandTables splits the change of a whole table, set on one side only,
// into a change per member when the table is too long to show on one line:
// "aliases.prod.versionId: (none) → "1"" says what "aliases: (none) →
// {prod} (1 keys)" would hide.
func expandTables(c snapshot.Change) []snapshot.Change {
	table, ok := c.New.(map[string]any)
	if c.Old != nil || !ok {
		if table, ok = c.Old.(map[string]any); c.New != nil || !ok {
			return []snapshot.Change{c}
		}
	}
	if len(table) == 0 || len(inline(table)) <= maxShown {
		return []snapshot.Change{c}
	}
	var out []snapshot.Change
	for _, k := range mapkeys.Sorted(table) {
		if snapshot.IsEmptyShape(table[k]) {
			// FC's "not set" ({}, "", []): noise in a list of values.
			continue
		}
		sub := snapshot.Change{Path: append(append([]string(nil), c.Path...), k), OldAbsent: c.OldAbsent, NewAbsent: c.NewAbsent}
		if c.New != nil {
			sub.New = table[k]
		} else {
			sub.Old = table[k]
		}
		out = append(out, expandTables(sub)...)
	}
	if len(out) == 0 {
		return []snapshot.Change{c}
	}
	return out
}

// secretPaths reports which paths of a function are secrets: environment
// variables holding references on either side, and the whole
// environmentVariables table when any does (its values would show them).
func secretPaths(sides ...*snapshot.State) func([]string) bool {
	refs := map[string]bool{}
	for _, st := range sides {
		if st == nil {
			continue
		}
		for name := range st.SecretRefs() {
			refs[name] = true
		}
	}
	return func(p []string) bool {
		if len(p) == 0 || p[0] != "environmentVariables" {
			return false
		}
		if len(p) == 1 {
			return len(refs) > 0
		}
		return refs[p[1]]
	}
}

var bareKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// KeyPath renders a key path as TOML writes a dotted key.
func KeyPath(p []string) string {
	parts := make([]string, len(p))
	for i, k := range p {
		if bareKey.MatchString(k) {
			parts[i] = k
		} else {
			parts[i] = strconv.Quote(k)
		}
	}
	return strings.Join(parts, ".")
}

// maxShown is the longest rendering of a value shown whole.
const maxShown = 60

// FormatValue renders a value for a one-line change: strings quoted,
// numbers and booleans as they are, arrays and tables inline; long ones
// shortened with their size; absent as (none).
func FormatValue(v any) string {
	if v == nil {
		return "(none)"
	}
	if ref, ok := snapshot.AsSecretRef(v); ok {
		return fmt.Sprintf("(secret from %s)", ref.Source)
	}
	if s, ok := v.(string); ok {
		if len(s) > maxShown || strings.ContainsAny(s, "\n\r") {
			first, _, _ := strings.Cut(s, "\n")
			if len(first) > 40 {
				first = first[:40]
			}
			return fmt.Sprintf("%s… (%s)", strconv.Quote(first), Size(int64(len(s))))
		}
		return strconv.Quote(s)
	}
	text := inline(v)
	if len(text) > maxShown {
		switch x := v.(type) {
		case []any:
			return fmt.Sprintf("[…] (%d items)", len(x))
		case map[string]any:
			keys := mapkeys.Sorted(x)
			if len(keys) > 4 {
				keys = append(keys[:4], "…")
			}
			return fmt.Sprintf("{%s} (%d keys)", strings.Join(keys, ", "), len(x))
		}
	}
	return text
}

// inline renders a value as TOML's inline form.
func inline(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = inline(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := mapkeys.Sorted(x)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = KeyPath([]string{k}) + " = " + inline(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Size renders a byte count: "512 B", "1.5 KiB", "12 MiB".
func Size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	if v >= 10 {
		return fmt.Sprintf("%.0f %ciB", v, "KMGTPE"[exp])
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[exp])
}

// CodeChange summarises how a code package changed: its files added,
// deleted or modified, with their sizes.
type CodeChange struct {
	Files []FileChange `json:"files"`
}

// FileChange is one file of a code package that changed.
type FileChange struct {
	Path string `json:"path"`
	Op   string `json:"op"` // "added", "deleted", "modified"
	// OldSize and NewSize are the file's sizes in bytes on each side.
	OldSize int64 `json:"oldSize,omitempty"`
	NewSize int64 `json:"newSize,omitempty"`
}

// maxFilesShown is how many changed files a one-line summary names.
const maxFilesShown = 5

// String renders the summary: "code: index.py (120 B → 140 B), lib.py (added, 1.2 KiB)".
func (c *CodeChange) String() string {
	if c == nil || len(c.Files) == 0 {
		return "code"
	}
	var parts []string
	for i, f := range c.Files {
		if i == maxFilesShown {
			parts = append(parts, fmt.Sprintf("and %d more", len(c.Files)-i))
			break
		}
		switch f.Op {
		case "added":
			parts = append(parts, fmt.Sprintf("%s (added, %s)", f.Path, Size(f.NewSize)))
		case "deleted":
			parts = append(parts, fmt.Sprintf("%s (deleted)", f.Path))
		default:
			parts = append(parts, fmt.Sprintf("%s (%s → %s)", f.Path, Size(f.OldSize), Size(f.NewSize)))
		}
	}
	return "code: " + strings.Join(parts, ", ")
}

// codeChange compares two code trees (zero: no code).
func codeChange(repo *gitstate.Repo, from, to plumbing.Hash) (*CodeChange, error) {
	if repo == nil || from == to {
		return nil, nil
	}
	diffs, err := repo.DiffTrees(from, to)
	if err != nil {
		return nil, err
	}
	out := &CodeChange{Files: []FileChange{}}
	for _, d := range diffs {
		fc := FileChange{Path: d.Path, Op: "modified"}
		if d.From != nil {
			if fc.OldSize, err = entrySize(repo, d.From); err != nil {
				return nil, err
			}
		} else {
			fc.Op = "added"
		}
		if d.To != nil {
			if fc.NewSize, err = entrySize(repo, d.To); err != nil {
				return nil, err
			}
		} else {
			fc.Op = "deleted"
		}
		out.Files = append(out.Files, fc)
	}
	sort.Slice(out.Files, func(i, j int) bool { return out.Files[i].Path < out.Files[j].Path })
	return out, nil
}

func entrySize(repo *gitstate.Repo, e *gitstate.TreeEntry) (int64, error) {
	if !e.Mode.IsFile() {
		return 0, nil
	}
	return repo.BlobSize(e.Hash)
}
