package platformtest

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"mime"
	"net/http"
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"github.com/llmops/terraform-provider-llmops/internal/spans"
)

// Outage makes the fake's ingest endpoint answer status (with Retry-After
// when retryAfter > 0) until Recover; 0 restores normal service.
func (f *Fake) Outage(status, retryAfter int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.outage, f.retryAfter = status, retryAfter
}

// Recover ends an outage.
func (f *Fake) Recover() { f.Outage(0, 0) }

// Received returns every span the fake accepted, in one Traces.
func (f *Fake) Received() ptrace.Traces {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := ptrace.NewTraces()
	for _, td := range f.accepted {
		c := ptrace.NewTraces()
		td.CopyTo(c)
		c.ResourceSpans().MoveAndAppendTo(out.ResourceSpans())
	}
	return out
}

// ReceivedSpans is the number of spans the fake accepted.
func (f *Fake) ReceivedSpans() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, td := range f.accepted {
		n += td.SpanCount()
	}
	return n
}

func (f *Fake) accept(td ptrace.Traces) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accepted = append(f.accepted, td)
}

// ingestRoute is the platform's OTLP/HTTP traces path and its auth rule.
func (f *Fake) ingestRoute(cfg platform.Config, sec platform.Secrets) (string, func(*http.Request) int, bool) {
	basicOK := func(user, pass string) func(*http.Request) int {
		want := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
		return func(r *http.Request) int {
			if r.Header.Get("Authorization") != want {
				return http.StatusUnauthorized
			}
			return 0
		}
	}
	switch f.Type {
	case platform.Langfuse:
		return "/api/public/otel/v1/traces", basicOK(cfg.PublicKey, sec.Key), false
	case platform.LangSmith:
		return "/otel/v1/traces", func(r *http.Request) int {
			if r.Header.Get("x-api-key") != sec.Key {
				return http.StatusUnauthorized
			}
			return 0
		}, false
	case platform.Phoenix:
		return "/v1/traces", func(r *http.Request) int {
			if sec.Key != "" && r.Header.Get("Authorization") != "Bearer "+sec.Key {
				return http.StatusUnauthorized
			}
			return 0
		}, true
	case platform.Weave:
		return "/otel/v1/traces", func(r *http.Request) int {
			if r.Header.Get("wandb-api-key") != sec.Key && basicOK("api", sec.Key)(r) != 0 {
				return http.StatusUnauthorized
			}
			return 0
		}, true
	case platform.Opik:
		// protobuf only: Opik reads OTLP/JSON ids as base64 (see spec.go).
		return "/api/v1/private/otel/v1/traces", func(r *http.Request) int { return opikAuth(cfg, sec, r) }, true
	case platform.MLflow:
		return "/v1/traces", experimentRule(cfg, f.mlflowAuth(cfg, sec)), true
	case platform.Databricks:
		return "/api/2.0/otel/v1/traces", experimentRule(cfg, f.mlflowAuth(cfg, sec)), true
	}
	return "", nil, false
}

// serveIngest handles an OTLP/HTTP export with the platform's rules.
func (f *Fake) serveIngest(w http.ResponseWriter, r *http.Request, auth func(*http.Request) int, protobufOnly bool) {
	f.mu.Lock()
	outage, retryAfter := f.outage, f.retryAfter
	f.mu.Unlock()
	if outage != 0 {
		if retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		}
		w.WriteHeader(outage)
		return
	}
	if code := auth(r); code != 0 {
		writeJSON(w, code, map[string]string{"message": "Invalid credentials"})
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case mt == "application/x-protobuf":
	case mt == "application/json" && !protobufOnly:
	case protobufOnly:
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"detail": "Unsupported content type: only application/x-protobuf"})
		return
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Invalid content type"})
		return
	}
	if f.Type == platform.Langfuse {
		// Langfuse: the ingestion version must be a number no greater than 4.
		if v := r.Header.Get("x-langfuse-ingestion-version"); v != "" {
			if n, err := strconv.Atoi(v); err != nil || n > 4 {
				writeJSON(w, http.StatusBadRequest, map[string]string{"message": "invalid x-langfuse-ingestion-version"})
				return
			}
		}
	}
	body := readBody(r)
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		body, _ = io.ReadAll(zr)
	}
	req := ptraceotlp.NewExportRequest()
	var err error
	if mt == "application/json" {
		err = req.UnmarshalJSON(body)
	} else {
		err = req.UnmarshalProto(body)
	}
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"detail": "undecodable OTLP body"})
		return
	}
	if f.Type == platform.Weave && !weaveRouted(req.Traces(), f.Config) {
		// Weave routes by the resource attributes wandb.entity and
		// wandb.project (its OTLP docs); without them the data has no project.
		writeJSON(w, http.StatusBadRequest, map[string]string{"detail": "wandb.entity and wandb.project resource attributes are required"})
		return
	}
	if f.Type == platform.Langfuse && missingIDs(req.Traces()) {
		// Langfuse's OTLP route refuses spans without trace or span id.
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "span is missing traceId or spanId"})
		return
	}
	f.accept(req.Traces())
	if mt == "application/json" {
		writeJSON(w, http.StatusOK, map[string]any{})
		return
	}
	resp, _ := ptraceotlp.NewExportResponse().MarshalProto()
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(resp)
}

// opikAuth enforces Opik's rules (comet-ml/opik RemoteAuthService): the
// raw key (not "Bearer <key>"), and on a key-protected (cloud) install the
// Comet-Workspace header: 403 "Workspace name should be provided" without it.
func opikAuth(cfg platform.Config, sec platform.Secrets, r *http.Request) int {
	if sec.Key == "" {
		return 0 // self-hosted without auth: the default workspace
	}
	if r.Header.Get("Authorization") != sec.Key {
		return http.StatusUnauthorized
	}
	if ws := r.Header.Get("Comet-Workspace"); ws == "" || ws != cfg.Workspace {
		return http.StatusForbidden
	}
	return 0
}

func missingIDs(td ptrace.Traces) bool {
	missing := false
	spans.Each(td, func(_ pcommon.Resource, s ptrace.Span) {
		missing = missing || s.TraceID().IsEmpty() || s.SpanID().IsEmpty()
	})
	return missing
}

func weaveRouted(td ptrace.Traces, cfg platform.Config) bool {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		a := rss.At(i).Resource().Attributes()
		e, ok1 := a.Get("wandb.entity")
		p, ok2 := a.Get("wandb.project")
		if !ok1 || !ok2 || e.Str() != cfg.Entity || p.Str() != cfg.Project {
			return false
		}
	}
	return true
}
