package gitstate

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing"
)

// ErrRefChanged is returned (wrapped, with the actual value) by UpdateRef
// and UpdateHead when the ref no longer has the expected old value.
var ErrRefChanged = errors.New("ref changed concurrently")

// Head is the state of HEAD.
type Head struct {
	Branch string        // "refs/heads/main"; "" when detached
	Hash   plumbing.Hash // zero on an unborn branch
}

// isPerWorktreeRef reports refs that live in the worktree's git dir rather
// than the common dir (HEAD, pseudo-refs, refs/worktree/, refs/bisect/...).
func isPerWorktreeRef(name string) bool {
	if !strings.HasPrefix(name, "refs/") {
		return true
	}
	for _, p := range []string{"refs/worktree/", "refs/bisect/", "refs/rewritten/"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func (r *Repo) refBaseDir(name string) string {
	if isPerWorktreeRef(name) {
		return r.gitDir
	}
	return r.commonDir
}

func (r *Repo) refPath(name string) string {
	return filepath.Join(r.refBaseDir(name), filepath.FromSlash(name))
}

func (r *Repo) reflogPath(name string) string {
	return filepath.Join(r.refBaseDir(name), "logs", filepath.FromSlash(name))
}

// checkRefName applies git's check-ref-format rules to a full ref name.
func checkRefName(name string) error {
	bad := func(why string) error { return fmt.Errorf("invalid ref name %q: %s", name, why) }
	if name == "HEAD" {
		return nil
	}
	if !strings.HasPrefix(name, "refs/") {
		return bad("must start with refs/")
	}
	if strings.HasSuffix(name, "/") || strings.HasSuffix(name, ".") {
		return bad("ends with '/' or '.'")
	}
	if strings.Contains(name, "..") || strings.Contains(name, "@{") || name == "@" {
		return bad("contains '..' or '@{'")
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f || strings.ContainsRune(" ~^:?*[\\", c) {
			return bad(fmt.Sprintf("contains %q", c))
		}
	}
	for _, comp := range strings.Split(name, "/") {
		if comp == "" || strings.HasPrefix(comp, ".") || strings.HasSuffix(comp, ".lock") {
			return bad("empty component, component starting with '.' or ending with '.lock'")
		}
	}
	return nil
}

// readLooseRef reads a loose ref file: (hash, symref target, exists).
func (r *Repo) readLooseRef(name string) (plumbing.Hash, string, bool, error) {
	data, err := os.ReadFile(r.refPath(name))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.EISDIR) {
			return plumbing.ZeroHash, "", false, nil
		}
		return plumbing.ZeroHash, "", false, fmt.Errorf("read ref %s: %w", name, err)
	}
	s := strings.TrimRight(string(data), "\r\n\t ")
	if target, ok := strings.CutPrefix(s, "ref:"); ok {
		return plumbing.ZeroHash, strings.TrimSpace(target), true, nil
	}
	h, ok := parseHex(s)
	if !ok {
		return plumbing.ZeroHash, "", false, fmt.Errorf("read ref %s: malformed content %q", name, s)
	}
	return h, "", true, nil
}

// readPackedRefs parses packed-refs; raw keeps the file's lines for rewriting.
func (r *Repo) readPackedRefs() (refs map[string]plumbing.Hash, raw []byte, err error) {
	path := filepath.Join(r.commonDir, "packed-refs")
	raw, err = os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]plumbing.Hash{}, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read packed-refs: %w", err)
	}
	refs = map[string]plumbing.Hash{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || line[0] == '^' {
			continue
		}
		hexID, name, ok := strings.Cut(line, " ")
		h, valid := parseHex(hexID)
		if !ok || !valid {
			return nil, nil, fmt.Errorf("read packed-refs: malformed line %q", line)
		}
		refs[name] = h
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("read packed-refs: %w", err)
	}
	return refs, raw, nil
}

// readRefDirect reads name without following a symbolic ref: loose first,
// then packed-refs.
func (r *Repo) readRefDirect(name string) (h plumbing.Hash, symref string, found bool, err error) {
	h, symref, found, err = r.readLooseRef(name)
	if err != nil || found {
		return h, symref, found, err
	}
	if !strings.HasPrefix(name, "refs/") {
		return plumbing.ZeroHash, "", false, nil
	}
	packed, _, err := r.readPackedRefs()
	if err != nil {
		return plumbing.ZeroHash, "", false, err
	}
	h, found = packed[name]
	return h, "", found, nil
}

// ResolveRef resolves a full ref name ("refs/heads/main", "HEAD",
// "ORIG_HEAD"), following symbolic refs, in loose and packed refs. found is
// false when the ref (or the branch a symbolic ref names) does not exist.
func (r *Repo) ResolveRef(name string) (plumbing.Hash, bool, error) {
	cur := name
	for depth := 0; depth < 5; depth++ {
		h, target, found, err := r.readRefDirect(cur)
		if err != nil {
			return plumbing.ZeroHash, false, fmt.Errorf("resolve %s: %w", name, err)
		}
		if !found {
			return plumbing.ZeroHash, false, nil
		}
		if target == "" {
			return h, true, nil
		}
		cur = target
	}
	return plumbing.ZeroHash, false, fmt.Errorf("resolve %s: symbolic ref loop", name)
}

// Head reads HEAD: the branch it points to (and its tip, zero when unborn),
// or the detached commit.
func (r *Repo) Head() (Head, error) {
	h, target, found, err := r.readLooseRef("HEAD")
	if err != nil {
		return Head{}, err
	}
	if !found {
		return Head{}, fmt.Errorf("read HEAD: %s/HEAD missing", r.gitDir)
	}
	if target == "" {
		return Head{Hash: h}, nil
	}
	tip, _, err := r.ResolveRef(target)
	if err != nil {
		return Head{}, fmt.Errorf("read HEAD: %w", err)
	}
	return Head{Branch: target, Hash: tip}, nil
}

// PeelToCommit returns the commit h names: h itself when it is a commit,
// the commit an annotated tag (or a chain of them) points to otherwise.
// Version tags made with git tag -a name a tag object, not the commit.
func (r *Repo) PeelToCommit(h plumbing.Hash) (plumbing.Hash, error) {
	for range 16 { // git's own limit on tag chains is far lower in practice
		obj, err := r.encodedObject(plumbing.AnyObject, h)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("read object %s: %w", h, err)
		}
		switch obj.Type() {
		case plumbing.CommitObject:
			return h, nil
		case plumbing.TagObject:
			data, err := r.readObjectBytes(plumbing.TagObject, h)
			if err != nil {
				return plumbing.ZeroHash, fmt.Errorf("read tag %s: %w", h, err)
			}
			target, ok := strings.CutPrefix(string(data), "object ")
			if !ok || len(target) < 40 {
				return plumbing.ZeroHash, fmt.Errorf("read tag %s: no object line", h)
			}
			next, ok := parseHex(target[:40])
			if !ok {
				return plumbing.ZeroHash, fmt.Errorf("read tag %s: bad object line", h)
			}
			h = next
		default:
			return plumbing.ZeroHash, fmt.Errorf("%s is a %s, not a commit", h, obj.Type())
		}
	}
	return plumbing.ZeroHash, fmt.Errorf("tag chain at %s is too long", h)
}
