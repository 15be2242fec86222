package provider

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/llmops/terraform-provider-llmops/internal/alerting"
	"github.com/llmops/terraform-provider-llmops/internal/atomicfile"
	"github.com/llmops/terraform-provider-llmops/internal/grafana"
)

var (
	_ resource.ResourceWithConfigure      = (*alertRuleGroupResource)(nil)
	_ resource.ResourceWithValidateConfig = (*alertRuleGroupResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*alertRuleGroupResource)(nil)
	_ resource.ResourceWithImportState    = (*alertRuleGroupResource)(nil)
)

type alertRuleGroupResource struct{ base[alertRuleGroupModel] }

// NewAlertRuleGroupResource is the resource constructor.
func NewAlertRuleGroupResource() resource.Resource {
	r := &alertRuleGroupResource{}
	r.base = base[alertRuleGroupModel]{typeName: "alert_rule_group", onApply: r.apply, onRead: r.read, onDelete: r.delete}
	return r
}

func (r *alertRuleGroupResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = alertRuleGroupSchema()
}

func (r *alertRuleGroupResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	if rulesUnknown(ctx, req.Config) {
		return // built from values known later (a module's variables): checked at plan
	}
	var m alertRuleGroupModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if !resp.Diagnostics.HasError() {
		m.resolve(ctx, &resp.Diagnostics)
	}
}

func (r *alertRuleGroupResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || rulesUnknown(ctx, req.Plan) {
		return // rules_yaml and grafana_rules stay unknown until the rules are known
	}
	var plan alertRuleGroupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.Managed.ValueBool() && r.meta != nil {
		if _, err := r.meta.Grafana(); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("grafana_managed"), "Grafana not configured", err.Error())
			return
		}
	}
	res, ok := plan.resolve(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	plan.RulesYAML, plan.GrafanaRules = types.StringValue(res.yaml), res.grafana
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// apply writes the group to its targets (a rules file, a Grafana folder)
// and, when an Update moved the rules file, removes the old one.
func (r *alertRuleGroupResource) apply(ctx context.Context, op applyOp[alertRuleGroupModel], diags *diag.Diagnostics) (alertRuleGroupModel, bool) {
	m := op.Plan
	res, ok := m.resolve(ctx, diags)
	if !ok {
		if !diags.HasError() {
			diags.AddError("Cannot render alert rules", "a value is still unknown at apply time")
		}
		return m, false
	}
	if !r.write(ctx, m, res, diags) {
		return m, false
	}
	if p := op.Prior; p != nil && !p.RulesFile.IsNull() && !p.RulesFile.Equal(m.RulesFile) {
		removeFile(p.RulesFile.ValueString(), diags)
	}
	m.RulesYAML, m.GrafanaRules = types.StringValue(res.yaml), res.grafana
	return m, true
}

// write puts the resolved group in each target m names.
func (r *alertRuleGroupResource) write(ctx context.Context, m alertRuleGroupModel, res resolved, diags *diag.Diagnostics) bool {
	if !m.RulesFile.IsNull() {
		if err := atomicfile.Write(m.RulesFile.ValueString(), []byte(res.yaml)); err != nil {
			diags.AddAttributeError(path.Root("rules_file"), "Cannot write rules file", err.Error())
			return false
		}
	}
	if !m.Managed.ValueBool() {
		return true
	}
	c := r.meta.grafanaOrDiag(diags)
	if c == nil {
		return false
	}
	if err := c.PutRuleGroup(ctx, alerting.GrafanaGroup(res.group, m.FolderUID.ValueString(), m.DatasourceUID.ValueString()), m.Editable.ValueBool()); err != nil {
		diags.AddError("Cannot save Grafana rule group", err.Error())
		return false
	}
	return true
}

func (r *alertRuleGroupResource) read(ctx context.Context, m alertRuleGroupModel, diags *diag.Diagnostics) (alertRuleGroupModel, bool) {
	gone := true // gone when none of its targets exists any more
	if !m.RulesFile.IsNull() {
		b, err := os.ReadFile(m.RulesFile.ValueString())
		switch {
		case errors.Is(err, fs.ErrNotExist):
			m.RulesYAML = types.StringValue("")
		case err != nil:
			diags.AddAttributeError(path.Root("rules_file"), "Cannot read rules file", err.Error())
			return m, false
		default:
			gone = false
			m.RulesYAML = types.StringValue(string(b))
		}
	}
	if m.Managed.ValueBool() {
		c := r.meta.grafanaOrDiag(diags)
		if c == nil {
			return m, false
		}
		g, err := c.GetRuleGroup(ctx, m.FolderUID.ValueString(), m.Name.ValueString())
		switch {
		case grafana.IsNotFound(err):
			m.GrafanaRules = types.StringValue("")
		case err != nil:
			diags.AddError("Cannot read Grafana rule group", err.Error())
			return m, false
		default:
			gone = false
			s, err := grafana.CanonicalGroup(g)
			if err != nil {
				diags.AddError("Cannot read Grafana rule group", err.Error())
				return m, false
			}
			m.GrafanaRules = types.StringValue(s)
		}
	}
	if gone && (!m.RulesFile.IsNull() || m.Managed.ValueBool()) {
		return m, true
	}
	return m, false
}

func (r *alertRuleGroupResource) delete(ctx context.Context, m alertRuleGroupModel, diags *diag.Diagnostics) {
	if !m.RulesFile.IsNull() {
		removeFile(m.RulesFile.ValueString(), diags)
	}
	if m.Managed.ValueBool() {
		if c := r.meta.grafanaOrDiag(diags); c != nil {
			if err := c.DeleteRuleGroup(ctx, m.FolderUID.ValueString(), m.Name.ValueString()); err != nil {
				diags.AddError("Cannot delete Grafana rule group", err.Error())
			}
		}
	}
}

// ImportState takes "<folder_uid>/<group name>" of a Grafana-managed group.
// Rules cannot be turned back into presets: the next plan shows the
// declared rules replacing what Grafana holds.
func (r *alertRuleGroupResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	folder, name, ok := strings.Cut(req.ID, "/")
	if !ok || folder == "" || name == "" {
		resp.Diagnostics.AddError("Invalid import ID", `expected "<folder_uid>/<group name>", got "`+req.ID+`"`)
		return
	}
	importState(ctx, alertRuleGroupSchema(), resp, map[string]any{"folder_uid": folder, "name": name, "grafana_managed": true})
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("grafana_editable"), true)...)
}

func removeFile(name string, diags *diag.Diagnostics) {
	if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		diags.AddAttributeError(path.Root("rules_file"), "Cannot remove rules file", err.Error())
	}
}

// rulesUnknown reports whether the rule list, or one of its rules, is not
// known yet: the typed model cannot hold it.
func rulesUnknown(ctx context.Context, src interface {
	GetAttribute(context.Context, path.Path, any) diag.Diagnostics
}) bool {
	var rules types.List
	if d := src.GetAttribute(ctx, path.Root("rule"), &rules); d.HasError() {
		return false
	}
	if rules.IsUnknown() {
		return true
	}
	for _, e := range rules.Elements() {
		if e.IsUnknown() {
			return true
		}
	}
	return false
}
