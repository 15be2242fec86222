package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/llmops/terraform-provider-llmops/internal/exporterconfig"
	"github.com/llmops/terraform-provider-llmops/internal/exporterconfig/fromcollector"
	"github.com/llmops/terraform-provider-llmops/internal/pricing"
	"github.com/llmops/terraform-provider-llmops/internal/redact"
)

var (
	_ resource.Resource                   = (*collectorResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*collectorResource)(nil)
	_ resource.ResourceWithValidateConfig = (*collectorResource)(nil)
	_ resource.ResourceWithImportState    = (*collectorResource)(nil)
)

// collectorResource renders an exporter configuration. Like a template it
// has no remote object: replica sets deploy what it renders.
type collectorResource struct{ base[collectorModel] }

// NewCollectorResource is the resource constructor.
func NewCollectorResource() resource.Resource {
	r := &collectorResource{}
	r.base = base[collectorModel]{typeName: "collector", onApply: r.apply, onRead: r.read}
	return r
}

type collectorModel struct {
	ID                 types.String    `tfsdk:"id"`
	Name               types.String    `tfsdk:"name"`
	HTTPPort           types.Int64     `tfsdk:"http_port"`
	GRPCPort           types.Int64     `tfsdk:"grpc_port"`
	MetricsPort        types.Int64     `tfsdk:"metrics_port"`
	ServiceHost        types.String    `tfsdk:"service_host"`
	AuthTokenWO        types.String    `tfsdk:"auth_token_wo"`
	AuthTokenWOVersion types.Int64     `tfsdk:"auth_token_wo_version"`
	SamplingRate       types.Float64   `tfsdk:"sampling_rate"`
	KeepErrors         types.Bool      `tfsdk:"keep_errors"`
	KeepSlowerThan     types.String    `tfsdk:"keep_slower_than"`
	Destinations       []destModel     `tfsdk:"destinations"`
	RedactionPresets   types.List      `tfsdk:"redaction_presets"`
	RedactionRules     []ruleModel     `tfsdk:"redaction_rules"`
	Prices             []priceModel    `tfsdk:"prices"`
	Fsync              types.Bool      `tfsdk:"fsync"`
	MaxLabelValues     types.Int64     `tfsdk:"max_label_values"`
	LogLevel           types.String    `tfsdk:"log_level"`
	DifyQueueMonitor   *difyQueueModel `tfsdk:"dify_queue_monitor"`
	LangfuseIngest     types.Bool      `tfsdk:"langfuse_ingest"`
	ConfigYAML         types.String    `tfsdk:"config_yaml"`
	ConfigSHA256       types.String    `tfsdk:"config_sha256"`
	DifyEnv            types.Map       `tfsdk:"dify_env"`
	SecretFiles        types.List      `tfsdk:"required_secret_files"`
}

type difyQueueModel struct {
	RedisURL types.String `tfsdk:"redis_url"`
	Password types.Bool   `tfsdk:"password"`
	Queues   types.List   `tfsdk:"queues"`
	Interval types.String `tfsdk:"interval"`
}

type destModel struct {
	TracingProvider types.String `tfsdk:"tracing_provider"`
	Include         types.List   `tfsdk:"include"`
	Exclude         types.List   `tfsdk:"exclude"`
	Content         types.String `tfsdk:"content"`
	MaxQueueBytes   types.Int64  `tfsdk:"max_queue_bytes"`
	Overflow        types.String `tfsdk:"overflow"`
	Compression     types.String `tfsdk:"compression"`
}

type ruleModel struct {
	Name        types.String `tfsdk:"name"`
	Pattern     types.String `tfsdk:"pattern"`
	Keys        types.List   `tfsdk:"keys"`
	Replacement types.String `tfsdk:"replacement"`
}

type priceModel struct {
	Name       types.String  `tfsdk:"name"`
	Match      types.String  `tfsdk:"match"`
	Provider   types.String  `tfsdk:"provider"`
	Input      types.Float64 `tfsdk:"input"`
	Output     types.Float64 `tfsdk:"output"`
	CacheRead  types.Float64 `tfsdk:"cache_read"`
	CacheWrite types.Float64 `tfsdk:"cache_write"`
	Reasoning  types.Float64 `tfsdk:"reasoning"`
}

func (r *collectorResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = collectorSchema()
}

// ValidateConfig runs the exporter's own validator on what the plan would
// hold (the schema's defaults filled in), so terraform validate refuses
// what the exporter would. Values the schema validators refuse are theirs
// to report; anything unknown until plan is checked there.
func (r *collectorResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	if typedUnknown(req.Config.Raw, collectorTypedAttrs...) {
		return
	}
	var diags diag.Diagnostics
	st := withDefaults(ctx, collectorSchema(), req.Config, &diags)
	var m collectorModel
	diags.Append(st.Get(ctx, &m)...)
	if diags.HasError() {
		resp.Diagnostics.Append(diags...)
		return
	}
	diags.Append(m.render(ctx, !m.AuthTokenWO.IsNull())...)
	resp.Diagnostics.Append(withoutRefused(diags, refusedBySchema(ctx, collectorSchema(), req.Config))...)
}

