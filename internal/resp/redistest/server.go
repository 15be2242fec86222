// Package redistest starts Debian's redis-server for tests, on a loopback
// port of the test's own, and stops it with the test.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"testing"
	"time"

	"github.com/llmops/terraform-provider-llmops/internal/resp"
)

// Server is one redis-server process.
type Server struct {
	t    *testing.T
	Port string
	cmd  *exec.Cmd
}

// Start runs redis-server with a password (requirepass; "" for none) on
// port ("" picks a free one) and waits until it answers. It skips the
// test, loudly, only when redis-server is not installed.
func Start(t *testing.T, port, password string) *Server {
	t.Helper()
	s := start(t, port, password, "--port", port)
	s.wait(password)
	return s
}

// StartTLS runs redis-server answering only TLS on port, with the given
// certificate and key (clients are not asked for certificates).
func StartTLS(t *testing.T, password, certFile, keyFile string) *Server {
	t.Helper()
	port := FreePort(t)
	s := start(t, port, password, "--port", "0", "--tls-port", port, "--tls-cert-file", certFile,
		"--tls-key-file", keyFile, "--tls-auth-clients", "no")
	WaitTLS(t, port)
	return s
}

func start(t *testing.T, port, password string, listen ...string) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("SKIPPED LOUDLY: redis-server not found; .ci/run installs it (apt-get install redis-server)")
	}
	if port == "" {
		port = FreePort(t)
		listen[1] = port
	}
	args := append([]string{"--bind", "127.0.0.1", "--dir", t.TempDir(), "--save", "", "--appendonly", "no"}, listen...)
	if password != "" {
		args = append(args, "--requirepass", password)
	}
	s := &Server{t: t, Port: port, cmd: exec.Command(bin, args...)}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Client is a client of db on this server.
func (s *Server) Client(password string, db int) *resp.Client {
	c := resp.New(resp.Options{Addr: "127.0.0.1:" + s.Port, Password: password, DB: db, DialTimeout: time.Second, IOTimeout: 3 * time.Second})
	s.t.Cleanup(func() { c.Close() })
	return c
}

// Do runs one command and fails the test on any error.
func Do(t *testing.T, c *resp.Client, args ...string) resp.Reply {
	t.Helper()
	r, err := c.Pipeline(context.Background(), args)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	if err := r[0].Err(); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return r[0]
}

func (s *Server) wait(password string) {
	c := s.Client(password, 0)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c.Ping(context.Background()) == nil {
			return
		}
	}
	s.t.Fatal("redis-server did not answer in 10 s")
}

// WaitTLS waits until a TLS listener on port accepts connections.
func WaitTLS(t *testing.T, port string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", "127.0.0.1:"+port); err == nil {
			c.Close()
			return
		}
	}
	t.Fatal("redis-server's TLS port did not open in 10 s")
}

// Stop kills the server (idempotent).
func (s *Server) Stop() {
	if s.cmd.Process != nil && s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

// FreePort is a loopback port nothing listens on at the time of the call.
func FreePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}
