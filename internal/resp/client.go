package resp

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options say where the server is and how to log in.
type Options struct {
	Addr     string // host:port
	Username string // ACL user (Redis 6+); empty: the default user
	Password string
	DB       int
	TLS      *tls.Config // non-nil: rediss://
	// CAFile is a PEM bundle the server's certificate must chain to
	// (ssl_ca_certs); read at each dial, so a rotated file is picked up and
	// a URL can be checked where the file does not exist.
	CAFile string
	// DialTimeout bounds connecting and logging in; IOTimeout one
	// pipeline's write and read. A context deadline that comes sooner wins.
	DialTimeout, IOTimeout time.Duration
}

// ParseURL reads redis://[[user]:password@]host[:port][/db] or rediss://
// (TLS), the form of Celery's broker URL. The database is defaultDB when
// the path is empty. Kombu's TLS options are understood:
// ssl_cert_reqs=CERT_REQUIRED|CERT_OPTIONAL|CERT_NONE (none: the server's
// certificate is not verified) and ssl_ca_certs=<PEM file> (read when
// dialling). Errors never contain the password.
func ParseURL(raw string, defaultDB int) (Options, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Options{}, fmt.Errorf("not a URL")
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return Options{}, fmt.Errorf("scheme %q: want redis:// or rediss://", u.Scheme)
	}
	if u.Hostname() == "" {
		return Options{}, fmt.Errorf("no host")
	}
	port := u.Port()
	if port == "" {
		port = "6379"
	}
	o := Options{Addr: net.JoinHostPort(u.Hostname(), port), DB: defaultDB, DialTimeout: 3 * time.Second, IOTimeout: 3 * time.Second}
	if u.User != nil {
		o.Username = u.User.Username()
		o.Password, _ = u.User.Password()
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		if o.DB, err = strconv.Atoi(p); err != nil || o.DB < 0 {
			return Options{}, fmt.Errorf("database %q: want a number, as in redis://host:6379/1", p)
		}
	}
	if u.Scheme == "rediss" {
		o.TLS = &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}
	}
	return o, tlsQuery(&o, u.Query())
}

func tlsQuery(o *Options, q url.Values) error {
	for key, vals := range q {
		v := vals[len(vals)-1]
		if (key == "ssl_cert_reqs" || key == "ssl_ca_certs") && o.TLS == nil {
			return fmt.Errorf("%s is a TLS option: use rediss://", key)
		}
		switch key {
		case "ssl_cert_reqs":
			switch strings.TrimPrefix(strings.ToUpper(v), "CERT_") {
			case "REQUIRED", "OPTIONAL":
			case "NONE":
				o.TLS.InsecureSkipVerify = true
			default:
				return fmt.Errorf("ssl_cert_reqs=%q: want CERT_REQUIRED, CERT_OPTIONAL or CERT_NONE", v)
			}
		case "ssl_ca_certs":
			if v == "" {
				return fmt.Errorf("ssl_ca_certs is empty: want the path of a PEM file")
			}
			o.CAFile = v
		default:
			return fmt.Errorf("unknown option %q (understood: ssl_cert_reqs, ssl_ca_certs)", key)
		}
	}
	return nil
}

// Client holds at most one connection; calls are serialised.
type Client struct {
	opts Options

	mu   sync.Mutex
	conn net.Conn
	rd   *bufio.Reader
	buf  []byte
}

// New returns a client; it connects on first use.
func New(o Options) *Client { return &Client{opts: o} }

// Pipeline sends every command in one write and reads their replies, in
// order. A reply may be a server error (Reply.Err) while the others are
// fine; an error return means the connection failed or the server broke
// the protocol, and the next call dials again.
func (c *Client) Pipeline(ctx context.Context, cmds ...[]string) ([]Reply, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		if err := c.connect(ctx); err != nil {
			return nil, err
		}
	}
	replies, err := c.roundTrip(ctx, c.opts.IOTimeout, cmds)
	if err != nil {
		c.drop()
		return nil, err
	}
	return replies, nil
}

