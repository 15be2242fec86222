package provider

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/llmops/terraform-provider-llmops/internal/alerting"
	"github.com/llmops/terraform-provider-llmops/internal/dashboard"
	"github.com/llmops/terraform-provider-llmops/internal/grafana"
)

var (
	_ resource.ResourceWithConfigure      = (*dashboardResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*dashboardResource)(nil)
	_ resource.ResourceWithImportState    = (*dashboardResource)(nil)
	_ resource.ResourceWithValidateConfig = (*dashboardResource)(nil)
)

type dashboardResource struct{ base[dashboardModel] }

// NewDashboardResource is the resource constructor.
func NewDashboardResource() resource.Resource {
	r := &dashboardResource{}
	r.base = base[dashboardModel]{typeName: "dashboard", onApply: r.apply, onRead: r.read, onDelete: r.delete}
	return r
}

type dashboardModel struct {
	UID              types.String  `tfsdk:"uid"`
	Title            types.String  `tfsdk:"title"`
	FolderUID        types.String  `tfsdk:"folder_uid"`
	Tags             types.List    `tfsdk:"tags"`
	Refresh          types.String  `tfsdk:"refresh"`
	TimeFrom         types.String  `tfsdk:"time_from"`
	TimeTo           types.String  `tfsdk:"time_to"`
	Presets          types.List    `tfsdk:"presets"`
	ExtraPanels      types.List    `tfsdk:"extra_panels"`
	LatencyThreshold types.Float64 `tfsdk:"latency_threshold_seconds"`
	Availability     types.Float64 `tfsdk:"availability_target"`
	AlertRulesYAML   types.String  `tfsdk:"alert_rules_yaml"`
	ProvisioningDir  types.String  `tfsdk:"provisioning_dir"`
	GrafanaDir       types.String  `tfsdk:"grafana_provisioning_dir"`
	JSON             types.String  `tfsdk:"json"`
	URL              types.String  `tfsdk:"url"`
	Version          types.Int64   `tfsdk:"version"`
}

func (r *dashboardResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = dashboardSchema()
}

// options maps the model to the builder's options.
func (m *dashboardModel) options(ctx context.Context, diags *diag.Diagnostics) dashboard.Options {
	o := dashboard.Options{UID: m.UID.ValueString(), Title: m.Title.ValueString(), Refresh: m.Refresh.ValueString(),
		From: m.TimeFrom.ValueString(), To: m.TimeTo.ValueString(),
		LatencyThreshold: m.LatencyThreshold.ValueFloat64(), AvailabilityTarget: m.Availability.ValueFloat64()}
	diags.Append(m.Tags.ElementsAs(ctx, &o.Tags, false)...)
	diags.Append(m.Presets.ElementsAs(ctx, &o.Presets, false)...)
	diags.Append(m.ExtraPanels.ElementsAs(ctx, &o.ExtraPanels, false)...)
	if y := m.AlertRulesYAML.ValueString(); y != "" {
		th, err := alerting.ThresholdsFromRules(y)
		if err != nil {
			diags.AddAttributeError(path.Root("alert_rules_yaml"), "Invalid alert_rules_yaml", err.Error()+" (give an llmops_alert_rule_group's rules_yaml)")
		}
		o.Thresholds = th
	}
	return o
}

func (m *dashboardModel) known() bool {
	for _, v := range []interface{ IsUnknown() bool }{m.UID, m.Title, m.Tags, m.Refresh, m.TimeFrom, m.TimeTo, m.Presets, m.ExtraPanels, m.LatencyThreshold, m.Availability, m.AlertRulesYAML} {
		if v.IsUnknown() {
			return false
		}
	}
	return true
}

func (m *dashboardModel) provisioning() dashboard.Provisioning {
	return dashboard.Provisioning{Dir: m.ProvisioningDir.ValueString(), GrafanaDir: m.GrafanaDir.ValueString(), FolderUID: m.FolderUID.ValueString()}
}

// build renders the dashboard, reporting a builder error on its attribute.
func (m *dashboardModel) build(ctx context.Context, diags *diag.Diagnostics) []byte {
	o := m.options(ctx, diags)
	if diags.HasError() {
		return nil
	}
	raw, err := dashboard.Build(o)
	var fe *dashboard.FieldError
	switch {
	case errors.As(err, &fe):
		p := path.Root(fe.Field)
		if fe.Field != "uid" && fe.Field != "title" && fe.Field != "presets" {
			p = path.Root("extra_panels")
		}
		diags.AddAttributeError(p, "Invalid dashboard", fe.Error())
	case err != nil:
		diags.AddError("Cannot build dashboard", err.Error())
	}
	return raw
}

// ValidateConfig builds the dashboard as the plan would (schema defaults
// filled in), so terraform validate refuses what the builder would.
func (r *dashboardResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var diags diag.Diagnostics
	st := withDefaults(ctx, dashboardSchema(), req.Config, &diags)
	var m dashboardModel
	if diags.Append(st.Get(ctx, &m)...); diags.HasError() || !m.known() {
		resp.Diagnostics.Append(diags...)
		return
	}
	m.build(ctx, &diags)
	resp.Diagnostics.Append(withoutRefused(diags, refusedBySchema(ctx, dashboardSchema(), req.Config))...)
}

