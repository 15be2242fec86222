// Package platformtest runs in-process fakes of the tracing platforms for
// tests. Each fake enforces the rules of the real API it stands for (each
// platform's public docs and source, cited where a rule is set): the auth
// header and its scheme, required headers, content types, paths and status
// codes. A fake never accepts a request the real platform would refuse.
package platformtest

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
)

// Request is what a fake recorded of one request.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// Fake is one fake platform listening on loopback.
type Fake struct {
	Type platform.Type
	// Config points at the fake; pass it with Secrets to platform.Check.
	Config  platform.Config
	Secrets platform.Secrets
	URL     string

	mu         sync.Mutex
	requests   []Request
	close      func()
	client     *http.Client
	outage     int
	retryAfter int
	accepted   []ptrace.Traces
	oauthToken string // the token a Databricks fake issued (mu)
}

// HTTPClient returns a client that trusts the fake (it may serve TLS).
func (f *Fake) HTTPClient() *http.Client {
	if f.client == nil {
		return http.DefaultClient
	}
	return f.client
}

// Requests returns a copy of what the fake has received so far.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

func (f *Fake) record(r *http.Request, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
}

// Close stops the fake. Tests normally rely on t.Cleanup instead.
func (f *Fake) Close() { f.close() }

// New starts a fake of typ that accepts exactly the credentials in sec (and,
// for Weave and Opik, the entity/project or workspace in cfg). cfg's URL
// fields are overwritten to point at the fake.
func New(t testing.TB, typ platform.Type, cfg platform.Config, sec platform.Secrets) *Fake {
	t.Helper()
	cfg.Type = typ
	f := &Fake{Type: typ, Secrets: sec}
	rules, ok := fakes[typ]
	if !ok {
		t.Fatalf("platformtest: no fake for platform %q (add its rules to fakes)", typ)
	}
	if cfg.Protocol == platform.GRPC || slices.Equal(platform.Protocols(typ), []platform.Protocol{platform.GRPC}) {
		f.startGRPC(t, cfg)
		return f
	}
	mux := http.NewServeMux()
	if rules.ingest != nil {
		path, auth, protobufOnly := rules.ingest(f, cfg, sec)
		mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) { f.serveIngest(w, r, auth, protobufOnly) })
	}
	if rules.routes != nil {
		rules.routes(f, mux, cfg, sec)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := readBody(r)
		f.record(r, body)
		r.Body = newBody(body)
		mux.ServeHTTP(w, r)
	}))
	if rules.tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	f.URL, f.close, f.client = srv.URL, srv.Close, srv.Client()
	t.Cleanup(srv.Close)
	f.Config = pointAt(cfg, srv.URL+rules.basePath)
	return f
}

// pointAt sets the field that holds cfg's base URL to base.
func pointAt(cfg platform.Config, base string) platform.Config {
	switch platform.URLField(cfg.Type) {
	case platform.FieldHost:
		cfg.Host = base
	case platform.FieldURL:
		cfg.URL = base
	default:
		cfg.Endpoint = base
	}
	return cfg
}
