// Package provider is the Terraform side of terraform-provider-llmops: the
// provider, its schema and one file per resource. Resources are thin: they map
// schema to state and call internal/ packages for every real piece of logic.
package provider

import (
	"context"
	"os"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/llmops/terraform-provider-llmops/internal/difyconsole"
	"github.com/llmops/terraform-provider-llmops/internal/docker"
	"github.com/llmops/terraform-provider-llmops/internal/grafana"
	"github.com/llmops/terraform-provider-llmops/internal/settings"
)

var _ fwprovider.Provider = (*llmopsProvider)(nil)

// llmopsProvider is the provider implementation.
type llmopsProvider struct {
	version string
}

// New returns a constructor of the provider for providerserver.
func New(version string) func() fwprovider.Provider {
	return func() fwprovider.Provider { return &llmopsProvider{version: version} }
}

// Meta is what Configure hands to every resource: the resolved settings and
// the provider version. API clients are created from it lazily, by the
// resources that need them, so a configuration without Docker resources
// never touches Docker.
type Meta struct {
	Settings *settings.Settings
	Version  string

	dockerOnce sync.Once
	docker     docker.API
	dockerErr  error

	difyOnce sync.Once
	dify     *difyconsole.Client
	difyErr  error

	grafanaOnce sync.Once
	grafana     *grafana.Client
	grafanaErr  error
}

// DifyConsole returns the Dify console client (one session per provider
// process); the error says how to configure one.
func (m *Meta) DifyConsole() (*difyconsole.Client, error) {
	m.difyOnce.Do(func() {
		d, err := m.Settings.Dify()
		if err != nil {
			m.difyErr = err
			return
		}
		m.dify, m.difyErr = difyconsole.New(d, nil)
	})
	return m.dify, m.difyErr
}

// Grafana returns the Grafana API client; the error says how to configure
// one when the provider has no grafana block.
func (m *Meta) Grafana() (*grafana.Client, error) {
	m.grafanaOnce.Do(func() {
		g, err := m.Settings.Grafana()
		if err != nil {
			m.grafanaErr = err
			return
		}
		m.grafana, m.grafanaErr = grafana.New(g, nil)
	})
	return m.grafana, m.grafanaErr
}

// Docker returns the Docker engine client, connecting on first use.
func (m *Meta) Docker(ctx context.Context) (docker.API, error) {
	m.dockerOnce.Do(func() { m.docker, m.dockerErr = docker.Connect(ctx, m.Settings.Docker()) })
	return m.docker, m.dockerErr
}

type providerModel struct {
	Grafana *grafanaModel `tfsdk:"grafana"`
	Docker  *dockerModel  `tfsdk:"docker"`
	Dify    *difyModel    `tfsdk:"dify"`
}

type grafanaModel struct {
	URL   types.String `tfsdk:"url"`
	Auth  types.String `tfsdk:"auth"`
	OrgID types.Int64  `tfsdk:"org_id"`
}

type dockerModel struct {
	Host     types.String `tfsdk:"host"`
	CertPath types.String `tfsdk:"cert_path"`
}

type difyModel struct {
	ConsoleURL       types.String `tfsdk:"console_url"`
	Email            types.String `tfsdk:"email"`
	Password         types.String `tfsdk:"password"`
	PasswordEncoding types.String `tfsdk:"password_encoding"`
	AdminAPIKey      types.String `tfsdk:"admin_api_key"`
	WorkspaceID      types.String `tfsdk:"workspace_id"`
}

func (p *llmopsProvider) Metadata(_ context.Context, _ fwprovider.MetadataRequest, resp *fwprovider.MetadataResponse) {
	resp.TypeName = "llmops"
	resp.Version = p.version
}

func (p *llmopsProvider) Schema(_ context.Context, _ fwprovider.SchemaRequest, resp *fwprovider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manage an LLMOps observability stack as code: tracing-platform credentials, " +
			"trace collectors, dashboards, alerts and replica layouts on Docker. Every block is optional; " +
			"a block is only needed by the resources that use it, and each value can also come from the " +
			"environment variable named in its description.",
		Blocks: map[string]schema.Block{
			"grafana": schema.SingleNestedBlock{
				MarkdownDescription: "Connection to Grafana, for dashboard and alerting resources.",
				Attributes: map[string]schema.Attribute{
					"url": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Grafana root URL, e.g. `https://grafana.example.com`. Environment: `" + settings.EnvGrafanaURL + "`.",
					},
					"auth": schema.StringAttribute{
						Optional:            true,
						Sensitive:           true,
						MarkdownDescription: "A service-account token, or `user:password` for basic auth. Environment: `" + settings.EnvGrafanaAuth + "`.",
					},
					"org_id": schema.Int64Attribute{
						Optional:            true,
						MarkdownDescription: "Organisation ID. Default `1`. Environment: `" + settings.EnvGrafanaOrgID + "`.",
					},
				},
			},
			"docker": schema.SingleNestedBlock{
				MarkdownDescription: "Connection to a Docker engine, for replica sets and exporter images.",
				Attributes: map[string]schema.Attribute{
					"host": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Engine address (`unix://`, `tcp://`, `ssh://`). Environment: `" + settings.EnvDockerHost + "`; default `" + settings.DefaultDockerHost + "`.",
					},
					"cert_path": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Directory holding `ca.pem`, `cert.pem` and `key.pem` for a TLS engine. Environment: `" + settings.EnvDockerCertPath + "`.",
					},
				},
			},
			"dify": schema.SingleNestedBlock{
				MarkdownDescription: "Login to a Dify console, for resources that configure Dify apps.",
				Attributes: map[string]schema.Attribute{
					"console_url": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Dify console URL, e.g. `https://dify.example.com`. Environment: `" + settings.EnvDifyConsoleURL + "`.",
					},
					"email": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Console account e-mail. Environment: `" + settings.EnvDifyEmail + "`.",
					},
					"password": schema.StringAttribute{
						Optional:            true,
						Sensitive:           true,
						MarkdownDescription: "Console account password. Environment: `" + settings.EnvDifyPassword + "`.",
					},
					"password_encoding": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "How the login sends the password: `base64` (Dify 1.11 and newer), `plain` (older), or `auto` (default: base64, then plain if Dify refuses it).",
					},
					"admin_api_key": schema.StringAttribute{
						Optional:            true,
						Sensitive:           true,
						MarkdownDescription: "Instead of a login, on self-hosted Dify with `ADMIN_API_KEY_ENABLE=true`: its `ADMIN_API_KEY`. Needs `workspace_id`. Environment: `" + settings.EnvDifyAdminKey + "`.",
					},
					"workspace_id": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Workspace (tenant) the admin API key acts in. Environment: `" + settings.EnvDifyWorkspace + "`.",
					},
				},
			},
		},
	}
}

