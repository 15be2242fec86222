package platformtest

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
)

// The MLflow and Databricks fakes. From MLflow's source (>= 3.6): OTLP/HTTP
// protobuf at the tracking server's root /v1/traces, routed by the
// x-mlflow-experiment-id header; the REST API's experiments/get answers 404
// RESOURCE_DOES_NOT_EXIST for an unknown id; the basic-auth app takes HTTP
// Basic. Databricks (seen in public examples, not in its source): OTLP at
// /api/2.0/otel/v1/traces with a Bearer token, a personal access token or
// one from /oidc/v1/token (client credentials, Basic client_id:secret,
// scope all-apis). What a wrong experiment id is answered at the OTLP
// endpoint is not confirmed: the fakes answer 404, as the REST API does.

var mlflowFake = fakeRules{
	ingest: func(f *Fake, cfg platform.Config, sec platform.Secrets) (string, func(*http.Request) int, bool) {
		return "/v1/traces", experimentRule(cfg, mlflowAuth(cfg, sec)), true
	},
	routes: func(f *Fake, mux *http.ServeMux, cfg platform.Config, sec platform.Secrets) {
		experimentRoute(mux, cfg, mlflowAuth(cfg, sec))
	},
}

var databricksFake = fakeRules{
	tls: true,
	ingest: func(f *Fake, cfg platform.Config, sec platform.Secrets) (string, func(*http.Request) int, bool) {
		return "/api/2.0/otel/v1/traces", experimentRule(cfg, f.databricksAuth(cfg, sec)), true
	},
	routes: func(f *Fake, mux *http.ServeMux, cfg platform.Config, sec platform.Secrets) {
		experimentRoute(mux, cfg, f.databricksAuth(cfg, sec))
		f.oauthRoute(mux, cfg, sec)
	},
}

// mlflowAuth is the auth rule of an MLflow tracking server: Basic when the
// fake has a user, none without (no auth app).
func mlflowAuth(cfg platform.Config, sec platform.Secrets) func(*http.Request) int {
	if cfg.Username == "" {
		return func(*http.Request) int { return 0 }
	}
	return basicRule(cfg.Username, sec.Key)
}

// databricksAuth is a Databricks workspace's: Bearer, a personal access
// token or the token the fake's OAuth endpoint issued to the principal.
func (f *Fake) databricksAuth(cfg platform.Config, sec platform.Secrets) func(*http.Request) int {
	return func(r *http.Request) int {
		got := r.Header.Get("Authorization")
		switch {
		case cfg.ClientID != "":
			f.mu.Lock()
			tok := f.oauthToken
			f.mu.Unlock()
			if tok == "" || got != "Bearer "+tok {
				return http.StatusUnauthorized
			}
		case got != "Bearer "+sec.Key:
			return http.StatusUnauthorized
		}
		return 0
	}
}

// experimentRule checks x-mlflow-experiment-id after auth.
func experimentRule(cfg platform.Config, auth func(*http.Request) int) func(*http.Request) int {
	return func(r *http.Request) int {
		if code := auth(r); code != 0 {
			return code
		}
		switch id := r.Header.Get("x-mlflow-experiment-id"); {
		case id == "":
			return http.StatusBadRequest
		case id != cfg.ExperimentID:
			return http.StatusNotFound
		}
		return 0
	}
}

// experimentRoute is MLflow's REST experiments/get.
func experimentRoute(mux *http.ServeMux, cfg platform.Config, auth func(*http.Request) int) {
	mux.HandleFunc("GET /api/2.0/mlflow/experiments/get", func(w http.ResponseWriter, r *http.Request) {
		if code := auth(r); code != 0 {
			writeJSON(w, code, map[string]string{"error_code": "UNAUTHENTICATED", "message": "Invalid credentials"})
			return
		}
		id := r.URL.Query().Get("experiment_id")
		if id == "" || id != cfg.ExperimentID {
			writeJSON(w, http.StatusNotFound, map[string]string{"error_code": "RESOURCE_DOES_NOT_EXIST",
				"message": "No Experiment with id=" + id + " exists"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"experiment": map[string]string{"experiment_id": id, "name": "fake", "lifecycle_stage": "active"}})
	})
}

// oauthRoute is a Databricks workspace's OAuth token endpoint (client
// credentials, Basic client_id:secret, scope all-apis).
func (f *Fake) oauthRoute(mux *http.ServeMux, cfg platform.Config, sec platform.Secrets) {
	mux.HandleFunc("POST /oidc/v1/token", func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
			return
		}
		if !ok || cfg.ClientID == "" || user != cfg.ClientID || pass != sec.Key {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "Client authentication failed"})
			return
		}
		if !strings.Contains(r.PostForm.Get("scope"), "all-apis") {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_scope"})
			return
		}
		f.mu.Lock()
		if f.oauthToken == "" {
			f.oauthToken = "dbx-oauth-" + base64.RawURLEncoding.EncodeToString([]byte(user))
		}
		tok := f.oauthToken
		f.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600, "scope": "all-apis"})
	})
}
