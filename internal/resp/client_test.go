package resp_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llmops/terraform-provider-llmops/internal/resp"
	"github.com/llmops/terraform-provider-llmops/internal/resp/redistest"
)

func TestParseURL(t *testing.T) {
	o, err := resp.ParseURL("redis://:pw@redis:6380", 1)
	if err != nil || o.Addr != "redis:6380" || o.Password != "pw" || o.Username != "" || o.DB != 1 || o.TLS != nil {
		t.Fatalf("%+v %v", o, err)
	}
	o, err = resp.ParseURL("rediss://monitor:pw@cache.internal/3?ssl_cert_reqs=CERT_NONE", 1)
	if err != nil || o.Addr != "cache.internal:6379" || o.Username != "monitor" || o.DB != 3 || o.TLS == nil ||
		!o.TLS.InsecureSkipVerify || o.TLS.ServerName != "cache.internal" {
		t.Fatalf("%+v %v", o, err)
	}
	if o, _ := resp.ParseURL("rediss://h?ssl_cert_reqs=required", 0); o.TLS == nil || o.TLS.InsecureSkipVerify {
		t.Fatal("CERT_REQUIRED must verify")
	}
	for raw, want := range map[string]string{
		"http://h":                                  "scheme",
		"redis://:topsecret@":                       "no host",
		"redis://:topsecret@h/notadb":               "database",
		"redis://:topsecret@h?dial_timeout=1":       "unknown option",
		"redis://:topsecret@h?ssl_cert_reqs=none":   "rediss://",
		"rediss://:topsecret@h?ssl_cert_reqs=maybe": "CERT_REQUIRED",
		"rediss://:topsecret@h?ssl_ca_certs=":       "ssl_ca_certs",
	} {
		_, err := resp.ParseURL(raw, 1)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "topsecret") {
			t.Errorf("%s: %v, want an error about %q without the password", raw, err, want)
		}
	}
}

func TestPipelineAgainstRedis(t *testing.T) {
	srv := redistest.Start(t, "", "s3cret")
	ctx := context.Background()
	c := srv.Client("s3cret", 1)
	redistest.Do(t, c, "RPUSH", "dataset", "a", "b", "c")
	redistest.Do(t, c, "SET", "notalist", "x")
	replies, err := c.Pipeline(ctx, []string{"LLEN", "dataset"}, []string{"LLEN", "notalist"}, []string{"LLEN", "missing"}, []string{"HLEN", "unacked"})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := replies[0].Integer(); n != 3 || err != nil {
		t.Fatalf("LLEN dataset: %d %v", n, err)
	}
	var se resp.Error
	if _, err := replies[1].Integer(); !errors.As(err, &se) || !strings.HasPrefix(string(se), "WRONGTYPE") {
		t.Fatalf("LLEN of a string: %v, want WRONGTYPE alone", err)
	}
	if n, err := replies[2].Integer(); n != 0 || err != nil {
		t.Fatalf("LLEN missing: %d %v", n, err)
	}
	// SELECT took effect: db 0 does not hold the list.
	if n, _ := redistest.Do(t, srv.Client("s3cret", 0), "LLEN", "dataset").Integer(); n != 0 {
		t.Fatalf("db 0 has %d: SELECT 1 was not sent", n)
	}
	// 2,000 commands in one write and one read (the monitor's shape, larger).
	var many [][]string
	for range 2000 {
		many = append(many, []string{"LLEN", "dataset"})
	}
	replies, err = c.Pipeline(ctx, many...)
	if err != nil || len(replies) != 2000 || replies[1999].Int != 3 {
		t.Fatalf("2000 pipelined: %d replies, %v", len(replies), err)
	}
}

