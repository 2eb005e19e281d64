package gitremote

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshServer is a minimal git host: an ssh server on loopback that runs the
// real git-upload-pack / git-receive-pack for the command a client execs,
// accepting only the public key it was given.
type sshServer struct {
	addr    string
	hostKey ssh.PublicKey
}

func newSSHServer(t *testing.T, authorized ssh.PublicKey) *sshServer {
	t.Helper()
	_, hostPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hostSigner, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if bytes.Equal(key.Marshal(), authorized.Marshal()) {
				return nil, nil
			}
			return nil, errors.New("key not authorized")
		},
	}
	cfg.AddHostKey(hostSigner)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				serveSSH(conn, cfg)
			}()
		}
	}()
	return &sshServer{addr: l.Addr().String(), hostKey: hostSigner.PublicKey()}
}

func serveSSH(conn net.Conn, cfg *ssh.ServerConfig) {
	defer conn.Close()
	_, chans, reqs, err := ssh.NewServerConn(conn, cfg)
	if err != nil {
		return
	}
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "sessions only")
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			return
		}
		go serveSession(ch, chReqs)
	}
}

// serveSession runs `git-upload-pack '<path>'` or `git-receive-pack
// '<path>'`, what git (and go-git) exec on a git host.
func serveSession(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	for req := range reqs {
		if req.Type != "exec" || len(req.Payload) < 4 {
			req.Reply(false, nil)
			continue
		}
		command := string(req.Payload[4:])
		service, path, _ := strings.Cut(command, " ")
		path = strings.Trim(path, "'")
		if service != "git-upload-pack" && service != "git-receive-pack" {
			req.Reply(false, nil)
			continue
		}
		req.Reply(true, nil)
		cmd := exec.Command("git", strings.TrimPrefix(service, "git-"), path)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = ch, ch, ch.Stderr()
		status := uint32(0)
		if err := cmd.Run(); err != nil {
			status = 1
		}
		ch.CloseWrite()
		payload := make([]byte, 4)
		binary.BigEndian.PutUint32(payload, status)
		ch.SendRequest("exit-status", false, payload)
		return
	}
}

// startAgent serves an ssh-agent holding keys on a unix socket and points
// SSH_AUTH_SOCK at it.
func startAgent(t *testing.T, keys ...ed25519.PrivateKey) {
	t.Helper()
	keyring := agent.NewKeyring()
	for _, k := range keys {
		if err := keyring.Add(agent.AddedKey{PrivateKey: k}); err != nil {
			t.Fatal(err)
		}
	}
	// Unix socket paths are short; t.TempDir's can be too long.
	dir, err := os.MkdirTemp("", "agent")
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "s")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait(); os.RemoveAll(dir) })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				agent.ServeAgent(keyring, c)
				c.Close()
			}()
		}
	}()
	t.Setenv("SSH_AUTH_SOCK", sock)
}

// knownHosts writes a known_hosts file vouching for key at addr and points
// SSH_KNOWN_HOSTS at it.
func knownHosts(t *testing.T, addr string, key ssh.PublicKey) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(addr)}, key) + "\n"
	if err := os.WriteFile(path, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSH_KNOWN_HOSTS", path)
}

func newKey(t *testing.T) (ed25519.PrivateKey, ssh.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return priv, sshPub
}

// sshTransport is the transports entry for ssh://: the agent holds the key
// the server accepts and known_hosts vouches for the server.
func sshTransport(t *testing.T, bare string) string {
	priv, pub := newKey(t)
	srv := newSSHServer(t, pub)
	startAgent(t, priv)
	knownHosts(t, srv.addr, srv.hostKey)
	return "ssh://git@" + srv.addr + bare
}

// What the user must fix is an authentication error; a host that does not
// answer is unreachable. Nothing reaches the remote either way.
func TestSSHFailures(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, bare string) string
		kind  error
	}{
		{"key not authorized", func(t *testing.T, bare string) string {
			_, accepted := newKey(t)
			other, _ := newKey(t)
			srv := newSSHServer(t, accepted)
			startAgent(t, other)
			knownHosts(t, srv.addr, srv.hostKey)
			return "ssh://git@" + srv.addr + bare
		}, ErrAuthentication},
		{"host key mismatch", func(t *testing.T, bare string) string {
			priv, pub := newKey(t)
			srv := newSSHServer(t, pub)
			startAgent(t, priv)
			_, impostor := newKey(t)
			knownHosts(t, srv.addr, impostor)
			return "ssh://git@" + srv.addr + bare
		}, ErrAuthentication},
		{"host not in known_hosts", func(t *testing.T, bare string) string {
			priv, pub := newKey(t)
			srv := newSSHServer(t, pub)
			startAgent(t, priv)
			_, elsewhere := newKey(t)
			knownHosts(t, "git.example.com", elsewhere)
			return "ssh://git@" + srv.addr + bare
		}, ErrAuthentication},
		{"no known_hosts file", func(t *testing.T, bare string) string {
			priv, pub := newKey(t)
			srv := newSSHServer(t, pub)
			startAgent(t, priv)
			t.Setenv("SSH_KNOWN_HOSTS", filepath.Join(t.TempDir(), "absent"))
			return "ssh://git@" + srv.addr + bare
		}, ErrAuthentication},
		{"no agent", func(t *testing.T, bare string) string {
			_, pub := newKey(t)
			srv := newSSHServer(t, pub)
			knownHosts(t, srv.addr, srv.hostKey)
			return "ssh://git@" + srv.addr + bare
		}, ErrAuthentication},
		{"closed port", func(t *testing.T, bare string) string {
			priv, _ := newKey(t)
			startAgent(t, priv)
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := l.Addr().String()
			l.Close()
			_, anyKey := newKey(t)
			knownHosts(t, addr, anyKey)
			return "ssh://git@" + addr + bare
		}, ErrUnreachable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bare := newBare(t)
			url := tc.setup(t, bare)
			work := newWork(t, url)
			commit(t, work, "fcgit.toml", "x\n")
			r := openOrigin(t, work)
			_, pushErr := r.PushFastForward(context.Background(), []string{mainRef})
			_, fetchErr := r.Fetch(context.Background(), []string{mainRef})
			for _, err := range []error{pushErr, fetchErr} {
				for _, kind := range []error{ErrUnreachable, ErrAuthentication} {
					if errors.Is(err, kind) != (kind == tc.kind) {
						t.Fatalf("%v: errors.Is(%v) = %v", err, kind, kind != tc.kind)
					}
				}
			}
			if got := revParse(t, bare, mainRef); !got.IsZero() {
				t.Fatalf("remote main = %s after a failed push", got)
			}
		})
	}
}
