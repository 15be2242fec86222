package platformtest

import (
	"net/http"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
)

// Arize Phoenix: protobuf only, a bearer key when auth is on, /healthz and
// the projects list for the check.
var phoenixFake = fakeRules{
	ingest: func(_ *Fake, _ platform.Config, sec platform.Secrets) (string, func(*http.Request) int, bool) {
		return "/v1/traces", func(r *http.Request) int {
			if sec.Key != "" && r.Header.Get("Authorization") != "Bearer "+sec.Key {
				return http.StatusUnauthorized
			}
			return 0
		}, true
	},
	routes: func(_ *Fake, mux *http.ServeMux, cfg platform.Config, sec platform.Secrets) {
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
	},
}
