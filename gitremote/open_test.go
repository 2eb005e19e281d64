package gitremote

import (
	"path/filepath"
	"strings"
	"testing"
)

// Open must pick the URLs git picks: `git remote get-url [--push]` is the
// reference for every configuration below.
func TestOpenResolvesURLsAsGit(t *testing.T) {
	cases := []struct {
		name   string
		config [][2]string // git config key, value (added, so keys can repeat)
	}{
		{"plain url", [][2]string{{"remote.origin.url", "https://example.com/team/fc.git"}}},
		{"pushurl", [][2]string{
			{"remote.origin.url", "https://example.com/team/fc.git"},
			{"remote.origin.pushurl", "ssh://git@example.com/team/fc.git"}}},
		{"insteadOf", [][2]string{
			{"remote.origin.url", "team:fc.git"},
			{"url.file:///srv/git/.insteadOf", "team:"}}},
		{"longest insteadOf wins", [][2]string{
			{"remote.origin.url", "team:fc.git"},
			{"url.https://short.example/.insteadOf", "te"},
			{"url.https://long.example/.insteadOf", "team:"}}},
		{"pushInsteadOf rewrites the push URL only", [][2]string{
			{"remote.origin.url", "https://example.com/team/fc.git"},
			{"url.ssh://git@example.com/.pushInsteadOf", "https://example.com/"}}},
		{"pushInsteadOf does not touch an explicit pushurl, insteadOf does", [][2]string{
			{"remote.origin.url", "https://example.com/team/fc.git"},
			{"remote.origin.pushurl", "gh:team/fc.git"},
			{"url.ssh://git@example.com/.pushInsteadOf", "https://example.com/"},
			{"url.ssh://git@github.example/.insteadOf", "gh:"}}},
		{"scp-like", [][2]string{{"remote.origin.url", "git@example.com:team/fc.git"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			work := filepath.Join(t.TempDir(), "work")
			git(t, "", "init", "-q", work)
			for _, kv := range tc.config {
				git(t, work, "config", "--add", kv[0], kv[1])
			}
			r, err := Open(work, "origin", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if want := git(t, work, "remote", "get-url", "origin"); r.FetchURL() != want {
				t.Errorf("FetchURL = %q, git says %q", r.FetchURL(), want)
			}
			if want := git(t, work, "remote", "get-url", "--push", "origin"); r.PushURL() != want {
				t.Errorf("PushURL = %q, git says %q", r.PushURL(), want)
			}
			if want := "refs/fcgit/remote/origin/heads/fcgit/online"; r.TrackingRef("refs/heads/fcgit/online") != want {
				t.Errorf("TrackingRef = %q, want %q", r.TrackingRef("refs/heads/fcgit/online"), want)
			}
		})
	}
}

// Names that are URLs or paths, and relative paths, which git resolves from
// the top of the work tree.
func TestOpenURLsAndPaths(t *testing.T) {
	work := filepath.Join(t.TempDir(), "work")
	git(t, "", "init", "-q", work)
	git(t, work, "config", "remote.up.url", "../team.git")
	git(t, work, "config", "url.file:///srv/git/.insteadOf", "team:")

	r, err := Open(filepath.Join(work), "up", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(filepath.Dir(work), "team.git"); r.FetchURL() != want || r.PushURL() != want {
		t.Fatalf("relative path resolved to %q / %q, want %q", r.FetchURL(), r.PushURL(), want)
	}

	byURL, err := Open(work, "team:fc.git", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if byURL.PushURL() != "file:///srv/git/fc.git" {
		t.Fatalf("a URL name is rewritten by insteadOf like git's: got %q", byURL.PushURL())
	}
	tr := byURL.TrackingRef("refs/heads/main")
	if !strings.HasPrefix(tr, "refs/fcgit/remote/url-") || !strings.HasSuffix(tr, "/heads/main") {
		t.Fatalf("tracking ref of a URL remote: %q", tr)
	}
	if other, _ := Open(work, "https://example.com/other.git", Options{}); other.TrackingRef("refs/heads/main") == tr {
		t.Fatal("two URLs share a tracking namespace")
	}
	if s := byURL.String(); s != "file:///srv/git/fc.git" {
		t.Fatalf("String() = %q", s)
	}
	withPassword, err := Open(work, "https://alice:s3cret@example.com/fc.git", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := withPassword.String(); strings.Contains(s, "s3cret") {
		t.Fatalf("String() shows the password: %q", s)
	}
}

func TestOpenRefuses(t *testing.T) {
	cases := []struct {
		name   string
		remote string
		config [][2]string
		want   string
	}{
		{"no such remote", "upstream", nil, "git remote add upstream"},
		{"two push URLs", "origin", [][2]string{
			{"remote.origin.url", "https://a.example/fc.git"},
			{"remote.origin.pushurl", "https://a.example/fc.git"},
			{"remote.origin.pushurl", "https://b.example/fc.git"}}, "2 push URLs"},
		{"unsupported scheme", "origin", [][2]string{{"remote.origin.url", "git://example.com/fc.git"}}, "git://"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			work := filepath.Join(t.TempDir(), "work")
			git(t, "", "init", "-q", work)
			for _, kv := range tc.config {
				git(t, work, "config", "--add", kv[0], kv[1])
			}
			_, err := Open(work, tc.remote, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open: %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}
