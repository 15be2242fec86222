package platformtest

import (
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"github.com/llmops/terraform-provider-llmops/internal/spans"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Langfuse (langfuse/langfuse web/src/pages/api/public/otel): Basic auth
// with the public and secret keys, the REST projects list for the check,
// x-langfuse-ingestion-version at most 4, spans with trace and span ids.
var langfuseFake = fakeRules{
	ingest: func(_ *Fake, cfg platform.Config, sec platform.Secrets) (string, func(*http.Request) int, bool) {
		return "/api/public/otel/v1/traces", basicRule(cfg.PublicKey, sec.Key), false
	},
	routes: func(_ *Fake, mux *http.ServeMux, cfg platform.Config, sec platform.Secrets) {
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
	},
	checkRequest: func(r *http.Request) (int, string) {
		// The ingestion version must be a number no greater than 4.
		if v := r.Header.Get("x-langfuse-ingestion-version"); v != "" {
			if n, err := strconv.Atoi(v); err != nil || n > 4 {
				return http.StatusBadRequest, "invalid x-langfuse-ingestion-version"
			}
		}
		return 0, ""
	},
	checkTraces: func(_ *Fake, td ptrace.Traces) string {
		// Langfuse's OTLP route refuses spans without trace or span id.
		if missingIDs(td) {
			return "span is missing traceId or spanId"
		}
		return ""
	},
}

func missingIDs(td ptrace.Traces) bool {
	missing := false
	spans.Each(td, func(_ pcommon.Resource, s ptrace.Span) {
		missing = missing || s.TraceID().IsEmpty() || s.SpanID().IsEmpty()
	})
	return missing
}
