package gitremote

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// Two watchers push different commits to the same branch at the same time:
// whatever the interleaving, exactly one wins, the other is told
// non-fast-forward with the winner's commit fetched, and the remote holds
// the winner's commit.
func TestTwoWatchersRace(t *testing.T) {
	for _, tc := range transports {
		t.Run(tc.name, func(t *testing.T) {
			bare := newBare(t)
			url := tc.url(t, bare)
			seed := newWork(t, url)
			commit(t, seed, "fcgit.toml", "region = \"cn-hangzhou\"\n")
			pushOne(t, openOrigin(t, seed), mainRef)

			type watcher struct {
				work   string
				r      *Remote
				result *PushResult
				err    error
			}
			ws := make([]*watcher, 2)
			for i := range ws {
				work := newWork(t, url)
				git(t, work, "pull", "-q", bare, "main") // plain git, whatever the transport
				commit(t, work, "functions/f/function.toml", fmt.Sprintf("memorySize = %d\n", 128*(i+1)))
				ws[i] = &watcher{work: work, r: openOrigin(t, work)}
			}
			var wg sync.WaitGroup
			for _, w := range ws {
				wg.Add(1)
				go func() {
					defer wg.Done()
					w.result, w.err = w.r.PushFastForward(context.Background(), []string{mainRef})
				}()
			}
			wg.Wait()

			var winner, loser *watcher
			for _, w := range ws {
				if w.err != nil {
					t.Fatal(w.err)
				}
				switch rr, _ := w.result.Ref(mainRef); rr.Status {
				case StatusPushed:
					winner = w
				case StatusNonFastForward:
					loser = w
				default:
					t.Fatalf("status %s (%s)", rr.Status, rr.Message)
				}
			}
			if winner == nil || loser == nil {
				t.Fatalf("want one winner and one loser")
			}
			won := revParse(t, winner.work, mainRef)
			if got := revParse(t, bare, mainRef); got != won {
				t.Fatalf("remote main = %s, want the winner's %s", got, won)
			}
			rr, _ := loser.result.Ref(mainRef)
			if rr.Remote != won || revParse(t, loser.work, rr.TrackingRef) != won {
				t.Fatalf("loser's result %+v: want the winner's %s fetched", rr, won)
			}
			fsck(t, bare)
		})
	}
}

// One Remote shared by goroutines: calls are serialised, none fails.
func TestRemoteSharedBetweenGoroutines(t *testing.T) {
	bare := newBare(t)
	work := newWork(t, "file://"+bare)
	commit(t, work, "fcgit.toml", "x\n")
	git(t, work, "branch", "fcgit/online")
	r := openOrigin(t, work)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := r.PushFastForward(context.Background(), []string{mainRef, "refs/heads/fcgit/online"})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := r.Fetch(context.Background(), []string{mainRef})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got, want := revParse(t, bare, mainRef), revParse(t, work, mainRef); got != want {
		t.Fatalf("remote main = %s, want %s", got, want)
	}
}
