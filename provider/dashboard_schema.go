package provider

import (
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/float64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/llmops/terraform-provider-llmops/internal/dashboard"
)

func dashboardSchema() schema.Schema {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	return schema.Schema{
		MarkdownDescription: "A Grafana dashboard for LLM apps over llmops-exporter's metrics, built from presets plus your own panels. " +
			"Saved through the Grafana API when the provider has a `grafana` block, or written as Grafana file-provisioning " +
			"files when `provisioning_dir` is set (no Grafana API needed). Fields Grafana adds or migrates never show a diff; " +
			"an edit made in Grafana does, and apply restores the declared dashboard.",
		Attributes: map[string]schema.Attribute{
			"uid": schema.StringAttribute{
				Required:            true,
				Validators:          uidValidators(),
				PlanModifiers:       replace,
				MarkdownDescription: "Dashboard uid (1-40 of `A-Za-z0-9-_`). Changing it replaces the dashboard.",
			},
			"title": schema.StringAttribute{
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				MarkdownDescription: "Dashboard title.",
			},
			"folder_uid": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Folder uid, e.g. `llmops_folder.x.uid`. Empty: the General folder.",
			},
			"tags": schema.ListAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Dashboard tags.",
			},
			"refresh": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("1m"),
				MarkdownDescription: "Auto-refresh interval; default `1m`.",
			},
			"time_from": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("now-6h"),
				MarkdownDescription: "Start of the default time range; default `now-6h`.",
			},
			"time_to": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("now"),
				MarkdownDescription: "End of the default time range; default `now`.",
			},
			"presets": schema.ListAttribute{
				Optional:    true,
				Computed:    true,
				ElementType: types.StringType,
				Default:     listdefault.StaticValue(stringList(dashboard.Presets())),
				Validators:  []validator.List{listvalidator.ValueStringsAre(oneOfValues(dashboard.AllPresets()...)), listvalidator.UniqueValues()},
				MarkdownDescription: "Preset panels, in dashboard order whatever the order here. Default: all of `" + strings.Join(dashboard.Presets(), "`, `") + "`. " +
					"Add `slo` for the error budget and burn rate of the SLO alert presets (`availability_slo`, `latency_slo`). " +
					"See the guide \"Dashboards and alerts\" for each panel's PromQL.",
			},
			"extra_panels": schema.ListAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Your own panels, each a Grafana panel JSON object (e.g. `jsonencode({type = \"timeseries\", ...})`), placed below the presets; " +
					"an `id` and `gridPos` are assigned when missing.",
			},
			"latency_threshold_seconds": schema.Float64Attribute{
				Optional:            true,
				Computed:            true,
				Default:             float64default.StaticFloat64(5),
				MarkdownDescription: "The red line on the latency panel, in seconds; default 5 (the seed's P95 KPI).",
				Validators:          []validator.Float64{float64validator.AtLeast(0.001)},
			},
			"availability_target": schema.Float64Attribute{
				Optional:            true,
				Computed:            true,
				Default:             float64default.StaticFloat64(0.999),
				MarkdownDescription: "Below this the availability stat turns red: a share, 0.999 for 99.9 %; default 0.999.",
				Validators:          []validator.Float64{share{}},
			},
			"alert_rules_yaml": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "An `llmops_alert_rule_group`'s `rules_yaml`: the panels then draw that group's thresholds (latency, availability, error ratio, memory, queue backlog, cost, replicas up) " +
					"instead of the presets' defaults, so the dashboard's red is the alerts' red. A preset renamed or declared twice with different thresholds keeps its default line.",
			},
			"provisioning_dir": schema.StringAttribute{
				Optional:      true,
				PlanModifiers: replace,
				MarkdownDescription: "Write Grafana file-provisioning files here instead of calling the Grafana API: `llmops-<uid>.yaml` (the provider) and " +
					"`llmops-<uid>/<uid>.json`. Mount this directory as Grafana's `provisioning/dashboards`.",
			},
			"grafana_provisioning_dir": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("/etc/grafana/provisioning/dashboards"),
				MarkdownDescription: "`provisioning_dir` as Grafana sees it (the provider file points there); default `/etc/grafana/provisioning/dashboards`.",
			},
			"json": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The dashboard JSON fields this provider owns (without id, version, schemaVersion and what Grafana adds): a hand edit in Grafana shows here.",
			},
			"url": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Dashboard URL (Grafana API target), or the JSON file's path (provisioning target).",
			},
			"version": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "Grafana's version of the dashboard (0 for provisioning files).",
			},
		},
	}
}
