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

type alertRuleGroupResource struct{ meta *Meta }

// NewAlertRuleGroupResource is the resource constructor.
func NewAlertRuleGroupResource() resource.Resource { return &alertRuleGroupResource{} }

func (r *alertRuleGroupResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_alert_rule_group"
}

func (r *alertRuleGroupResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = alertRuleGroupSchema()
}

func (r *alertRuleGroupResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.meta = metaFrom(req, &resp.Diagnostics)
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
	if !plan.FolderUID.IsNull() && r.meta != nil {
		if _, err := r.meta.Grafana(); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("folder_uid"), "Grafana not configured", err.Error())
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

func (r *alertRuleGroupResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.apply(ctx, req.Plan, &resp.State, &resp.Diagnostics)
}

func (r *alertRuleGroupResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var prior alertRuleGroupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	r.apply(ctx, req.Plan, &resp.State, &resp.Diagnostics)
	var now alertRuleGroupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &now)...)
	if !resp.Diagnostics.HasError() && !prior.RulesFile.IsNull() && !prior.RulesFile.Equal(now.RulesFile) {
		removeFile(prior.RulesFile.ValueString(), &resp.Diagnostics)
	}
}

func (r *alertRuleGroupResource) apply(ctx context.Context, plan planGetter, state stateSetter, diags *diag.Diagnostics) {
	var m alertRuleGroupModel
	diags.Append(plan.Get(ctx, &m)...)
	if diags.HasError() {
		return
	}
	res, ok := m.resolve(ctx, diags)
	if !ok {
		if !diags.HasError() {
			diags.AddError("Cannot render alert rules", "a value is still unknown at apply time")
		}
		return
	}
	if !m.RulesFile.IsNull() {
		if err := atomicfile.Write(m.RulesFile.ValueString(), []byte(res.yaml)); err != nil {
			diags.AddAttributeError(path.Root("rules_file"), "Cannot write rules file", err.Error())
			return
		}
	}
	if !m.FolderUID.IsNull() {
		c := r.meta.grafanaOrDiag(diags)
		if c == nil {
			return
		}
		if err := c.PutRuleGroup(ctx, alerting.GrafanaGroup(res.group, m.FolderUID.ValueString(), m.DatasourceUID.ValueString()), m.Editable.ValueBool()); err != nil {
			diags.AddError("Cannot save Grafana rule group", err.Error())
			return
		}
	}
	m.RulesYAML, m.GrafanaRules = types.StringValue(res.yaml), res.grafana
	diags.Append(state.Set(ctx, &m)...)
}

func (r *alertRuleGroupResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m alertRuleGroupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	gone := true // gone when none of its targets exists any more
	if !m.RulesFile.IsNull() {
		b, err := os.ReadFile(m.RulesFile.ValueString())
		switch {
		case errors.Is(err, fs.ErrNotExist):
			m.RulesYAML = types.StringValue("")
		case err != nil:
			resp.Diagnostics.AddAttributeError(path.Root("rules_file"), "Cannot read rules file", err.Error())
			return
		default:
			gone = false
			m.RulesYAML = types.StringValue(string(b))
		}
	}
	if !m.FolderUID.IsNull() {
		c := r.meta.grafanaOrDiag(&resp.Diagnostics)
		if c == nil {
			return
		}
		g, err := c.GetRuleGroup(ctx, m.FolderUID.ValueString(), m.Name.ValueString())
		switch {
		case grafana.IsNotFound(err):
			m.GrafanaRules = types.StringValue("")
		case err != nil:
			resp.Diagnostics.AddError("Cannot read Grafana rule group", err.Error())
			return
		default:
			gone = false
			s, err := grafana.CanonicalGroup(g)
			if err != nil {
				resp.Diagnostics.AddError("Cannot read Grafana rule group", err.Error())
				return
			}
			m.GrafanaRules = types.StringValue(s)
		}
	}
	if gone && (!m.RulesFile.IsNull() || !m.FolderUID.IsNull()) {
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *alertRuleGroupResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var m alertRuleGroupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !m.RulesFile.IsNull() {
		removeFile(m.RulesFile.ValueString(), &resp.Diagnostics)
	}
	if !m.FolderUID.IsNull() {
		if c := r.meta.grafanaOrDiag(&resp.Diagnostics); c != nil {
			if err := c.DeleteRuleGroup(ctx, m.FolderUID.ValueString(), m.Name.ValueString()); err != nil {
				resp.Diagnostics.AddError("Cannot delete Grafana rule group", err.Error())
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
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("folder_uid"), folder)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("interval"), "1m")...)
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
