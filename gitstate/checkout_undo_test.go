package gitstate

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// TestCheckoutFailingWriteIsUndone: a checkout that fails on an error (a
// path the file system refuses, a file in the way) leaves the repository as
// it was, without a record that would make every later run fail the same
// way; so does finishing a killed checkout whose remaining write fails.
func TestCheckoutFailingWriteIsUndone(t *testing.T) {
	t.Parallel()
	long := "functions/api/zz" + strings.Repeat("a", 300) + ".txt" // over NAME_MAX: ENAMETOOLONG
	tests := []struct {
		name    string
		bad     string                         // the path that cannot be written
		prepare func(t *testing.T, dir string) // before the checkout
		kill    bool                           // stop at bad's write, as a kill would, then finish
		wantErr string
	}{
		{name: "a name too long", bad: long, wantErr: "file name too long"},
		{name: "a file in the way", bad: "functions/new/code/x.txt",
			prepare: func(t *testing.T, dir string) { writeFile(t, dir, "functions/new", "an untracked file\n", 0o644) },
			wantErr: "is in the way"},
		{name: "a name too long, after a kill", bad: long, kill: true, wantErr: "file name too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRepo(t)
			dir := r.WorkDir()
			writeFile(t, dir, "fcgit.toml", "region = 'cn-hangzhou'\n", 0o644)
			writeFile(t, dir, "functions/api/function.toml", "memorySize = 128\n", 0o644)
			writeFile(t, dir, "functions/api/code/index.js", "v1\n", 0o644)
			writeFile(t, dir, "functions/old/function.toml", "gone soon\n", 0o644)
			commitAll(t, dir, "base")
			from := headTree(t, r)
			to := treeWith(t, r, from, map[string]string{
				"functions/api/function.toml":  "memorySize = 256\n", // written before the failure
				"functions/api/code/index.js":  "v2\n",
				"functions/old/function.toml":  "", // removed before the failure
				"functions/api/code/new/a.txt": "new\n",
				tt.bad:                         "cannot be written\n",
				"functions/zzz/later.txt":      "after the failure\n",
			}, map[string]filemode.FileMode{})
			if tt.prepare != nil {
				tt.prepare(t, dir)
			}
			before := snapshot(t, dir)

			plan := CheckoutPlan{From: from, To: to, Operation: "fcgit pull"}
			if tt.kill {
				plan.StepHook = killAt("write " + tt.bad)
			}
			err := r.RunCheckout(plan)
			if tt.kill {
				if err == nil || errors.Is(err, ErrCheckoutUndone) {
					t.Fatalf("killed run: %v", err)
				}
				if _, serr := os.Stat(filepath.Join(dir, ".git", "fcgit-checkout")); serr != nil {
					t.Fatalf("the killed run left no record: %v", serr)
				}
				// The next process finds it, and cannot finish it.
				_, err = openRepo(t, dir).FinishCheckout()
			}
			if !errors.Is(err, ErrCheckoutUndone) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q and the checkout undone", err, tt.wantErr)
			}
			if after := snapshot(t, dir); after != before {
				t.Fatalf("repository not as before:\n--- before\n%s\n--- after\n%s", before, after)
			}
			fsck(t, dir)
			// Nothing is left for a later run to trip over.
			if ic, err := openRepo(t, dir).InterruptedCheckout(); err != nil || ic != nil {
				t.Fatalf("InterruptedCheckout = %+v, %v", ic, err)
			}
		})
	}
}
