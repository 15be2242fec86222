package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/prometheus/common/model"

	"github.com/llmops/terraform-provider-llmops/internal/alerting"
	"github.com/llmops/terraform-provider-llmops/internal/grafana"
)

type alertRuleGroupModel struct {
	Name          types.String     `tfsdk:"name"`
	Interval      types.String     `tfsdk:"interval"`
	Managed       types.Bool       `tfsdk:"grafana_managed"`
	FolderUID     types.String     `tfsdk:"folder_uid"`
	DatasourceUID types.String     `tfsdk:"datasource_uid"`
	RulesFile     types.String     `tfsdk:"rules_file"`
	Editable      types.Bool       `tfsdk:"grafana_editable"`
	Rule          []alertRuleModel `tfsdk:"rule"`
	RulesYAML     types.String     `tfsdk:"rules_yaml"`
	GrafanaRules  types.String     `tfsdk:"grafana_rules"`
}

type alertRuleModel struct {
	Preset      types.String  `tfsdk:"preset"`
	Name        types.String  `tfsdk:"name"`
	Expr        types.String  `tfsdk:"expr"`
	Operator    types.String  `tfsdk:"operator"`
	Threshold   types.Float64 `tfsdk:"threshold"`
	Objective   types.Float64 `tfsdk:"objective"`
	SLOWindow   types.String  `tfsdk:"slo_window"`
	For         types.String  `tfsdk:"for"`
	Severity    types.String  `tfsdk:"severity"`
	Selector    types.String  `tfsdk:"selector"`
	Variant     types.String  `tfsdk:"variant"`
	Labels      types.Map     `tfsdk:"labels"`
	Annotations types.Map     `tfsdk:"annotations"`
	RunbookURL  types.String  `tfsdk:"runbook_url"`
}

// resolved is a group rendered for both targets.
type resolved struct {
	group   alerting.Group
	yaml    string
	grafana types.String
}

// resolve validates the group and renders it; every problem lands on its
// attribute path (rule[i].field). ok is false when something is unknown
// until apply, or invalid.
func (m *alertRuleGroupModel) resolve(ctx context.Context, diags *diag.Diagnostics) (resolved, bool) {
	var out resolved
	if m.Name.IsUnknown() || m.Interval.IsUnknown() || m.Managed.IsUnknown() || m.FolderUID.IsUnknown() || m.DatasourceUID.IsUnknown() || m.Rule == nil {
		return out, false
	}
	if !m.grafanaTargetValid(diags) {
		return out, false
	}
	iv := m.Interval.ValueString()
	if m.Interval.IsNull() { // ValidateConfig sees the config, before the default
		iv = "1m"
	}
	interval, err := model.ParseDuration(iv)
	if err != nil {
		diags.AddAttributeError(path.Root("interval"), "Invalid interval", err.Error())
		return out, false
	}
	var specs []alerting.Spec
	for i, r := range m.Rule {
		s, ok := r.spec(ctx, path.Root("rule").AtListIndex(i), diags)
		if !ok {
			return out, false
		}
		specs = append(specs, s)
	}
	g, errs := alerting.Resolve(m.Name.ValueString(), time.Duration(interval), specs)
	for _, e := range errs {
		if e.Index >= 0 {
			addAttrError(diags, path.Root("rule").AtListIndex(e.Index).AtName(e.Field), "Invalid alert rule", e.Err.Error())
		} else {
			addAttrError(diags, path.Root(e.Field), "Invalid alert rule", e.Error())
		}
	}
	if len(errs) > 0 {
		return out, false
	}
	y, err := alerting.RulesYAML(g)
	if err != nil {
		diags.AddError("Invalid alert rules", err.Error())
		return out, false
	}
	out.group, out.yaml, out.grafana = g, string(y), types.StringNull()
	if m.Managed.ValueBool() {
		if m.DatasourceUID.IsNull() {
			diags.AddAttributeError(path.Root("datasource_uid"), "Missing datasource_uid",
				"Grafana-managed rules (grafana_managed = true) need the uid of the Prometheus data source to query.")
			return out, false
		}
		c, err := grafana.CanonicalGroup(alerting.GrafanaGroup(g, m.FolderUID.ValueString(), m.DatasourceUID.ValueString()))
		if err != nil {
			diags.AddError("Cannot render Grafana rules", err.Error())
			return out, false
		}
		out.grafana = types.StringValue(c)
	}
	return out, true
}

