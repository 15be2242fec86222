package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/prometheus/common/model"

	"github.com/llmops/terraform-provider-llmops/internal/alerting"
	"github.com/llmops/terraform-provider-llmops/internal/grafana"
)

var (
	_ resource.ResourceWithConfigure      = (*notificationPolicyResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*notificationPolicyResource)(nil)
	_ resource.ResourceWithImportState    = (*notificationPolicyResource)(nil)
	_ resource.ResourceWithValidateConfig = (*notificationPolicyResource)(nil)
)

// notificationPolicyResource owns one route of Grafana's single policy
// tree, identified by its matchers; every other route is left as it is.
type notificationPolicyResource struct{ base[notificationPolicyModel] }

// NewNotificationPolicyResource is the resource constructor.
func NewNotificationPolicyResource() resource.Resource {
	r := &notificationPolicyResource{}
	r.base = base[notificationPolicyModel]{typeName: "notification_policy", onApply: r.apply, onRead: r.read, onDelete: r.delete}
	return r
}

type notificationPolicyModel struct {
	ID              types.String `tfsdk:"id"`
	Matchers        types.List   `tfsdk:"matchers"`
	Receiver        types.String `tfsdk:"receiver"`
	GroupBy         types.List   `tfsdk:"group_by"`
	GroupWait       types.String `tfsdk:"group_wait"`
	GroupInterval   types.String `tfsdk:"group_interval"`
	RepeatInterval  types.String `tfsdk:"repeat_interval"`
	Continue        types.Bool   `tfsdk:"continue"`
	GrafanaManaged  types.Bool   `tfsdk:"grafana_managed"`
	AlertmanagerYML types.String `tfsdk:"alertmanager_yaml"`
	GrafanaRoute    types.String `tfsdk:"grafana_route"`
}

func (r *notificationPolicyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = notificationPolicySchema()
}

func notificationPolicySchema() schema.Schema {
	dur := "Duration such as `30s`, `5m`, `4h`; unset inherits the parent policy's."
	return schema.Schema{
		MarkdownDescription: "One notification route: alerts whose labels match go to a contact point. Always renders an Alertmanager " +
			"`routes:` fragment (`alertmanager_yaml`) to place under your root route; with `grafana_managed = true` the route is inserted " +
			"into Grafana's single notification policy tree by read-modify-write under a provider-wide lock, leaving every route it does " +
			"not own as it is. The route is identified by its matchers.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "The sorted matchers, e.g. `severity=\"critical\",team=\"llm\"` (the import ID)."},
			"matchers": schema.ListAttribute{Required: true, ElementType: types.StringType,
				Validators:          []validator.List{listvalidator.SizeAtLeast(1)},
				PlanModifiers:       []planmodifier.List{listplanmodifier.RequiresReplace()},
				MarkdownDescription: "Label matchers, one per element: `severity=\"critical\"`, `service=~\"dify.*\"`, `team!=\"db\"`."},
			"receiver": schema.StringAttribute{Required: true, Validators: []validator.String{required("the contact point's name, e.g. llmops_contact_point.oncall.name")},
				MarkdownDescription: "Contact point name, e.g. `llmops_contact_point.oncall.name`."},
			"group_by":        schema.ListAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Labels to group alerts by, e.g. `[\"alertname\", \"service\"]`."},
			"group_wait":      schema.StringAttribute{Optional: true, MarkdownDescription: dur},
			"group_interval":  schema.StringAttribute{Optional: true, MarkdownDescription: dur},
			"repeat_interval": schema.StringAttribute{Optional: true, MarkdownDescription: dur},
			"continue": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Keep matching later sibling routes after this one."},
			"grafana_managed": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				PlanModifiers:       []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
				MarkdownDescription: "Also insert the route into Grafana's policy tree. Default false: Alertmanager fragment only."},
			"alertmanager_yaml": schema.StringAttribute{Computed: true, MarkdownDescription: "Alertmanager `routes:` fragment for your root route."},
			"grafana_route":     schema.StringAttribute{Computed: true, MarkdownDescription: "The route as Grafana holds it (the fields this provider sets), as JSON."},
		},
	}
}

func (m *notificationPolicyModel) route(ctx context.Context, diags *diag.Diagnostics) (alerting.Route, bool) {
	var raw, groupBy []string
	diags.Append(m.Matchers.ElementsAs(ctx, &raw, false)...)
	diags.Append(m.GroupBy.ElementsAs(ctx, &groupBy, false)...)
	if diags.HasError() {
		return alerting.Route{}, false
	}
	ms, err := alerting.ParseMatchers(raw)
	var fe *alerting.FieldError
	switch {
	case errors.As(err, &fe):
		addAttrError(diags, path.Root("matchers").AtListIndex(fe.Index), "Invalid matcher", fe.Err.Error())
	case err != nil:
		diags.AddAttributeError(path.Root("matchers"), "Invalid matcher", err.Error())
	}
	rt := alerting.Route{Receiver: m.Receiver.ValueString(), Matchers: ms, GroupBy: groupBy, Continue: m.Continue.ValueBool()}
	for _, d := range []struct {
		attr string
		v    types.String
		into *time.Duration
	}{{"group_wait", m.GroupWait, &rt.GroupWait}, {"group_interval", m.GroupInterval, &rt.GroupInterval}, {"repeat_interval", m.RepeatInterval, &rt.RepeatInterval}} {
		if d.v.IsNull() {
			continue
		}
		p, err := model.ParseDuration(d.v.ValueString())
		if err != nil {
			diags.AddAttributeError(path.Root(d.attr), "Invalid duration", fmt.Sprintf("%q is not a duration like 30s, 5m or 4h", d.v.ValueString()))
			continue
		}
		*d.into = time.Duration(p)
	}
	return rt, !diags.HasError()
}

