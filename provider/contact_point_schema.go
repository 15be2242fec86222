package provider

import (
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/llmops/terraform-provider-llmops/internal/alerting"
)

func contactPointSchema() schema.Schema {
	return schema.Schema{
		MarkdownDescription: "Where alerts are sent: webhook, email, Slack, PagerDuty, DingTalk or WeCom. Always renders an Alertmanager " +
			"`receivers:` fragment (`alertmanager_yaml`, secrets as `*_file` references); with `grafana_managed = true` it is also a " +
			"Grafana contact point (needs the provider's `grafana` block). The secret is write-only: it is sent to Grafana and never " +
			"stored in state or shown in plans; bump `secret_wo_version` to send a new one.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Contact point (receiver) name; notification policies route to it by this name.",
			},
			"type": schema.StringAttribute{
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				MarkdownDescription: "One of `" + strings.Join(alerting.ContactPointTypes(), "`, `") + "`.",
			},
			"url": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "`webhook`: the URL alerts are posted to. `dingtalk`, `wecom`: the webhook bridge Alertmanager posts to " +
					"(Alertmanager has no DingTalk or WeCom robot receiver; e.g. prometheus-webhook-dingtalk). Grafana posts to the robot URL in `secret_wo`.",
			},
			"addresses": schema.ListAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "`email`: recipients.",
			},
			"channel": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "`slack`: channel, e.g. `#llm-alerts` (default: the webhook's).",
			},
			"settings": schema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Extra non-secret settings: Grafana integration settings (e.g. `title`, `message`), and for Alertmanager email `from` and `smarthost`.",
			},
			"secret_wo": schema.StringAttribute{
				Optional:  true,
				WriteOnly: true,
				Sensitive: true,
				MarkdownDescription: "Write-only secret sent to Grafana: webhook bearer token (optional), Slack incoming-webhook URL, PagerDuty routing key, " +
					"DingTalk or WeCom robot URL. Never in state or plans; Grafana redacts it on read, so a change made in Grafana is not seen.",
			},
			"secret_wo_version": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "Bump to send a new `secret_wo` (write-only values are not compared).",
			},
			"secret_file": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Alertmanager: the file it reads the secret from (`credentials_file`, `api_url_file`, `routing_key_file`). Required for slack and pagerduty without Grafana.",
			},
			"disable_resolve_message": schema.BoolAttribute{
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
				MarkdownDescription: "Do not notify when an alert resolves.",
			},
			"grafana_managed": schema.BoolAttribute{
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
				PlanModifiers:       []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
				MarkdownDescription: "Also create it in Grafana (provisioning API). Default false: Alertmanager fragment only.",
			},
			"uid": schema.StringAttribute{
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
				MarkdownDescription: "Grafana's uid (empty when not Grafana-managed).",
			},
			"alertmanager_yaml": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Alertmanager `receivers:` fragment; merge its list into your `alertmanager.yml` (see the guide).",
			},
			"grafana_settings": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "What this provider owns of the Grafana contact point (name, type, non-secret settings) as JSON; an edit in Grafana shows here.",
			},
		},
	}
}
