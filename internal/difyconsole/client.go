// Package difyconsole configures Dify apps' tracing through Dify's console
// API, the one its web UI uses: login (cookie session with a CSRF header on
// every call, GETs included) or an admin API key on self-hosted instances,
// then /console/api/apps/{id}/trace-config and /trace.
//
// Dify's own check of tracing credentials runs on the Dify server (through
// its ssrf_proxy) and answers every failure with 400 "Invalid Credentials";
// errors here say which endpoint Dify was asked to reach.
package difyconsole

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/llmops/terraform-provider-llmops/internal/settings"
)

// Errors callers tell apart (wrapped; use errors.Is).
var (
	ErrLogin        = errors.New("Dify login failed")
	ErrSession      = errors.New("Dify session expired and could not be renewed")
	ErrAppNotFound  = errors.New("Dify app not found")
	ErrNoPermission = errors.New("no permission in Dify")
	ErrCredentials  = errors.New("Dify rejected the tracing credentials")
	ErrConfigExists = errors.New("a tracing configuration already exists")
)

// Client is safe for concurrent use; it logs in on first use.
type Client struct {
	base *url.URL
	cfg  settings.Dify
	http *http.Client

	mu       sync.Mutex
	loggedIn bool
}

// New returns a client; hc may be nil.
func New(cfg settings.Dify, hc *http.Client) (*Client, error) {
	u, err := url.Parse(cfg.ConsoleURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("dify console_url %q: not an absolute URL", cfg.ConsoleURL)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 60 * time.Second} // Dify's live credential check can take a while, never forever
	if hc != nil {
		c.Transport, c.Timeout = hc.Transport, hc.Timeout
	}
	return &Client{base: u, cfg: cfg, http: c}, nil
}

func (c *Client) adminKey() bool { return c.cfg.AdminAPIKey != "" }

// login opens a session. With "auto" encoding it sends the password base64
// encoded (Dify >= 1.11, PR #29659), then in plain text when Dify refuses
// that: a wrong encoding and a wrong password look the same to Dify.
func (c *Client) login(ctx context.Context) error {
	encodings := []string{c.cfg.PasswordEncoding}
	if c.cfg.PasswordEncoding == "auto" || c.cfg.PasswordEncoding == "" {
		encodings = []string{"base64", "plain"}
	}
	var last error
	for _, enc := range encodings {
		pw := c.cfg.Password
		if enc == "base64" {
			pw = base64.StdEncoding.EncodeToString([]byte(pw))
		}
		body, _ := json.Marshal(map[string]any{"email": c.cfg.Email, "password": pw, "remember_me": true})
		status, resp, err := c.raw(ctx, http.MethodPost, "/console/api/login", body, false)
		if err != nil {
			return err
		}
		if status == http.StatusOK && strings.Contains(string(resp), `"success"`) {
			c.loggedIn = true
			return nil
		}
		last = fmt.Errorf("%w for %s (%s password): Dify answered %d %s", ErrLogin, c.cfg.Email, enc, status, message(resp))
	}
	return last
}

// refresh renews the session with the refresh-token cookie.
func (c *Client) refresh(ctx context.Context) bool {
	status, _, err := c.raw(ctx, http.MethodPost, "/console/api/refresh-token", []byte("{}"), true)
	return err == nil && status == http.StatusOK
}

// do sends an authenticated console call and decodes a JSON answer into
// out (when non-nil). A 401 renews the session once (refresh, else login).
func (c *Client) do(ctx context.Context, method, path string, in, out any) (int, []byte, error) {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return 0, nil, err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.adminKey() && !c.loggedIn {
		if err := c.login(ctx); err != nil {
			return 0, nil, err
		}
	}
	status, resp, err := c.raw(ctx, method, path, body, true)
	if err == nil && status == http.StatusUnauthorized && !c.adminKey() {
		if !c.refresh(ctx) {
			c.loggedIn = false
			if lerr := c.login(ctx); lerr != nil {
				return status, resp, fmt.Errorf("%w: %v", ErrSession, lerr)
			}
		}
		status, resp, err = c.raw(ctx, method, path, body, true)
	}
	if err != nil {
		return 0, nil, err
	}
	if out != nil && status < 300 && len(resp) > 0 {
		if err := json.Unmarshal(resp, out); err != nil {
			return status, resp, fmt.Errorf("%s %s: decode Dify's answer: %w", method, path, err)
		}
	}
	return status, resp, nil
}

// raw sends one request with the session's CSRF header (or the admin key).
func (c *Client) raw(ctx context.Context, method, path string, body []byte, authed bool) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if authed {
		if c.adminKey() {
			req.Header.Set("Authorization", "Bearer "+c.cfg.AdminAPIKey)
			req.Header.Set("X-WORKSPACE-ID", c.cfg.WorkspaceID)
		} else if tok := c.csrf(); tok != "" {
			req.Header.Set("X-CSRF-Token", tok)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return resp.StatusCode, b, err
}

// csrf is the CSRF cookie's value ("__Host-" prefixed on https consoles).
func (c *Client) csrf() string {
	for _, ck := range c.http.Jar.Cookies(c.base) {
		if ck.Name == "csrf_token" || ck.Name == "__Host-csrf_token" {
			return ck.Value
		}
	}
	return ""
}

func message(b []byte) string {
	var m struct {
		Message string `json:"message"`
		Code    string `json:"code"`
	}
	if json.Unmarshal(b, &m) == nil && m.Message != "" {
		return fmt.Sprintf("%q", m.Message)
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
