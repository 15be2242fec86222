package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// identityKey is one attribute of a resource identity (Terraform 1.12+),
// copied from the state attribute of the same name (or state).
type identityKey struct {
	name     string
	desc     string
	optional bool   // OptionalForImport; otherwise RequiredForImport
	state    string // the state attribute, when not name
}

func (k identityKey) statePath() path.Path {
	if k.state != "" {
		return path.Root(k.state)
	}
	return path.Root(k.name)
}

// identity is what identifies a resource's remote object, and how an
// import by identity becomes the import ID the resource already parses, so
// `import { identity = {...} }` and `terraform import <id>` share one path.
type identity struct {
	keys     []identityKey
	importID func(values map[string]string) string
}

// identified gives a resource its identity: the schema, the identity set
// from the state after every Create, Update and Read, and import by
// identity. Every other method is the resource's own.
type identified struct {
	resource.Resource
	id identity
}

// withIdentity wraps a resource constructor.
func withIdentity(newResource func() resource.Resource, id identity) func() resource.Resource {
	return func() resource.Resource { return &identified{Resource: newResource(), id: id} }
}

var (
	_ resource.ResourceWithIdentity       = (*identified)(nil)
	_ resource.ResourceWithConfigure      = (*identified)(nil)
	_ resource.ResourceWithValidateConfig = (*identified)(nil)
	_ resource.ResourceWithModifyPlan     = (*identified)(nil)
	_ resource.ResourceWithImportState    = (*identified)(nil)
	_ resource.ResourceWithUpgradeState   = (*identified)(nil)
)

func (w *identified) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	attrs := map[string]identityschema.Attribute{}
	for _, k := range w.id.keys {
		attrs[k.name] = identityschema.StringAttribute{RequiredForImport: !k.optional, OptionalForImport: k.optional, Description: k.desc}
	}
	resp.IdentitySchema = identityschema.Schema{Attributes: attrs}
}

func (w *identified) Metadata(ctx context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	w.Resource.Metadata(ctx, req, resp)
	// Names that an update may change in place (a contact point's name, a
	// group's folder) change the identity with them.
	resp.ResourceBehavior.MutableIdentity = true
}

func (w *identified) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	w.Resource.Create(ctx, req, resp)
	w.setIdentity(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
}

func (w *identified) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	w.Resource.Update(ctx, req, resp)
	w.setIdentity(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
}

func (w *identified) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	w.Resource.Read(ctx, req, resp)
	w.setIdentity(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
}

// setIdentity copies the identity attributes from the state, once the
// operation has a state to copy from (not after a failed create, nor when
// Read removed the resource).
func (w *identified) setIdentity(ctx context.Context, state *tfsdk.State, id *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	if id == nil || diags.HasError() || state.Raw.IsNull() {
		return
	}
	for _, k := range w.id.keys {
		var v types.String
		if diags.Append(state.GetAttribute(ctx, k.statePath(), &v)...); diags.HasError() {
			return
		}
		if v.IsUnknown() {
			v = types.StringNull()
		}
		diags.Append(id.SetAttribute(ctx, path.Root(k.name), v)...)
	}
}

// ImportState takes an import ID as the resource always did, or an
// identity (import blocks with `identity = {...}`), which becomes that ID.
func (w *identified) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	inner := w.Resource.(resource.ResourceWithImportState)
	if req.ID == "" && req.Identity != nil {
		values := map[string]string{}
		for _, k := range w.id.keys {
			var v types.String
			if resp.Diagnostics.Append(req.Identity.GetAttribute(ctx, path.Root(k.name), &v)...); resp.Diagnostics.HasError() {
				return
			}
			values[k.name] = v.ValueString()
		}
		req.ID = w.id.importID(values)
	}
	inner.ImportState(ctx, req, resp)
}

// The other optional interfaces: the resource's own, or nothing.

func (w *identified) Configure(ctx context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if r, ok := w.Resource.(resource.ResourceWithConfigure); ok {
		r.Configure(ctx, req, resp)
	}
}

func (w *identified) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	if r, ok := w.Resource.(resource.ResourceWithValidateConfig); ok {
		r.ValidateConfig(ctx, req, resp)
	}
}

func (w *identified) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r, ok := w.Resource.(resource.ResourceWithModifyPlan); ok {
		r.ModifyPlan(ctx, req, resp)
	}
}

func (w *identified) UpgradeState(ctx context.Context) map[int64]resource.StateUpgrader {
	if r, ok := w.Resource.(resource.ResourceWithUpgradeState); ok {
		return r.UpgradeState(ctx)
	}
	return nil
}

// joinID joins identity values with "/", as the resources' import IDs do.
func joinID(keys ...string) func(map[string]string) string {
	return func(v map[string]string) string {
		out := ""
		for i, k := range keys {
			if i > 0 {
				out += "/"
			}
			out += v[k]
		}
		return out
	}
}