func (p *llmopsProvider) Configure(ctx context.Context, req fwprovider.ConfigureRequest, resp *fwprovider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var in settings.Input
	if g := cfg.Grafana; g != nil {
		in.GrafanaURL, in.GrafanaAuth, in.GrafanaOrgID = g.URL.ValueStringPointer(), g.Auth.ValueStringPointer(), g.OrgID.ValueInt64Pointer()
	}
	if d := cfg.Docker; d != nil {
		in.DockerHost, in.DockerCertPath = d.Host.ValueStringPointer(), d.CertPath.ValueStringPointer()
	}
	if d := cfg.Dify; d != nil {
		in.DifyConsoleURL, in.DifyEmail, in.DifyPwd = d.ConsoleURL.ValueStringPointer(), d.Email.ValueStringPointer(), d.Password.ValueStringPointer()
		in.DifyAdminKey, in.DifyWorkspace = d.AdminAPIKey.ValueStringPointer(), d.WorkspaceID.ValueStringPointer()
		in.DifyPasswordEncoding = d.PasswordEncoding.ValueStringPointer()
	}
	s, errs := settings.Resolve(in, os.Getenv)
	for _, e := range errs {
		resp.Diagnostics.AddAttributeError(settingsPath(e.Path), "Invalid provider configuration", e.Error())
	}
	if resp.Diagnostics.HasError() {
		return
	}
	meta := &Meta{Settings: s, Version: p.version}
	resp.ResourceData = meta
	resp.DataSourceData = meta
}

// settingsPath turns "block.attr" into an attribute path.
func settingsPath(p string) path.Path {
	for i := 0; i < len(p); i++ {
		if p[i] == '.' {
			return path.Root(p[:i]).AtName(p[i+1:])
		}
	}
	return path.Root(p)
}

func (p *llmopsProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		withIdentity(NewTracingProviderResource, identity{keys: []identityKey{{name: "type", desc: "Platform type, e.g. langfuse."},
			{name: "name", desc: "The tracing provider's name."}}, importID: joinID("type", "name")}),
		withIdentity(NewCollectorResource, identity{keys: []identityKey{{name: "name", desc: "The collector's name."}}, importID: joinID("name")}),
		withIdentity(NewExporterImageResource, identity{keys: []identityKey{{name: "tag", desc: "The image tag."}}, importID: joinID("tag")}),
		withIdentity(NewReplicaSetResource, identity{keys: []identityKey{{name: "name", desc: "The set's (Compose service's) name."},
			{name: "project", desc: "The Compose project, when not the name.", optional: true}}, importID: replicaSetImportID}),
		withIdentity(NewFolderResource, identity{keys: []identityKey{{name: "uid", desc: "The folder's uid."}}, importID: joinID("uid")}),
		withIdentity(NewDashboardResource, identity{keys: []identityKey{{name: "uid", desc: "The dashboard's uid."}}, importID: joinID("uid")}),
		withIdentity(NewAlertRuleGroupResource, identity{keys: []identityKey{{name: "folder_uid", desc: "The Grafana folder holding the group."},
			{name: "name", desc: "The group's name."}}, importID: joinID("folder_uid", "name")}),
		withIdentity(NewContactPointResource, identity{keys: []identityKey{{name: "uid", desc: "The Grafana contact point's uid."},
			{name: "name", desc: "The contact point's name.", optional: true}}, importID: joinID("uid")}),
		withIdentity(NewNotificationPolicyResource, identity{keys: []identityKey{{name: "matchers", state: "id",
			desc: `The route's sorted matchers, e.g. severity="critical",team="llm".`}}, importID: joinID("matchers")}),
		withIdentity(NewDifyAppTracingResource, identity{keys: []identityKey{{name: "app_id", desc: "The Dify app's id."},
			{name: "tracing_provider", desc: "Dify's tracing provider name."}}, importID: joinID("app_id", "tracing_provider")}),
	}
}

func (p *llmopsProvider) DataSources(context.Context) []func() datasource.DataSource {
	return nil
}
