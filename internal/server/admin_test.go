package server

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/llmops/terraform-provider-llmops/internal/exporterconfig"
)

// startWithSink starts an exporter from extra YAML with one console
// destination (a queue store, so the admin endpoints have something to
// serve).
func startWithSink(t *testing.T, auth, extra string) *Server {
	t.Helper()
	c, err := exporterconfig.Parse([]byte(fmt.Sprintf(`receivers: {otlp: {http: {endpoint: "127.0.0.1:0"}, grpc: {endpoint: "127.0.0.1:0"}%s}}
metrics: {endpoint: "127.0.0.1:0"}
queue: {directory: %q}
destinations: [{name: sink, type: console}]
%s`, auth, t.TempDir(), extra)), "test")
	if err == nil {
		err = c.Validate()
	}
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(c, "test", quiet(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	})
	return s
}

func call(t *testing.T, s *Server, method, path, auth string) int {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+s.MetricsAddr()+path, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// With no token configured anywhere, the admin endpoints are off: dead
// letters hold trace content and replay changes state.
func TestAdminEndpointsAreOffWithoutAToken(t *testing.T) {
	s := startWithSink(t, "", "")
	for _, r := range [][2]string{{"GET", "/deadletters"}, {"POST", "/deadletters/replay?destination=sink"}} {
		if code := call(t, s, r[0], r[1], ""); code != http.StatusForbidden {
			t.Errorf("%s %s without any token configured: %d, want 403", r[0], r[1], code)
		}
		if code := call(t, s, r[0], r[1], "Bearer anything"); code != http.StatusForbidden {
			t.Errorf("%s %s with a made-up token: %d, want 403", r[0], r[1], code)
		}
	}
}

// admin.token_file protects them when the receivers take no token, and
// replaces the receivers' token when both are set.
func TestAdminTokenFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "admin")
	if err := os.WriteFile(file, []byte("admin-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startWithSink(t, ", auth: {bearer_token: receiver-token}", fmt.Sprintf("admin: {token_file: %q}", file))
	for auth, want := range map[string]int{"": 401, "Bearer receiver-token": 401, "Bearer admin-secret": 200} {
		if code := call(t, s, "GET", "/deadletters", auth); code != want {
			t.Errorf("GET /deadletters with %q: %d, want %d", auth, code, want)
		}
	}
}
