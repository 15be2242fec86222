// Package settings resolves the provider's connection settings: each value
// from its provider block, else from its documented environment variable. It
// validates only what a configured block holds, so a configuration that uses
// no Grafana resource works with no Grafana configured; a resource that needs
// a missing block gets an error naming the block and the variables.
package settings

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Environment variables read when a provider block leaves a value unset.
const (
	EnvGrafanaURL     = "GRAFANA_URL"
	EnvGrafanaAuth    = "GRAFANA_AUTH"
	EnvGrafanaOrgID   = "GRAFANA_ORG_ID"
	EnvDockerHost     = "DOCKER_HOST"
	EnvDockerCertPath = "DOCKER_CERT_PATH"
	EnvDifyConsoleURL = "DIFY_CONSOLE_URL"
	EnvDifyEmail      = "DIFY_EMAIL"
	EnvDifyPassword   = "DIFY_PASSWORD"
	EnvDifyAdminKey   = "DIFY_ADMIN_API_KEY"
	EnvDifyWorkspace  = "DIFY_WORKSPACE_ID"
)

// DefaultDockerHost is used when neither docker.host nor DOCKER_HOST is set.
const DefaultDockerHost = "unix:///var/run/docker.sock"

// Input is what the provider block holds; nil pointers are unset values.
type Input struct {
	GrafanaURL, GrafanaAuth            *string
	GrafanaOrgID                       *int64
	DockerHost, DockerCertPath         *string
	DifyConsoleURL, DifyEmail, DifyPwd *string
	DifyAdminKey, DifyWorkspace        *string
	DifyPasswordEncoding               *string
}

// Grafana is a resolved Grafana connection.
type Grafana struct {
	URL string
	// Auth is a service-account token, or "user:password" for basic auth.
	Auth  string
	OrgID int64
}

// BasicAuth splits Auth into user and password when it is "user:password".
func (g Grafana) BasicAuth() (user, password string, ok bool) {
	return strings.Cut(g.Auth, ":")
}

// Docker is a resolved Docker engine connection.
type Docker struct {
	Host     string
	CertPath string
}

// Dify is a resolved Dify console login: e-mail and password, or (on
// self-hosted instances with ADMIN_API_KEY_ENABLE) an admin API key and a
// workspace.
type Dify struct {
	ConsoleURL string
	Email      string
	Password   string
	// PasswordEncoding is "auto" (base64, as Dify >= 1.11 wants, then plain
	// text), "base64" or "plain".
	PasswordEncoding string
	AdminAPIKey      string
	WorkspaceID      string
}

// Settings is the resolved provider configuration.
type Settings struct {
	grafana *Grafana
	docker  Docker
	dify    *Dify
}

// FieldError names the provider attribute (block.attribute) at fault.
type FieldError struct {
	Path    string
	Message string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Message }

// Resolve merges in with the environment (getenv) and validates what is set.
func Resolve(in Input, getenv func(string) string) (*Settings, []*FieldError) {
	pick := func(v *string, env string) string {
		if v != nil && *v != "" {
			return *v
		}
		return getenv(env)
	}
	var errs []*FieldError
	s := &Settings{}

	gURL, gAuth := pick(in.GrafanaURL, EnvGrafanaURL), pick(in.GrafanaAuth, EnvGrafanaAuth)
	if gURL != "" || gAuth != "" {
		g := &Grafana{URL: strings.TrimRight(gURL, "/"), Auth: gAuth, OrgID: 1}
		if in.GrafanaOrgID != nil {
			g.OrgID = *in.GrafanaOrgID
		} else if v := getenv(EnvGrafanaOrgID); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				errs = append(errs, &FieldError{"grafana.org_id", fmt.Sprintf("%s is not a whole number", EnvGrafanaOrgID)})
			}
			g.OrgID = id
		}
		errs = append(errs, checkURL("grafana.url", EnvGrafanaURL, g.URL)...)
		if g.Auth == "" {
			errs = append(errs, &FieldError{"grafana.auth", fmt.Sprintf("is required when grafana.url is set (or set %s)", EnvGrafanaAuth)})
		}
		if g.OrgID < 1 {
			errs = append(errs, &FieldError{"grafana.org_id", "must be 1 or more"})
		}
		s.grafana = g
	}

	s.docker = Docker{Host: pick(in.DockerHost, EnvDockerHost), CertPath: pick(in.DockerCertPath, EnvDockerCertPath)}
	if s.docker.Host == "" {
		s.docker.Host = DefaultDockerHost
	}
	if u, err := url.Parse(s.docker.Host); err != nil || (u.Scheme != "unix" && u.Scheme != "tcp" && u.Scheme != "ssh" && u.Scheme != "npipe") {
		errs = append(errs, &FieldError{"docker.host", "must be a unix://, tcp://, ssh:// or npipe:// address"})
	}

	d := &Dify{ConsoleURL: strings.TrimRight(pick(in.DifyConsoleURL, EnvDifyConsoleURL), "/"), Email: pick(in.DifyEmail, EnvDifyEmail),
		Password: pick(in.DifyPwd, EnvDifyPassword), AdminAPIKey: pick(in.DifyAdminKey, EnvDifyAdminKey), WorkspaceID: pick(in.DifyWorkspace, EnvDifyWorkspace),
		PasswordEncoding: "auto"}
	if in.DifyPasswordEncoding != nil && *in.DifyPasswordEncoding != "" {
		d.PasswordEncoding = *in.DifyPasswordEncoding
	}
	if d.ConsoleURL != "" || d.Email != "" || d.Password != "" || d.AdminAPIKey != "" {
		errs = append(errs, checkDify(d)...)
		s.dify = d
	}
	return s, errs
}

