package platformtest

import (
	"net/http"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
)

// Opik: protobuf only (it reads OTLP/JSON ids as base64), the raw key and
// the workspace header, POST v1/private/auth for the check.
var opikFake = fakeRules{
	basePath: "/api/",
	ingest: func(_ *Fake, cfg platform.Config, sec platform.Secrets) (string, func(*http.Request) int, bool) {
		// protobuf only: Opik reads OTLP/JSON ids as base64 (see spec.go).
		return "/api/v1/private/otel/v1/traces", func(r *http.Request) int { return opikAuth(cfg, sec, r) }, true
	},
	routes: func(_ *Fake, mux *http.ServeMux, cfg platform.Config, sec platform.Secrets) {
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
	},
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
