// Package platformtest runs in-process fakes of the tracing platforms for
// tests. Each fake enforces the rules of the real API it stands for (each
// platform's public docs and source, cited where a rule is set): the auth
// header and its scheme, required headers, content types, paths and status
// codes. A fake never accepts a request the real platform would refuse.
package platformtest

import (
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
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
	if typ == platform.Tencent || (cfg.Protocol == platform.GRPC && (typ == platform.OTLP || typ == platform.Aliyun)) {
		f.startGRPC(t, cfg)
		return f
	}
	mux := http.NewServeMux()
	f.routes(mux, cfg, sec)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := readBody(r)
		f.record(r, body)
		r.Body = newBody(body)
		mux.ServeHTTP(w, r)
	}))
	// LangSmith, Weave and Databricks refuse plain HTTP, so their fakes speak TLS.
	if typ == platform.LangSmith || typ == platform.Weave || typ == platform.Databricks {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	f.URL, f.close, f.client = srv.URL, srv.Close, srv.Client()
	t.Cleanup(srv.Close)
	f.Config = pointAt(cfg, srv.URL)
	return f
}

// pointAt sets the URL field typ uses to base.
func pointAt(cfg platform.Config, base string) platform.Config {
	switch cfg.Type {
	case platform.Langfuse:
		cfg.Host = base
	case platform.Opik:
		cfg.URL = base + "/api/"
	default:
		cfg.Endpoint = base
	}
	return cfg
}

func (f *Fake) routes(mux *http.ServeMux, cfg platform.Config, sec platform.Secrets) {
	if path, auth, protobufOnly := f.ingestRoute(cfg, sec); path != "" {
		mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) { f.serveIngest(w, r, auth, protobufOnly) })
	}
	switch f.Type {
	case platform.Langfuse:
		want := "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.PublicKey+":"+sec.Key))
		mux.HandleFunc("GET /api/public/projects", func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != want {
				writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Invalid credentials. Confirm that you've configured the correct host."})
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"data": []map[string]string{{"id": "proj-1", "name": "fake"}}})
		})
		mux.HandleFunc("GET /api/public/health", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, map[string]string{"status": "OK", "version": "3.99.0"})
		})
	case platform.LangSmith:
		mux.HandleFunc("GET /sessions", func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("x-api-key") != sec.Key {
				writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Invalid token"})
				return
			}
			writeJSON(w, http.StatusOK, []map[string]string{{"id": "00000000-0000-0000-0000-000000000001", "name": cfg.Project}})
		})
		mux.HandleFunc("GET /info", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"batch_ingest_config": map[string]int{"size_limit": 100, "size_limit_bytes": 20971520}})
		})
	case platform.Phoenix:
		mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte("OK"))
		})
		mux.HandleFunc("GET /v1/projects", func(w http.ResponseWriter, r *http.Request) {
			// Auth is on when the fake was given a key (PHOENIX_ENABLE_AUTH).
			if sec.Key != "" && r.Header.Get("Authorization") != "Bearer "+sec.Key {
				writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Invalid token"})
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"data": []map[string]string{{"id": "UHJvamVjdDox", "name": cfg.Project}}, "next_cursor": nil})
		})
	case platform.Weave:
		mux.HandleFunc("POST /calls/query_stats", func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte("api:"+sec.Key)) {
				writeJSON(w, http.StatusUnauthorized, map[string]string{"reason": "Authentication failed"})
				return
			}
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"reason": "expected application/json"})
				return
			}
			var q struct {
				ProjectID string `json:"project_id"`
			}
			if err := json.Unmarshal(readBody(r), &q); err != nil || q.ProjectID == "" {
				writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"reason": "project_id is required"})
				return
			}
			if q.ProjectID != cfg.Entity+"/"+cfg.Project {
				writeJSON(w, http.StatusForbidden, map[string]string{"reason": "Permission denied"})
				return
			}
			writeJSON(w, http.StatusOK, map[string]int{"count": 0})
		})
	case platform.Aliyun:
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { f.serveARMS(w, r, sec) })
	case platform.Opik:
		// GET projects is on Opik's public-endpoint list: a wrong key for an
		// existing workspace falls through as public and gets 200, like the
		// real one (comet-ml/opik RemoteAuthService).
		mux.HandleFunc("GET /api/v1/private/projects", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"page": 1, "size": 1, "total": 1, "content": []map[string]string{{"name": "Default Project"}}})
		})
		// POST v1/private/auth is the authenticated check: 204 or 401/403.
		mux.HandleFunc("POST /api/v1/private/auth", func(w http.ResponseWriter, r *http.Request) {
			if code := opikAuth(cfg, sec, r); code != 0 {
				writeJSON(w, code, map[string]string{"message": http.StatusText(code)})
				return
			}
			w.WriteHeader(http.StatusNoContent)
		})
	case platform.MLflow, platform.Databricks:
		f.mlflowRoutes(mux, cfg, sec)
	case platform.OTLP:
		f.otlpHTTPRoutes(mux, cfg, sec)
	}
}

// otlpHTTPRoutes serves a generic OTLP/HTTP receiver that requires every
// configured header: a wrong secret header is 401, a wrong plain one 400.
func (f *Fake) otlpHTTPRoutes(mux *http.ServeMux, cfg platform.Config, sec platform.Secrets) {
	auth := func(r *http.Request) int {
		for k, v := range sec.Headers {
			if r.Header.Get(k) != v {
				return http.StatusUnauthorized
			}
		}
		for k, v := range cfg.Headers {
			if r.Header.Get(k) != v {
				return http.StatusBadRequest
			}
		}
		return 0
	}
	mux.HandleFunc("POST /v1/traces", func(w http.ResponseWriter, r *http.Request) {
		mt := r.Header.Get("Content-Type")
		if mt != "application/x-protobuf" && mt != "application/json" {
			w.WriteHeader(http.StatusUnsupportedMediaType)
			return
		}
		f.serveIngest(w, r, auth, false)
	})
}

// serveARMS is ARMS's OTLP/HTTP ingest: the token is the path's adapt_
// segment, the rest of the path is /api/otlp/traces, or /api/v1/traces on
// the CMS 2.0 *.log.aliyuncs.com hosts (Dify's aliyun_trace traceclient.py
// builds both). HEAD on a valid URL answers 405 (what Dify's check counts as
// valid); an unknown token is assumed to be refused with 403.
func (f *Fake) serveARMS(w http.ResponseWriter, r *http.Request, sec platform.Secrets) {
	rest := "/api/otlp/traces"
	if host, _, err := net.SplitHostPort(r.Host); (err == nil && strings.HasSuffix(host, ".log.aliyuncs.com")) || strings.HasSuffix(r.Host, ".log.aliyuncs.com") {
		rest = "/api/v1/traces"
	}
	good := "/adapt_" + sec.Key + rest
	switch {
	case r.URL.Path == good && r.Method == http.MethodHead:
		w.WriteHeader(http.StatusMethodNotAllowed)
	case r.URL.Path == good && r.Method == http.MethodPost:
		f.serveIngest(w, r, func(*http.Request) int { return 0 }, false)
	case strings.HasPrefix(r.URL.Path, "/adapt_") && strings.HasSuffix(r.URL.Path, rest):
		w.WriteHeader(http.StatusForbidden)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}
