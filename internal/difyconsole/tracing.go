package difyconsole

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Providers are Dify's tracing provider names with the setting each keeps
// secret (obfuscated on read) and the one this provider sends from its
// write-only secret (api/core/ops/entities/config_entity.py and
// ops_trace_manager.py's provider map).
var Providers = map[string]Provider{
	"langfuse":  {Secret: "secret_key", Masked: []string{"public_key", "secret_key"}, Endpoint: "host", Required: []string{"public_key", "host"}},
	"langsmith": {Secret: "api_key", Masked: []string{"api_key"}, Endpoint: "endpoint", Required: []string{"project"}},
	"opik":      {Secret: "api_key", Masked: []string{"api_key"}, Endpoint: "url", Required: []string{"project"}},
	"weave":     {Secret: "api_key", Masked: []string{"api_key"}, Endpoint: "endpoint", Required: []string{"entity", "project"}},
	"arize":     {Secret: "api_key", Masked: []string{"api_key", "space_id"}, Endpoint: "endpoint", Required: []string{"space_id", "project"}},
	"phoenix":   {Secret: "api_key", Masked: []string{"api_key"}, Endpoint: "endpoint", Required: []string{"project", "endpoint"}},
	"aliyun":    {Secret: "license_key", Masked: []string{"license_key"}, Endpoint: "endpoint", Required: []string{"endpoint", "app_name"}},
	"tencent":   {Secret: "token", Masked: []string{"token"}, Endpoint: "endpoint", Required: []string{"endpoint", "service_name"}},
	// MLflowConfig: tracking_uri and experiment_id have defaults
	// (http://localhost:5000, "0"); the password goes with a username.
	"mlflow": {Secret: "password", Masked: []string{"password"}, Endpoint: "tracking_uri", NoCollector: true},
	// DatabricksConfig: a personal access token, or client_id with
	// client_secret (both masked).
	"databricks": {Secret: "personal_access_token", AltSecret: "client_secret", AltWhen: "client_id",
		Masked: []string{"personal_access_token", "client_secret"}, Endpoint: "host", Required: []string{"host", "experiment_id"}, NoCollector: true},
}

// Provider describes one of Dify's tracing providers.
type Provider struct {
	Secret   string   // the setting filled from the write-only secret
	Masked   []string // settings Dify returns obfuscated
	Endpoint string   // the setting naming where Dify sends traces
	Required []string // non-secret settings Dify requires
	// AltSecret is filled instead of Secret when the setting AltWhen is
	// set (Databricks: client_secret with a client_id).
	AltSecret, AltWhen string
	// NoCollector: Dify's provider talks to the platform's own API (MLflow's
	// REST API), which a collector does not serve.
	NoCollector bool
}

// SecretFor is the setting the write-only secret fills for settings.
func (p Provider) SecretFor(settings map[string]string) string {
	if p.AltSecret != "" && settings[p.AltWhen] != "" {
		return p.AltSecret
	}
	return p.Secret
}

// IsSecret reports whether setting k holds a secret of p.
func (p Provider) IsSecret(k string) bool {
	return k == p.Secret || (p.AltSecret != "" && k == p.AltSecret)
}

