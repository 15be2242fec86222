package platformtest

import (
	"net/http"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
)

// LangSmith: the key in x-api-key, the sessions list for the check.
var langsmithFake = fakeRules{
	tls: true,
	ingest: func(_ *Fake, _ platform.Config, sec platform.Secrets) (string, func(*http.Request) int, bool) {
		return "/otel/v1/traces", func(r *http.Request) int {
			if r.Header.Get("x-api-key") != sec.Key {
				return http.StatusUnauthorized
			}
			return 0
		}, false
	},
	routes: func(_ *Fake, mux *http.ServeMux, cfg platform.Config, sec platform.Secrets) {
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
	},
}
