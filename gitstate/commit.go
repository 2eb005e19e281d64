package gitstate

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Signature identifies an author or committer.
type Signature struct {
	Name, Email string
	When        time.Time
}

// CommitSpec describes a commit to store.
type CommitSpec struct {
	Tree              plumbing.Hash
	Parents           []plumbing.Hash
	Message           string
	Author, Committer Signature
}

// StoreCommit writes a commit object after checking that its tree and parents
// exist. A non-empty message gets a final newline, as `git commit-tree -m` does.
func (r *Repo) StoreCommit(c CommitSpec) (plumbing.Hash, error) {
	if c.Tree.IsZero() {
		return plumbing.ZeroHash, fmt.Errorf("store commit: zero tree")
	}
	if c.Tree != EmptyTree {
		if ok, err := r.hasObject(c.Tree); err != nil || !ok {
			return plumbing.ZeroHash, fmt.Errorf("store commit: tree %s missing (%v)", c.Tree, err)
		}
	} else if _, err := r.storeEmptyTree(); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("store commit: %w", err)
	}
	seen := map[plumbing.Hash]bool{}
	for _, p := range c.Parents {
		if seen[p] {
			return plumbing.ZeroHash, fmt.Errorf("store commit: duplicate parent %s", p)
		}
		seen[p] = true
		if _, err := r.encodedObject(plumbing.CommitObject, p); err != nil {
			return plumbing.ZeroHash, fmt.Errorf("store commit: parent %s: %w", p, err)
		}
	}
	author, err := formatIdent(c.Author)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("store commit: author: %w", err)
	}
	committer, err := formatIdent(c.Committer)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("store commit: committer: %w", err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "tree %s\n", c.Tree)
	for _, p := range c.Parents {
		fmt.Fprintf(&b, "parent %s\n", p)
	}
	fmt.Fprintf(&b, "author %s\ncommitter %s\n\n", author, committer)
	b.WriteString(c.Message)
	if c.Message != "" && !strings.HasSuffix(c.Message, "\n") {
		b.WriteByte('\n')
	}
	h, err := r.storeObject(plumbing.CommitObject, b.Bytes())
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("store commit: %w", err)
	}
	return h, nil
}

// formatIdent renders "Name <email> <unix> <+hhmm>", refusing what git's fsck
// would reject.
func formatIdent(s Signature) (string, error) {
	if s.Name == "" && s.Email == "" {
		return "", fmt.Errorf("empty identity")
	}
	if strings.ContainsAny(s.Name, "<>\n") || strings.ContainsAny(s.Email, "<>\n") {
		return "", fmt.Errorf("identity %q <%s> contains '<', '>' or a newline", s.Name, s.Email)
	}
	if s.Name != strings.TrimSpace(s.Name) {
		return "", fmt.Errorf("identity name %q has surrounding spaces", s.Name)
	}
	when := s.When
	if when.IsZero() {
		return "", fmt.Errorf("identity %q has no time", s.Name)
	}
	return fmt.Sprintf("%s <%s> %d %s", s.Name, s.Email, when.Unix(), when.Format("-0700")), nil
}

// ReadCommit decodes commit h.
func (r *Repo) ReadCommit(h plumbing.Hash) (*object.Commit, error) {
	obj, err := r.encodedObject(plumbing.CommitObject, h)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", h, err)
	}
	c := &object.Commit{}
	if err := c.Decode(obj); err != nil {
		return nil, fmt.Errorf("read commit %s: %w", h, err)
	}
	return c, nil
}

// commitParents reads only the parent ids of commit h.
func (r *Repo) commitParents(h plumbing.Hash) ([]plumbing.Hash, error) {
	data, err := r.readObjectBytes(plumbing.CommitObject, h)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", h, err)
	}
	var parents []plumbing.Hash
	for len(data) > 0 {
		nl := bytes.IndexByte(data, '\n')
		if nl <= 0 {
			break // end of header
		}
		line := data[:nl]
		data = data[nl+1:]
		if rest, ok := bytes.CutPrefix(line, []byte("parent ")); ok {
			p, ok := parseHex(string(rest))
			if !ok {
				return nil, fmt.Errorf("read commit %s: bad parent line %q", h, line)
			}
			parents = append(parents, p)
		}
	}
	return parents, nil
}

// parseHex parses a 40-digit hex object id.
func parseHex(s string) (plumbing.Hash, bool) {
	if len(s) != 40 {
		return plumbing.ZeroHash, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return plumbing.ZeroHash, false
		}
	}
	return plumbing.NewHash(s), true
}
