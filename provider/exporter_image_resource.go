package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/llmops/terraform-provider-llmops/internal/docker"
)

var (
	_ resource.ResourceWithConfigure   = (*exporterImageResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*exporterImageResource)(nil)
	_ resource.ResourceWithImportState = (*exporterImageResource)(nil)
)

// exporterImageResource builds the llmops-exporter image on the Docker
// engine, without any registry.
type exporterImageResource struct{ base[exporterImageModel] }

// NewExporterImageResource is the resource constructor.
func NewExporterImageResource() resource.Resource {
	r := &exporterImageResource{}
	r.base = base[exporterImageModel]{typeName: "exporter_image", onApply: r.apply, onRead: r.read, onDelete: r.delete}
	return r
}

type exporterImageModel struct {
	ID           types.String `tfsdk:"id"`
	Tag          types.String `tfsdk:"tag"`
	BinaryPath   types.String `tfsdk:"binary_path"`
	BinarySHA256 types.String `tfsdk:"binary_sha256"`
	ImageID      types.String `tfsdk:"image_id"`
	KeepImage    types.Bool   `tfsdk:"keep_image"`
}

func (r *exporterImageResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = exporterImageSchema()
}

func exporterImageSchema() schema.Schema {
	return schema.Schema{
		MarkdownDescription: "A runnable `llmops-exporter` image built on the Docker engine itself, `FROM scratch`, from a static Linux binary: no registry needed. " +
			"The image's HEALTHCHECK runs the exporter's `healthcheck` sub-command. It is rebuilt when the binary's SHA-256 changes, and rebuilt if deleted outside Terraform.",
		Attributes: map[string]schema.Attribute{
			"tag": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "Image tag. Default `llmops-exporter:<provider version>-<first 12 hex digits of the binary's SHA-256>`: " +
					"content-addressed, so configurations built from the same binary share one image and destroying one leaves the others' image in place. Changing it rebuilds.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{checked{"an image reference like repository:tag", docker.CheckTag}}},
			"binary_path": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "Static Linux `llmops-exporter` binary (CGO off). Default: `llmops-exporter-linux` (else `llmops-exporter`) beside the provider binary, where `make install` puts one of the same version."},
			"keep_image": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Keep the image on destroy. Default `false`."},
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "The tag.", PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"binary_sha256": schema.StringAttribute{Computed: true, MarkdownDescription: "SHA-256 of the binary; a change rebuilds the image.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"image_id": schema.StringAttribute{Computed: true, MarkdownDescription: "The engine's image ID.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		},
	}
}

// defaultBinaryPath is the static Linux exporter `make install` puts beside
// the provider (llmops-exporter-linux), else llmops-exporter there.
func defaultBinaryPath() string {
	exe, err := os.Executable()
	if err != nil {
		return "llmops-exporter"
	}
	dir := filepath.Dir(exe)
	if _, err := os.Stat(filepath.Join(dir, "llmops-exporter-linux")); err == nil {
		return filepath.Join(dir, "llmops-exporter-linux")
	}
	return filepath.Join(dir, "llmops-exporter")
}

func (r *exporterImageResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan exporterImageModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.BinaryPath.IsUnknown() && !req.State.Raw.IsNull() {
		return
	}
	if plan.BinaryPath.IsNull() || plan.BinaryPath.IsUnknown() {
		plan.BinaryPath = types.StringValue(defaultBinaryPath())
	}
	// The binary's hash is known at plan time, so a new binary shows as a
	// replacement in the plan, with its new content-addressed tag.
	sha, err := docker.BinarySHA256(plan.BinaryPath.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("binary_path"), "Exporter binary not found",
			err.Error()+"\n\nRun `make install` (it builds a static Linux llmops-exporter beside the provider) or set binary_path.")
		return
	}
	plan.BinarySHA256 = types.StringValue(sha)
	var configTag types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("tag"), &configTag)...)
	if configTag.IsNull() {
		version := "dev"
		if r.meta != nil {
			version = r.meta.Version
		}
		plan.Tag = types.StringValue(docker.DefaultTag(version, sha))
	}
	plan.ID = plan.Tag
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// apply builds the image. An Update only changes settings that need no
// rebuild (binary_path with the same binary, keep_image): any other change
// replaces the resource.
func (r *exporterImageResource) apply(ctx context.Context, op applyOp[exporterImageModel], diags *diag.Diagnostics) (exporterImageModel, bool) {
	plan := op.Plan
	if !op.creating() {
		return plan, true
	}
	cli := r.meta.dockerOrDiag(ctx, diags)
	if cli == nil {
		return plan, false
	}
	id, err := docker.BuildExporterImage(ctx, cli, plan.BinaryPath.ValueString(), plan.Tag.ValueString(), plan.BinarySHA256.ValueString())
	if err != nil {
		diags.AddError("Building the exporter image failed", err.Error())
		return plan, false
	}
	plan.ImageID = types.StringValue(id)
	return plan, true
}

// Read reports the real image: gone means recreate, another binary means
// rebuild.
func (r *exporterImageResource) read(ctx context.Context, state exporterImageModel, diags *diag.Diagnostics) (exporterImageModel, bool) {
	cli := r.meta.dockerOrDiag(ctx, diags)
	if cli == nil {
		return state, false
	}
	img, found, err := docker.InspectImage(ctx, cli, state.Tag.ValueString())
	if err != nil {
		diags.AddError("Reading the exporter image failed", err.Error())
		return state, false
	}
	if !found {
		return state, true
	}
	state.ImageID = types.StringValue(img.ID)
	state.BinarySHA256 = types.StringValue(img.BinarySHA256)
	if state.BinaryPath.IsNull() {
		state.BinaryPath = types.StringValue(defaultBinaryPath())
	}
	if state.KeepImage.IsNull() {
		state.KeepImage = types.BoolValue(false)
	}
	state.ID = state.Tag
	return state, false
}

func (r *exporterImageResource) delete(ctx context.Context, state exporterImageModel, diags *diag.Diagnostics) {
	if state.KeepImage.ValueBool() {
		return
	}
	cli := r.meta.dockerOrDiag(ctx, diags)
	if cli == nil {
		return
	}
	users, err := docker.RemoveImage(ctx, cli, state.Tag.ValueString())
	if err != nil {
		diags.AddError("Removing the exporter image failed", err.Error())
		return
	}
	if users > 0 {
		diags.AddWarning("Exporter image kept",
			fmt.Sprintf("%s is still used by %d container(s) (another configuration built from the same binary, or replicas not yet moved to a rebuilt image), so its tag was kept. "+
				"Remove it with `docker image rm %s` once nothing uses it.", state.Tag.ValueString(), users, state.Tag.ValueString()))
	}
}

func (r *exporterImageResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importState(ctx, exporterImageSchema(), resp, map[string]any{"tag": req.ID, "id": req.ID})
}