func (r alertRuleModel) spec(ctx context.Context, p path.Path, diags *diag.Diagnostics) (alerting.Spec, bool) {
	for _, v := range []interface{ IsUnknown() bool }{r.Preset, r.Name, r.Expr, r.Operator, r.Threshold, r.Objective, r.SLOWindow, r.For, r.Severity,
		r.Selector, r.Variant, r.Labels, r.Annotations, r.RunbookURL} {
		if v.IsUnknown() {
			return alerting.Spec{}, false
		}
	}
	s := alerting.Spec{Preset: r.Preset.ValueString(), Name: r.Name.ValueString(), Expr: r.Expr.ValueString(), Operator: r.Operator.ValueString(),
		Severity: r.Severity.ValueString(), Selector: r.Selector.ValueString(), Variant: r.Variant.ValueString()}
	if !r.Threshold.IsNull() {
		v := r.Threshold.ValueFloat64()
		s.Threshold = &v
	}
	if !r.Objective.IsNull() {
		v := r.Objective.ValueFloat64()
		s.Objective = &v
	}
	var ok bool
	if s.SLOWindow, ok = promDuration(p.AtName("slo_window"), r.SLOWindow, "28d or 30d", diags); !ok {
		return s, false
	}
	if s.For, ok = promDuration(p.AtName("for"), r.For, "30s, 5m or 1h", diags); !ok {
		return s, false
	}
	diags.Append(r.Labels.ElementsAs(ctx, &s.Labels, false)...)
	diags.Append(r.Annotations.ElementsAs(ctx, &s.Annotations, false)...)
	if !r.RunbookURL.IsNull() {
		if s.Annotations == nil {
			s.Annotations = map[string]string{}
		}
		s.Annotations["runbook_url"] = r.RunbookURL.ValueString()
	}
	return s, !diags.HasError()
}

// promDuration parses a Prometheus duration attribute (nil when null).
func promDuration(p path.Path, v types.String, like string, diags *diag.Diagnostics) (*time.Duration, bool) {
	if v.IsNull() {
		return nil, true
	}
	d, err := model.ParseDuration(v.ValueString())
	if err != nil {
		addAttrError(diags, p, "Invalid duration", fmt.Sprintf("%q is not a duration like %s: %v", v.ValueString(), like, err))
		return nil, false
	}
	td := time.Duration(d)
	return &td, true
}

// grafanaTargetValid checks the Grafana target, chosen as in every Grafana
// alerting resource by grafana_managed: a folder is needed with it and
// means nothing without it (before 0.1.0, folder_uid alone chose Grafana).
// Each error is on the attribute the configuration has.
func (m *alertRuleGroupModel) grafanaTargetValid(diags *diag.Diagnostics) bool {
	switch managed := m.Managed.ValueBool(); {
	case managed && m.FolderUID.IsNull():
		diags.AddAttributeError(path.Root("grafana_managed"), "Missing folder_uid",
			"Grafana-managed rules (grafana_managed = true) go to a Grafana folder: set folder_uid.")
		return false
	case !managed && !m.FolderUID.IsNull():
		diags.AddAttributeError(path.Root("folder_uid"), "folder_uid without grafana_managed",
			"folder_uid is only used by Grafana-managed rules: set grafana_managed = true to put the group in Grafana "+
				"(as in llmops_contact_point and llmops_notification_policy), or remove folder_uid for Prometheus rules only.")
		return false
	}
	return true
}
