package gitremote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"golang.org/x/crypto/ssh/knownhosts"
)

var (
	// ErrUnreachable matches failures that waiting may cure: the remote's
	// host cannot be reached, the connection broke, the request timed out,
	// or an HTTP server said it is overloaded or behind a failing gateway.
	ErrUnreachable = errors.New("remote unreachable")
	// ErrAuthentication matches failures only the user can cure: no
	// credentials, credentials the server refused, access denied, an ssh
	// host key that known_hosts does not vouch for.
	ErrAuthentication = errors.New("authentication failed")
)

// Error is what every operation of a Remote returns on failure. It matches
// its Kind (ErrUnreachable, ErrAuthentication, or nothing) and its cause
// through errors.Is and errors.As.
type Error struct {
	Op   string // "push" or "fetch"
	URL  string // the remote's URL, any password removed
	Kind error  // ErrUnreachable, ErrAuthentication or nil
	Err  error
	Hint string // how to fix it, when there is something to say
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Op == "push" {
		b.WriteString(" to ")
	} else {
		b.WriteString(" from ")
	}
	b.WriteString(e.URL)
	b.WriteString(": ")
	if e.Kind != nil && !strings.Contains(e.Err.Error(), e.Kind.Error()) {
		b.WriteString(e.Kind.Error())
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

func (e *Error) Unwrap() []error {
	if e.Kind == nil {
		return []error{e.Err}
	}
	return []error{e.Kind, e.Err}
}

// newError classifies err (which may already carry a kind, when it comes
// from the credential or ssh set-up) and adds a hint for the user.
func newError(op, rawURL string, err error) *Error {
	var already *Error
	if errors.As(err, &already) {
		return already
	}
	err = unwrapGoGit(err)
	if errors.Is(err, transport.ErrRepositoryNotFound) && strings.TrimRight(err.Error(), ": ") == transport.ErrRepositoryNotFound.Error() {
		// go-git appends the server's (often empty) reason after a colon.
		err = transport.ErrRepositoryNotFound
	}
	e := &Error{Op: op, URL: redact(rawURL), Err: err, Kind: classify(err)}
	switch {
	case hasCause(err, ErrAuthentication):
		// The cause says what to do already (credential helper, ssh set-up).
	case e.Kind == ErrAuthentication:
		e.Hint = authHint(rawURL, err)
	case e.Kind == ErrUnreachable:
		e.Hint = "check the network and the remote's address (`git remote -v`); it can be retried"
	case errors.Is(err, transport.ErrRepositoryNotFound):
		e.Hint = "check the remote's address (`git remote -v`) and that the repository exists"
	}
	return e
}

// authHint says what to do about a refusal, by transport.
func authHint(rawURL string, err error) string {
	ep, epErr := transport.NewEndpoint(rawURL)
	if epErr != nil || ep.Protocol != "ssh" {
		return "check the credentials for this remote: a credential helper that knows them (`git config credential.helper`), with access to the repository"
	}
	host := ep.Host
	if ep.Port > 0 && ep.Port != 22 {
		host = fmt.Sprintf("[%s]:%d", ep.Host, ep.Port)
	}
	var keyErr *knownhosts.KeyError
	switch {
	case errors.As(err, &keyErr) && len(keyErr.Want) > 0:
		return fmt.Sprintf("the server's host key is not the one known_hosts has for %s: if the server's key really changed, remove the old one (`ssh-keygen -R '%s'`) and connect once with ssh to record the new one; otherwise the connection may be intercepted", host, host)
	case errors.As(err, &keyErr):
		return fmt.Sprintf("known_hosts has no key for %s: connect once with ssh to check and record it", host)
	}
	return "the server accepts none of the ssh-agent's keys: list them with `ssh-add -l` and load the one this remote knows with `ssh-add`"
}

// unwrapGoGit strips go-git's error wrappers from the top of err: they have
// no Unwrap method, so errors.Is and errors.As would stop at them.
func unwrapGoGit(err error) error {
	for {
		switch e := err.(type) {
		case *plumbing.UnexpectedError:
			err = e.Err
		case *plumbing.PermanentError:
			err = e.Err
		default:
			return err
		}
	}
}

// causes lists err and everything it wraps, going through go-git's
// wrappers too, wherever they sit in the chain.
func causes(err error) []error {
	var out []error
	var visit func(error)
	visit = func(e error) {
		for e != nil {
			out = append(out, e)
			switch x := e.(type) {
			case *plumbing.UnexpectedError:
				e = x.Err
				continue
			case *plumbing.PermanentError:
				e = x.Err
				continue
			case interface{ Unwrap() []error }:
				for _, c := range x.Unwrap() {
					visit(c)
				}
				return
			}
			e = errors.Unwrap(e)
		}
	}
	visit(err)
	return out
}

// hasCause reports whether err or anything it wraps is target.
func hasCause(err, target error) bool {
	return slices.ContainsFunc(causes(err), func(c error) bool { return c == target })
}

// unreachableErrnos are the system errors of a network that is down or a
// host that does not answer.
var unreachableErrnos = []syscall.Errno{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED,
	syscall.EHOSTUNREACH, syscall.EHOSTDOWN, syscall.ENETUNREACH, syscall.ENETDOWN, syscall.ETIMEDOUT, syscall.EPIPE}

// classify tells network trouble and refused credentials from everything
// else. The caller's own cancellation is neither.
func classify(err error) error {
	cs := causes(err)
	has := func(match func(error) bool) bool { return slices.ContainsFunc(cs, match) }
	switch {
	case err == nil || hasCause(err, context.Canceled):
		return nil
	case hasCause(err, ErrAuthentication):
		return ErrAuthentication // said by the credential or ssh set-up
	case hasCause(err, ErrUnreachable):
		return ErrUnreachable
	case hasCause(err, transport.ErrAuthenticationRequired) || hasCause(err, transport.ErrAuthorizationFailed):
		return ErrAuthentication
	case has(func(c error) bool {
		_, isKeyErr := c.(*knownhosts.KeyError)
		return isKeyErr || strings.HasPrefix(c.Error(), "ssh: unable to authenticate")
	}):
		return ErrAuthentication
	case has(func(c error) bool {
		h, ok := c.(*githttp.Err)
		if !ok {
			return false
		}
		switch h.StatusCode() {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout, http.StatusRequestTimeout:
			return true
		}
		return false
	}):
		return ErrUnreachable
	case hasCause(err, context.DeadlineExceeded) || hasCause(err, os.ErrDeadlineExceeded):
		return ErrUnreachable
	case has(func(c error) bool {
		switch x := c.(type) {
		case *net.OpError, *net.DNSError:
			return true
		case syscall.Errno:
			return slices.Contains(unreachableErrnos, x)
		case net.Error:
			return x.Timeout()
		}
		// A connection that drops in the middle of the protocol
		// surfaces as a short read.
		return c == io.ErrUnexpectedEOF
	}):
		return ErrUnreachable
	}
	return nil
}
