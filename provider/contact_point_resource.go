package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/llmops/terraform-provider-llmops/internal/alerting"
	"github.com/llmops/terraform-provider-llmops/internal/grafana"
)

var (
	_ resource.ResourceWithConfigure      = (*contactPointResource)(nil)
	_ resource.ResourceWithValidateConfig = (*contactPointResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*contactPointResource)(nil)
	_ resource.ResourceWithImportState    = (*contactPointResource)(nil)
)

type contactPointResource struct{ base[contactPointModel] }

// NewContactPointResource is the resource constructor.
func NewContactPointResource() resource.Resource {
	r := &contactPointResource{}
	r.base = base[contactPointModel]{typeName: "contact_point", onApply: r.apply, onRead: r.read, onDelete: r.delete}
	return r
}

type contactPointModel struct {
	Name            types.String `tfsdk:"name"`
	Type            types.String `tfsdk:"type"`
	URL             types.String `tfsdk:"url"`
	Addresses       types.List   `tfsdk:"addresses"`
	Channel         types.String `tfsdk:"channel"`
	Settings        types.Map    `tfsdk:"settings"`
	SecretWO        types.String `tfsdk:"secret_wo"`
	SecretWOVersion types.Int64  `tfsdk:"secret_wo_version"`
	SecretFile      types.String `tfsdk:"secret_file"`
	DisableResolve  types.Bool   `tfsdk:"disable_resolve_message"`
	GrafanaManaged  types.Bool   `tfsdk:"grafana_managed"`
	UID             types.String `tfsdk:"uid"`
	AlertmanagerYML types.String `tfsdk:"alertmanager_yaml"`
	GrafanaSettings types.String `tfsdk:"grafana_settings"`
}

func (r *contactPointResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = contactPointSchema()
}

func (m *contactPointModel) known() bool {
	for _, v := range []interface{ IsUnknown() bool }{m.Name, m.Type, m.URL, m.Addresses, m.Channel, m.Settings, m.SecretWO, m.SecretFile, m.DisableResolve, m.GrafanaManaged} {
		if v.IsUnknown() {
			return false
		}
	}
	return true
}

// contactPoint maps the model; secret is the write-only value from config.
func (m *contactPointModel) contactPoint(ctx context.Context, secret string, diags *diag.Diagnostics) alerting.ContactPoint {
	c := alerting.ContactPoint{Name: m.Name.ValueString(), Type: m.Type.ValueString(), URL: m.URL.ValueString(),
		Channel: m.Channel.ValueString(), SecretFile: m.SecretFile.ValueString(), Secret: secret, DisableResolve: m.DisableResolve.ValueBool()}
	diags.Append(m.Addresses.ElementsAs(ctx, &c.Addresses, false)...)
	diags.Append(m.Settings.ElementsAs(ctx, &c.Settings, false)...)
	return c
}

// render fills the computed attributes and validates; problems land on
// the attribute they concern.
func (m *contactPointModel) render(ctx context.Context, secret string, diags *diag.Diagnostics) (alerting.ContactPoint, bool) {
	c := m.contactPoint(ctx, secret, diags)
	if diags.HasError() {
		return c, false
	}
	grafanaManaged := m.GrafanaManaged.ValueBool()
	if fe := c.Validate(grafanaManaged); fe != nil {
		diags.AddAttributeError(path.Root(fe.Field), "Invalid contact point", fe.Err.Error())
		return c, false
	}
	y, err := c.AlertmanagerReceiver()
	if err != nil {
		diags.AddError("Cannot render contact point", err.Error())
		return c, false
	}
	m.AlertmanagerYML, m.GrafanaSettings = types.StringValue(string(y)), types.StringNull()
	if grafanaManaged {
		settings, secretKeys := c.GrafanaSettings()
		m.GrafanaSettings = types.StringValue(grafana.CanonicalContactPoint(grafana.ContactPoint{Name: c.Name, Type: c.GrafanaType(),
			Settings: settings, DisableResolve: c.DisableResolve}, secretKeys))
	}
	return c, true
}

func configSecret(ctx context.Context, cfg tfsdk.Config, diags *diag.Diagnostics) (string, bool) {
	var s types.String
	diags.Append(cfg.GetAttribute(ctx, path.Root("secret_wo"), &s)...)
	return s.ValueString(), !s.IsUnknown()
}

