package gitstate

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// deadPID returns the pid of a process that has ended.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("git", "--version")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.ProcessState.Pid()
}

// TestRemoveStaleTemps: files whose process has ended go; files of a
// process that runs, that may run (another host, recently), or that are
// not fcgit's, stay.
func TestRemoveStaleTemps(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	tmp, err := r.TempDir()
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	here, boot := shortDigest(host), shortDigest(bootID())
	tag := func(host, boot string, pid int, start string) string {
		return host + "." + boot + "." + strconv.Itoa(pid) + "." + start
	}
	dead := deadPID(t)
	start1 := processStart(1)
	if start1 == "" {
		start1 = "0"
	}
	packDir := filepath.Join(r.commonDir, "objects", "pack")
	os.MkdirAll(packDir, 0o755)
	files := []struct {
		path  string
		age   time.Duration
		stays bool
	}{
		{filepath.Join(tmp, "fcgit-code."+tempTag()+".1.zip"), 0, true},                           // this process
		{filepath.Join(tmp, "fcgit-code."+tag(here, boot, dead, "5")+".2.zip"), 0, false},         // ended
		{filepath.Join(tmp, "fcgit-code."+tag(here, "00000000", 1, start1)+".3.zip"), 0, false},   // before a reboot
		{filepath.Join(tmp, "fcgit-code."+tag(here, boot, 1, start1)+".4.zip"), 0, start1 != "0"}, // runs (pid 1)
		{filepath.Join(tmp, "fcgit-code."+tag(here, boot, 1, "999999999999")+".5.zip"), 0, false}, // pid 1 is another process
		{filepath.Join(tmp, "fcgit-code."+tag("abcdef01", boot, dead, "5")+".6.zip"), time.Hour, true},
		{filepath.Join(tmp, "fcgit-code."+tag("abcdef01", boot, dead, "5")+".7.zip"), 8 * 24 * time.Hour, false},
		{filepath.Join(tmp, "notes.txt"), 30 * 24 * time.Hour, true},
		{filepath.Join(packDir, "tmp_pack_fcgit-"+tag(here, boot, dead, "5")+"-8"), 0, false},
		{filepath.Join(packDir, "tmp_idx_fcgit-"+tag(here, boot, dead, "5")+"-9"), 0, false},
		{filepath.Join(packDir, "tmp_pack_fcgit-"+tempTag()+"-10"), 0, true},
		{filepath.Join(packDir, "tmp_pack_Xy12Zq"), 30 * 24 * time.Hour, true}, // git's own: git prune's
	}
	if start1 == "0" {
		// Without start times pid 1's file stays either way.
		files[4].stays = true
		files[3].stays = true
	}
	for _, f := range files {
		if err := os.WriteFile(f.path, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if f.age > 0 {
			at := time.Now().Add(-f.age)
			os.Chtimes(f.path, at, at)
		}
	}
	n, err := r.RemoveStaleTemps()
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, f := range files {
		_, err := os.Stat(f.path)
		if stays := err == nil; stays != f.stays {
			t.Errorf("%s: stays = %v, want %v", filepath.Base(f.path), stays, f.stays)
		}
		if !f.stays {
			want++
		}
	}
	if n != want {
		t.Errorf("removed %d files, want %d", n, want)
	}
}

// TestKilledRunsLeaveNothingForGood: a process killed while it holds a
// temporary pack and a code package leaves both; the next run removes
// them, and git's view of the repository is intact.
func TestKilledRunsLeaveNothingForGood(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	dir := r.WorkDir()
	writeFile(t, dir, "a.txt", "a\n", 0o644)
	commitAll(t, dir, "base")
	if !killHelperAvailable() {
		t.Skip("needs SIGKILL")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GITSTATE_TEMPS_HELPER="+dir)
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(killedBy(cmd), "killed") {
		t.Fatalf("helper was not killed: %s\n%s", killedBy(cmd), out)
	}
	left := leftovers(t, r)
	if len(left) != 2 {
		t.Fatalf("the killed run left %v, want a pack and a package", left)
	}
	if n, err := openRepo(t, dir).RemoveStaleTemps(); err != nil || n != 2 {
		t.Fatalf("RemoveStaleTemps = %d, %v", n, err)
	}
	if left := leftovers(t, r); len(left) != 0 {
		t.Fatalf("left after clean-up: %v", left)
	}
	fsck(t, dir)
}

func leftovers(t *testing.T, r *Repo) []string {
	t.Helper()
	var out []string
	for _, pattern := range []string{filepath.Join(r.gitDir, tempDirName, "*"), filepath.Join(r.commonDir, "objects", "pack", "tmp_*")} {
		m, _ := filepath.Glob(pattern)
		for _, p := range m {
			out = append(out, filepath.Base(p))
		}
	}
	sort.Strings(out)
	return out
}

// runTempsHelper is the child of TestKilledRunsLeaveNothingForGood: it
// starts a pack and a code package, then kills itself.
func runTempsHelper(dir string) {
	r, err := Open(dir)
	if err != nil {
		os.Exit(2)
	}
	b, err := r.BeginBatch()
	if err != nil {
		os.Exit(2)
	}
	if _, err := r.StoreBlob([]byte("in a pack that never completes\n")); err != nil {
		os.Exit(2)
	}
	f, err := r.CreateTemp("fcgit-code", ".zip")
	if err != nil {
		os.Exit(2)
	}
	f.WriteString("PK")
	_ = b
	killSelf()
}
