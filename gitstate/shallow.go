package gitstate

import (
	"bufio"
	"bytes"
	"container/heap"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// shallowCommits reads the boundary of a shallow clone ($GIT_DIR/shallow):
// commits whose parents the repository does not have. It is read on every
// call because `git fetch --deepen` or `--unshallow` rewrites it while
// fcgit may be running.
func (r *Repo) shallowCommits() (map[plumbing.Hash]bool, error) {
	data, err := os.ReadFile(filepath.Join(r.commonDir, "shallow"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read shallow boundary: %w", err)
	}
	out := map[plumbing.Hash]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := string(bytes.TrimSpace(sc.Bytes()))
		if line == "" {
			continue
		}
		h, ok := parseHex(line)
		if !ok {
			return nil, fmt.Errorf("read shallow boundary: bad line %q", line)
		}
		out[h] = true
	}
	return out, nil
}

// IsShallow reports whether the repository is a shallow clone (git clone
// --depth, the default checkout of most CI systems): history stops at a
// boundary, and questions about older commits cannot be answered.
func (r *Repo) IsShallow() (bool, error) {
	s, err := r.shallowCommits()
	return len(s) > 0, err
}

// parentsWithin returns h's parents as far as the repository has them: none
// for a commit on the shallow boundary, as git itself treats it.
func (r *Repo) parentsWithin(h plumbing.Hash, shallow map[plumbing.Hash]bool) ([]plumbing.Hash, bool, error) {
	if shallow[h] {
		return nil, true, nil
	}
	ps, err := r.commitParents(h)
	return ps, false, err
}

// Log walks history from starts newest first by committer date, as git log
// does, each commit once. It stops at a shallow clone's boundary and says so
// (Truncated), so callers can tell "not in history" from "not in the part of
// history this clone has".
type Log struct {
	repo      *Repo
	shallow   map[plumbing.Hash]bool
	queue     logQueue
	seen      map[plumbing.Hash]bool
	truncated bool
	seq       int
}

// NewLog starts a walk at starts (zero hashes are ignored).
func (r *Repo) NewLog(starts ...plumbing.Hash) (*Log, error) {
	shallow, err := r.shallowCommits()
	if err != nil {
		return nil, err
	}
	l := &Log{repo: r, shallow: shallow, seen: map[plumbing.Hash]bool{}}
	for _, s := range starts {
		if err := l.push(s); err != nil {
			return nil, err
		}
	}
	return l, nil
}

func (l *Log) push(h plumbing.Hash) error {
	if h.IsZero() || l.seen[h] {
		return nil
	}
	l.seen[h] = true
	c, err := l.repo.ReadCommit(h)
	if err != nil {
		return err
	}
	l.seq++
	heap.Push(&l.queue, logItem{commit: c, seq: l.seq})
	return nil
}

// Next returns the next commit, or io.EOF when the walk is done.
func (l *Log) Next() (*object.Commit, error) {
	if l.queue.Len() == 0 {
		return nil, io.EOF
	}
	c := heap.Pop(&l.queue).(logItem).commit
	if l.shallow[c.Hash] {
		if len(c.ParentHashes) > 0 {
			l.truncated = true
		}
		return c, nil
	}
	for _, p := range c.ParentHashes {
		if err := l.push(p); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Truncated reports whether the walk reached a shallow clone's boundary
// (commits whose parents are missing): history beyond it was not seen.
func (l *Log) Truncated() bool { return l.truncated }

type logItem struct {
	commit *object.Commit
	seq    int // insertion order breaks date ties, so walks are deterministic
}

type logQueue []logItem

func (q logQueue) Len() int { return len(q) }
func (q logQueue) Less(i, j int) bool {
	ti, tj := q[i].commit.Committer.When, q[j].commit.Committer.When
	if !ti.Equal(tj) {
		return ti.After(tj)
	}
	return q[i].seq < q[j].seq
}
func (q logQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *logQueue) Push(x any)   { *q = append(*q, x.(logItem)) }
func (q *logQueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}