func (r *contactPointResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m contactPointModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || !m.known() {
		return
	}
	if m.DisableResolve.IsNull() {
		m.DisableResolve = types.BoolValue(false)
	}
	m.render(ctx, m.SecretWO.ValueString(), &resp.Diagnostics)
}

func (r *contactPointResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan contactPointModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	secret, known := configSecret(ctx, req.Config, &resp.Diagnostics)
	if resp.Diagnostics.HasError() || !plan.known() || !known {
		return
	}
	if plan.GrafanaManaged.ValueBool() && r.meta != nil {
		if _, err := r.meta.Grafana(); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("grafana_managed"), "Grafana not configured", err.Error())
			return
		}
	}
	if _, ok := plan.render(ctx, secret, &resp.Diagnostics); ok {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	}
}

// apply renders the receiver; a Grafana-managed one is created, or updated
// under the uid it was given.
func (r *contactPointResource) apply(ctx context.Context, op applyOp[contactPointModel], diags *diag.Diagnostics) (contactPointModel, bool) {
	m := op.Plan
	secret := op.Config.SecretWO.ValueString()
	c, ok := m.render(ctx, secret, diags)
	if !ok {
		return m, false
	}
	uid := ""
	if op.Prior != nil {
		uid = op.Prior.UID.ValueString()
	}
	m.UID, m.SecretWO = types.StringValue(uid), types.StringNull()
	if !m.GrafanaManaged.ValueBool() {
		return m, true
	}
	gc := r.meta.grafanaOrDiag(diags)
	if gc == nil {
		return m, false
	}
	settings, _ := c.GrafanaSettings()
	cp := grafana.ContactPoint{UID: uid, Name: c.Name, Type: c.GrafanaType(), Settings: settings, DisableResolve: c.DisableResolve}
	var err error
	if cp.UID == "" {
		cp.UID, err = gc.CreateContactPoint(ctx, cp)
	} else {
		err = gc.UpdateContactPoint(ctx, cp)
	}
	if err != nil {
		// Grafana's messages quote settings back; never echo the secret.
		diags.AddError("Cannot save Grafana contact point", redactSecret(err.Error(), secret))
		return m, false
	}
	m.UID = types.StringValue(cp.UID)
	return m, true
}

func redactSecret(msg, secret string) string {
	if secret == "" {
		return msg
	}
	return strings.ReplaceAll(msg, secret, "[secret]")
}

func (r *contactPointResource) read(ctx context.Context, m contactPointModel, diags *diag.Diagnostics) (contactPointModel, bool) {
	if !m.GrafanaManaged.ValueBool() {
		return m, false
	}
	gc := r.meta.grafanaOrDiag(diags)
	if gc == nil {
		return m, false
	}
	cp, err := gc.GetContactPoint(ctx, m.UID.ValueString())
	if grafana.IsNotFound(err) {
		return m, true
	}
	if err != nil {
		diags.AddError("Cannot read Grafana contact point", err.Error())
		return m, false
	}
	if m.Name.IsNull() { // import
		m.Name, m.Type = types.StringValue(cp.Name), types.StringValue(grafanaToType(cp.Type))
	}
	m.GrafanaSettings = types.StringValue(grafana.CanonicalContactPoint(*cp, alerting.GrafanaSecretKeys(m.Type.ValueString())))
	m.Name = types.StringValue(cp.Name)
	return m, false
}

func grafanaToType(t string) string {
	if t == "dingding" {
		return alerting.DingTalk
	}
	return t
}

func (r *contactPointResource) delete(ctx context.Context, m contactPointModel, diags *diag.Diagnostics) {
	if !m.GrafanaManaged.ValueBool() {
		return
	}
	if gc := r.meta.grafanaOrDiag(diags); gc != nil {
		if err := gc.DeleteContactPoint(ctx, m.UID.ValueString()); err != nil {
			diags.AddError("Cannot delete Grafana contact point", err.Error())
		}
	}
}

// ImportState takes a Grafana contact point uid. The secret cannot be read
// back: set secret_wo in the configuration.
func (r *contactPointResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importState(ctx, contactPointSchema(), resp, map[string]any{"uid": req.ID, "grafana_managed": true})
}
