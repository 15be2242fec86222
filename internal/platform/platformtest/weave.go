package platformtest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// W&B Weave: protobuf only, the key in wandb-api-key (or Basic api:key),
// routed by the wandb.entity and wandb.project resource attributes.
var weaveFake = fakeRules{
	tls: true,
	ingest: func(_ *Fake, _ platform.Config, sec platform.Secrets) (string, func(*http.Request) int, bool) {
		return "/otel/v1/traces", func(r *http.Request) int {
			if r.Header.Get("wandb-api-key") != sec.Key && basicRule("api", sec.Key)(r) != 0 {
				return http.StatusUnauthorized
			}
			return 0
		}, true
	},
	routes: func(_ *Fake, mux *http.ServeMux, cfg platform.Config, sec platform.Secrets) {
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
	},
	checkTraces: func(f *Fake, td ptrace.Traces) string {
		// Weave routes by the resource attributes wandb.entity and
		// wandb.project (its OTLP docs); without them the data has no project.
		if !weaveRouted(td, f.Config) {
			return "wandb.entity and wandb.project resource attributes are required"
		}
		return ""
	},
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
