package gitremote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"golang.org/x/crypto/ssh/knownhosts"
)

// The shapes go-git's transports return, wrapped the way this package
// wraps them (go-git's UnexpectedError has no Unwrap method and may sit
// anywhere in the chain).
func TestClassify(t *testing.T) {
	httpStatus := func(code int) error {
		req := &http.Request{URL: &url.URL{Scheme: "https", Host: "example.com", Path: "/fc.git/info/refs"}}
		return plumbing.NewUnexpectedError(&githttp.Err{Response: &http.Response{StatusCode: code, Request: req}})
	}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"connection refused under go-git's wrapper, under ours", fmt.Errorf("fetch the remote's refs/heads/main: %w", plumbing.NewUnexpectedError(&url.Error{Op: "Get", URL: "https://example.com", Err: refused})), ErrUnreachable},
		{"connection reset on a pipe", fmt.Errorf("write: %w", os.NewSyscallError("write", syscall.ECONNRESET)), ErrUnreachable},
		{"DNS", &net.DNSError{Err: "no such host", Name: "example.invalid", IsNotFound: true}, ErrUnreachable},
		{"deadline", fmt.Errorf("read: %w", context.DeadlineExceeded), ErrUnreachable},
		{"connection dropped mid-protocol", fmt.Errorf("decode report: %w", io.ErrUnexpectedEOF), ErrUnreachable},
		{"HTTP 503", httpStatus(http.StatusServiceUnavailable), ErrUnreachable},
		{"HTTP 429", httpStatus(http.StatusTooManyRequests), ErrUnreachable},
		{"HTTP 500", httpStatus(http.StatusInternalServerError), nil},
		{"HTTP 401", fmt.Errorf("%w: ", transport.ErrAuthenticationRequired), ErrAuthentication},
		{"HTTP 403", fmt.Errorf("%w: denied", transport.ErrAuthorizationFailed), ErrAuthentication},
		{"ssh key refused", fmt.Errorf("ssh: handshake failed: %w", errors.New("ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain")), ErrAuthentication},
		{"ssh host key unknown", fmt.Errorf("ssh: handshake failed: %w", &knownhosts.KeyError{}), ErrAuthentication},
		{"already classified", fmt.Errorf("%w: no agent", ErrAuthentication), ErrAuthentication},
		{"cancelled by the caller", fmt.Errorf("read: %w", context.Canceled), nil},
		{"repository not found", transport.ErrRepositoryNotFound, nil},
		{"protocol error", errors.New("malformed pkt-line"), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify(tc.err); got != tc.want {
				t.Fatalf("classify(%v) = %v, want %v", tc.err, got, tc.want)
			}
			e := newError("push", "https://alice:s3cret@example.com/fc.git", tc.err)
			if e.Kind != tc.want {
				t.Fatalf("Kind = %v, want %v", e.Kind, tc.want)
			}
			for _, kind := range []error{ErrUnreachable, ErrAuthentication} {
				if errors.Is(e, kind) != (kind == tc.want) {
					t.Fatalf("errors.Is(%q, %v) = %v", e, kind, kind != tc.want)
				}
			}
			if strings.Contains(e.Error(), "s3cret") || strings.Count(e.Error(), "authentication failed") > 1 {
				t.Fatalf("message %q", e)
			}
			if !errors.Is(e, unwrapGoGit(tc.err)) {
				t.Fatalf("the cause is not reachable through errors.Is: %q", e)
			}
		})
	}
}
