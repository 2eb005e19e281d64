package gitstate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func TestWriteNoteReadableByGit(t *testing.T) {
	r := newRepo(t)
	dir := r.WorkDir()
	c := makeCommits(t, r, 2)
	const ref = "refs/notes/fcgit"
	if err := r.WriteNote(ref, c[0], []byte("lastModifiedTime = 1\n"), "fetch"); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteNote("fcgit", c[1], []byte("lastModifiedTime = 2\n"), "fetch"); err != nil {
		t.Fatal(err)
	}
	if got := gitCmd(t, dir, "notes", "--ref", "fcgit", "show", c[0].String()); got != "lastModifiedTime = 1" {
		t.Fatalf("git notes show = %q", got)
	}
	// Replace a note: new commit on top of the previous notes commit.
	if err := r.WriteNote(ref, c[0], []byte("lastModifiedTime = 3\n"), "push"); err != nil {
		t.Fatal(err)
	}
	if got := gitCmd(t, dir, "notes", "--ref", "fcgit", "show", c[0].String()); got != "lastModifiedTime = 3" {
		t.Fatalf("git notes show after update = %q", got)
	}
	if n := gitCmd(t, dir, "rev-list", "--count", ref); n != "3" {
		t.Fatalf("notes history has %s commits", n)
	}
	// An identical note writes nothing.
	before := mustResolve(t, r, ref)
	if err := r.WriteNote(ref, c[0], []byte("lastModifiedTime = 3\n"), "again"); err != nil {
		t.Fatal(err)
	}
	if mustResolve(t, r, ref) != before {
		t.Fatal("identical note made a new commit")
	}
	if list := gitCmd(t, dir, "notes", "--ref", "fcgit", "list"); len(sortedLines(list)) != 2 {
		t.Fatalf("git notes list:\n%s", list)
	}
	if got := gitCmd(t, dir, "reflog", "show", "-1", "--format=%gs", ref); !strings.Contains(got, "again") && !strings.Contains(got, "push") {
		t.Fatalf("notes reflog: %q", got)
	}
	data, ok, err := r.ReadNote(ref, c[1])
	if err != nil || !ok || string(data) != "lastModifiedTime = 2\n" {
		t.Fatalf("ReadNote = %q %v %v", data, ok, err)
	}
	if _, ok, err := r.ReadNote(ref, plumbing.NewHash("1234567890123456789012345678901234567890")); ok || err != nil {
		t.Fatalf("missing note: %v %v", ok, err)
	}
	if _, ok, err := r.ReadNote("refs/notes/other", c[0]); ok || err != nil {
		t.Fatalf("missing notes ref: %v %v", ok, err)
	}
	fsck(t, dir)
}

// TestReadNoteFanoutWrittenByGit lets git write enough notes to fan its
// notes tree out, then reads every one and adds more on top.
func TestReadNoteFanoutWrittenByGit(t *testing.T) {
	r := newRepo(t)
	dir := r.WorkDir()
	const n = 300
	targets := make([]plumbing.Hash, n)
	for i := range targets {
		h, err := r.StoreBlob([]byte(fmt.Sprintf("object %d\n", i)))
		if err != nil {
			t.Fatal(err)
		}
		targets[i] = h
	}
	// A few distinct notes with `git notes add`, then the bulk in one git
	// process with `git notes copy --stdin` (same fan-out logic, far faster
	// than one process per note).
	want := make([]string, n)
	const distinct = 5
	for i := 0; i < distinct; i++ {
		want[i] = fmt.Sprintf("note %d\n", i)
		gitCmd(t, dir, "notes", "--ref", "fcgit", "add", "-m", strings.TrimSpace(want[i]), targets[i].String())
	}
	var pairs strings.Builder
	for i := distinct; i < n; i++ {
		want[i] = want[i%distinct]
		fmt.Fprintf(&pairs, "%s %s\n", targets[i%distinct], targets[i])
	}
	gitStdin(t, dir, pairs.String(), "notes", "--ref", "fcgit", "copy", "--stdin")
	top := gitCmd(t, dir, "ls-tree", "refs/notes/fcgit")
	if !strings.Contains(top, "\ttree\t") && !strings.Contains(top, " tree ") {
		t.Fatalf("git did not fan out:\n%s", top)
	}
	for i, h := range targets {
		data, ok, err := r.ReadNote("refs/notes/fcgit", h)
		if err != nil || !ok || string(data) != want[i] {
			t.Fatalf("ReadNote %d = %q %v %v", i, data, ok, err)
		}
	}
	// Write into the fanned-out tree: a new note and a replaced one.
	extra, _ := r.StoreBlob([]byte("extra object\n"))
	if err := r.WriteNote("refs/notes/fcgit", extra, []byte("extra note\n"), "fcgit"); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteNote("refs/notes/fcgit", targets[7], []byte("replaced\n"), "fcgit"); err != nil {
		t.Fatal(err)
	}
	if got := gitCmd(t, dir, "notes", "--ref", "fcgit", "show", extra.String()); got != "extra note" {
		t.Fatalf("git notes show extra = %q", got)
	}
	if got := gitCmd(t, dir, "notes", "--ref", "fcgit", "show", targets[7].String()); got != "replaced" {
		t.Fatalf("git notes show replaced = %q", got)
	}
	if got := gitCmd(t, dir, "notes", "--ref", "fcgit", "show", targets[8].String()); got != "note 3" {
		t.Fatalf("git notes show untouched = %q", got)
	}
	if list := sortedLines(gitCmd(t, dir, "notes", "--ref", "fcgit", "list")); len(list) != n+1 {
		t.Fatalf("git notes list has %d entries, want %d", len(list), n+1)
	}
	// git can keep writing on top of ours.
	gitCmd(t, dir, "notes", "--ref", "fcgit", "add", "-f", "-m", "by git again", extra.String())
	data, _, _ := r.ReadNote("refs/notes/fcgit", extra)
	if string(data) != "by git again\n" {
		t.Fatalf("ReadNote after git = %q", data)
	}
	fsck(t, dir)
}

// TestReplaceOnlyNote: replacing the only note of a notes ref (its tree is
// empty once the old note is dropped) writes the new one.
func TestReplaceOnlyNote(t *testing.T) {
	r := newRepo(t)
	c := makeCommits(t, r, 1)
	const ref = "refs/notes/fcgit"
	for _, note := range []string{"a = 1\n", "a = 2\n"} {
		if err := r.WriteNote(ref, c[0], []byte(note), "push"); err != nil {
			t.Fatal(err)
		}
	}
	if got := gitCmd(t, r.WorkDir(), "notes", "--ref", "fcgit", "show", c[0].String()); got != "a = 2" {
		t.Fatalf("git notes show = %q", got)
	}
}
