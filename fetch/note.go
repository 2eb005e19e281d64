package fetch

import (
	"encoding/json"
	"fmt"

	"github.com/fcgit/fcgit/fc"
)

// NotesRef holds fcgit's metadata notes, one per online-branch commit.
const NotesRef = "refs/notes/fcgit"

// NotesRef is where the notes of this branch's commits live: each target
// has notes of its own, since one commit deployed to two targets has two
// online states' metadata.
func (b Branch) NotesRef() string {
	if b.Target == "" {
		return NotesRef
	}
	return NotesRef + "-" + b.Target
}

// Note is the metadata fcgit keeps beside a commit of the online branch: what
// FC said about each function when that commit was made. None of it is desired
// state; fetch and push read it to skip work (an unchanged codeChecksum means
// the code tree can be reused without downloading).
type Note struct {
	Region    string                  `json:"region,omitempty"`
	Functions map[string]FunctionMeta `json:"functions"`
}

// FunctionMeta is FC's volatile metadata for one function.
type FunctionMeta struct {
	LastModifiedTime string                 `json:"lastModifiedTime,omitempty"`
	CodeChecksum     string                 `json:"codeChecksum,omitempty"`
	FunctionArn      string                 `json:"functionArn,omitempty"`
	Triggers         map[string]TriggerMeta `json:"triggers,omitempty"`
}

// TriggerMeta is FC's volatile metadata for one trigger.
type TriggerMeta struct {
	LastModifiedTime string `json:"lastModifiedTime,omitempty"`
	URLInternet      string `json:"urlInternet,omitempty"`
}

// Encode renders the note as git notes show it: indented JSON with sorted
// keys, so notes diff well.
func (n *Note) Encode() []byte {
	b, err := json.MarshalIndent(n, "", "  ")
	if err != nil {
		// Only maps of strings: marshalling cannot fail.
		panic(err)
	}
	return append(b, '\n')
}

// Equal reports whether two notes say the same: whether they Encode alike,
// without encoding them (a note of 10,000 functions is megabytes of JSON).
func (n *Note) Equal(o *Note) bool {
	if n.Region != o.Region || len(n.Functions) != len(o.Functions) {
		return false
	}
	for name, a := range n.Functions {
		b, ok := o.Functions[name]
		if !ok || a.LastModifiedTime != b.LastModifiedTime || a.CodeChecksum != b.CodeChecksum ||
			a.FunctionArn != b.FunctionArn || len(a.Triggers) != len(b.Triggers) {
			return false
		}
		for t, ta := range a.Triggers {
			if tb, ok := b.Triggers[t]; !ok || ta != tb {
				return false
			}
		}
	}
	return true
}

// DecodeNote parses a note written by Encode. A note fcgit cannot read is not
// fatal to callers: they fall back to doing the work the note would save.
func DecodeNote(data []byte) (*Note, error) {
	var n Note
	if err := json.Unmarshal(data, &n); err != nil {
		return nil, fmt.Errorf("decode fcgit note: %w", err)
	}
	if n.Functions == nil {
		n.Functions = map[string]FunctionMeta{}
	}
	return &n, nil
}

// TriggerMetaOf takes a trigger's volatile metadata from FC's document.
func TriggerMetaOf(t fc.Trigger) TriggerMeta {
	m := TriggerMeta{LastModifiedTime: t.LastModifiedTime()}
	if h, ok := t["httpTrigger"].(map[string]any); ok {
		m.URLInternet, _ = h["urlInternet"].(string)
	}
	return m
}
