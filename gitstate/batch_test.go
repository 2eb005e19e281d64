package gitstate

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/idxfile"
)

// gitRaw runs git and returns stdout byte for byte.
func gitRaw(t testing.TB, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "gc.auto=0", "-c", "maintenance.auto=false"}, args...)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

func randomBytes(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	b := make([]byte, n+8)
	for i := 0; i < n; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], rng.Uint64())
	}
	return b[:n]
}

// packFiles lists objects/pack, split into finished packs and leftovers.
func packFiles(t *testing.T, r *Repo) (packs, others []string) {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(r.commonDir, "objects", "pack"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	for _, e := range ents {
		switch n := e.Name(); {
		case strings.HasPrefix(n, "pack-") && strings.HasSuffix(n, ".pack"):
			packs = append(packs, n)
		case strings.HasPrefix(n, "pack-") && strings.HasSuffix(n, ".idx"):
		default:
			others = append(others, n)
		}
	}
	return packs, others
}

// looseCount counts loose objects.
func looseCount(t *testing.T, r *Repo) int {
	t.Helper()
	n := 0
	dirs, _ := filepath.Glob(filepath.Join(r.commonDir, "objects", "[0-9a-f][0-9a-f]"))
	for _, d := range dirs {
		ents, err := os.ReadDir(d)
		if err != nil {
			t.Fatal(err)
		}
		n += len(ents)
	}
	return n
}

// verifyPack runs `git verify-pack -v` on the repository's only pack and
// returns the ids it lists.
func verifyPack(t *testing.T, r *Repo) []string {
	t.Helper()
	packs, others := packFiles(t, r)
	if len(packs) != 1 || len(others) != 0 {
		t.Fatalf("objects/pack: packs %v, other files %v", packs, others)
	}
	idx := filepath.Join(r.commonDir, "objects", "pack", strings.TrimSuffix(packs[0], ".pack")+".idx")
	out := string(gitRaw(t, r.WorkDir(), "verify-pack", "-v", idx))
	var ids []string
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) >= 5 && len(f[0]) == 40 {
			ids = append(ids, f[0])
		}
	}
	if !strings.Contains(out, packs[0][:len(packs[0])-5]+".pack: ok") {
		t.Fatalf("verify-pack did not say ok:\n%s", out)
	}
	return ids
}

type wantObject struct {
	typ  string
	data []byte
}

