// Package difytest is an in-process Dify console enforcing the rules the
// provider relies on (Dify's api/controllers/console and its login and
// CSRF wrappers): the login's password encoding, cookie
// sessions with the CSRF header required on every call (GETs included),
// the admin API key alternative, 404 for unknown apps, RBAC 403, the 400
// "Invalid Credentials" catch-all of Dify's live credential check, 400 on
// POST when a config exists, masked secrets on read, PATCH keeping a
// secret sent back masked, DELETE 204 (200 on older versions).
package difytest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Fake is a running fake Dify console.
type Fake struct {
	*httptest.Server
	Email, Password     string
	AdminKey, Workspace string
	// Base64Passwords: Dify >= 1.11 wants the password base64-encoded.
	Base64Passwords bool
	// OldDelete answers DELETE with 200 {"result": "success"} (Dify < 1.x).
	OldDelete bool
	// ValidSecret is Dify's live credential check (default: not "wrong").
	ValidSecret func(provider, secret string) bool

	mu       sync.Mutex
	sessions map[string]string // access token -> csrf token
	refresh  map[string]bool
	apps     map[string]*app
	readOnly bool
	logins   int
}

type app struct {
	configs map[string]map[string]string
	enabled bool
	traceTo string
}

// secretOf is the setting Dify checks and masks per provider.
var secretOf = map[string][]string{"langfuse": {"public_key", "secret_key"}, "langsmith": {"api_key"}, "opik": {"api_key"},
	"weave": {"api_key"}, "arize": {"api_key", "space_id"}, "phoenix": {"api_key"}, "aliyun": {"license_key"}, "tencent": {"token"},
	"mlflow": {"password"}, "databricks": {"personal_access_token", "client_secret"}}

// liveSecret is the secret Dify's live check uses: the last of secretOf,
// except for a Databricks service principal (client_id set: its
// client_secret) or personal access token.
func liveSecret(provider string, cfg map[string]string) string {
	switch {
	case provider == "databricks" && cfg["client_id"] != "":
		return cfg["client_secret"]
	case provider == "databricks":
		return cfg["personal_access_token"]
	case provider == "mlflow" && cfg["username"] == "":
		return "no-auth" // a tracking server without auth: nothing to check
	}
	keys := secretOf[provider]
	return cfg[keys[len(keys)-1]]
}

// validConfig is the validation of Dify's MLflowConfig and DatabricksConfig
// (pydantic: a 400 naming the field): experiment_id an integer string,
// tracking_uri not a databricks URI, Databricks' host and experiment_id
// required.
func validConfig(provider string, cfg map[string]string) string {
	if provider != "mlflow" && provider != "databricks" {
		return ""
	}
	if provider == "databricks" {
		for _, k := range []string{"host", "experiment_id"} {
			if cfg[k] == "" {
				return k + ": Field required"
			}
		}
	}
	if strings.HasPrefix(cfg["tracking_uri"], "databricks") {
		return "tracking_uri: Please use Databricks tracing config below to record traces to Databricks-managed MLflow instances."
	}
	if id := cfg["experiment_id"]; id != "" && strings.Trim(id, "0123456789") != "" {
		return "experiment_id: must be an integer"
	}
	return ""
}

