package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/llmops/terraform-provider-llmops/internal/difyconsole"
	"github.com/llmops/terraform-provider-llmops/internal/exporterconfig/fromcollector"
)

var (
	_ resource.ResourceWithConfigure      = (*difyAppTracingResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*difyAppTracingResource)(nil)
	_ resource.ResourceWithImportState    = (*difyAppTracingResource)(nil)
	_ resource.ResourceWithValidateConfig = (*difyAppTracingResource)(nil)
)

type difyAppTracingResource struct{ base[difyAppTracingModel] }

// NewDifyAppTracingResource is the resource constructor.
func NewDifyAppTracingResource() resource.Resource {
	r := &difyAppTracingResource{}
	r.base = base[difyAppTracingModel]{typeName: "dify_app_tracing", onApply: r.apply, onRead: r.read, onDelete: r.delete}
	return r
}

type difyAppTracingModel struct {
	ID                types.String `tfsdk:"id"`
	AppID             types.String `tfsdk:"app_id"`
	Provider          types.String `tfsdk:"tracing_provider"`
	Enabled           types.Bool   `tfsdk:"enabled"`
	Collector         types.Map    `tfsdk:"collector"`
	Settings          types.Map    `tfsdk:"settings"`
	SecretWO          types.String `tfsdk:"secret_wo"`
	SecretWOVersion   types.Int64  `tfsdk:"secret_wo_version"`
	EffectiveSettings types.Map    `tfsdk:"effective_settings"`
}

func (r *difyAppTracingResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = difyAppTracingSchema()
}