func TestBatchObjectsMatchGit(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	dir := r.WorkDir()
	b, err := r.BeginBatch()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Abort()

	want := map[plumbing.Hash]wantObject{}
	storeBlob := func(data []byte, stream bool) plumbing.Hash {
		t.Helper()
		var h plumbing.Hash
		var err error
		if stream {
			h, err = r.StoreBlobFrom(bytes.NewReader(data), int64(len(data)))
		} else {
			h, err = r.StoreBlob(data)
		}
		if err != nil {
			t.Fatal(err)
		}
		want[h] = wantObject{"blob", data}
		return h
	}
	big := randomBytes(5<<20, 7)   // streamed into the pack
	mid := randomBytes(300<<10, 8) // read into memory first
	empty := storeBlob(nil, false)
	text := storeBlob([]byte("exports.handler = () => 'hi'\n"), false)
	bigH := storeBlob(big, true)
	midH := storeBlob(mid, true)
	// Duplicates, by both paths.
	if h := storeBlob([]byte("exports.handler = () => 'hi'\n"), true); h != text {
		t.Fatalf("same content, two ids: %s %s", h, text)
	}
	if h := storeBlob(big, true); h != bigH {
		t.Fatalf("same content, two ids: %s %s", h, bigH)
	}
	storeBlob(mid, false)
	storeBlob(nil, true)

	sub, err := r.StoreTree([]TreeEntry{
		{Name: "big.bin", Mode: filemode.Regular, Hash: bigH},
		{Name: "empty", Mode: filemode.Regular, Hash: empty},
	})
	if err != nil {
		t.Fatal(err)
	}
	root, err := r.StoreTree([]TreeEntry{
		{Name: "index.js", Mode: filemode.Executable, Hash: text},
		{Name: "lib", Mode: filemode.Dir, Hash: sub},
		{Name: "mid.bin", Mode: filemode.Regular, Hash: midH},
	})
	if err != nil {
		t.Fatal(err)
	}
	commit, err := r.StoreCommit(CommitSpec{Tree: root, Message: "batched", Author: testSig(1700000000), Committer: testSig(1700000001)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.StoreCommit(CommitSpec{Tree: root, Message: "batched", Author: testSig(1700000000), Committer: testSig(1700000001)}); err != nil {
		t.Fatal(err)
	}
	for _, h := range []plumbing.Hash{sub, root} {
		data, err := r.readObjectBytes(plumbing.TreeObject, h)
		if err != nil {
			t.Fatal(err)
		}
		want[h] = wantObject{"tree", data}
	}
	data, err := r.readObjectBytes(plumbing.CommitObject, commit)
	if err != nil {
		t.Fatal(err)
	}
	want[commit] = wantObject{"commit", data}

	// Nothing is visible outside the process before Commit, and nothing
	// went loose.
	if n := looseCount(t, r); n != 0 {
		t.Fatalf("%d loose objects written during the batch", n)
	}
	if _, err := gitTry(dir, nil, "cat-file", "-e", commit.String()); err == nil {
		t.Fatal("git sees the batch's commit before Commit")
	}
	checkReads(t, r, want, root, commit)

	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := b.Abort(); err != nil {
		t.Fatalf("Abort after Commit: %v", err)
	}
	if n := looseCount(t, r); n != 0 {
		t.Fatalf("%d loose objects", n)
	}
	ids := verifyPack(t, r)
	if len(ids) != len(want) {
		t.Fatalf("pack holds %d objects, want %d (duplicates written?)", len(ids), len(want))
	}
	fsck(t, dir)
	for h, w := range want {
		if got := gitCmd(t, dir, "cat-file", "-t", h.String()); got != w.typ {
			t.Errorf("%s: git cat-file -t = %s, want %s", h, got, w.typ)
		}
		if got := gitCmd(t, dir, "cat-file", "-s", h.String()); got != strconv.Itoa(len(w.data)) {
			t.Errorf("%s: git cat-file -s = %s, want %d", h, got, len(w.data))
		}
		var pretty []byte
		if w.typ == "tree" {
			pretty = gitRaw(t, dir, "cat-file", w.typ, h.String())
		} else {
			pretty = gitRaw(t, dir, "cat-file", "-p", h.String())
		}
		if !bytes.Equal(pretty, w.data) {
			t.Errorf("%s: git cat-file differs from what was stored", h)
		}
	}
	if got := gitCmd(t, dir, "ls-tree", "-r", "--format=%(objectmode) %(path)", root.String()); got != "100755 index.js\n100644 lib/big.bin\n100644 lib/empty\n100644 mid.bin" {
		t.Errorf("git ls-tree -r:\n%s", got)
	}
	// Still readable through the same Repo, and through a fresh one.
	checkReads(t, r, want, root, commit)
	r2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkReads(t, r2, want, root, commit)

	gitCmd(t, dir, "update-ref", "refs/heads/main", commit.String())
	gitCmd(t, dir, "gc", "--quiet")
	fsck(t, dir)
	r3, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkReads(t, r3, want, root, commit)
}

// checkReads reads every wanted object back through the Repo's API.
func checkReads(t *testing.T, r *Repo, want map[plumbing.Hash]wantObject, root, commit plumbing.Hash) {
	t.Helper()
	for h, w := range want {
		if ok, err := r.hasObject(h); err != nil || !ok {
			t.Fatalf("hasObject(%s) = %v, %v", h, ok, err)
		}
		switch w.typ {
		case "blob":
			if len(w.data) <= memReadLimit { // ReadBlob is OpenBlob plus a copy
				got, err := r.ReadBlob(h)
				if err != nil || !bytes.Equal(got, w.data) {
					t.Fatalf("ReadBlob(%s): %v (len %d, want %d)", h, err, len(got), len(w.data))
				}
			}
			rc, size, err := r.OpenBlob(h)
			if err != nil || size != int64(len(w.data)) {
				t.Fatalf("OpenBlob(%s): size %d, %v", h, size, err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, w.data) {
				t.Fatalf("OpenBlob(%s) read: %v", h, err)
			}
		case "tree":
			es, err := r.ReadTree(h)
			if err != nil || !bytes.Equal(encodeTree(es), w.data) {
				t.Fatalf("ReadTree(%s): %v", h, err)
			}
		case "commit":
			c, err := r.ReadCommit(h)
			if err != nil || c.TreeHash != root || c.Message != "batched\n" {
				t.Fatalf("ReadCommit(%s): %v", h, err)
			}
		}
	}
	if e, ok, err := r.TreeEntryAt(root, "lib/big.bin"); err != nil || !ok || want[e.Hash].typ != "blob" {
		t.Fatalf("TreeEntryAt: %v %v %v", e, ok, err)
	}
	var paths []string
	if err := r.WalkTree(root, func(p string, e TreeEntry) error { paths = append(paths, p); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(paths, " ") != "index.js lib/big.bin lib/empty mid.bin" {
		t.Fatalf("WalkTree: %v", paths)
	}
	if _, err := r.ReadTree(commit); err == nil {
		t.Fatal("a commit read as a tree")
	}
}

func TestBatchAbortLeavesNothing(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	b, err := r.BeginBatch()
	if err != nil {
		t.Fatal(err)
	}
	small, _ := r.StoreBlob([]byte("small"))
	big := randomBytes(2<<20, 3)
	bigH, err := r.StoreBlobFrom(bytes.NewReader(big), int64(len(big)))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Abort(); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(); !errors.Is(err, ErrBatchFinished) {
		t.Fatalf("Commit after Abort: %v", err)
	}
	packs, others := packFiles(t, r)
	if len(packs)+len(others) != 0 {
		t.Fatalf("objects/pack after Abort: %v %v", packs, others)
	}
	for _, h := range []plumbing.Hash{small, bigH} {
		if ok, _ := r.hasObject(h); ok {
			t.Fatalf("%s still there after Abort", h)
		}
	}
	fsck(t, r.WorkDir())
	// Back to loose objects.
	if _, err := r.StoreBlob([]byte("small")); err != nil {
		t.Fatal(err)
	}
	if n := looseCount(t, r); n != 1 {
		t.Fatalf("%d loose objects, want 1", n)
	}
	gitCmd(t, r.WorkDir(), "cat-file", "-e", small.String())
}

// A process killed with a batch open leaves its temporary pack behind and
// nothing else: the repository stays valid and the objects are absent.
func TestBatchKilledBeforeCommit(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	dir := r.WorkDir()
	if _, err := r.BeginBatch(); err != nil {
		t.Fatal(err)
	}
	blob, _ := r.StoreBlob([]byte("lost"))
	tree, _ := r.StoreTree([]TreeEntry{{Name: "f", Mode: filemode.Regular, Hash: blob}})
	commit, err := r.StoreCommit(CommitSpec{Tree: tree, Message: "lost", Author: testSig(1), Committer: testSig(1)})
	if err != nil {
		t.Fatal(err)
	}
	// No Commit, no Abort: reopen as the next process would.
	r2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	fsck(t, dir)
	for _, h := range []plumbing.Hash{blob, tree, commit} {
		if ok, err := r2.hasObject(h); ok || err != nil {
			t.Fatalf("%s visible after the kill: %v %v", h, ok, err)
		}
		if _, err := gitTry(dir, nil, "cat-file", "-e", h.String()); err == nil {
			t.Fatalf("git sees %s", h)
		}
	}
	_, others := packFiles(t, r2)
	if len(others) != 1 || !strings.HasPrefix(others[0], "tmp_pack_") {
		t.Fatalf("leftovers %v, want one tmp_pack_*", others)
	}
	// The next process can batch again, and git's prune removes the leftover.
	b2, err := r2.BeginBatch()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r2.StoreBlob([]byte("kept")); err != nil {
		t.Fatal(err)
	}
	if err := b2.Commit(); err != nil {
		t.Fatal(err)
	}
	fsck(t, dir)
	gitCmd(t, dir, "prune", "--expire=now")
	if _, others := packFiles(t, r2); len(others) != 0 {
		t.Fatalf("leftovers after git prune: %v", others)
	}
}

// A crash between Commit's two renames leaves an .idx without its .pack,
// which neither git nor go-git takes for a pack.
func TestBatchOrphanIndexIsIgnored(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	dir := r.WorkDir()
	kept, err := r.StoreBlob([]byte("loose"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := r.BeginBatch()
	lost, _ := r.StoreBlob([]byte("lost"))
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	packs, _ := packFiles(t, r)
	if len(packs) != 1 {
		t.Fatalf("packs: %v", packs)
	}
	os.Remove(filepath.Join(r.commonDir, "objects", "pack", packs[0]))
	fsck(t, dir)
	r2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := r2.ReadBlob(kept); err != nil || string(got) != "loose" {
		t.Fatalf("ReadBlob beside an orphan .idx: %q %v", got, err)
	}
	if ok, _ := r2.hasObject(lost); ok {
		t.Fatal("object of a pack without .pack found")
	}
}

func TestBatchReadsDuringBatch(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	base, _ := r.StoreBlob([]byte("before the batch"))
	b, err := r.BeginBatch()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Abort()
	h, _ := r.StoreBlob([]byte("in the batch"))
	if got, err := r.ReadBlob(h); err != nil || string(got) != "in the batch" {
		t.Fatalf("ReadBlob: %q %v", got, err)
	}
	if got, err := r.ReadBlob(base); err != nil || string(got) != "before the batch" {
		t.Fatalf("ReadBlob of a loose object: %q %v", got, err)
	}
	root, err := r.ReplaceSubtree(plumbing.ZeroHash, "a/b", mustTree(t, r, "f", h))
	if err != nil {
		t.Fatal(err)
	}
	if e, ok, err := r.TreeEntryAt(root, "a/b/f"); err != nil || !ok || e.Hash != h {
		t.Fatalf("TreeEntryAt in batch: %v %v %v", e, ok, err)
	}
	// A streamed object read while the batch is open, and finished after
	// the batch is committed.
	big := randomBytes(3<<20, 11)
	bigH, err := r.StoreBlobFrom(bytes.NewReader(big), int64(len(big)))
	if err != nil {
		t.Fatal(err)
	}
	rc, size, err := r.OpenBlob(bigH)
	if err != nil || size != int64(len(big)) {
		t.Fatalf("OpenBlob: %d %v", size, err)
	}
	head := make([]byte, 1000)
	if _, err := io.ReadFull(rc, head); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(append(head, rest...), big) {
		t.Fatalf("reader spanning Commit: %v", err)
	}
	if got, err := r.ReadBlob(h); err != nil || string(got) != "in the batch" {
		t.Fatalf("ReadBlob after Commit: %q %v", got, err)
	}
	fsck(t, r.WorkDir())
}

func mustTree(t *testing.T, r *Repo, name string, blob plumbing.Hash) plumbing.Hash {
	t.Helper()
	h, err := r.StoreTree([]TreeEntry{{Name: name, Mode: filemode.Regular, Hash: blob}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestBatchConcurrentStores(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	b, err := r.BeginBatch()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Abort()
	const workers, perWorker = 16, 40
	var (
		mu  sync.Mutex
		all = map[plumbing.Hash][]byte{}
		wg  sync.WaitGroup
	)
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			var entries []TreeEntry
			for i := range perWorker {
				// Half the contents are shared between workers, so
				// that the same object races into the batch.
				data := fmt.Appendf(nil, "worker %d blob %d\n", w, i)
				if i%2 == 0 {
					data = fmt.Appendf(nil, "shared blob %d\n", i)
				}
				var h plumbing.Hash
				var err error
				if i%3 == 0 {
					h, err = r.StoreBlobFrom(bytes.NewReader(data), int64(len(data)))
				} else {
					h, err = r.StoreBlob(data)
				}
				if err != nil {
					errs <- err
					return
				}
				got, err := r.ReadBlob(h)
				if err != nil || !bytes.Equal(got, data) {
					errs <- fmt.Errorf("read back %s: %q %v", h, got, err)
					return
				}
				mu.Lock()
				all[h] = data
				mu.Unlock()
				entries = append(entries, TreeEntry{Name: fmt.Sprintf("f%d", i), Mode: filemode.Regular, Hash: h})
			}
			th, err := r.StoreTree(entries)
			if err != nil {
				errs <- err
				return
			}
			if es, err := r.ReadTree(th); err != nil || len(es) != perWorker {
				errs <- fmt.Errorf("read tree back: %d entries, %v", len(es), err)
				return
			}
			mu.Lock()
			all[th] = nil
			mu.Unlock()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if n := len(verifyPack(t, r)); n != len(all) {
		t.Fatalf("pack holds %d objects, want %d", n, len(all))
	}
	fsck(t, r.WorkDir())
	r2, err := Open(r.WorkDir())
	if err != nil {
		t.Fatal(err)
	}
	for h, data := range all {
		if data == nil {
			continue
		}
		if got, err := r2.ReadBlob(h); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("ReadBlob(%s) after Commit: %v", h, err)
		}
	}
}

func TestBatchSkipsObjectsAlreadyStored(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	dir := r.WorkDir()
	writeFile(t, dir, "packed.txt", "packed by git\n", 0o644)
	commitAll(t, dir, "c1")
	gitCmd(t, dir, "gc", "--quiet") // packed.txt's blob is now in git's pack
	packed := hashOf(t, gitCmd(t, dir, "rev-parse", "HEAD:packed.txt"))
	loose, err := r.StoreBlob([]byte("loose\n"))
	if err != nil {
		t.Fatal(err)
	}
	big := randomBytes(2<<20, 5)
	bigLoose, err := r.StoreBlobFrom(bytes.NewReader(big), int64(len(big)))
	if err != nil {
		t.Fatal(err)
	}
	gitPacks, _ := packFiles(t, r)

	b, err := r.BeginBatch()
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range [][]byte{[]byte("packed by git\n"), []byte("loose\n"), big} {
		if _, err := r.StoreBlobFrom(bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
		if _, err := r.StoreBlob(data); err != nil {
			t.Fatal(err)
		}
	}
	newH, _ := r.StoreBlob([]byte("new\n"))
	if b.has(packed) || b.has(loose) || b.has(bigLoose) || !b.has(newH) {
		t.Fatal("objects already in the repository went into the batch")
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	packs, _ := packFiles(t, r)
	if len(packs) != len(gitPacks)+1 {
		t.Fatalf("packs %v", packs)
	}
	fsck(t, dir)
	if got := gitCmd(t, dir, "count-objects", "-v"); !strings.Contains(got, "in-pack: 4\n") {
		t.Fatalf("count-objects (want git's 3 + 1 new):\n%s", got)
	}

	// A batch with nothing new writes no pack at all.
	b, _ = r.BeginBatch()
	r.StoreBlob([]byte("new\n"))
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if again, others := packFiles(t, r); len(again) != len(packs) || len(others) != 0 {
		t.Fatalf("empty batch left %v %v", again, others)
	}
}

func TestBatchRefUpdateWaitsForCommit(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	b, err := r.BeginBatch()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.BeginBatch(); !errors.Is(err, ErrBatchInProgress) {
		t.Fatalf("second BeginBatch: %v", err)
	}
	c, err := r.StoreCommit(CommitSpec{Tree: EmptyTree, Message: "m", Author: testSig(1), Committer: testSig(1)})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.UpdateRef("refs/heads/main", c, plumbing.ZeroHash, "test"); err == nil || !strings.Contains(err.Error(), "commit the batch") {
		t.Fatalf("UpdateRef to an uncommitted object: %v", err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := r.UpdateRef("refs/heads/main", c, plumbing.ZeroHash, "test"); err != nil {
		t.Fatal(err)
	}
	fsck(t, r.WorkDir())
	// The Repo is back to loose objects and takes a new batch.
	if _, err := r.StoreBlob([]byte("after")); err != nil {
		t.Fatal(err)
	}
	if n := looseCount(t, r); n != 1 {
		t.Fatalf("%d loose objects, want 1", n)
	}
	b2, err := r.BeginBatch()
	if err != nil {
		t.Fatal(err)
	}
	b2.Abort()
}

func TestBatchStoreBlobFromWrongSize(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	b, _ := r.BeginBatch()
	defer b.Abort()
	for _, size := range []int64{3, 10, 3 << 20} {
		if _, err := r.StoreBlobFrom(strings.NewReader("hello"), size); err == nil {
			t.Fatalf("size %d for 5 bytes accepted", size)
		}
	}
	big := randomBytes(2<<20, 9)
	if _, err := r.StoreBlobFrom(bytes.NewReader(big), int64(len(big))-1); err == nil {
		t.Fatal("a streamed blob longer than its size accepted")
	}
	// A failed stream leaves no trace in the pack.
	h, err := r.StoreBlob([]byte("ok"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if ids := verifyPack(t, r); len(ids) != 1 || ids[0] != h.String() {
		t.Fatalf("pack holds %v", ids)
	}
	fsck(t, r.WorkDir())
}

// Packs past 2 GiB need the index's 64-bit offset table; go-git's reader
// must agree with the encoding.
func TestPackIndexLargeOffsets(t *testing.T) {
	t.Parallel()
	var entries []idxEntry
	offsets := map[plumbing.Hash]int64{}
	for i, off := range []int64{12, 0x7fffffff, 0x80000000, 5 << 30, 1 << 40} {
		h := hashBytes(plumbing.BlobObject, []byte{byte(i)})
		entries = append(entries, idxEntry{hash: h, offset: off, crc: uint32(i)})
		offsets[h] = off
	}
	var buf bytes.Buffer
	packSum := hashBytes(plumbing.BlobObject, []byte("pack"))
	if err := writePackIndex(&buf, entries, packSum); err != nil {
		t.Fatal(err)
	}
	idx := idxfile.NewMemoryIndex()
	if err := idxfile.NewDecoder(&buf).Decode(idx); err != nil {
		t.Fatal(err)
	}
	if idx.PackfileChecksum != packSum {
		t.Fatalf("pack checksum %s", idx.PackfileChecksum)
	}
	for h, off := range offsets {
		got, err := idx.FindOffset(h)
		if err != nil || got != off {
			t.Fatalf("FindOffset(%s) = %d, %v; want %d", h, got, err, off)
		}
	}
}

// Stores racing with Commit land in the pack or, once it is sealed, in loose
// objects: every id handed out names a stored object afterwards.
func TestBatchStoresRacingCommit(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	b, err := r.BeginBatch()
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu  sync.Mutex
		ids = map[plumbing.Hash]string{}
		wg  sync.WaitGroup
	)
	started := make(chan struct{})
	for w := range 4 {
		wg.Go(func() {
			for i := range 60 {
				if i == 10 && w == 0 {
					close(started)
				}
				data := fmt.Sprintf("worker %d object %d\n", w, i)
				h, err := r.StoreBlob([]byte(data))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				ids[h] = data
				mu.Unlock()
			}
		})
	}
	<-started
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	fsck(t, r.WorkDir())
	r2, err := Open(r.WorkDir())
	if err != nil {
		t.Fatal(err)
	}
	var list strings.Builder
	for h, data := range ids {
		if got, err := r2.ReadBlob(h); err != nil || string(got) != data {
			t.Fatalf("ReadBlob(%s): %q %v", h, got, err)
		}
		fmt.Fprintln(&list, h)
	}
	if out := gitStdin(t, r.WorkDir(), list.String(), "cat-file", "--batch-check"); strings.Contains(out, "missing") {
		t.Fatalf("git misses objects:\n%s", out)
	}
}

// The moments a racing store or reader can meet, made deterministic: a
// batch already sealed but still attached to the Repo, and an object looked
// up in the batch but read after Commit.
func TestBatchClosedUnderCallers(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	b, err := r.BeginBatch()
	if err != nil {
		t.Fatal(err)
	}
	big := randomBytes(2<<20, 13)
	bigH, err := r.StoreBlobFrom(bytes.NewReader(big), int64(len(big)))
	if err != nil {
		t.Fatal(err)
	}
	obj, found, err := b.object(plumbing.BlobObject, bigH)
	if err != nil || !found {
		t.Fatalf("object: %v %v", found, err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	rc, err := obj.Reader()
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("read after Commit: %v", err)
	}

	r.batch.Store(b) // as a store that loaded the pointer just before Commit sees it
	small, err := r.StoreBlob([]byte("after the seal"))
	if err != nil {
		t.Fatal(err)
	}
	other := randomBytes(2<<20, 14)
	otherH, err := r.StoreBlobFrom(bytes.NewReader(other), int64(len(other)))
	if err != nil {
		t.Fatal(err)
	}
	r.batch.Store(nil)
	if n := looseCount(t, r); n != 2 {
		t.Fatalf("%d loose objects, want the 2 stored after the seal", n)
	}
	for _, h := range []plumbing.Hash{small, otherH, bigH} {
		gitCmd(t, r.WorkDir(), "cat-file", "-e", h.String())
	}
	fsck(t, r.WorkDir())
}