func (r *collectorResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || typedUnknown(req.Plan.Raw, collectorTypedAttrs...) {
		return // the outputs stay unknown until the inputs are known
	}
	var plan, cfg collectorModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = plan.Name
	resp.Diagnostics.Append(plan.render(ctx, !cfg.AuthTokenWO.IsNull())...)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// apply renders the configuration: a pure function of the plan (and of
// whether an auth token is configured).
func (r *collectorResource) apply(ctx context.Context, op applyOp[collectorModel], diags *diag.Diagnostics) (collectorModel, bool) {
	plan := op.Plan
	plan.ID = plan.Name
	diags.Append(plan.render(ctx, !op.Config.AuthTokenWO.IsNull())...)
	plan.AuthTokenWO = types.StringNull()
	return plan, !diags.HasError()
}

// Read keeps the state: the rendering is a pure function of it.
func (r *collectorResource) read(ctx context.Context, state collectorModel, diags *diag.Diagnostics) (collectorModel, bool) {
	if state.ConfigYAML.IsNull() { // just imported
		diags.Append(state.render(ctx, false)...)
	}
	return state, false
}

// ImportState takes the name; every other setting starts at its default and
// the next plan shows what the configuration sets.
func (r *collectorResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !nameRE.MatchString(req.ID) {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("expected the collector's name, got %q", req.ID))
		return
	}
	m := collectorModel{ID: types.StringValue(req.ID), Name: types.StringValue(req.ID), RedactionPresets: types.ListNull(types.StringType),
		DifyEnv: types.MapNull(types.StringType), SecretFiles: types.ListNull(types.StringType)}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	setSchemaDefaults(ctx, collectorSchema(), &resp.State, &resp.Diagnostics)
}

// render fills the computed outputs, or marks them unknown while an input is.
func (m *collectorModel) render(ctx context.Context, auth bool) diag.Diagnostics {
	spec, known, diags := m.spec(ctx, auth)
	if !known {
		m.ConfigYAML, m.ConfigSHA256 = types.StringUnknown(), types.StringUnknown()
		m.DifyEnv, m.SecretFiles = types.MapUnknown(types.StringType), types.ListUnknown(types.StringType)
		return diags
	}
	out, err := fromcollector.Render(spec.Spec)
	var ve *exporterconfig.ValidationError
	switch {
	case errors.As(err, &ve):
		for _, f := range ve.Fields {
			p := collectorPath(spec.modelKey(f.Key))
			if !overlaps(p, errorPaths(diags)) {
				addAttrError(&diags, p, "Invalid collector configuration", fmt.Sprintf("%s (exporter setting %s)", f.Message, f.Key))
			}
		}
		return diags
	case diags.HasError():
		return diags
	case err != nil:
		diags.AddError("Invalid collector configuration", "The exporter would refuse this configuration:\n"+err.Error())
		return diags
	}
	sum := sha256.Sum256([]byte(out.YAML))
	m.ConfigYAML, m.ConfigSHA256 = types.StringValue(out.YAML), types.StringValue(hex.EncodeToString(sum[:]))
	env := map[string]attr.Value{}
	for k, v := range fromcollector.DifyEnv(m.ServiceHost.ValueString(), spec.Spec) {
		env[k] = types.StringValue(v)
	}
	m.DifyEnv = types.MapValueMust(types.StringType, env)
	files := make([]attr.Value, len(out.SecretFiles))
	for i, f := range out.SecretFiles {
		files[i] = types.StringValue(f)
	}
	m.SecretFiles = types.ListValueMust(types.StringType, files)
	return diags
}

// collectorSpec is the spec with, for each rendered destination, the index
// of the destination in the model (invalid ones are left out).
type collectorSpec struct {
	fromcollector.Spec
	destIndex []int
}

// collectorTypedAttrs are the attributes the typed model holds as slices or
// pointers: while one is unknown, the model cannot be read.
var collectorTypedAttrs = []string{"destinations", "redaction_rules", "prices", "dify_queue_monitor"}

// modelKey rewrites a rendered configuration key to the model's indexes.
func (s collectorSpec) modelKey(key string) string {
	m := indexedKey.FindStringSubmatchIndex(key)
	if m == nil || key[m[2]:m[3]] != "destinations" {
		return key
	}
	i, _ := strconv.Atoi(key[m[4]:m[5]])
	if i >= len(s.destIndex) {
		return key
	}
	return fmt.Sprintf("destinations[%d]%s", s.destIndex[i], key[m[5]+1:])
}

