package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// applyOp is Create or Update, read once for the resource: the planned
// values, the configuration (write-only values exist only there), and the
// state before an Update (nil on Create).
type applyOp[M any] struct {
	Plan   M
	Config M
	Prior  *M
}

// creating reports whether op is a Create.
func (op applyOp[M]) creating() bool { return op.Prior == nil }

// applyFunc makes the remote object match op.Plan and returns the model to
// store. ok false stores nothing (diags say why); ok true stores m even when
// diags hold an error, for an apply that failed half-way and must record
// what now exists (a replica set's failing replicas).
type applyFunc[M any] func(ctx context.Context, op applyOp[M], diags *diag.Diagnostics) (m M, ok bool)

// readFunc reports the remote object as it is now, starting from the stored
// model m. gone: it no longer exists (deleted outside Terraform), so the
// resource leaves the state and the next plan creates it again.
type readFunc[M any] func(ctx context.Context, m M, diags *diag.Diagnostics) (now M, gone bool)

// deleteFunc removes the remote object m describes.
type deleteFunc[M any] func(ctx context.Context, m M, diags *diag.Diagnostics)

// base is what every resource shares: its type name, the provider's Meta,
// and the model plumbing of Create and Update (as one apply), Read and
// Delete. A resource embeds it, gives it its functions in its constructor,
// and writes Schema and ImportState itself. A nil onRead keeps the state as
// stored; a nil onDelete does nothing (a resource with no remote object).
type base[M any] struct {
	typeName string // after "llmops_"
	meta     *Meta
	// The resource's functions; named apart from its methods (apply, read,
	// delete) so that a missing method is a compile error, not a nil.
	onApply  applyFunc[M]
	onRead   readFunc[M]
	onDelete deleteFunc[M]
}

func (b *base[M]) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + b.typeName
}

func (b *base[M]) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	b.meta = metaFrom(req, &resp.Diagnostics)
}

func (b *base[M]) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var op applyOp[M]
	resp.Diagnostics.Append(req.Plan.Get(ctx, &op.Plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &op.Config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	b.store(ctx, op, &resp.State, &resp.Diagnostics)
}

func (b *base[M]) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	op := applyOp[M]{Prior: new(M)}
	resp.Diagnostics.Append(req.Plan.Get(ctx, &op.Plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &op.Config)...)
	resp.Diagnostics.Append(req.State.Get(ctx, op.Prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	b.store(ctx, op, &resp.State, &resp.Diagnostics)
}

func (b *base[M]) store(ctx context.Context, op applyOp[M], state stateSetter, diags *diag.Diagnostics) {
	if m, ok := b.onApply(ctx, op, diags); ok {
		diags.Append(state.Set(ctx, &m)...)
	}
}

func (b *base[M]) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m M
	if resp.Diagnostics.Append(req.State.Get(ctx, &m)...); resp.Diagnostics.HasError() || b.onRead == nil {
		return
	}
	now, gone := b.onRead(ctx, m, &resp.Diagnostics)
	switch {
	case resp.Diagnostics.HasError():
	case gone:
		resp.State.RemoveResource(ctx)
	default:
		resp.Diagnostics.Append(resp.State.Set(ctx, &now)...)
	}
}

func (b *base[M]) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var m M
	if resp.Diagnostics.Append(req.State.Get(ctx, &m)...); resp.Diagnostics.HasError() || b.onDelete == nil {
		return
	}
	b.onDelete(ctx, m, &resp.Diagnostics)
}

// importState starts an imported resource where a create would: attrs (the
// parts of the import ID), then every schema default for what they leave
// null. Read then fills in what the remote object holds.
func importState(ctx context.Context, s schema.Schema, resp *resource.ImportStateResponse, attrs map[string]any) {
	for name, v := range attrs {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(name), v)...)
	}
	setSchemaDefaults(ctx, s, &resp.State, &resp.Diagnostics)
}
