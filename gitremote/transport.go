package gitremote

import (
	"fmt"
	"net"
	"os"
	"os/user"
	"strconv"
	"time"

	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/file"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// sshTimeout bounds connecting and the ssh handshake: go-git's ssh dial does
// not follow the context.
const sshTimeout = 30 * time.Second

// connection is go-git's transport for one endpoint and the credentials to
// open sessions with: what withAuth chose for HTTP, the agent's keys for
// ssh. done releases what the sessions needed besides themselves (the agent
// connection).
type connection struct {
	client transport.Transport
	auth   transport.AuthMethod
	done   func()
}

func (r *Remote) connect(ep *transport.Endpoint, auth transport.AuthMethod) (*connection, error) {
	switch ep.Protocol {
	case "file":
		// git's own upload-pack and receive-pack (see the package doc).
		return &connection{client: file.DefaultClient, done: func() {}}, nil
	case "http", "https":
		return &connection{client: githttp.NewClient(r.http), auth: auth, done: func() {}}, nil
	case "ssh":
		return sshConnection(ep)
	}
	return nil, fmt.Errorf("no transport for %s://", ep.Protocol)
}

// sshConnection authenticates with the running ssh-agent's keys and checks
// the host key against known_hosts, as ssh does. go-git's ssh transport
// replaces its whole client configuration by the one given to NewClient, so
// every field is set here.
func sshConnection(ep *transport.Endpoint) (*connection, error) {
	sock := os.Getenv("SSH_AUTH_SOCK")
	if sock == "" {
		return nil, fmt.Errorf("%w: no ssh agent is running (SSH_AUTH_SOCK is not set): start one (`eval $(ssh-agent)`) and load the key this remote accepts (`ssh-add`)", ErrAuthentication)
	}
	conn, err := net.Dial("unix", sock)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot reach the ssh agent at %s (SSH_AUTH_SOCK): %v; start one (`eval $(ssh-agent)`) and `ssh-add` the key", ErrAuthentication, sock, err)
	}
	db, err := gitssh.NewKnownHostsDb()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("%w: cannot check the host key of %s: %v; connect once with ssh to record it in ~/.ssh/known_hosts", ErrAuthentication, ep.Host, err)
	}
	name := ep.User
	if name == "" {
		u, err := user.Current()
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("ssh remote %s names no user and the current user is unknown: %w; write the user in the URL (ssh://git@%s/...)", ep.Host, err, ep.Host)
		}
		name = u.Username
	}
	port := ep.Port
	if port <= 0 {
		port = gitssh.DefaultPort
	}
	signers := agent.NewClient(conn).Signers
	hostKey := db.HostKeyCallback()
	cfg := &ssh.ClientConfig{
		User:              name,
		Auth:              []ssh.AuthMethod{ssh.PublicKeysCallback(signers)},
		HostKeyCallback:   hostKey,
		HostKeyAlgorithms: db.HostKeyAlgorithms(net.JoinHostPort(ep.Host, strconv.Itoa(port))),
		Timeout:           sshTimeout,
	}
	auth := &gitssh.PublicKeysCallback{User: name, Callback: signers}
	auth.HostKeyCallback = hostKey
	return &connection{
		client: gitssh.NewClient(cfg),
		auth:   auth,
		done:   func() { conn.Close() },
	}, nil
}
