package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

type baseTestModel struct {
	Name types.String `tfsdk:"name"`
	Out  types.String `tfsdk:"out"`
}

var baseTestSchema = schema.Schema{Attributes: map[string]schema.Attribute{
	"name": schema.StringAttribute{Required: true},
	"out":  schema.StringAttribute{Computed: true},
}}

func baseTestRaw(name, out string) tftypes.Value {
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"name": tftypes.String, "out": tftypes.String}}
	o := tftypes.NewValue(tftypes.String, nil)
	if out != "" {
		o = tftypes.NewValue(tftypes.String, out)
	}
	return tftypes.NewValue(typ, map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, name), "out": o})
}

func emptyState() tfsdk.State {
	return tfsdk.State{Schema: baseTestSchema, Raw: tftypes.NewValue(baseTestSchema.Type().TerraformType(context.Background()), nil)}
}

// Create and Update store what apply returns when it says so, even beside
// an error (a half-done apply records what exists), and nothing when it
// says not; Update sees the prior state, Create none.
func TestBaseApplyStoresWhatApplySays(t *testing.T) {
	ctx := context.Background()
	var sawPrior *baseTestModel
	b := base[baseTestModel]{onApply: func(_ context.Context, op applyOp[baseTestModel], diags *diag.Diagnostics) (baseTestModel, bool) {
		sawPrior = op.Prior
		m := op.Plan
		m.Out = types.StringValue("applied " + m.Name.ValueString())
		switch m.Name.ValueString() {
		case "half":
			diags.AddError("half done", "recorded anyway")
			return m, true
		case "fail":
			diags.AddError("failed", "nothing stored")
			return m, false
		}
		return m, true
	}}
	for _, c := range []struct{ name, want string }{{"ok", "applied ok"}, {"half", "applied half"}, {"fail", ""}} {
		plan := tfsdk.Plan{Schema: baseTestSchema, Raw: baseTestRaw(c.name, "")}
		cfg := tfsdk.Config{Schema: baseTestSchema, Raw: baseTestRaw(c.name, "")}
		resp := &resource.CreateResponse{State: emptyState()}
		b.Create(ctx, resource.CreateRequest{Plan: plan, Config: cfg}, resp)
		if sawPrior != nil {
			t.Errorf("%s: Create passed a prior state", c.name)
		}
		got := ""
		if !resp.State.Raw.IsNull() {
			var m baseTestModel
			resp.State.Get(ctx, &m)
			got = m.Out.ValueString()
		}
		if got != c.want {
			t.Errorf("%s: stored %q, want %q", c.name, got, c.want)
		}
		uresp := &resource.UpdateResponse{State: emptyState()}
		b.Update(ctx, resource.UpdateRequest{Plan: plan, Config: cfg, State: tfsdk.State{Schema: baseTestSchema, Raw: baseTestRaw("before", "x")}}, uresp)
		if sawPrior == nil || sawPrior.Name.ValueString() != "before" {
			t.Errorf("%s: Update did not pass the prior state: %+v", c.name, sawPrior)
		}
	}
}

// Read removes a resource whose object is gone, stores what read found,
// and keeps the stored state when read fails or there is no read.
func TestBaseReadGoneAndKept(t *testing.T) {
	ctx := context.Background()
	read := func(_ context.Context, m baseTestModel, diags *diag.Diagnostics) (baseTestModel, bool) {
		switch m.Name.ValueString() {
		case "gone":
			return m, true
		case "broken":
			diags.AddError("cannot read", "network")
			m.Out = types.StringValue("must not be stored")
			return m, false
		}
		m.Out = types.StringValue("remote")
		return m, false
	}
	for _, c := range []struct {
		name    string
		read    readFunc[baseTestModel]
		removed bool
		out     string
	}{{"gone", read, true, ""}, {"there", read, false, "remote"}, {"broken", read, false, "stored"}, {"there", nil, false, "stored"}} {
		b := base[baseTestModel]{onRead: c.read}
		stored := tfsdk.State{Schema: baseTestSchema, Raw: baseTestRaw(c.name, "stored")}
		resp := &resource.ReadResponse{State: stored}
		b.Read(ctx, resource.ReadRequest{State: stored}, resp)
		if resp.State.Raw.IsNull() != c.removed {
			t.Errorf("%s: removed %v, want %v", c.name, resp.State.Raw.IsNull(), c.removed)
			continue
		}
		if c.removed {
			continue
		}
		var m baseTestModel
		resp.State.Get(ctx, &m)
		if m.Out.ValueString() != c.out {
			t.Errorf("%s: out %q, want %q", c.name, m.Out.ValueString(), c.out)
		}
	}
}
