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
type tracingProviderResource struct{ base[tracingProviderModel] }

// NewTracingProviderResource is the resource constructor.
func NewTracingProviderResource() resource.Resource {
	r := &tracingProviderResource{}
	r.base = base[tracingProviderModel]{typeName: "tracing_provider", onApply: r.apply, onRead: r.read}
	return r
}

func (r *tracingProviderResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = tracingProviderSchema()
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

// apply validates the planned settings, runs the credential check when
// verify is on, and stores the result. Nothing is stored when the check
// fails, so a failed create leaves no state and a failed update keeps the
// previous one.
func (r *tracingProviderResource) apply(ctx context.Context, op applyOp[tracingProviderModel], diags *diag.Diagnostics) (tracingProviderModel, bool) {
	plan, cfg := op.Plan, op.Config
	norm, err := platform.Normalize(plan.platformConfig(diags))
	if err != nil {
		addPlatformErrors(diags, err)
		return plan, false
	}
	if plan.Verify.ValueBool() {
		tflog.Debug(ctx, "checking tracing platform credentials", map[string]any{"type": norm.Type, "name": plan.Name.ValueString()})
		if err := platform.Check(ctx, norm, cfg.secrets(diags), platform.CheckOptions{}); err != nil {
			addCheckError(diags, norm.Type, err)
			return plan, false
		}
	}
	plan.setOutputs(&cfg, diags)
	plan.clearWriteOnly()
	return plan, true
}

// Read keeps the state as it is: the resource has no remote object, and
// write-only secrets cannot be read back to re-run the check.
func (r *tracingProviderResource) read(ctx context.Context, state tracingProviderModel, diags *diag.Diagnostics) (tracingProviderModel, bool) {
	if state.OTLPEndpoint.IsNull() || state.OTLPEndpoint.IsUnknown() {
		// Just imported: derive the outputs the way a create would, assuming
		// the secret the type requires is configured.
		assumed := state
		if name := state.secretName(); name != "" && state.secretImplied() {
			*assumed.secretFields()[name][0] = types.StringValue("set")
		}
		state.setOutputs(&assumed, diags)
	}
	return state, false
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
