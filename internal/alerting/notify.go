package alerting

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/llmops/terraform-provider-llmops/internal/suggest"
)

// Contact point types.
const (
	Webhook   = "webhook"
	Email     = "email"
	Slack     = "slack"
	PagerDuty = "pagerduty"
	DingTalk  = "dingtalk"
	WeCom     = "wecom"
)

// ContactPointTypes lists the supported types.
func ContactPointTypes() []string { return []string{Webhook, Email, Slack, PagerDuty, DingTalk, WeCom} }

// ContactPoint is a notification receiver. Secrets never appear in what
// this package renders for state: Grafana gets Secret in its settings (sent,
// then redacted by Grafana), Alertmanager reads SecretFile at run time.
type ContactPoint struct {
	Name, Type string
	// URL: webhook target; for dingtalk and wecom the Alertmanager webhook
	// bridge (Alertmanager has no native DingTalk or WeCom robot receiver).
	URL        string
	Addresses  []string          // email
	Channel    string            // slack
	Settings   map[string]string // extra non-secret settings (Grafana), email from/smarthost
	Secret     string            // bearer token, Slack webhook URL, PagerDuty key, robot URL
	SecretFile string            // where Alertmanager reads the secret
	// DisableResolve suppresses "resolved" notifications.
	DisableResolve bool
}

// secretName says what the secret is for each type (for messages and docs).
var secretName = map[string]string{
	Webhook: "bearer token (optional)", Slack: "incoming-webhook URL", PagerDuty: "Events API v2 routing key",
	DingTalk: "robot webhook URL (with access_token)", WeCom: "group robot webhook URL (with key)",
}

// Validate reports the first problem with the field it concerns.
// grafana says whether the contact point goes to Grafana (needs Secret) or
// only to Alertmanager (needs SecretFile for secrets).
func (c ContactPoint) Validate(grafana bool) *FieldError {
	fe := func(field, format string, a ...any) *FieldError {
		return &FieldError{Index: -1, Field: field, Err: fmt.Errorf(format, a...)}
	}
	if strings.TrimSpace(c.Name) == "" {
		return fe("name", "must not be empty: routes name the contact point as their receiver")
	}
	if !slices.Contains(ContactPointTypes(), c.Type) {
		return fe("type", "%s", suggest.OneOf(c.Type, ContactPointTypes()))
	}
	switch c.Type {
	case Webhook, DingTalk, WeCom:
		if c.URL == "" && (c.Type == Webhook || !grafana) {
			what := "the webhook URL"
			if c.Type != Webhook {
				what = "the URL of the " + c.Type + " bridge Alertmanager posts to (e.g. prometheus-webhook-dingtalk)"
			}
			return fe("url", "%s is required for type %s", what, c.Type)
		}
		if c.URL != "" {
			if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fe("url", "%q is not an http(s) URL", c.URL)
			}
		}
	case Email:
		if len(c.Addresses) == 0 {
			return fe("addresses", "type email needs addresses, e.g. addresses = [\"oncall@example.com\"]")
		}
		for _, a := range c.Addresses {
			if _, err := mail.ParseAddress(a); err != nil {
				return fe("addresses", "%q: %v", a, err)
			}
		}
	}
	needsSecret := c.Type == Slack || c.Type == PagerDuty || (grafana && (c.Type == DingTalk || c.Type == WeCom))
	if grafana && needsSecret && c.Secret == "" {
		return fe("secret_wo", "type %s needs its %s", c.Type, secretName[c.Type])
	}
	if !grafana && (c.Type == Slack || c.Type == PagerDuty) && c.SecretFile == "" {
		return fe("secret_file", "Alertmanager reads the %s of type %s from a file: set secret_file", secretName[c.Type], c.Type)
	}
	return nil
}

// amReceiver is an Alertmanager receiver; only the fields we render.
type amReceiver struct {
	Name      string           `yaml:"name"`
	Webhook   []map[string]any `yaml:"webhook_configs,omitempty"`
	Email     []map[string]any `yaml:"email_configs,omitempty"`
	Slack     []map[string]any `yaml:"slack_configs,omitempty"`
	PagerDuty []map[string]any `yaml:"pagerduty_configs,omitempty"`
}

// AlertmanagerReceiver renders the contact point as an Alertmanager
// `receivers:` fragment (a one-element list). Secrets are file references.
func (c ContactPoint) AlertmanagerReceiver() ([]byte, error) {
	r := amReceiver{Name: c.Name}
	resolved := !c.DisableResolve
	switch c.Type {
	case Webhook, DingTalk, WeCom:
		w := map[string]any{"url": c.URL, "send_resolved": resolved}
		if c.SecretFile != "" && c.Type == Webhook {
			w["http_config"] = map[string]any{"authorization": map[string]any{"type": "Bearer", "credentials_file": c.SecretFile}}
		}
		r.Webhook = append(r.Webhook, w)
	case Email:
		for _, a := range c.Addresses {
			e := map[string]any{"to": a, "send_resolved": resolved}
			for _, k := range []string{"from", "smarthost", "auth_username", "hello"} {
				if v := c.Settings[k]; v != "" {
					e[k] = v
				}
			}
			r.Email = append(r.Email, e)
		}
	case Slack:
		s := map[string]any{"api_url_file": c.SecretFile, "send_resolved": resolved}
		if c.Channel != "" {
			s["channel"] = c.Channel
		}
		r.Slack = append(r.Slack, s)
	case PagerDuty:
		r.PagerDuty = append(r.PagerDuty, map[string]any{"routing_key_file": c.SecretFile, "send_resolved": resolved})
	}
	return marshalYAML(map[string]any{"receivers": []amReceiver{r}})
}

// GrafanaType is Grafana's integration type name.
func (c ContactPoint) GrafanaType() string {
	if c.Type == DingTalk {
		return "dingding"
	}
	return c.Type
}

// grafanaSecretKey is, per type, the Grafana setting that holds the secret
// (Grafana redacts it on read).
var grafanaSecretKey = map[string]string{Webhook: "authorization_credentials", Slack: "url", PagerDuty: "integrationKey",
	DingTalk: "url", WeCom: "url"}

// GrafanaSecretKeys are the settings of a contact point of type typ that
// Grafana redacts on read.
func GrafanaSecretKeys(typ string) []string {
	if k := grafanaSecretKey[typ]; k != "" {
		return []string{k}
	}
	return nil
}

// GrafanaSettings are the integration settings sent to Grafana, and the
// keys among them that are secret (Grafana redacts them on read).
func (c ContactPoint) GrafanaSettings() (settings map[string]any, secretKeys []string) {
	s := map[string]any{}
	for k, v := range c.Settings {
		s[k] = v
	}
	switch c.Type {
	case Webhook:
		s["url"] = c.URL
		if c.Secret == "" { // the bearer token is optional
			return s, nil
		}
		s["authorization_scheme"] = "Bearer"
	case Email:
		s["addresses"] = strings.Join(c.Addresses, ";")
	case Slack:
		if c.Channel != "" {
			s["recipient"] = c.Channel
		}
	}
	if k := grafanaSecretKey[c.Type]; k != "" {
		s[k] = c.Secret
	}
	return s, GrafanaSecretKeys(c.Type)
}

func marshalYAML(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode alertmanager fragment: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode alertmanager fragment: %w", err)
	}
	return buf.Bytes(), nil
}

// ErrNoMatchers is returned for a route that would match every alert.
var ErrNoMatchers = errors.New("a route needs at least one matcher (a route matching everything is the root policy, which this provider leaves alone)")
