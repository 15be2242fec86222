package provider

import (
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/llmops/terraform-provider-llmops/internal/alerting"
)

func alertRuleGroupSchema() schema.Schema {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	return schema.Schema{
		Version: 1, // 1: grafana_managed chooses Grafana (0: folder_uid alone did)
		MarkdownDescription: "One group of alert rules from the seed's KPIs (presets) or raw PromQL, rendered twice from one declaration: " +
			"a Prometheus rules file (`rules_yaml`, optionally written to `rules_file`) that `promtool check rules` accepts, and, " +
			"with `grafana_managed = true`, a Grafana-managed rule group (query, reduce, threshold) in `folder_uid` through Grafana's provisioning API. " +
			"Every expression is parsed with Prometheus's PromQL parser at plan time.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Required:            true,
				PlanModifiers:       replace,
				MarkdownDescription: "Group name (Prometheus group name, Grafana rule group title).",
			},
			"interval": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("1m"),
				MarkdownDescription: "Evaluation interval, a multiple of 10s; default `1m`.",
			},
			"grafana_managed": schema.BoolAttribute{
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
				PlanModifiers:       []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
				MarkdownDescription: "Also create the group in Grafana (provisioning API), in `folder_uid`, querying `datasource_uid`; needs the provider's `grafana` block. Default false: Prometheus rules only. The same switch as in `llmops_contact_point` and `llmops_notification_policy`.",
			},
			"folder_uid": schema.StringAttribute{
				Optional:            true,
				PlanModifiers:       replace,
				MarkdownDescription: "Grafana folder of the Grafana-managed group: required with `grafana_managed = true`, refused without it.",
			},
			"datasource_uid": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "uid of the Prometheus data source Grafana evaluates the queries with.",
			},
			"grafana_editable": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
				MarkdownDescription: "Grafana-managed rules: keep them editable in Grafana's UI (sent with `X-Disable-Provenance`; an edit there is drift that apply reverts). " +
					"`false` locks them in the UI (provenance `api`). Default true.",
			},
			"rules_file": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Also write `rules_yaml` to this path (for Prometheus's `rule_files`). Deleting the file outside Terraform is drift.",
			},
			"rule": schema.ListNestedAttribute{
				Required:            true,
				Validators:          []validator.List{listvalidator.SizeAtLeast(1)},
				MarkdownDescription: "The rules, each a `preset` with overrides or a raw `expr`.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"preset": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "One of `" + strings.Join(alerting.AllPresets(), "`, `") + "`; see the guide \"Dashboards and alerts\" for each one's PromQL and defaults. " +
							"`availability_slo` and `latency_slo` render multiwindow burn-rate alerts on an error budget (guide section \"SLOs\").",
					},
					"name": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Alert name; presets have one (e.g. `LLMP95LatencyHigh`). Required for raw rules.",
					},
					"expr": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Raw rules: the PromQL *value*; the rule fires when `(expr) operator threshold` holds for `for`.",
					},
					"operator": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Raw rules: `>` (default) or `<`.",
					},
					"threshold": schema.Float64Attribute{
						Optional:            true,
						MarkdownDescription: "Overrides the preset's threshold (raw rules: default 0). `latency_slo`: the latency in seconds a good call stays under (default 5), a boundary of `llm_request_duration_seconds`.",
					},
					"objective": schema.Float64Attribute{
						Optional:            true,
						MarkdownDescription: "SLO presets: the target share of good events, 0 < objective < 1 (99.9 % is `0.999`). Defaults: `availability_slo` 0.999, `latency_slo` 0.95.",
					},
					"slo_window": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "SLO presets: the window the error budget spans, `3d` to `365d` (default `30d`); the burn-rate factors scale with it.",
					},
					"for": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "How long the condition must hold, e.g. `5m`; overrides the preset's.",
					},
					"severity": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "The `severity` label; presets default to `warning` or `critical`.",
					},
					"selector": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "PromQL label matchers added to every metric of the preset, e.g. `service=\"dify-api\", app!=\"\"`.",
					},
					"variant": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "`memory` preset: `cadvisor` (default) or `node_exporter`.",
					},
					"labels": schema.MapAttribute{
						Optional:            true,
						ElementType:         types.StringType,
						MarkdownDescription: "Extra labels (routing).",
					},
					"annotations": schema.MapAttribute{
						Optional:            true,
						ElementType:         types.StringType,
						MarkdownDescription: "Annotations; override the preset's `summary` and `description`.",
					},
					"runbook_url": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Sets the `runbook_url` annotation.",
					},
				}},
			},
			"rules_yaml": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The Prometheus rules file for this group.",
			},
			"grafana_rules": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The Grafana rule group fields this provider owns, as JSON (null without `grafana_managed`): an edit in Grafana shows here.",
			},
		},
	}
}
