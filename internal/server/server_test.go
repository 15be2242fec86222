package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/llmops/terraform-provider-llmops/internal/exporterconfig"
)

func testConfig(t *testing.T) *exporterconfig.Config {
	t.Helper()
	c := exporterconfig.Defaults()
	c.Receivers.OTLP.HTTP.Endpoint = "127.0.0.1:0"
	c.Receivers.OTLP.GRPC.Endpoint = "127.0.0.1:0"
	c.Metrics.Endpoint = "127.0.0.1:0"
	return c
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestLifecycle(t *testing.T) {
	s, err := New(testConfig(t), "test", quiet(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	get := func(path string) int {
		resp, err := http.Get("http://" + s.MetricsAddr() + path)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if get("/ready") != 200 || get("/health") != 200 || get("/metrics") != 200 {
		t.Fatal("endpoints not serving")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if get("/health") != 0 {
		t.Fatal("still serving after shutdown")
	}
}

func TestBusyPortNamesTheKey(t *testing.T) {
	busy, _ := net.Listen("tcp", "127.0.0.1:0")
	defer busy.Close()
	c := testConfig(t)
	c.Receivers.OTLP.GRPC.Endpoint = busy.Addr().String()
	s, err := New(c, "test", quiet(), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Start()
	if err == nil || !strings.Contains(err.Error(), "receivers.otlp.grpc.endpoint") {
		t.Fatalf("got %v", err)
	}
}

func TestBadTokenFile(t *testing.T) {
	c := testConfig(t)
	c.Receivers.OTLP.Auth.BearerTokenFile = "/nonexistent/token"
	if _, err := New(c, "test", quiet(), nil); err == nil || !strings.Contains(err.Error(), "bearer_token_file") {
		t.Fatalf("got %v", err)
	}
}
