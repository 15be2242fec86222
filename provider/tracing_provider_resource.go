package provider

import (
	"context"
	"errors"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
)

var (
	_ resource.Resource                   = (*tracingProviderResource)(nil)
	_ resource.ResourceWithConfigure      = (*tracingProviderResource)(nil)
	_ resource.ResourceWithValidateConfig = (*tracingProviderResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*tracingProviderResource)(nil)
	_ resource.ResourceWithImportState    = (*tracingProviderResource)(nil)
)

// tracingProviderResource manages the credentials and endpoint of one
// tracing platform. It has no remote object of its own: it validates,
// normalises and (with verify) checks the settings, and publishes the OTLP
// endpoint, protocol and header names for the collector to use.
type tracingProviderResource struct {
	meta *Meta
}

// NewTracingProviderResource is the resource constructor.
func NewTracingProviderResource() resource.Resource { return &tracingProviderResource{} }

func (r *tracingProviderResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_tracing_provider"
}

func (r *tracingProviderResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = tracingProviderSchema()
}

func (r *tracingProviderResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.meta = metaFrom(req, &resp.Diagnostics)
}

func (r *tracingProviderResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m tracingProviderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	// An unknown type is the OneOf validator's to report, once.
	if resp.Diagnostics.HasError() || m.Type.IsUnknown() || m.Type.IsNull() || !slices.Contains(platform.TypeNames(), m.Type.ValueString()) {
		return
	}
	_, err := platform.Normalize(m.platformConfig(&resp.Diagnostics))
	var errs platform.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			// A value known only at apply time is checked then.
			if m.fieldUnknown(e.Field) {
				continue
			}
			resp.Diagnostics.AddAttributeError(path.Root(e.Field), "Invalid tracing provider setting", e.Error())
		}
	}
	resp.Diagnostics.Append(m.validateSecrets()...)
}

func (r *tracingProviderResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var plan, cfg tracingProviderModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || plan.Type.IsUnknown() {
		return
	}
	plan.fillDefaults(cfg)
	plan.ID = types.StringUnknown()
	if !plan.Name.IsUnknown() {
		plan.ID = types.StringValue(plan.Type.ValueString() + "/" + plan.Name.ValueString())
	}
	plan.setOutputs(&cfg, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func (r *tracingProviderResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.apply(ctx, req.Plan, req.Config, &resp.State, &resp.Diagnostics)
}

func (r *tracingProviderResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.apply(ctx, req.Plan, req.Config, &resp.State, &resp.Diagnostics)
}

// apply validates the planned settings, runs the credential check when
// verify is on, and stores the result. Nothing is stored when the check
// fails, so a failed create leaves no state and a failed update keeps the
// previous one.
func (r *tracingProviderResource) apply(ctx context.Context, planIn, cfgIn planGetter, state stateSetter, diags *diag.Diagnostics) {
	var plan, cfg tracingProviderModel
	diags.Append(planIn.Get(ctx, &plan)...)
	diags.Append(cfgIn.Get(ctx, &cfg)...)
	if diags.HasError() {
		return
	}
	norm, err := platform.Normalize(plan.platformConfig(diags))
	if err != nil {
		addPlatformErrors(diags, err)
		return
	}
	if plan.Verify.ValueBool() {
		tflog.Debug(ctx, "checking tracing platform credentials", map[string]any{"type": norm.Type, "name": plan.Name.ValueString()})
		if err := platform.Check(ctx, norm, cfg.secrets(diags), platform.CheckOptions{}); err != nil {
			addCheckError(diags, norm.Type, err)
			return
		}
	}
	plan.setOutputs(&cfg, diags)
	plan.clearWriteOnly()
	diags.Append(state.Set(ctx, &plan)...)
}

// Read keeps the state as it is: the resource has no remote object, and
// write-only secrets cannot be read back to re-run the check.
func (r *tracingProviderResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state tracingProviderModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if state.OTLPEndpoint.IsNull() || state.OTLPEndpoint.IsUnknown() {
		// Just imported: derive the outputs the way a create would, assuming
		// the secret the type requires is configured.
		assumed := state
		if name := state.secretName(); name != "" && state.secretImplied() {
			*assumed.secretFields()[name][0] = types.StringValue("set")
		}
		state.setOutputs(&assumed, &resp.Diagnostics)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *tracingProviderResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
	// Nothing exists outside the state; removing it is all there is to do.
}

func (r *tracingProviderResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	m, err := parseImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func addPlatformErrors(diags *diag.Diagnostics, err error) {
	var errs platform.Errors
	if !errors.As(err, &errs) {
		diags.AddError("Invalid tracing provider settings", err.Error())
		return
	}
	for _, e := range errs {
		diags.AddAttributeError(path.Root(e.Field), "Invalid tracing provider setting", e.Error())
	}
}

// addCheckError reports a failed credential check with a summary that says
// which of the three problems it is, on the attribute most likely at fault.
func addCheckError(diags *diag.Diagnostics, t platform.Type, err error) {
	var ce *platform.CheckError
	if !errors.As(err, &ce) {
		diags.AddError("Tracing platform check failed", err.Error())
		return
	}
	at := path.Root(platform.URLField(t))
	summary := "Tracing platform returned an unexpected answer"
	switch ce.Problem {
	case platform.Unreachable:
		summary = "Tracing platform unreachable"
	case platform.WrongURL:
		summary = "Tracing platform URL or path is wrong"
	case platform.Rejected:
		summary = "Tracing platform rejected the credentials"
		if name := platform.SecretName(t); name != "" {
			at = path.Root(name + "_wo")
		}
	}
	diags.AddAttributeError(at, summary, err.Error()+
		"\n\nThe check ran because verify = true; set verify = false to save the settings without checking them.")
}
