package provider

import (
	"context"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/llmops/terraform-provider-llmops/internal/grafana"
)

var (
	_ resource.ResourceWithConfigure   = (*folderResource)(nil)
	_ resource.ResourceWithImportState = (*folderResource)(nil)
)

// folderResource is a Grafana folder for dashboards and alert rules. It is a
// resource of its own (not an attribute of the dashboard) so that several
// dashboards and rule groups share one folder with one owner.
type folderResource struct{ base[folderModel] }

// NewFolderResource is the resource constructor.
func NewFolderResource() resource.Resource {
	r := &folderResource{}
	r.base = base[folderModel]{typeName: "folder", onApply: r.apply, onRead: r.read, onDelete: r.delete}
	return r
}

type folderModel struct {
	UID   types.String `tfsdk:"uid"`
	Title types.String `tfsdk:"title"`
	URL   types.String `tfsdk:"url"`
}

var grafanaUID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)

func uidValidators() []validator.String {
	return []validator.String{stringvalidator.RegexMatches(grafanaUID, "1 to 40 characters of A-Z a-z 0-9 - _ (Grafana's rule for uids)")}
}

func (r *folderResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Grafana folder holding `llmops_dashboard`s and `llmops_alert_rule_group`s. Needs the provider's `grafana` block. " +
			"Destroying it deletes the alert rules in it (Grafana refuses otherwise) and the dashboards in it.",
		Attributes: map[string]schema.Attribute{
			"uid": schema.StringAttribute{Required: true, Validators: uidValidators(),
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				MarkdownDescription: "Folder uid. Changing it replaces the folder."},
			"title": schema.StringAttribute{Required: true, Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
				MarkdownDescription: "Folder title; unique in the organisation. A rename in Grafana's UI is drift that apply reverts."},
			"url": schema.StringAttribute{Computed: true, MarkdownDescription: "The folder's URL in Grafana.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		},
	}
}

// apply creates the folder, or renames it (its uid replaces it).
func (r *folderResource) apply(ctx context.Context, op applyOp[folderModel], diags *diag.Diagnostics) (folderModel, bool) {
	m := op.Plan
	c := r.meta.grafanaOrDiag(diags)
	if c == nil {
		return m, false
	}
	var f *grafana.Folder
	var err error
	if op.creating() {
		f, err = c.CreateFolder(ctx, m.UID.ValueString(), m.Title.ValueString())
	} else {
		f, err = c.RenameFolder(ctx, m.UID.ValueString(), m.Title.ValueString())
	}
	if err != nil {
		at, what := path.Root("title"), "Cannot rename folder"
		if op.creating() {
			at, what = path.Root("uid"), "Cannot create folder"
		}
		diags.AddAttributeError(at, what, err.Error())
		return m, false
	}
	m.URL = types.StringValue(f.URL)
	return m, true
}

func (r *folderResource) read(ctx context.Context, m folderModel, diags *diag.Diagnostics) (folderModel, bool) {
	c := r.meta.grafanaOrDiag(diags)
	if c == nil {
		return m, false
	}
	f, err := c.GetFolder(ctx, m.UID.ValueString())
	if grafana.IsNotFound(err) {
		return m, true
	}
	if err != nil {
		diags.AddError("Cannot read folder", err.Error())
		return m, false
	}
	m.Title, m.URL = types.StringValue(f.Title), types.StringValue(f.URL)
	return m, false
}

func (r *folderResource) delete(ctx context.Context, m folderModel, diags *diag.Diagnostics) {
	c := r.meta.grafanaOrDiag(diags)
	if c == nil {
		return
	}
	if err := c.DeleteFolder(ctx, m.UID.ValueString()); err != nil {
		diags.AddError("Cannot delete folder", err.Error())
	}
}

func (r *folderResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("uid"), req, resp)
}
