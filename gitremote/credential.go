package gitremote

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

// credential is a username and password for an HTTP remote.
type credential struct{ username, password string }

func (c credential) auth() transport.AuthMethod {
	return &githttp.BasicAuth{Username: c.username, Password: c.password}
}

// credentialDescription is what git's credential protocol is told about the
// remote: the lines git's own http transport sends (credential_from_url).
// git itself drops the path unless credential.useHttpPath is set.
func credentialDescription(ep *transport.Endpoint) []string {
	host := ep.Host
	if ep.Port != 0 {
		host = fmt.Sprintf("%s:%d", ep.Host, ep.Port)
	}
	lines := []string{"protocol=" + ep.Protocol, "host=" + host}
	if p := strings.TrimPrefix(ep.Path, "/"); p != "" {
		lines = append(lines, "path="+p)
	}
	if ep.User != "" {
		lines = append(lines, "username="+ep.User)
	}
	return lines
}

func credentialKey(ep *transport.Endpoint) string {
	return strings.Join(credentialDescription(ep), "\n")
}

// gitCredential runs `git credential <action>` in the work tree (so the
// repository's credential.* settings apply), feeding it the description and,
// for approve and reject, the credential itself.
func (r *Remote) gitCredential(ctx context.Context, action string, ep *transport.Endpoint, c *credential) (credential, error) {
	lines := credentialDescription(ep)
	if c != nil {
		if ep.User == "" {
			lines = append(lines, "username="+c.username)
		}
		lines = append(lines, "password="+c.password)
	}
	cmd := exec.CommandContext(ctx, "git", "credential", action)
	cmd.Dir = r.repo.WorkDir()
	cmd.Env = os.Environ()
	if !r.opts.Prompt {
		cmd.Env = append(cmd.Env, "GIT_TERMINAL_PROMPT=0")
	}
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n\n")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return credential{}, fmt.Errorf("git credential %s: %s", action, msg)
	}
	if action != "fill" {
		return credential{}, nil
	}
	var got credential
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "username":
			got.username = v
		case "password":
			got.password = v
		}
	}
	if got.username == "" && got.password == "" {
		return credential{}, fmt.Errorf("git credential fill gave no username or password")
	}
	return got, nil
}

// withAuth runs op, which talks to ep, with the credentials git would use.
// For HTTP it follows git's http.c: try without credentials (or with those
// the server accepted before), and on 401 ask the credential helpers, try
// again, and tell the helpers whether the server took them. op must be safe
// to run twice: a 401 comes before the server changed anything.
func (r *Remote) withAuth(ctx context.Context, ep *transport.Endpoint, op func(transport.AuthMethod) error) error {
	if (ep.Protocol != "http" && ep.Protocol != "https") || ep.Password != "" {
		// Credentials in the URL are used as they are (go-git reads them
		// from the endpoint); ssh and file bring their own.
		return op(nil)
	}
	key := credentialKey(ep)
	var auth transport.AuthMethod
	cached, haveCached := r.creds[key]
	if haveCached {
		auth = cached.auth()
	}
	err := op(auth)
	if !hasCause(err, transport.ErrAuthenticationRequired) {
		return err
	}
	delete(r.creds, key)
	c, fillErr := r.gitCredential(ctx, "fill", ep, nil)
	if fillErr != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: the server asks for credentials and none were found: %v; store them with a credential helper (`git config credential.helper store`, then one `git fetch` that asks for them) or run interactively", ErrAuthentication, fillErr)
	}
	err = op(c.auth())
	switch kind := classify(err); {
	case hasCause(err, transport.ErrAuthenticationRequired):
		// Tell the helpers, as git does, so that a stored password the
		// server no longer takes is not offered again.
		if _, rejErr := r.gitCredential(ctx, "reject", ep, &c); rejErr != nil {
			return fmt.Errorf("%w: the server refused the credentials for user %q from git credential fill (and %v)", ErrAuthentication, c.username, rejErr)
		}
		return fmt.Errorf("%w: the server refused the credentials for user %q from git credential fill; they were rejected so the helpers forget them: store the right ones (for example with a `git fetch` that asks for them)", ErrAuthentication, c.username)
	case kind == ErrAuthentication || kind == ErrUnreachable:
		// The server never said yes to these credentials.
		return err
	}
	r.creds[key] = c
	// Like git, a helper that fails to store is not the operation's failure:
	// the push or fetch itself went through.
	_, _ = r.gitCredential(ctx, "approve", ep, &c)
	return err
}