// ProviderNames lists Providers' keys, sorted.
func ProviderNames() []string {
	var out []string
	for k := range Providers {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// IsMasked tells a value Dify obfuscated (`tok[:6] + 12 * '*' + tok[-2:]`).
func IsMasked(v string) bool { return strings.Contains(v, "************") }

func appPath(appID, rest string) string { return "/console/api/apps/" + url.PathEscape(appID) + rest }

// GetTraceConfig returns an app's stored settings for provider (secrets
// obfuscated), or found false.
func (c *Client) GetTraceConfig(ctx context.Context, appID, provider string) (map[string]string, bool, error) {
	var out struct {
		HasNotConfigured bool           `json:"has_not_configured"`
		TracingConfig    map[string]any `json:"tracing_config"`
	}
	status, body, err := c.do(ctx, http.MethodGet, appPath(appID, "/trace-config?tracing_provider="+url.QueryEscape(provider)), nil, &out)
	if err != nil {
		return nil, false, err
	}
	if status != http.StatusOK {
		return nil, false, c.statusError("read tracing config of app "+appID, status, body, "")
	}
	if out.HasNotConfigured {
		return nil, false, nil
	}
	cfg := map[string]string{}
	for k, v := range out.TracingConfig {
		if v != nil {
			cfg[k] = fmt.Sprint(v)
		}
	}
	return cfg, true, nil
}

// SaveTraceConfig creates (POST) or updates (PATCH) an app's settings for
// provider; Dify checks the credentials live on create.
func (c *Client) SaveTraceConfig(ctx context.Context, appID, provider string, cfg map[string]string, exists bool) error {
	method := http.MethodPost
	if exists {
		method = http.MethodPatch
	}
	status, body, err := c.do(ctx, method, appPath(appID, "/trace-config"), map[string]any{"tracing_provider": provider, "tracing_config": cfg}, nil)
	if err != nil {
		return err
	}
	if status >= 300 {
		return c.statusError("save tracing config of app "+appID, status, body, cfg[Providers[provider].Endpoint])
	}
	return nil
}

// DeleteTraceConfig deletes an app's settings for provider; absent is fine.
func (c *Client) DeleteTraceConfig(ctx context.Context, appID, provider string) error {
	status, body, err := c.do(ctx, http.MethodDelete, appPath(appID, "/trace-config?tracing_provider="+url.QueryEscape(provider)), nil, nil)
	if err != nil {
		return err
	}
	// 204 on current Dify, 200 {"result": "success"} on older versions.
	if status == http.StatusNoContent || status == http.StatusOK || status == http.StatusNotFound {
		return nil
	}
	return c.statusError("delete tracing config of app "+appID, status, body, "")
}

// Trace is an app's tracing switch.
type Trace struct {
	Enabled  bool   `json:"enabled"`
	Provider string `json:"tracing_provider"`
}

// GetTrace reads whether tracing is on and to which provider.
func (c *Client) GetTrace(ctx context.Context, appID string) (Trace, error) {
	var t struct {
		Enabled  bool    `json:"enabled"`
		Provider *string `json:"tracing_provider"`
	}
	status, body, err := c.do(ctx, http.MethodGet, appPath(appID, "/trace"), nil, &t)
	if err != nil {
		return Trace{}, err
	}
	if status != http.StatusOK {
		return Trace{}, c.statusError("read tracing switch of app "+appID, status, body, "")
	}
	out := Trace{Enabled: t.Enabled}
	if t.Provider != nil {
		out.Provider = *t.Provider
	}
	return out, nil
}

// SetTrace turns tracing on for provider, or off ("" sends null, as the
// UI does).
func (c *Client) SetTrace(ctx context.Context, appID string, enabled bool, provider string) error {
	var p any
	if provider != "" {
		p = provider
	}
	status, body, err := c.do(ctx, http.MethodPost, appPath(appID, "/trace"), map[string]any{"enabled": enabled, "tracing_provider": p}, nil)
	if err != nil {
		return err
	}
	if status >= 300 {
		return c.statusError("switch tracing of app "+appID, status, body, "")
	}
	return nil
}

// statusError maps Dify's answers to the errors callers tell apart.
func (c *Client) statusError(op string, status int, body []byte, endpoint string) error {
	msg := message(body)
	switch {
	case status == http.StatusNotFound:
		return fmt.Errorf("%s: %w (check app_id; Dify answered %s)", op, ErrAppNotFound, msg)
	case status == http.StatusForbidden:
		return fmt.Errorf("%s: %w: the account needs the app's edit (and, on newer Dify, APP_MONITOR) permission (Dify answered %s)", op, ErrNoPermission, msg)
	case status == http.StatusUnauthorized:
		return fmt.Errorf("%s: %w (Dify answered %s)", op, ErrSession, msg)
	case status == http.StatusBadRequest && strings.Contains(strings.ToLower(msg), "exist"):
		return fmt.Errorf("%s: %w (Dify answered %s)", op, ErrConfigExists, msg)
	case status == http.StatusBadRequest:
		where := ""
		if endpoint != "" {
			where = fmt.Sprintf(" Dify checks them by calling %s from the Dify server, through its ssrf_proxy, which may block private addresses"+
				" (allow the host in the ssrf_proxy's squid config, or use an address Dify can reach).", endpoint)
		}
		return fmt.Errorf("%s: %w (Dify answered 400 %s).%s", op, ErrCredentials, msg, where)
	}
	return fmt.Errorf("%s: Dify answered %d %s", op, status, msg)
}
