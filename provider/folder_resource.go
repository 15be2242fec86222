package provider

import (
	"context"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
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
type folderResource struct{ meta *Meta }

// NewFolderResource is the resource constructor.
func NewFolderResource() resource.Resource { return &folderResource{} }

type folderModel struct {
	UID   types.String `tfsdk:"uid"`
	Title types.String `tfsdk:"title"`
	URL   types.String `tfsdk:"url"`
}

var grafanaUID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)

func uidValidators() []validator.String {
	return []validator.String{stringvalidator.RegexMatches(grafanaUID, "1 to 40 characters of A-Z a-z 0-9 - _ (Grafana's rule for uids)")}
}

func (r *folderResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_folder"
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

func (r *folderResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.meta = metaFrom(req, &resp.Diagnostics)
}

func (r *folderResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m folderModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	c := r.meta.grafanaOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	f, err := c.CreateFolder(ctx, m.UID.ValueString(), m.Title.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("uid"), "Cannot create folder", err.Error())
		return
	}
	m.URL = types.StringValue(f.URL)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *folderResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m folderModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	c := r.meta.grafanaOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	f, err := c.GetFolder(ctx, m.UID.ValueString())
	if grafana.IsNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot read folder", err.Error())
		return
	}
	m.Title, m.URL = types.StringValue(f.Title), types.StringValue(f.URL)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *folderResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m folderModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	c := r.meta.grafanaOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	f, err := c.RenameFolder(ctx, m.UID.ValueString(), m.Title.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("title"), "Cannot rename folder", err.Error())
		return
	}
	m.URL = types.StringValue(f.URL)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *folderResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var m folderModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	c := r.meta.grafanaOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := c.DeleteFolder(ctx, m.UID.ValueString()); err != nil {
		resp.Diagnostics.AddError("Cannot delete folder", err.Error())
	}
}

func (r *folderResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("uid"), req, resp)
}
