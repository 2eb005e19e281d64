package gitremote

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/transport"
)

// The credentials come from `git credential fill`, which asks the helper
// configured in HOME's git config with the remote's protocol and host; the
// server's acceptance is reported back (approve, which helpers see as
// "store"), and the Remote keeps them for its next calls.
func TestHTTPCredentialsFromGitCredentialHelper(t *testing.T) {
	helper, log := helperScript(t, "alice", "s3cret")
	useHome(t, "[credential]\n\thelper = "+helper+"\n")
	bare := newBare(t)
	srv := newGitServer(t, filepath.Dir(bare), "alice", "s3cret")
	work := newWork(t, srv.URL+"/team.git")
	commit(t, work, "fcgit.toml", "x\n")
	r := openOrigin(t, work)

	wantStatus(t, pushOne(t, r, mainRef), mainRef, StatusPushed)
	host := strings.TrimPrefix(srv.URL, "http://")
	lines := readLog(t, log)
	for _, want := range []string{"get protocol=http", "get host=" + host, "get", "store protocol=http", "store host=" + host, "store username=alice", "store password=s3cret"} {
		if !slices.Contains(lines, want) {
			t.Fatalf("helper log lacks %q:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	if srv.unauthorized.Load() == 0 || srv.authorized.Load() == 0 {
		t.Fatalf("server saw %d unauthorized and %d authorized requests: the first try goes without credentials, like git's", srv.unauthorized.Load(), srv.authorized.Load())
	}

	// Later calls reuse what the server accepted: no new helper call, no 401.
	unauthorized := srv.unauthorized.Load()
	commit(t, work, "functions/a/function.toml", "name = \"a\"\n")
	wantStatus(t, pushOne(t, r, mainRef), mainRef, StatusPushed)
	if _, err := r.Fetch(context.Background(), []string{mainRef}); err != nil {
		t.Fatal(err)
	}
	if gets := countLines(readLog(t, log), "get"); gets != 1 {
		t.Fatalf("helper asked %d times, want once", gets)
	}
	if srv.unauthorized.Load() != unauthorized {
		t.Fatal("cached credentials were not sent")
	}
	fsck(t, bare)
}

func countLines(lines []string, want string) int {
	n := 0
	for _, l := range lines {
		if l == want {
			n++
		}
	}
	return n
}

// Credentials the server refuses, and none at all, are authentication
// errors, never network ones; refused ones are rejected so the helper
// forgets them. Nothing reaches the remote.
func TestHTTPAuthenticationFailures(t *testing.T) {
	cases := []struct {
		name      string
		helper    bool
		wantErase bool
	}{
		{"wrong password", true, true},
		{"no credential helper", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var log string
			if tc.helper {
				var helper string
				helper, log = helperScript(t, "alice", "wrong")
				useHome(t, "[credential]\n\thelper = "+helper+"\n")
			} else {
				useHome(t, "")
			}
			bare := newBare(t)
			srv := newGitServer(t, filepath.Dir(bare), "alice", "s3cret")
			work := newWork(t, srv.URL+"/team.git")
			commit(t, work, "fcgit.toml", "x\n")
			r := openOrigin(t, work)

			_, pushErr := r.PushFastForward(context.Background(), []string{mainRef})
			_, fetchErr := r.Fetch(context.Background(), []string{mainRef})
			for _, err := range []error{pushErr, fetchErr} {
				if !errors.Is(err, ErrAuthentication) || errors.Is(err, ErrUnreachable) {
					t.Fatalf("error %v: want ErrAuthentication only", err)
				}
				var e *Error
				if !errors.As(err, &e) || !strings.Contains(err.Error(), srv.URL) {
					t.Fatalf("error %q does not say which remote", err)
				}
			}
			if tc.helper {
				if lines := readLog(t, log); !slices.Contains(lines, "erase") || slices.Contains(lines, "store") {
					t.Fatalf("refused credentials must be erased, not stored:\n%s", strings.Join(lines, "\n"))
				}
			}
			if got := revParse(t, bare, mainRef); !got.IsZero() {
				t.Fatalf("remote main = %s after a refused push", got)
			}
		})
	}
}

// Waiting may cure these: classified as unreachable, with the URL (and no
// password) in the message. A missing repository is neither kind: waiting
// will not cure it.
func TestErrorKinds(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := l.Addr().String()
	l.Close()
	unavailable := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	}))
	defer unavailable.Close()
	empty := newGitServer(t, t.TempDir(), "", "")

	cases := []struct {
		name     string
		url      string
		kind     error // nil: neither kind
		notFound bool
	}{
		{"closed port", "http://" + closedPort + "/team.git", ErrUnreachable, false},
		{"password in URL, closed port", "http://alice:s3cret@" + closedPort + "/team.git", ErrUnreachable, false},
		{"service unavailable", unavailable.URL + "/team.git", ErrUnreachable, false},
		{"no such repository over http", empty.URL + "/missing.git", nil, true},
		{"no such repository on disk", "file://" + filepath.Join(t.TempDir(), "missing.git"), nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			work := newWork(t, tc.url)
			commit(t, work, "fcgit.toml", "x\n")
			r := openOrigin(t, work)
			_, pushErr := r.PushFastForward(context.Background(), []string{mainRef})
			_, fetchErr := r.Fetch(context.Background(), []string{mainRef})
			for _, err := range []error{pushErr, fetchErr} {
				if err == nil {
					t.Fatal("no error")
				}
				for _, kind := range []error{ErrUnreachable, ErrAuthentication} {
					if errors.Is(err, kind) != (kind == tc.kind) {
						t.Fatalf("%v: errors.Is(%v) = %v", err, kind, !(kind == tc.kind))
					}
				}
				if errors.Is(err, transport.ErrRepositoryNotFound) != tc.notFound {
					t.Fatalf("%v: errors.Is(ErrRepositoryNotFound) = %v", err, !tc.notFound)
				}
				if strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), redact(tc.url)) {
					t.Fatalf("message %q must name %s without its password", err, redact(tc.url))
				}
			}
		})
	}
}

// The caller's cancellation is not an outage.
func TestCanceledIsNeitherKind(t *testing.T) {
	bare := newBare(t)
	work := newWork(t, "file://"+bare)
	commit(t, work, "fcgit.toml", "x\n")
	r := openOrigin(t, work)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := r.Fetch(ctx, []string{mainRef})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Fetch with a cancelled context: %v, want context.Canceled", err)
	}
	if errors.Is(err, ErrUnreachable) || errors.Is(err, ErrAuthentication) {
		t.Fatalf("cancelled: %v classified as an outage", err)
	}
}
