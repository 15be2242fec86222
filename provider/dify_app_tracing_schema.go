package provider

import (
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/llmops/terraform-provider-llmops/internal/difyconsole"
)

func difyAppTracingSchema() schema.Schema {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	return schema.Schema{
		MarkdownDescription: "One Dify app's tracing configuration, through Dify's console API (the provider's `dify` block): which of Dify's " +
			"tracing providers it uses and with which settings, typically Dify's Phoenix, Aliyun or Langfuse provider pointed at an " +
			"`llmops_collector`. Dify checks the credentials itself, from the Dify server, when the configuration is created. " +
			"A provider switched, tracing turned off, or a setting changed in Dify's UI is drift that apply restores; " +
			"Dify's masked read-back of secrets never causes a diff.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
				MarkdownDescription: "`<app_id>/<tracing_provider>` (the import ID).",
			},
			"app_id": schema.StringAttribute{
				Required:            true,
				PlanModifiers:       replace,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				MarkdownDescription: "The Dify app's ID (from its URL in the console).",
			},
			"tracing_provider": schema.StringAttribute{
				Required:            true,
				PlanModifiers:       replace,
				Validators:          []validator.String{oneOfValues(difyconsole.ProviderNames()...)},
				MarkdownDescription: "Dify's tracing provider: `" + strings.Join(difyconsole.ProviderNames(), "`, `") + "`.",
			},
			"enabled": schema.BoolAttribute{
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(true),
				MarkdownDescription: "Turn the app's tracing on with this provider (default true). Dify traces an app to one provider at a time.",
			},
			"collector": schema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "An `llmops_collector`'s `dify_env`: fills the provider's endpoint setting (`endpoint`, or `host` for Langfuse) with the collector's OTLP/HTTP address.",
			},
			"settings": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "The provider's non-secret settings as Dify names them, e.g. `project` and `endpoint` (phoenix), `app_name` and `endpoint` (aliyun), " +
					"`public_key` and `host` (langfuse), `space_id` and `project` (arize), `project` and `workspace` (opik), `entity` and `project` (weave), " +
					"`tracking_uri`, `experiment_id` and `username` (mlflow), `host`, `experiment_id` and `client_id` (databricks; no `collector` for these two: Dify writes through MLflow's API).",
			},
			"secret_wo": schema.StringAttribute{
				Optional:  true,
				WriteOnly: true,
				Sensitive: true,
				MarkdownDescription: "The provider's secret: `api_key` (phoenix, arize, langsmith, opik, weave), `license_key` (aliyun; the exporter's token when " +
					"pointing at a collector), `secret_key` (langfuse), `token` (tencent), `password` (mlflow), `personal_access_token` (databricks), or `client_secret` " +
					"(databricks with `client_id`). Write-only; bump `secret_wo_version` to send a new one.",
			},
			"secret_wo_version": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "Bump when `secret_wo` changes.",
			},
			"effective_settings": schema.MapAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "The non-secret settings Dify holds (settings plus the collector's endpoint); an edit in Dify's UI shows here.",
			},
		},
	}
}