// ValidateConfig checks the route as Alertmanager would read it; values
// unknown until plan are checked there.
func (r *notificationPolicyResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m notificationPolicyModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.unknown() {
		return
	}
	m.route(ctx, &resp.Diagnostics)
}

func (m *notificationPolicyModel) unknown() bool {
	for _, v := range []interface{ IsUnknown() bool }{m.Matchers, m.Receiver, m.GroupBy, m.GroupWait, m.GroupInterval, m.RepeatInterval, m.Continue, m.GrafanaManaged} {
		if v.IsUnknown() {
			return true
		}
	}
	return false
}

// render fills id, alertmanager_yaml and grafana_route from the model.
func (m *notificationPolicyModel) render(ctx context.Context, diags *diag.Diagnostics) (alerting.Route, bool) {
	rt, ok := m.route(ctx, diags)
	if !ok {
		return rt, false
	}
	y, err := rt.AlertmanagerRoute()
	if err != nil {
		diags.AddError("Cannot render notification policy", err.Error())
		return rt, false
	}
	m.ID, m.AlertmanagerYML, m.GrafanaRoute = types.StringValue(rt.Key()), types.StringValue(string(y)), types.StringNull()
	if m.GrafanaManaged.ValueBool() {
		m.GrafanaRoute = types.StringValue(canonicalRoute(rt.GrafanaRoute()))
	}
	return rt, true
}

// canonicalRoute keeps the keys this provider sets; nested routes added
// under ours in Grafana are shown too (they change where alerts go).
func canonicalRoute(r map[string]any) string {
	out := map[string]any{}
	for _, k := range []string{"receiver", "object_matchers", "group_by", "group_wait", "group_interval", "repeat_interval", "continue", "routes"} {
		if v, ok := r[k]; ok && v != nil && v != false {
			out[k] = v
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func (r *notificationPolicyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan notificationPolicyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.unknown() {
		return
	}
	if plan.GrafanaManaged.ValueBool() && r.meta != nil {
		if _, err := r.meta.Grafana(); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("grafana_managed"), "Grafana not configured", err.Error())
			return
		}
	}
	if _, ok := plan.render(ctx, &resp.Diagnostics); ok {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	}
}

// apply renders the route; a Grafana-managed one is added to the policy
// tree (Create) or replaced in it.
func (r *notificationPolicyResource) apply(ctx context.Context, op applyOp[notificationPolicyModel], diags *diag.Diagnostics) (notificationPolicyModel, bool) {
	m := op.Plan
	rt, ok := m.render(ctx, diags)
	if !ok || !m.GrafanaManaged.ValueBool() {
		return m, ok
	}
	gc := r.meta.grafanaOrDiag(diags)
	if gc == nil {
		return m, false
	}
	if err := gc.SetRoute(ctx, rt.GrafanaRoute(), op.creating()); err != nil {
		diags.AddError("Cannot save notification policy", err.Error())
		return m, false
	}
	return m, true
}

func (r *notificationPolicyResource) read(ctx context.Context, m notificationPolicyModel, diags *diag.Diagnostics) (notificationPolicyModel, bool) {
	if !m.GrafanaManaged.ValueBool() {
		return m, false
	}
	gc := r.meta.grafanaOrDiag(diags)
	if gc == nil {
		return m, false
	}
	route, err := gc.GetRoute(ctx, m.ID.ValueString())
	if grafana.IsNotFound(err) {
		return m, true
	}
	if err != nil {
		diags.AddError("Cannot read notification policy", err.Error())
		return m, false
	}
	if m.Receiver.IsNull() { // import: adopt the route
		adoptRoute(&m, route)
		if _, ok := m.render(ctx, diags); !ok {
			return m, false
		}
	}
	m.GrafanaRoute = types.StringValue(canonicalRoute(route))
	return m, false
}

func adoptRoute(m *notificationPolicyModel, route map[string]any) {
	m.Receiver = types.StringValue(fmtAny(route["receiver"]))
	var ms []string
	for _, mt := range alerting.MatchersFromObject(route["object_matchers"]) {
		ms = append(ms, mt.String())
	}
	m.Matchers = stringList(ms)
	if gb, ok := route["group_by"].([]any); ok {
		var s []string
		for _, g := range gb {
			s = append(s, fmtAny(g))
		}
		m.GroupBy = stringList(s)
	}
	for k, into := range map[string]*types.String{"group_wait": &m.GroupWait, "group_interval": &m.GroupInterval, "repeat_interval": &m.RepeatInterval} {
		if v, ok := route[k].(string); ok {
			*into = types.StringValue(v)
		}
	}
	c, _ := route["continue"].(bool)
	m.Continue = types.BoolValue(c)
}

func fmtAny(v any) string {
	s, _ := v.(string)
	return s
}

func (r *notificationPolicyResource) delete(ctx context.Context, m notificationPolicyModel, diags *diag.Diagnostics) {
	if !m.GrafanaManaged.ValueBool() {
		return
	}
	if gc := r.meta.grafanaOrDiag(diags); gc != nil {
		if err := gc.DeleteRoute(ctx, m.ID.ValueString()); err != nil {
			diags.AddError("Cannot delete notification policy", err.Error())
		}
	}
}

// ImportState takes the route's id: its sorted matchers, as `id` shows them.
func (r *notificationPolicyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importState(ctx, notificationPolicySchema(), resp, map[string]any{"id": req.ID, "grafana_managed": true})
}