// Ping checks the server answers.
func (c *Client) Ping(ctx context.Context) error {
	r, err := c.Pipeline(ctx, []string{"PING"})
	if err != nil {
		return err
	}
	return r[0].Err()
}

// Close closes the connection, if any.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.drop()
}

func (c *Client) drop() error {
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn, c.rd = nil, nil
	return err
}

func (c *Client) tlsConfig() (*tls.Config, error) {
	if c.opts.CAFile == "" {
		return c.opts.TLS, nil
	}
	pem, err := os.ReadFile(c.opts.CAFile)
	if err != nil {
		return nil, fmt.Errorf("ssl_ca_certs: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ssl_ca_certs %s: no PEM certificate in it", c.opts.CAFile)
	}
	cfg := c.opts.TLS.Clone()
	cfg.RootCAs = pool
	return cfg, nil
}

func (c *Client) connect(ctx context.Context) error {
	d := net.Dialer{Timeout: c.opts.DialTimeout}
	conn, err := d.DialContext(ctx, "tcp", c.opts.Addr)
	if err != nil {
		return fmt.Errorf("dial %s: %w", c.opts.Addr, err)
	}
	if c.opts.TLS != nil {
		cfg, err := c.tlsConfig()
		if err != nil {
			conn.Close()
			return err
		}
		tc := tls.Client(conn, cfg)
		hctx, cancel := context.WithTimeout(ctx, c.opts.DialTimeout)
		err = tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			conn.Close()
			return fmt.Errorf("TLS handshake with %s: %w", c.opts.Addr, err)
		}
		conn = tc
	}
	c.conn, c.rd = conn, bufio.NewReader(conn)
	if err := c.login(ctx); err != nil {
		c.drop()
		return err
	}
	return nil
}

// login sends AUTH and SELECT in one round trip. The server's refusal
// (WRONGPASS...) names no password, so it is safe to return.
func (c *Client) login(ctx context.Context) error {
	var cmds [][]string
	switch {
	case c.opts.Password != "" && c.opts.Username != "":
		cmds = append(cmds, []string{"AUTH", c.opts.Username, c.opts.Password})
	case c.opts.Password != "":
		cmds = append(cmds, []string{"AUTH", c.opts.Password})
	}
	if c.opts.DB != 0 {
		cmds = append(cmds, []string{"SELECT", strconv.Itoa(c.opts.DB)})
	}
	if len(cmds) == 0 {
		return nil
	}
	replies, err := c.roundTrip(ctx, c.opts.DialTimeout, cmds)
	if err != nil {
		return fmt.Errorf("log in to %s: %w", c.opts.Addr, err)
	}
	for i, r := range replies {
		if err := r.Err(); err != nil {
			return fmt.Errorf("%s on %s: %w", cmds[i][0], c.opts.Addr, err)
		}
	}
	return nil
}

func (c *Client) roundTrip(ctx context.Context, timeout time.Duration, cmds [][]string) ([]Reply, error) {
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := c.conn.SetDeadline(deadline); err != nil {
		return nil, err
	}
	// A cancelled context interrupts a blocked read or write at once. The
	// function may run after this call returned and the client moved on to
	// a new connection: it must touch this one only.
	conn := c.conn
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	c.buf = c.buf[:0]
	for _, cmd := range cmds {
		c.buf = AppendCommand(c.buf, cmd...)
	}
	if _, err := c.conn.Write(c.buf); err != nil {
		return nil, fmt.Errorf("write to %s: %w", c.opts.Addr, ctxErr(ctx, err))
	}
	replies := make([]Reply, len(cmds))
	for i := range cmds {
		r, err := ReadReply(c.rd)
		if err != nil {
			return nil, fmt.Errorf("read from %s: %w", c.opts.Addr, ctxErr(ctx, err))
		}
		replies[i] = r
	}
	return replies, nil
}

// ctxErr prefers the context's reason over the deadline error it caused.
// The connection's deadline is the context's when that comes first, so
// the read can time out a hair before ctx.Err() turns non-nil.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
	}
	return err
}