// New starts a fake console with one account and the given apps.
func New(t testing.TB, apps ...string) *Fake {
	f := &Fake{Email: "admin@example.com", Password: "Difypass-" + t.Name(), AdminKey: "admin-key-" + hex.EncodeToString(rnd(4)),
		Workspace: "ws-1", Base64Passwords: true, sessions: map[string]string{}, refresh: map[string]bool{}, apps: map[string]*app{},
		ValidSecret: func(_, s string) bool { return s != "" && s != "wrong" }}
	for _, a := range apps {
		f.apps[a] = &app{configs: map[string]map[string]string{}}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /console/api/login", f.login)
	mux.HandleFunc("POST /console/api/refresh-token", f.refreshToken)
	mux.HandleFunc("GET /console/api/apps/{id}/trace-config", f.auth(f.getConfig))
	mux.HandleFunc("POST /console/api/apps/{id}/trace-config", f.auth(f.writeConfig))
	mux.HandleFunc("PATCH /console/api/apps/{id}/trace-config", f.auth(f.writeConfig))
	mux.HandleFunc("DELETE /console/api/apps/{id}/trace-config", f.auth(f.deleteConfig))
	mux.HandleFunc("GET /console/api/apps/{id}/trace", f.auth(f.getTrace))
	mux.HandleFunc("POST /console/api/apps/{id}/trace", f.auth(f.setTrace))
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

func rnd(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, code int, errCode, msg string) {
	reply(w, code, map[string]any{"code": errCode, "message": msg, "status": code})
}

func (f *Fake) login(w http.ResponseWriter, r *http.Request) {
	var in struct{ Email, Password string }
	if json.NewDecoder(r.Body).Decode(&in) != nil {
		fail(w, http.StatusBadRequest, "invalid_param", "invalid JSON")
		return
	}
	pw := in.Password
	if f.Base64Passwords {
		b, err := base64.StdEncoding.DecodeString(in.Password)
		if err != nil {
			fail(w, http.StatusUnauthorized, "authentication_failed", "Invalid email or password.")
			return
		}
		pw = string(b)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if in.Email != f.Email || pw != f.Password {
		fail(w, http.StatusUnauthorized, "authentication_failed", "Invalid email or password.")
		return
	}
	f.logins++
	f.newSession(w)
	reply(w, http.StatusOK, map[string]any{"result": "success"})
}

func (f *Fake) newSession(w http.ResponseWriter) {
	access, csrf, refresh := hex.EncodeToString(rnd(8)), hex.EncodeToString(rnd(8)), hex.EncodeToString(rnd(8))
	f.sessions[access], f.refresh[refresh] = csrf, true
	http.SetCookie(w, &http.Cookie{Name: "access_token", Value: access, Path: "/", HttpOnly: true})
	http.SetCookie(w, &http.Cookie{Name: "refresh_token", Value: refresh, Path: "/", HttpOnly: true})
	http.SetCookie(w, &http.Cookie{Name: "csrf_token", Value: csrf, Path: "/"})
}

func (f *Fake) refreshToken(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ck, err := r.Cookie("refresh_token")
	if err != nil || !f.refresh[ck.Value] {
		fail(w, http.StatusUnauthorized, "unauthorized", "Invalid refresh token.")
		return
	}
	delete(f.refresh, ck.Value)
	f.newSession(w)
	reply(w, http.StatusOK, map[string]any{"result": "success"})
}

// auth accepts a session cookie with its CSRF header, or the admin key
// with a workspace header (and no session).
func (f *Fake) auth(next func(http.ResponseWriter, *http.Request, *app)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		ok := false
		if h := r.Header.Get("Authorization"); h != "" {
			ok = h == "Bearer "+f.AdminKey && r.Header.Get("X-WORKSPACE-ID") == f.Workspace
		} else if ck, err := r.Cookie("access_token"); err == nil {
			csrf, live := f.sessions[ck.Value]
			ok = live && r.Header.Get("X-CSRF-Token") == csrf
		}
		if !ok {
			fail(w, http.StatusUnauthorized, "unauthorized", "Unauthorized.")
			return
		}
		a := f.apps[r.PathValue("id")]
		if a == nil {
			fail(w, http.StatusNotFound, "not_found", "App not found.")
			return
		}
		if r.Method != http.MethodGet && f.readOnly {
			fail(w, http.StatusForbidden, "forbidden", "You don't have the permission to edit this app.")
			return
		}
		next(w, r, a)
	}
}

func mask(v string) string {
	if len(v) <= 8 {
		return strings.Repeat("*", 12)
	}
	return v[:6] + strings.Repeat("*", 12) + v[len(v)-2:]
}

func (f *Fake) getConfig(w http.ResponseWriter, r *http.Request, a *app) {
	p := r.URL.Query().Get("tracing_provider")
	cfg := a.configs[p]
	if cfg == nil {
		reply(w, http.StatusOK, map[string]any{"has_not_configured": true})
		return
	}
	out := maps.Clone(cfg)
	for _, k := range secretOf[p] {
		if v, ok := out[k]; ok {
			out[k] = mask(v)
		}
	}
	reply(w, http.StatusOK, map[string]any{"tracing_provider": p, "tracing_config": out, "app_id": r.PathValue("id")})
}

func (f *Fake) writeConfig(w http.ResponseWriter, r *http.Request, a *app) {
	var in struct {
		Provider string            `json:"tracing_provider"`
		Config   map[string]string `json:"tracing_config"`
	}
	if json.NewDecoder(r.Body).Decode(&in) != nil || secretOf[in.Provider] == nil {
		fail(w, http.StatusBadRequest, "invalid_param", "Invalid tracing provider.")
		return
	}
	old := a.configs[in.Provider]
	switch {
	case r.Method == http.MethodPost && old != nil:
		fail(w, http.StatusBadRequest, "tracing_config_is_exist", "Tracing config is exist.")
		return
	case r.Method == http.MethodPatch && old == nil:
		fail(w, http.StatusBadRequest, "tracing_config_not_exist", "Tracing config not exist.")
		return
	}
	for _, k := range secretOf[in.Provider] {
		if strings.Contains(in.Config[k], "*") && old != nil { // a masked value sent back: keep the stored one
			in.Config[k] = old[k]
		}
	}
	if msg := validConfig(in.Provider, in.Config); msg != "" {
		fail(w, http.StatusBadRequest, "invalid_param", msg)
		return
	}
	if !f.ValidSecret(in.Provider, liveSecret(in.Provider, in.Config)) {
		// Dify's live check failed: every failure is this one 400.
		fail(w, http.StatusBadRequest, "invalid_param", "Invalid Credentials")
		return
	}
	a.configs[in.Provider] = in.Config
	if r.Method == http.MethodPost {
		reply(w, http.StatusCreated, map[string]any{"result": "success"})
		return
	}
	reply(w, http.StatusOK, map[string]any{"result": "success"})
}

func (f *Fake) deleteConfig(w http.ResponseWriter, r *http.Request, a *app) {
	p := r.URL.Query().Get("tracing_provider")
	if a.configs[p] == nil {
		fail(w, http.StatusBadRequest, "tracing_config_not_exist", "Tracing config not exist.")
		return
	}
	delete(a.configs, p)
	if a.traceTo == p {
		a.enabled, a.traceTo = false, ""
	}
	if f.OldDelete {
		reply(w, http.StatusOK, map[string]any{"result": "success"})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (f *Fake) getTrace(w http.ResponseWriter, _ *http.Request, a *app) {
	var p any
	if a.traceTo != "" {
		p = a.traceTo
	}
	reply(w, http.StatusOK, map[string]any{"enabled": a.enabled, "tracing_provider": p})
}

func (f *Fake) setTrace(w http.ResponseWriter, r *http.Request, a *app) {
	var in struct {
		Enabled  bool    `json:"enabled"`
		Provider *string `json:"tracing_provider"`
	}
	if json.NewDecoder(r.Body).Decode(&in) != nil {
		fail(w, http.StatusBadRequest, "invalid_param", "invalid JSON")
		return
	}
	if in.Provider != nil && secretOf[*in.Provider] == nil {
		fail(w, http.StatusBadRequest, "invalid_param", "Invalid tracing provider.")
		return
	}
	a.enabled, a.traceTo = in.Enabled, ""
	if in.Provider != nil {
		a.traceTo = *in.Provider
	}
	reply(w, http.StatusOK, map[string]any{"result": "success"})
}