func (r *dashboardResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan, state dashboardModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !plan.known() {
		return
	}
	if plan.ProvisioningDir.IsNull() && r.meta != nil {
		if _, err := r.meta.Grafana(); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("provisioning_dir"), "No dashboard target",
				"Set provisioning_dir to write Grafana provisioning files, or configure the provider's grafana block: "+err.Error())
			return
		}
	}
	raw := plan.build(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	owned, err := dashboard.Owned(raw, raw)
	if err != nil {
		resp.Diagnostics.AddError("Cannot build dashboard", err.Error())
		return
	}
	plan.JSON = types.StringValue(owned)
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if state.JSON.Equal(plan.JSON) && state.FolderUID.Equal(plan.FolderUID) {
			plan.URL, plan.Version = state.URL, state.Version
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// apply writes the dashboard to Grafana, or to its provisioning files.
func (r *dashboardResource) apply(ctx context.Context, op applyOp[dashboardModel], diags *diag.Diagnostics) (dashboardModel, bool) {
	m := op.Plan
	raw := m.build(ctx, diags)
	if diags.HasError() {
		return m, false
	}
	owned, _ := dashboard.Owned(raw, raw)
	m.JSON = types.StringValue(owned)
	if !m.ProvisioningDir.IsNull() {
		pr := m.provisioning()
		if err := pr.Write(m.UID.ValueString(), pretty(raw)); err != nil {
			diags.AddAttributeError(path.Root("provisioning_dir"), "Cannot write provisioning files", err.Error())
			return m, false
		}
		_, file := pr.Paths(m.UID.ValueString())
		m.URL, m.Version = types.StringValue(file), types.Int64Value(0)
		return m, true
	}
	c := r.meta.grafanaOrDiag(diags)
	if c == nil {
		return m, false
	}
	d, err := c.SaveDashboard(ctx, raw, m.FolderUID.ValueString(), "terraform-provider-llmops")
	if err != nil {
		diags.AddError("Cannot save dashboard", err.Error())
		return m, false
	}
	m.URL, m.Version = types.StringValue(d.URL), types.Int64Value(d.Version)
	return m, true
}

func pretty(raw []byte) []byte {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return raw
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return raw
	}
	return b
}

func (r *dashboardResource) read(ctx context.Context, m dashboardModel, diags *diag.Diagnostics) (dashboardModel, bool) {
	remote, found := r.remote(ctx, &m, diags)
	if diags.HasError() {
		return m, false
	}
	if !found {
		return m, true
	}
	if m.Title.IsNull() { // import: adopt what is there, keep our defaults for the rest
		adoptDashboard(&m, remote)
	}
	shape := m.build(ctx, diags)
	if diags.HasError() {
		return m, false
	}
	owned, err := dashboard.Owned(remote, shape)
	if err != nil {
		diags.AddError("Cannot read dashboard", err.Error())
		return m, false
	}
	m.JSON = types.StringValue(owned)
	return m, false
}

// remote reads the dashboard from its target and updates folder, url and
// version from Grafana.
func (r *dashboardResource) remote(ctx context.Context, m *dashboardModel, diags *diag.Diagnostics) ([]byte, bool) {
	if !m.ProvisioningDir.IsNull() {
		b, found, err := m.provisioning().Read(m.UID.ValueString())
		if err != nil {
			diags.AddError("Cannot read provisioning files", err.Error())
		}
		return b, found
	}
	c := r.meta.grafanaOrDiag(diags)
	if c == nil {
		return nil, false
	}
	d, err := c.GetDashboard(ctx, m.UID.ValueString())
	if grafana.IsNotFound(err) {
		return nil, false
	}
	if err != nil {
		diags.AddError("Cannot read dashboard", err.Error())
		return nil, false
	}
	if d.FolderUID != "" || !m.FolderUID.IsNull() {
		m.FolderUID = types.StringValue(d.FolderUID)
	}
	m.URL, m.Version = types.StringValue(d.URL), types.Int64Value(d.Version)
	return d.JSON, true
}

// adoptDashboard fills an imported dashboard's settings from the stored JSON.
func adoptDashboard(m *dashboardModel, remote []byte) {
	var d struct {
		Title   string   `json:"title"`
		Tags    []string `json:"tags"`
		Refresh string   `json:"refresh"`
		Time    struct{ From, To string }
	}
	_ = json.Unmarshal(remote, &d)
	m.Title, m.Refresh = types.StringValue(d.Title), types.StringValue(d.Refresh)
	m.TimeFrom, m.TimeTo = types.StringValue(d.Time.From), types.StringValue(d.Time.To)
	if len(d.Tags) > 0 {
		m.Tags = stringList(d.Tags)
	}
}

func (r *dashboardResource) delete(ctx context.Context, m dashboardModel, diags *diag.Diagnostics) {
	if !m.ProvisioningDir.IsNull() {
		if err := m.provisioning().Remove(m.UID.ValueString()); err != nil {
			diags.AddError("Cannot remove provisioning files", err.Error())
		}
		return
	}
	if c := r.meta.grafanaOrDiag(diags); c != nil {
		if err := c.DeleteDashboard(ctx, m.UID.ValueString()); err != nil {
			diags.AddError("Cannot delete dashboard", err.Error())
		}
	}
}

// ImportState takes a Grafana dashboard uid. The presets are assumed to be
// the defaults; the next plan shows any difference in `json`.
func (r *dashboardResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importState(ctx, dashboardSchema(), resp, map[string]any{"uid": req.ID})
}