func checkDify(d *Dify) []*FieldError {
	errs := checkURL("dify.console_url", EnvDifyConsoleURL, d.ConsoleURL)
	switch {
	case d.AdminAPIKey != "":
		if d.WorkspaceID == "" {
			errs = append(errs, &FieldError{"dify.workspace_id", fmt.Sprintf("is required with admin_api_key (or set %s)", EnvDifyWorkspace)})
		}
	default:
		if d.Email == "" {
			errs = append(errs, &FieldError{"dify.email", fmt.Sprintf("is required (or set %s), unless admin_api_key (%s) and workspace_id (%s) are used instead",
				EnvDifyEmail, EnvDifyAdminKey, EnvDifyWorkspace)})
		}
		if d.Password == "" {
			errs = append(errs, &FieldError{"dify.password", fmt.Sprintf("is required (or set %s), unless admin_api_key (%s) and workspace_id (%s) are used instead",
				EnvDifyPassword, EnvDifyAdminKey, EnvDifyWorkspace)})
		}
	}
	if d.PasswordEncoding != "auto" && d.PasswordEncoding != "base64" && d.PasswordEncoding != "plain" {
		errs = append(errs, &FieldError{"dify.password_encoding", `must be "auto", "base64" or "plain"`})
	}
	return errs
}

func checkURL(path, env, v string) []*FieldError {
	if v == "" {
		return []*FieldError{{path, fmt.Sprintf("is required (or set %s)", env)}}
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return []*FieldError{{path, "must be an absolute http:// or https:// URL"}}
	}
	return nil
}

// MissingBlockError says a resource needs a provider block nobody
// configured. Env lists the alternatives, each a set of variables to set
// together (a Dify login, or an admin API key).
type MissingBlockError struct {
	Block string
	Env   [][]string
}

func (e *MissingBlockError) Error() string {
	alts := make([]string, len(e.Env))
	for i, set := range e.Env {
		alts[i] = strings.Join(set[:len(set)-1], ", ") + " and " + set[len(set)-1]
		if len(set) == 1 {
			alts[i] = set[0]
		}
	}
	return fmt.Sprintf("this resource needs the provider's %q block: configure it, or set the environment variables %s", e.Block, strings.Join(alts, ", or "))
}

// Grafana returns the Grafana connection, or a MissingBlockError.
func (s *Settings) Grafana() (Grafana, error) {
	if s.grafana == nil {
		return Grafana{}, &MissingBlockError{Block: "grafana", Env: [][]string{{EnvGrafanaURL, EnvGrafanaAuth}}}
	}
	return *s.grafana, nil
}

// Dify returns the Dify console login, or a MissingBlockError.
func (s *Settings) Dify() (Dify, error) {
	if s.dify == nil {
		return Dify{}, &MissingBlockError{Block: "dify", Env: [][]string{{EnvDifyConsoleURL, EnvDifyEmail, EnvDifyPassword},
			{EnvDifyConsoleURL, EnvDifyAdminKey, EnvDifyWorkspace}}}
	}
	return *s.dify, nil
}

// Docker returns the Docker engine connection; it always has a default.
func (s *Settings) Docker() Docker { return s.docker }