// effective is what Dify should hold (non-secret): settings plus the
// collector's endpoint. ok is false while something is unknown.
func (m *difyAppTracingModel) effective(ctx context.Context, diags *diag.Diagnostics) (map[string]string, bool) {
	if m.Settings.IsUnknown() || m.Collector.IsUnknown() || m.Provider.IsUnknown() {
		return nil, false
	}
	out := map[string]string{}
	if !m.Settings.IsNull() { // ElementsAs of a null map leaves a nil map
		diags.Append(m.Settings.ElementsAs(ctx, &out, false)...)
	}
	p := difyconsole.Providers[m.Provider.ValueString()]
	if !m.Collector.IsNull() && p.NoCollector {
		diags.AddAttributeError(path.Root("collector"), "No collector for this provider",
			fmt.Sprintf("Dify's %s provider writes through MLflow's own API, which a collector does not serve: set settings.%s to the MLflow server instead, "+
				"and give the collector an llmops_tracing_provider of the same type as a destination for traces from other apps", m.Provider.ValueString(), p.Endpoint))
		return nil, false
	}
	if !m.Collector.IsNull() {
		env := map[string]string{}
		diags.Append(m.Collector.ElementsAs(ctx, &env, false)...)
		ep := env["OTLP_BASE_ENDPOINT"]
		if ep == "" {
			diags.AddAttributeError(path.Root("collector"), "Not a collector's dify_env", "collector must be an llmops_collector's dify_env (it has no OTLP_BASE_ENDPOINT)")
			return nil, false
		}
		if _, set := out[p.Endpoint]; set {
			diags.AddAttributeError(path.Root("settings").AtMapKey(p.Endpoint), "Endpoint set twice", fmt.Sprintf("settings.%s and collector both set the endpoint: keep one", p.Endpoint))
			return nil, false
		}
		out[p.Endpoint] = ep
		if m.Provider.ValueString() == "langfuse" && out["public_key"] == "" {
			out["public_key"] = fromcollector.LangfusePublicKey // what the collector's Langfuse ingest expects
		}
	}
	for k := range out {
		if p.IsSecret(k) {
			diags.AddAttributeError(path.Root("settings").AtMapKey(k), "Secret in settings", fmt.Sprintf("settings.%s is a secret: give it as secret_wo (write-only, never stored)", k))
			return nil, false
		}
	}
	var missing []string
	for _, k := range p.Required {
		if out[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		diags.AddAttributeError(path.Root("settings"), "Missing settings",
			fmt.Sprintf("Dify's %s provider needs settings %s", m.Provider.ValueString(), strings.Join(missing, ", ")))
		return nil, false
	}
	return out, !diags.HasError()
}

// ValidateConfig checks the settings against Dify's provider (required,
// secret, endpoint set twice) without the console, which only plan needs.
func (r *difyAppTracingResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m difyAppTracingModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if _, known := difyconsole.Providers[m.Provider.ValueString()]; resp.Diagnostics.HasError() || !known {
		return // an unknown provider is the schema validator's to report
	}
	m.effective(ctx, &resp.Diagnostics)
}

func (r *difyAppTracingResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan difyAppTracingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.meta != nil {
		if _, err := r.meta.Settings.Dify(); err != nil {
			resp.Diagnostics.AddError("Dify not configured", err.Error())
			return
		}
	}
	eff, ok := plan.effective(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	plan.EffectiveSettings = stringMapValue(eff)
	if !plan.AppID.IsUnknown() && !plan.Provider.IsUnknown() {
		plan.ID = types.StringValue(plan.AppID.ValueString() + "/" + plan.Provider.ValueString())
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func (r *difyAppTracingResource) client(diags *diag.Diagnostics) *difyconsole.Client {
	c, err := r.meta.DifyConsole()
	if err != nil {
		diags.AddError("Dify not configured", err.Error())
		return nil
	}
	return c
}

// apply makes Dify hold the planned settings (POST when absent, PATCH when
// present, with the secret from config or, when none is given, the masked
// value Dify keeps) and the planned switch.
func (r *difyAppTracingResource) apply(ctx context.Context, op applyOp[difyAppTracingModel], diags *diag.Diagnostics) (difyAppTracingModel, bool) {
	m, secret := op.Plan, op.Config.SecretWO
	c := r.client(diags)
	eff, ok := m.effective(ctx, diags)
	if diags.HasError() || c == nil || !ok {
		return m, false
	}
	app, provider := m.AppID.ValueString(), m.Provider.ValueString()
	current, exists, err := c.GetTraceConfig(ctx, app, provider)
	if err != nil {
		diags.AddAttributeError(path.Root("app_id"), "Cannot read the app's tracing configuration", err.Error())
		return m, false
	}
	send := maps.Clone(eff)
	p := difyconsole.Providers[provider]
	secretKey := p.SecretFor(eff)
	switch {
	case secret.ValueString() != "":
		send[secretKey] = secret.ValueString()
	case exists && current[secretKey] != "":
		send[secretKey] = current[secretKey] // masked: Dify keeps what it has
	}
	for _, k := range p.Masked { // masked non-secret settings (public_key...) we did not change
		if v, ok := current[k]; ok && difyconsole.IsMasked(v) && send[k] == "" {
			send[k] = v
		}
	}
	if err := c.SaveTraceConfig(ctx, app, provider, send, exists); err != nil {
		diags.AddError("Cannot save the app's tracing configuration", redactSecret(err.Error(), secret.ValueString()))
		return m, false
	}
	if err := r.setSwitch(ctx, c, app, provider, m.Enabled.ValueBool()); err != nil {
		diags.AddError("Cannot switch the app's tracing", err.Error())
		return m, false
	}
	m.ID, m.SecretWO, m.EffectiveSettings = types.StringValue(app+"/"+provider), types.StringNull(), stringMapValue(eff)
	return m, true
}

// setSwitch turns tracing on to provider, or off when it is on to provider
// (tracing to another provider is someone else's).
func (r *difyAppTracingResource) setSwitch(ctx context.Context, c *difyconsole.Client, app, provider string, enabled bool) error {
	tr, err := c.GetTrace(ctx, app)
	if err != nil {
		return err
	}
	switch {
	case enabled && (!tr.Enabled || tr.Provider != provider):
		return c.SetTrace(ctx, app, true, provider)
	case !enabled && tr.Enabled && tr.Provider == provider:
		return c.SetTrace(ctx, app, false, "")
	}
	return nil
}

func (r *difyAppTracingResource) read(ctx context.Context, m difyAppTracingModel, diags *diag.Diagnostics) (difyAppTracingModel, bool) {
	c := r.client(diags)
	if diags.HasError() || c == nil {
		return m, false
	}
	app, provider := m.AppID.ValueString(), m.Provider.ValueString()
	current, exists, err := c.GetTraceConfig(ctx, app, provider)
	if err != nil {
		diags.AddError("Cannot read the app's tracing configuration", err.Error())
		return m, false
	}
	if !exists {
		return m, true
	}
	tr, err := c.GetTrace(ctx, app)
	if err != nil {
		diags.AddError("Cannot read the app's tracing switch", err.Error())
		return m, false
	}
	m.Enabled = types.BoolValue(tr.Enabled && tr.Provider == provider)
	importing := m.EffectiveSettings.IsNull()
	prior := map[string]string{}
	if !importing {
		diags.Append(m.EffectiveSettings.ElementsAs(ctx, &prior, false)...)
	}
	m.EffectiveSettings = stringMapValue(observed(current, prior, provider))
	if importing {
		m.Settings = m.EffectiveSettings // adopt what Dify holds
	}
	return m, false
}

// observed is what Dify holds of the non-secret settings: a masked value
// (Dify obfuscates some non-secret ones too) keeps the prior value, empty
// values and the secret are left out.
func observed(current, prior map[string]string, provider string) map[string]string {
	p := difyconsole.Providers[provider]
	out := map[string]string{}
	for k, v := range current {
		switch {
		case p.IsSecret(k) || v == "":
		case difyconsole.IsMasked(v):
			if pv, ok := prior[k]; ok {
				out[k] = pv
			}
		default:
			out[k] = v
		}
	}
	return out
}

func (r *difyAppTracingResource) delete(ctx context.Context, m difyAppTracingModel, diags *diag.Diagnostics) {
	c := r.client(diags)
	if diags.HasError() || c == nil {
		return
	}
	app, provider := m.AppID.ValueString(), m.Provider.ValueString()
	if err := r.setSwitch(ctx, c, app, provider, false); err != nil {
		diags.AddError("Cannot switch the app's tracing off", err.Error())
		return
	}
	if err := c.DeleteTraceConfig(ctx, app, provider); err != nil {
		diags.AddError("Cannot delete the app's tracing configuration", err.Error())
	}
}

// ImportState takes "<app_id>/<tracing_provider>"; the settings are adopted from
// Dify, the secret cannot be read back (Dify masks it).
func (r *difyAppTracingResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	app, provider, ok := strings.Cut(req.ID, "/")
	if !ok || app == "" || !slices.Contains(difyconsole.ProviderNames(), provider) {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("expected \"<app_id>/<tracing_provider>\" with tracing_provider one of %s, got %q", strings.Join(difyconsole.ProviderNames(), ", "), req.ID))
		return
	}
	for k, v := range map[string]any{"app_id": app, "tracing_provider": provider, "id": req.ID} {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(k), v)...)
	}
}
