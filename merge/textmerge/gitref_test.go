package textmerge

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/fcgit/fcgit/internal/mapkeys"
)

// This file drives the real git binary, the reference every merge and diff
// in this package is checked against.

const theirsBranch = "fcgit/online"

// triple is one merge case: a file's content in base, ours and theirs.
// A nil base with baseAbsent set means the file does not exist in the base
// commit (both sides added it).
type triple struct {
	name               string
	base, ours, theirs []byte
	baseAbsent         bool
	markerSize         int
}

// gitRepo is a scratch repository isolated from the user's configuration.
type gitRepo struct {
	t   testing.TB
	dir string
	env []string
}

func requireGit(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
}

func newGitRepo(t testing.TB) *gitRepo {
	t.Helper()
	requireGit(t)
	home := t.TempDir()
	dir := filepath.Join(home, "repo")
	// The global config is ours: identity, no line-ending conversion, and no
	// fsync (a scratch repository does not need durability, and fsync
	// dominates the test's run time on some disks).
	config := "[user]\n\tname = Test\n\temail = test@example.com\n" +
		"[core]\n\tautocrlf = false\n\tfsync = none\n\tfsyncMethod = writeout-only\n"
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	r := &gitRepo{t: t, dir: dir, env: append(os.Environ(),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+filepath.Join(home, ".gitconfig"),
		"HOME="+home,
		"LC_ALL=C",
	)}
	r.mustGit("init", "-q", "-b", "main")
	return r
}

// git runs git in the repository and returns stdout and the exit code.
func (r *gitRepo) git(stdin []byte, args ...string) ([]byte, int, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = r.dir
	cmd.Env = r.env
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return stdout.Bytes(), ee.ExitCode(), nil
	}
	if err != nil {
		return nil, -1, fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return stdout.Bytes(), 0, nil
}

func (r *gitRepo) mustGit(args ...string) string {
	r.t.Helper()
	out, code, err := r.git(nil, args...)
	if err != nil || code != 0 {
		r.t.Fatalf("git %s: exit %d, %v", strings.Join(args, " "), code, err)
	}
	return strings.TrimSpace(string(out))
}

// readBlobs reads rev:name for every name through one `git cat-file --batch`.
func (r *gitRepo) readBlobs(rev string, names []string) map[string][]byte {
	r.t.Helper()
	var in bytes.Buffer
	for _, n := range names {
		fmt.Fprintf(&in, "%s:%s\n", rev, n)
	}
	out, code, err := r.git(in.Bytes(), "cat-file", "--batch")
	if err != nil || code != 0 {
		r.t.Fatalf("cat-file --batch: exit %d, %v", code, err)
	}
	blobs := make(map[string][]byte, len(names))
	br := bufio.NewReader(bytes.NewReader(out))
	for _, n := range names {
		header, err := br.ReadString('\n')
		if err != nil {
			r.t.Fatalf("cat-file header for %s: %v", n, err)
		}
		fields := strings.Fields(header)
		if len(fields) != 3 {
			r.t.Fatalf("cat-file %s: %q", n, header)
		}
		size, err := strconv.Atoi(fields[2])
		if err != nil {
			r.t.Fatalf("cat-file size %q: %v", header, err)
		}
		data := make([]byte, size+1) // content + '\n'
		if _, err := io.ReadFull(br, data); err != nil {
			r.t.Fatalf("cat-file body %s: %v", n, err)
		}
		blobs[n] = data[:size]
	}
	return blobs
}

// mergeRepo holds a repository where every triple is one file: base on the
// root commit, ours on main, theirs on fcgit/online.
type mergeRepo struct {
	*gitRepo
	names     []string
	baseLabel string // the merge base's abbreviated id, as merge-ort prints it
	base      string // revisions of the three commits
	ours      string
	theirs    string
}

