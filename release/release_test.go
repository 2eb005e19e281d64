package release

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/fetch"
	"github.com/fcgit/fcgit/gitstate"
)

// fakeVersions is FC's versions of functions, in memory: PublishVersion
// refuses a function unchanged since its newest version, as FC does.
type fakeVersions struct {
	fetch.VersionClient // not called by Publish and Scan
	versions            map[string][]fc.Doc
	changed             map[string]bool
}

func (f *fakeVersions) PublishVersion(_ context.Context, fn, description string) (fc.Doc, error) {
	if !f.changed[fn] && len(f.versions[fn]) > 0 {
		return nil, &fc.Error{Op: "PublishFunctionVersion", Status: 400, Code: "VersionPublishError", Kind: fc.KindInvalidArgument, Message: "can not publish version for function '" + fn + "', detail: 'No changes were made since last publish'"}
	}
	f.changed[fn] = false
	v := fc.Doc{"versionId": json.Number(strconv.Itoa(len(f.versions[fn]) + 1)), "description": description}
	f.versions[fn] = append(f.versions[fn], v)
	return v, nil
}

func (f *fakeVersions) ListVersions(_ context.Context, fn string) ([]fc.Doc, error) {
	return f.versions[fn], nil
}

func commitOf(t *testing.T, repo *gitstate.Repo, msg string) plumbing.Hash {
	t.Helper()
	sig := gitstate.Signature{Name: "T", Email: "t@example.com", When: time.Unix(1700000000, 0)}
	h, err := repo.StoreCommit(gitstate.CommitSpec{Tree: gitstate.EmptyTree, Message: msg, Author: sig, Committer: sig})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestPublishAndScan: publishing tags the commit a version holds, skips a
// function unchanged since its newest version, refuses to move a tag to
// another commit; Scan finds the commit of each version, restores a lost
// tag with repair, and reports versions published in the console.
func TestPublishAndScan(t *testing.T) {
	ctx := context.Background()
	repo, err := gitstate.Init(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	client := &fakeVersions{versions: map[string][]fc.Doc{}, changed: map[string]bool{"api": true, "worker": true}}
	c1 := commitOf(t, repo, "v1")

	pubs, err := Publish(ctx, client, repo, "", []string{"api", "worker"}, c1)
	if err != nil || len(pubs) != 2 || pubs[0] != (Published{Function: "api", Version: "1", Tag: "fcgit/api/v1"}) {
		t.Fatalf("first publish: %v, %v", pubs, err)
	}
	if got, ok, _ := repo.ResolveRef(TagRef("", "api", "1")); !ok || got != c1 {
		t.Fatalf("fcgit/api/v1 names %s (%v), want %s", got, ok, c1)
	}
	if pubs, err := Publish(ctx, client, repo, "", []string{"api", "worker"}, c1); err != nil || len(pubs) != 0 {
		t.Fatalf("publish of unchanged functions: %v, %v", pubs, err)
	}

	// A version published in the console, from no commit.
	client.versions["api"] = append(client.versions["api"], fc.Doc{"versionId": "2", "description": "hotfix"})
	// A lost tag.
	if err := repo.UpdateRef(TagRef("", "worker", "1"), plumbing.ZeroHash, c1, "test: lose the tag"); err != nil {
		t.Fatal(err)
	}
	vs, err := Scan(ctx, client, repo, "", []string{"api", "worker"}, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []Version{{"api", "1", c1.String(), true, c1.String(), ""}, {"api", "2", "", false, "", ""}, {"worker", "1", c1.String(), false, "", ""}}
	if len(vs) != len(want) {
		t.Fatalf("scan: %v", vs)
	}
	for i := range want {
		if vs[i] != want[i] {
			t.Errorf("scan[%d] = %+v, want %+v", i, vs[i], want[i])
		}
	}
	if u := Untracked(vs); len(u) != 1 || u[0].ID != "2" {
		t.Fatalf("untracked: %v", u)
	}
	if _, ok, _ := repo.ResolveRef(TagRef("", "worker", "1")); ok {
		t.Fatal("a scan without repair wrote a tag")
	}
	if _, err := Scan(ctx, client, repo, "", []string{"worker"}, true); err != nil {
		t.Fatal(err)
	}
	if got, ok, _ := repo.ResolveRef(TagRef("", "worker", "1")); !ok || got != c1 {
		t.Fatalf("repair: fcgit/worker/v1 names %s (%v), want %s", got, ok, c1)
	}

	// A version holds one commit: its tag never moves.
	c2 := commitOf(t, repo, "other")
	client.changed["api"] = true
	client.versions["api"] = client.versions["api"][:1]
	if err := repo.UpdateRef(TagRef("", "api", "2"), c2, plumbing.ZeroHash, "test: a stale tag"); err != nil {
		t.Fatal(err)
	}
	_, err = Publish(ctx, client, repo, "", []string{"api"}, c1)
	if err == nil || !strings.Contains(err.Error(), "git tag -d fcgit/api/v2") {
		t.Fatalf("publish over a stale tag: %v", err)
	}
}

// TestMovedTagIsReportedUntilRepaired: a version tag moved to another
// commit (git tag -f) is found by every scan, repair or not, until it names
// the version's commit again; annotated tags are peeled to their commit.
func TestMovedTagIsReportedUntilRepaired(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	repo, err := gitstate.Init(dir)
	if err != nil {
		t.Fatal(err)
	}
	client := &fakeVersions{versions: map[string][]fc.Doc{}, changed: map[string]bool{"hello": true}}
	c1 := commitOf(t, repo, "v1")
	if _, err := Publish(ctx, client, repo, "", []string{"hello"}, c1); err != nil {
		t.Fatal(err)
	}
	c2 := commitOf(t, repo, "later")
	if err := repo.UpdateRef(TagRef("", "hello", "1"), c2, c1, "test: git tag -f"); err != nil {
		t.Fatal(err)
	}
	for _, repair := range []bool{false, true, false} {
		vs, err := Scan(ctx, client, repo, "", []string{"hello"}, repair)
		if err != nil {
			t.Fatal(err)
		}
		moved := MovedTags(vs)
		if len(moved) != 1 || moved[0].TagCommit != c2.String() {
			t.Fatalf("scan (repair %v): moved = %+v", repair, moved)
		}
		msg := moved[0].MovedMessage()
		if !strings.Contains(msg, "tag fcgit/hello/v1 names commit "+c2.String()[:12]) || !strings.Contains(msg, "git tag -f fcgit/hello/v1 "+c1.String()) {
			t.Fatalf("message: %s", msg)
		}
	}
	// Repaired with an annotated tag on the right commit: not moved.
	cmd := exec.Command("git", "-C", dir, "tag", "-f", "-a", "-m", "v1", "fcgit/hello/v1", c1.String())
	cmd.Env = append(os.Environ(), "GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git tag: %v\n%s", err, out)
	}
	vs, err := Scan(ctx, client, repo, "", []string{"hello"}, false)
	if err != nil || len(MovedTags(vs)) != 0 {
		t.Fatalf("after repair: %+v, %v", vs, err)
	}
}

func TestScanRefusesVersionIDs(t *testing.T) {
	ctx := context.Background()
	repo, err := gitstate.Init(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"../../heads/main", "1\x1b[2J", "", "v1"} {
		client := &fakeVersions{versions: map[string][]fc.Doc{"hello": {{"versionId": id}}}}
		if _, err := Scan(ctx, client, repo, "", []string{"hello"}, true); err == nil || !strings.Contains(err.Error(), "not a version number") {
			t.Errorf("id %q: err = %v", id, err)
		}
	}
}