func TestLoginErrorsAndReconnect(t *testing.T) {
	srv := redistest.Start(t, "", "s3cret")
	ctx := context.Background()
	bad := srv.Client("wrong-topsecret", 0)
	err := bad.Ping(ctx)
	if err == nil || !strings.Contains(err.Error(), "AUTH") || strings.Contains(err.Error(), "topsecret") {
		t.Fatalf("wrong password: %v", err)
	}
	none := srv.Client("", 0)
	if err := none.Ping(ctx); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Fatalf("no password: %v", err)
	}
	// An ACL user (Redis 6+): AUTH user password.
	admin := srv.Client("s3cret", 0)
	redistest.Do(t, admin, "ACL", "SETUSER", "monitor", "on", ">mon-pw", "~*", "+llen", "+hlen", "+select", "+ping")
	o, err := resp.ParseURL("redis://monitor:mon-pw@127.0.0.1:"+srv.Port+"/1", 1)
	if err != nil {
		t.Fatal(err)
	}
	acl := resp.New(o)
	defer acl.Close()
	if r, err := acl.Pipeline(ctx, []string{"LLEN", "dataset"}, []string{"SET", "k", "v"}); err != nil || r[0].Err() != nil || r[1].Err() == nil {
		t.Fatalf("ACL user: %v %+v (LLEN allowed, SET refused)", err, r)
	}

	good := srv.Client("s3cret", 1)
	if err := good.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	if err := good.Ping(ctx); err == nil {
		t.Fatal("ping of a stopped server succeeded")
	}
	redistest.Start(t, srv.Port, "s3cret")
	if err := good.Ping(ctx); err != nil {
		t.Fatalf("after the restart the client did not dial again: %v", err)
	}
}

// A server that accepts and never answers: the call ends at the context's
// deadline, and a cancel ends it at once.
func TestTimeoutsAndCancel(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	c := resp.New(resp.Options{Addr: l.Addr().String(), DialTimeout: time.Second, IOTimeout: time.Minute})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := c.Ping(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("silent server: %v, want the context's deadline", err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel2)
	if err := c.Ping(ctx2); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if time.Since(start) > 30*time.Second {
		t.Fatal("the calls waited for the one-minute I/O timeout")
	}
}

// rediss:// against redis-server's own TLS port: the certificate is checked
// against the URL's host, and ssl_cert_reqs=CERT_NONE skips that.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, caFile := selfSigned(t, dir, "localhost")
	srv := redistest.StartTLS(t, "s3cret", certFile, keyFile)
	ctx := context.Background()
	ping := func(url string) error {
		o, err := resp.ParseURL(url, 1)
		if err != nil {
			return err
		}
		c := resp.New(o)
		defer c.Close()
		return c.Ping(ctx)
	}
	if err := ping("rediss://:s3cret@localhost:" + srv.Port + "?ssl_ca_certs=" + caFile); err != nil {
		t.Fatalf("trusted CA: %v", err)
	}
	if err := ping("rediss://:s3cret@localhost:" + srv.Port); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("unknown CA: %v, want a certificate error", err)
	}
	if err := ping("rediss://:s3cret@127.0.0.1:" + srv.Port + "?ssl_ca_certs=" + caFile); err == nil {
		t.Fatal("a certificate for localhost was accepted for 127.0.0.1")
	}
	if err := ping("rediss://:s3cret@localhost:" + srv.Port + "?ssl_ca_certs=" + filepath.Join(dir, "missing.pem")); err == nil ||
		!strings.Contains(err.Error(), "ssl_ca_certs") {
		t.Fatalf("missing CA file: %v", err)
	}
	if err := ping("rediss://:s3cret@127.0.0.1:" + srv.Port + "?ssl_cert_reqs=CERT_NONE"); err != nil {
		t.Fatalf("CERT_NONE: %v", err)
	}
	if err := ping("redis://:s3cret@127.0.0.1:" + srv.Port); err == nil {
		t.Fatal("plain redis:// to a TLS port answered")
	}
}

// selfSigned writes a CA-less self-signed certificate for host (it is its
// own CA file).
func selfSigned(t *testing.T, dir, host string) (cert, key, ca string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key, cert
}