func buildMergeRepo(t testing.TB, cases []triple) *mergeRepo {
	t.Helper()
	r := newGitRepo(t)
	names := make([]string, 0, len(cases))
	var attrs strings.Builder
	for _, c := range cases {
		names = append(names, c.name)
		if c.markerSize > 0 {
			fmt.Fprintf(&attrs, "%s conflict-marker-size=%d\n", c.name, c.markerSize)
		}
	}
	sort.Strings(names)

	// One git fast-import stream writes all three commits: base on the
	// root, ours on main, theirs on fcgit/online.
	var fi bytes.Buffer
	mark := 0
	blob := func(data []byte) int {
		mark++
		fmt.Fprintf(&fi, "blob\nmark :%d\ndata %d\n", mark, len(data))
		fi.Write(data)
		fi.WriteString("\n")
		return mark
	}
	commit := func(ref, msg string, parent int, files map[string]int) int {
		mark++
		fmt.Fprintf(&fi, "commit %s\nmark :%d\ncommitter Test <test@example.com> 1704067200 +0000\ndata %d\n%s\n",
			ref, mark, len(msg), msg)
		if parent > 0 {
			fmt.Fprintf(&fi, "from :%d\n", parent)
		}
		for _, n := range mapkeys.Sorted(files) {
			fmt.Fprintf(&fi, "M 100644 :%d %s\n", files[n], n)
		}
		fi.WriteString("\n")
		return mark
	}
	baseFiles := map[string]int{".gitattributes": blob([]byte(attrs.String()))}
	oursFiles := map[string]int{}
	theirsFiles := map[string]int{}
	for _, c := range cases {
		if !c.baseAbsent {
			baseFiles[c.name] = blob(c.base)
		}
		oursFiles[c.name] = blob(c.ours)
		theirsFiles[c.name] = blob(c.theirs)
	}
	base := commit("refs/heads/main", "base", 0, baseFiles)
	commit("refs/heads/main", "ours", base, oursFiles)
	commit("refs/heads/"+theirsBranch, "theirs", base, theirsFiles)
	fi.WriteString("done\n")
	if out, code, err := r.git(fi.Bytes(), "fast-import", "--quiet", "--done"); err != nil || code != 0 {
		t.Fatalf("fast-import: exit %d, %v\n%s", code, err, out)
	}
	// merge-ort looks attributes (conflict-marker-size) up in the work
	// tree, which fast-import does not populate.
	if err := os.WriteFile(filepath.Join(r.dir, ".gitattributes"), []byte(attrs.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return &mergeRepo{
		gitRepo:   r,
		names:     names,
		baseLabel: r.mustGit("rev-parse", "--short", "main^"),
		base:      "main^",
		ours:      "main",
		theirs:    theirsBranch,
	}
}

// gitMerge is git's result for one file.
type gitMerge struct {
	content    []byte
	conflicted bool
}

// mergeTree merges fcgit/online into HEAD with `git merge-tree
// --write-tree` (merge-ort, the engine `git merge` uses) in a conflict
// style, and returns every file of the result.
func (m *mergeRepo) mergeTree(style string) map[string]gitMerge {
	m.t.Helper()
	out, code, err := m.git(nil, "-c", "merge.conflictStyle="+style,
		"merge-tree", "--write-tree", "--name-only", "HEAD", theirsBranch)
	if err != nil || (code != 0 && code != 1) {
		m.t.Fatalf("merge-tree: exit %d, %v\n%s", code, err, out)
	}
	lines := strings.Split(string(out), "\n")
	tree := lines[0]
	conflicted := map[string]bool{}
	if code == 1 {
		for _, l := range lines[1:] {
			if l == "" {
				break
			}
			conflicted[l] = true
		}
	}
	blobs := m.readBlobs(tree, m.names)
	res := make(map[string]gitMerge, len(blobs))
	for n, b := range blobs {
		res[n] = gitMerge{content: b, conflicted: conflicted[n]}
	}
	return res
}

// mergeFavor runs `git merge -X <side> fcgit/online` on a detached copy of
// main; with a side favoured every file must merge cleanly.
func (m *mergeRepo) mergeFavor(side string) map[string]gitMerge {
	m.t.Helper()
	// fast-import leaves no work tree; -f also drops an earlier merge.
	m.mustGit("checkout", "-q", "-f", "--detach", "main")
	out, code, err := m.git(nil, "merge", "-q", "--no-edit", "-X", side, theirsBranch)
	if err != nil || code != 0 {
		m.t.Fatalf("git merge -X %s: exit %d, %v\n%s", side, code, err, out)
	}
	blobs := m.readBlobs("HEAD", m.names)
	res := make(map[string]gitMerge, len(blobs))
	for n, b := range blobs {
		res[n] = gitMerge{content: b}
	}
	return res
}

var gitStyles = []struct {
	name  string
	style Style
}{
	{"merge", StyleMerge},
	{"diff3", StyleDiff3},
	{"zdiff3", StyleZDiff3},
}

// checkMergesAgainstGit merges every triple with git and with Merge in all
// three styles and with -X ours / -X theirs, and reports each difference.
func checkMergesAgainstGit(t *testing.T, repo *mergeRepo, cases []triple) {
	t.Helper()
	byName := make(map[string]triple, len(cases))
	for _, c := range cases {
		byName[c.name] = c
	}
	for _, st := range gitStyles {
		want := repo.mergeTree(st.name)
		outcomes := map[bool]int{}
		for _, w := range want {
			outcomes[w.conflicted]++
		}
		// A set this large that git merges all one way means the fixture is
		// broken, not that the comparison passed.
		if len(cases) >= 10 && (outcomes[true] == 0 || outcomes[false] == 0) {
			t.Fatalf("%s: git gave %d conflicted and %d clean files; want both", st.name, outcomes[true], outcomes[false])
		}
		for _, name := range repo.names {
			c := byName[name]
			got := Merge(c.base, c.ours, c.theirs, Options{
				Style:       st.style,
				MarkerSize:  c.markerSize,
				OursLabel:   "HEAD",
				BaseLabel:   repo.baseLabel,
				TheirsLabel: theirsBranch,
			})
			compareMerge(t, name+"/"+st.name, c, want[name], got)
		}
	}
	for _, fv := range []struct {
		side  string
		favor Favor
	}{{"ours", FavorOurs}, {"theirs", FavorTheirs}} {
		want := repo.mergeFavor(fv.side)
		for _, name := range repo.names {
			c := byName[name]
			got := Merge(c.base, c.ours, c.theirs, Options{
				Favor: fv.favor, MarkerSize: c.markerSize,
				OursLabel: "HEAD", BaseLabel: repo.baseLabel, TheirsLabel: theirsBranch,
			})
			compareMerge(t, name+"/X"+fv.side, c, want[name], got)
		}
	}
}

func compareMerge(t *testing.T, label string, c triple, want gitMerge, got Result) {
	t.Helper()
	if want.conflicted != (got.Conflicts > 0) || !bytes.Equal(want.content, got.Content) {
		t.Errorf("%s: git conflicted=%v, Merge conflicts=%d\nbase:   %q\nours:   %q\ntheirs: %q\ngit:    %q\nMerge:  %q",
			label, want.conflicted, got.Conflicts, c.base, c.ours, c.theirs, want.content, got.Content)
	}
}
