package gitstate

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The multi-valued readers must agree with git's own --get-all and
// --get-regexp over the same files: global config, repository config and an
// included file, with keys spelt in mixed case.
func TestConfigAllAndValuesAgreeWithGit(t *testing.T) {
	dir := t.TempDir()
	gitCmd(t, dir, "init", "-q")
	global := filepath.Join(t.TempDir(), "gitconfig")
	os.WriteFile(global, []byte("[url \"https://mirror.example/\"]\n\tinsteadOf = gh:\n[user]\n\tname = T\n\temail = t@e\n"), 0o644)
	t.Setenv("GIT_CONFIG_GLOBAL", global)
	inc := filepath.Join(dir, ".git", "extra.inc")
	os.WriteFile(inc, []byte("[URL \"ssh://git@example.com/\"]\n\tInsteadOf = ex:\n[remote \"origin\"]\n\turl = third\n"), 0o644)
	cfg := filepath.Join(dir, ".git", "config")
	f, _ := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("[remote \"origin\"]\n\turl = first\n\tURL = second\n[url \"file:///srv/\"]\n\tinsteadof = local:\n\tpushInsteadOf = gh:\n[include]\n\tpath = extra.inc\n")
	f.Close()

	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	urls, err := r.ConfigAll("remote.origin.url")
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Split(gitCmd(t, dir, "config", "--get-all", "remote.origin.url"), "\n"); !reflect.DeepEqual(urls, want) {
		t.Fatalf("ConfigAll = %q, git says %q", urls, want)
	}
	vals, err := r.ConfigValues("url", "insteadOf")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vals {
		got = append(got, "url."+v.Subsection+".insteadof "+v.Value)
	}
	want := strings.Split(gitCmd(t, dir, "config", "--get-regexp", `^url\..*\.insteadof$`), "\n")
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ConfigValues = %q, git says %q", got, want)
	}
	if none, err := r.ConfigAll("remote.upstream.url"); err != nil || len(none) != 0 {
		t.Fatalf("absent key: %q, %v", none, err)
	}
}
