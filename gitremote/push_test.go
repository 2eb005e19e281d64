package gitremote

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

const mainRef = "refs/heads/main"

func openOrigin(t *testing.T, work string) *Remote {
	t.Helper()
	r, err := Open(work, "origin", Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func pushOne(t *testing.T, r *Remote, refs ...string) *PushResult {
	t.Helper()
	res, err := r.PushFastForward(context.Background(), refs)
	if err != nil {
		t.Fatalf("PushFastForward(%v): %v", refs, err)
	}
	if len(res.Refs) != len(refs) {
		t.Fatalf("%d results for %d refs: %+v", len(res.Refs), len(refs), res.Refs)
	}
	return res
}

func wantStatus(t *testing.T, res *PushResult, ref string, want Status) RefResult {
	t.Helper()
	rr, ok := res.Ref(ref)
	if !ok {
		t.Fatalf("no result for %s in %+v", ref, res.Refs)
	}
	if rr.Status != want {
		t.Fatalf("%s: status %s (%s), want %s", ref, rr.Status, rr.Message, want)
	}
	return rr
}

// Creating a branch, pushing it again unchanged, then moving it forward:
// the remote follows exactly, and what arrived passes git fsck --strict.
func TestPushFastForward(t *testing.T) {
	for _, tc := range transports {
		t.Run(tc.name, func(t *testing.T) {
			bare := newBare(t)
			work := newWork(t, tc.url(t, bare))
			first := commit(t, work, "functions/a/function.toml", "name = \"a\"\n")
			r := openOrigin(t, work)

			res := pushOne(t, r, mainRef)
			rr := wantStatus(t, res, mainRef, StatusPushed)
			if rr.Local != first || !rr.Remote.IsZero() {
				t.Fatalf("create: %+v", rr)
			}
			if got := revParse(t, bare, mainRef); got != first {
				t.Fatalf("remote main = %s, want %s", got, first)
			}
			if !res.Done() || !res.Atomic {
				t.Fatalf("Done=%v Atomic=%v, want both (git's receive-pack supports atomic)", res.Done(), res.Atomic)
			}

			wantStatus(t, pushOne(t, r, mainRef), mainRef, StatusUpToDate)

			second := commit(t, work, "functions/a/code/index.py", "def handler(e, c):\n    return 1\n")
			rr = wantStatus(t, pushOne(t, r, mainRef), mainRef, StatusPushed)
			if rr.Local != second || rr.Remote != first {
				t.Fatalf("fast-forward: %+v, want %s -> %s", rr, first, second)
			}
			if got := revParse(t, bare, mainRef); got != second {
				t.Fatalf("remote main = %s, want %s", got, second)
			}
			fsck(t, bare)
		})
	}
}

// Someone else pushed first. Whether our commit is missing from theirs
// (diverged) or already in it (we are behind), the remote is left exactly
// as they left it, and their commit is fetched into the tracking ref.
func TestPushNonFastForwardFetchesTheirs(t *testing.T) {
	for _, tc := range transports {
		for _, behind := range []bool{false, true} {
			name := tc.name + "/diverged"
			if behind {
				name = tc.name + "/behind"
			}
			t.Run(name, func(t *testing.T) {
				bare := newBare(t)
				url := tc.url(t, bare)
				work := newWork(t, url)
				base := commit(t, work, "fcgit.toml", "region = \"cn-hangzhou\"\n")
				r := openOrigin(t, work)
				wantStatus(t, pushOne(t, r, mainRef), mainRef, StatusPushed)

				theirs := colleague(t, bare, "main", func(dir string) {
					commit(t, dir, "functions/b/function.toml", "name = \"b\"\n")
				})
				ours := base
				if !behind {
					ours = commit(t, work, "functions/a/function.toml", "name = \"a\"\n")
				}

				rr := wantStatus(t, pushOne(t, r, mainRef), mainRef, StatusNonFastForward)
				if rr.Local != ours || rr.Remote != theirs {
					t.Fatalf("result %+v, want local %s remote %s", rr, ours, theirs)
				}
				if rr.TheirsContainsOurs != behind {
					t.Fatalf("TheirsContainsOurs = %v, want %v", rr.TheirsContainsOurs, behind)
				}
				if want := "refs/fcgit/remote/origin/heads/main"; rr.TrackingRef != want {
					t.Fatalf("tracking ref %q, want %q", rr.TrackingRef, want)
				}
				if got := revParse(t, work, rr.TrackingRef); got != theirs {
					t.Fatalf("local %s = %s, want theirs %s", rr.TrackingRef, got, theirs)
				}
				if got := revParse(t, bare, mainRef); got != theirs {
					t.Fatalf("remote main = %s: it must stay at theirs %s", got, theirs)
				}
				if got := revParse(t, work, mainRef); got != ours {
					t.Fatalf("local main moved to %s", got)
				}
				// Their history is here in full: git can merge it.
				git(t, work, "merge-base", "--is-ancestor", base.String(), theirs.String())
				fsck(t, work)
				fsck(t, bare)
			})
		}
	}
}

// The remote moves between reading its refs and sending the update: the
// server refuses our stale expected value, and the second look reports the
// race as non-fast-forward with theirs fetched, never forcing.
func TestPushRaceWithConcurrentWriter(t *testing.T) {
	for _, tc := range transports {
		t.Run(tc.name, func(t *testing.T) {
			bare := newBare(t)
			url := tc.url(t, bare)
			work := newWork(t, url)
			commit(t, work, "fcgit.toml", "region = \"cn-hangzhou\"\n")
			r := openOrigin(t, work)
			wantStatus(t, pushOne(t, r, mainRef), mainRef, StatusPushed)
			ours := commit(t, work, "functions/a/function.toml", "name = \"a\"\n")

			var theirs plumbing.Hash
			calls := 0
			r.beforeReceivePack = func() {
				calls++
				if calls == 1 {
					theirs = colleague(t, bare, "main", func(dir string) {
						commit(t, dir, "functions/b/function.toml", "name = \"b\"\n")
					})
				}
			}
			rr := wantStatus(t, pushOne(t, r, mainRef), mainRef, StatusNonFastForward)
			if calls != 1 {
				t.Fatalf("the update was sent %d times, want once (the second look must not resend a non-fast-forward)", calls)
			}
			if rr.Remote != theirs || rr.Local != ours {
				t.Fatalf("result %+v, want remote %s local %s", rr, theirs, ours)
			}
			if got := revParse(t, bare, mainRef); got != theirs {
				t.Fatalf("remote main = %s, want theirs %s", got, theirs)
			}
			if got := revParse(t, work, rr.TrackingRef); got != theirs {
				t.Fatalf("tracking ref = %s, want %s", got, theirs)
			}
			fsck(t, bare)
		})
	}
}

// Tags are created once and never moved: the same target is up to date,
// another target is reported and left alone. Annotated tags travel with
// their tag object.
func TestPushTags(t *testing.T) {
	for _, tc := range transports {
		t.Run(tc.name, func(t *testing.T) {
			bare := newBare(t)
			url := tc.url(t, bare)
			work := newWork(t, url)
			first := commit(t, work, "fcgit.toml", "region = \"cn-hangzhou\"\n")
			git(t, work, "tag", "v1")
			git(t, work, "tag", "-a", "-m", "release 2", "v2")
			r := openOrigin(t, work)
			refs := []string{mainRef, "refs/tags/v1", "refs/tags/v2"}

			res := pushOne(t, r, refs...)
			for _, ref := range refs {
				wantStatus(t, res, ref, StatusPushed)
			}
			if got, want := revParse(t, bare, "refs/tags/v2"), revParse(t, work, "refs/tags/v2"); got != want {
				t.Fatalf("annotated tag on the remote = %s, want the tag object %s", got, want)
			}

			res = pushOne(t, r, refs...)
			for _, ref := range refs {
				wantStatus(t, res, ref, StatusUpToDate)
			}

			// The remote's v1 now names another commit.
			other := colleague(t, bare, "main", func(dir string) {
				commit(t, dir, "functions/b/function.toml", "name = \"b\"\n")
			})
			git(t, bare, "update-ref", "refs/tags/v1", other.String(), first.String())
			rr := wantStatus(t, pushOne(t, r, "refs/tags/v1"), "refs/tags/v1", StatusTagExists)
			if rr.Local != first || rr.Remote != other {
				t.Fatalf("tag conflict %+v, want local %s remote %s", rr, first, other)
			}
			if got := revParse(t, bare, "refs/tags/v1"); got != other {
				t.Fatalf("remote v1 = %s: it must not be overwritten (%s)", got, other)
			}
			fsck(t, bare)
		})
	}
}

// One push with a ref that can go and one that cannot: the first is pushed
// (atomically with whatever else is sent), the second reported.
func TestPushMixedRefs(t *testing.T) {
	for _, tc := range transports {
		t.Run(tc.name, func(t *testing.T) {
			bare := newBare(t)
			url := tc.url(t, bare)
			work := newWork(t, url)
			commit(t, work, "fcgit.toml", "region = \"cn-hangzhou\"\n")
			git(t, work, "branch", "fcgit/online")
			r := openOrigin(t, work)
			online := "refs/heads/fcgit/online"
			pushOne(t, r, mainRef, online)

			theirs := colleague(t, bare, "fcgit/online", func(dir string) {
				commit(t, dir, "functions/b/function.toml", "name = \"b\"\n")
			})
			git(t, work, "checkout", "-q", "fcgit/online")
			commit(t, work, "functions/a/function.toml", "name = \"a\"\n")
			git(t, work, "checkout", "-q", "main")
			ours := commit(t, work, "functions/c/function.toml", "name = \"c\"\n")

			res := pushOne(t, r, mainRef, online)
			wantStatus(t, res, mainRef, StatusPushed)
			wantStatus(t, res, online, StatusNonFastForward)
			if res.Done() {
				t.Fatal("Done() with a ref left behind")
			}
			if got := revParse(t, bare, mainRef); got != ours {
				t.Fatalf("remote main = %s, want %s", got, ours)
			}
			if got := revParse(t, bare, online); got != theirs {
				t.Fatalf("remote online = %s, want theirs %s", got, theirs)
			}
			fsck(t, bare)
		})
	}
}

// A server-side refusal (here a pre-receive hook) that has nothing to do
// with a race is reported with the server's words, and nothing is retried.
func TestPushRejectedByServer(t *testing.T) {
	bare := newBare(t)
	work := newWork(t, "file://"+bare)
	commit(t, work, "fcgit.toml", "region = \"cn-hangzhou\"\n")
	git(t, work, "branch", "other")
	hook := "#!/bin/sh\nwhile read old new ref; do\n  [ \"$ref\" = refs/heads/other ] && { echo protected >&2; exit 1; }\ndone\nexit 0\n"
	writeExecutable(t, bare+"/hooks/pre-receive", hook)
	var stderr bytes.Buffer
	r, err := Open(work, "origin", Options{Stderr: &stderr})
	if err != nil {
		t.Fatal(err)
	}
	sent := 0
	r.beforeReceivePack = func() { sent++ }

	res := pushOne(t, r, mainRef, "refs/heads/other")
	for _, ref := range []string{mainRef, "refs/heads/other"} {
		rr := wantStatus(t, res, ref, StatusRejected)
		if rr.Message == "" {
			t.Fatalf("%s refused without the server's reason", ref)
		}
	}
	if sent != 1 {
		t.Fatalf("sent %d times; a refusal without a race must not be retried", sent)
	}
	if !strings.Contains(stderr.String(), "protected") {
		t.Fatalf("the hook's message did not reach Options.Stderr: %q", stderr.String())
	}
	if got := revParse(t, bare, mainRef); !got.IsZero() {
		t.Fatalf("atomic push failed but main was created at %s", got)
	}
}

// Local mistakes are errors before anything is sent.
func TestPushRefusesBadRefs(t *testing.T) {
	bare := newBare(t)
	work := newWork(t, "file://"+bare)
	commit(t, work, "fcgit.toml", "x\n")
	r := openOrigin(t, work)
	for _, refs := range [][]string{nil, {"main"}, {"refs/heads/missing"}, {mainRef, mainRef}, {"refs/heads/a..b"}} {
		if _, err := r.PushFastForward(context.Background(), refs); err == nil {
			t.Errorf("PushFastForward(%q) succeeded", refs)
		}
	}
	if got := revParse(t, bare, mainRef); !got.IsZero() {
		t.Fatalf("a refused call pushed main (%s)", got)
	}
}