// spec converts the model; known is false while any input is unknown.
// A value it cannot convert is reported and left out, and the rest is
// still converted, so Render reports every other problem too.
func (m *collectorModel) spec(ctx context.Context, auth bool) (collectorSpec, bool, diag.Diagnostics) {
	var diags diag.Diagnostics
	var cs collectorSpec
	s := &cs.Spec
	*s = fromcollector.Spec{HTTPPort: int(m.HTTPPort.ValueInt64()), GRPCPort: int(m.GRPCPort.ValueInt64()), MetricsPort: int(m.MetricsPort.ValueInt64()),
		Auth: auth, SamplingRate: m.SamplingRate.ValueFloat64(), KeepErrors: m.KeepErrors.ValueBool(), Fsync: m.Fsync.ValueBool(),
		MaxLabelValues: int(m.MaxLabelValues.ValueInt64()), LogLevel: m.LogLevel.ValueString(), LangfuseIngest: m.LangfuseIngest.ValueBool()}
	known := !m.HTTPPort.IsUnknown() && !m.SamplingRate.IsUnknown() && !m.ServiceHost.IsUnknown() && !m.RedactionPresets.IsUnknown()
	if v := m.KeepSlowerThan.ValueString(); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			diags.AddAttributeError(path.Root("keep_slower_than"), "Invalid duration", fmt.Sprintf("%q is not a duration like 30s", v))
			d = 0
		}
		s.KeepSlowerThan = d
	}
	known = known && !m.KeepSlowerThan.IsUnknown()
	for i, d := range m.Destinations {
		if d.TracingProvider.IsUnknown() || d.Include.IsUnknown() || d.Exclude.IsUnknown() {
			known = false
			continue
		}
		ref, err := fromcollector.DecodeRef(d.TracingProvider.ValueString())
		if err != nil {
			addAttrError(&diags, path.Root("destinations").AtListIndex(i).AtName("tracing_provider"), "Invalid destination",
				"not an exporter_destination value: write tracing_provider = llmops_tracing_provider.<name>.exporter_destination")
			continue
		}
		cs.destIndex = append(cs.destIndex, i)
		s.Destinations = append(s.Destinations, fromcollector.Destination{Ref: ref, Include: listOf(ctx, d.Include, &diags), Exclude: listOf(ctx, d.Exclude, &diags),
			Content: d.Content.ValueString(), MaxQueueBytes: d.MaxQueueBytes.ValueInt64(), Overflow: d.Overflow.ValueString(),
			Compression: d.Compression.ValueString()})
	}
	if q := m.DifyQueueMonitor; q != nil {
		known = known && !q.RedisURL.IsUnknown() && !q.Queues.IsUnknown() && !q.Interval.IsUnknown() && !q.Password.IsUnknown()
		dq := &fromcollector.DifyQueues{RedisURL: q.RedisURL.ValueString(), Password: q.Password.ValueBool(), Queues: listOf(ctx, q.Queues, &diags)}
		if v := q.Interval.ValueString(); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				addAttrError(&diags, path.Root("dify_queue_monitor").AtName("interval"), "Invalid duration", fmt.Sprintf("%q is not a duration like 15s", v))
				d = 0
			}
			dq.Interval = d
		}
		s.DifyQueues = dq
	}
	s.Redaction.Presets = listOf(ctx, m.RedactionPresets, &diags)
	for _, r := range m.RedactionRules {
		known = known && !r.Pattern.IsUnknown() && !r.Keys.IsUnknown()
		s.Redaction.Rules = append(s.Redaction.Rules, redact.Rule{Name: r.Name.ValueString(), Pattern: r.Pattern.ValueString(), Keys: listOf(ctx, r.Keys, &diags), Replacement: r.Replacement.ValueString()})
	}
	for _, p := range m.Prices {
		known = known && !p.Match.IsUnknown() && !p.Input.IsUnknown() && !p.Output.IsUnknown()
		s.Prices = append(s.Prices, pricing.Price{Name: p.Name.ValueString(), Match: p.Match.ValueString(), Provider: p.Provider.ValueString(),
			Input: p.Input.ValueFloat64(), Output: p.Output.ValueFloat64(), CacheRead: p.CacheRead.ValueFloat64Pointer(),
			CacheWrite: p.CacheWrite.ValueFloat64Pointer(), Reasoning: p.Reasoning.ValueFloat64Pointer()})
	}
	return cs, known, diags
}

// errorPaths lists the paths of the errors in diags.
func errorPaths(diags diag.Diagnostics) []path.Path {
	var out []path.Path
	for _, d := range diags {
		if wp, ok := d.(diag.DiagnosticWithPath); ok && d.Severity() == diag.SeverityError {
			out = append(out, wp.Path())
		}
	}
	return out
}
