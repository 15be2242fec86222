package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/defaults"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/llmops/terraform-provider-llmops/internal/docker"
	"github.com/llmops/terraform-provider-llmops/internal/grafana"
)

// metaFrom extracts the provider's Meta in Configure.
func metaFrom(req resource.ConfigureRequest, diags *diag.Diagnostics) *Meta {
	if req.ProviderData == nil {
		return nil
	}
	m, ok := req.ProviderData.(*Meta)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("expected *provider.Meta, got %T", req.ProviderData))
	}
	return m
}

// docker returns the engine client, or adds a diagnostic and returns nil.
func (m *Meta) dockerOrDiag(ctx context.Context, diags *diag.Diagnostics) docker.API {
	cli, err := m.Docker(ctx)
	if err != nil {
		diags.AddError("Docker engine unavailable", err.Error())
		return nil
	}
	return cli
}

// grafanaOrDiag returns the Grafana client, or adds a diagnostic naming the
// provider block to configure and returns nil.
func (m *Meta) grafanaOrDiag(diags *diag.Diagnostics) *grafana.Client {
	c, err := m.Grafana()
	if err != nil {
		diags.AddError("Grafana not configured", err.Error())
		return nil
	}
	return c
}

// stateSetter is the response state of Create and Update.
type stateSetter interface {
	Set(context.Context, any) diag.Diagnostics
}

// listOf reads a list of strings. A null or unknown list is nil; a null or
// unknown element is the framework's conversion error, added to diags.
func listOf(ctx context.Context, l types.List, diags *diag.Diagnostics) []string {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	var out []string
	diags.Append(l.ElementsAs(ctx, &out, false)...)
	return out
}

// mapOf reads a map of strings, as listOf reads a list.
func mapOf(ctx context.Context, m types.Map, diags *diag.Diagnostics) map[string]string {
	if m.IsNull() || m.IsUnknown() {
		return nil
	}
	out := map[string]string{}
	diags.Append(m.ElementsAs(ctx, &out, false)...)
	return out
}

// setSchemaDefaults writes the default of every top-level attribute of s
// that has one, where state holds null: ImportState then starts where a
// create would, with the defaults defined once, in the schema.
func setSchemaDefaults(ctx context.Context, s schema.Schema, state *tfsdk.State, diags *diag.Diagnostics) {
	var raw map[string]tftypes.Value
	if err := state.Raw.As(&raw); err != nil {
		diags.AddError("Cannot read state", err.Error())
		return
	}
	for name, a := range s.Attributes {
		if v, ok := raw[name]; ok && !v.IsNull() {
			continue
		}
		var v attr.Value
		switch at := a.(type) {
		case schema.StringAttribute:
			if at.Default != nil {
				r := &defaults.StringResponse{}
				at.Default.DefaultString(ctx, defaults.StringRequest{Path: path.Root(name)}, r)
				v, *diags = r.PlanValue, append(*diags, r.Diagnostics...)
			}
		case schema.Int64Attribute:
			if at.Default != nil {
				r := &defaults.Int64Response{}
				at.Default.DefaultInt64(ctx, defaults.Int64Request{Path: path.Root(name)}, r)
				v, *diags = r.PlanValue, append(*diags, r.Diagnostics...)
			}
		case schema.Float64Attribute:
			if at.Default != nil {
				r := &defaults.Float64Response{}
				at.Default.DefaultFloat64(ctx, defaults.Float64Request{Path: path.Root(name)}, r)
				v, *diags = r.PlanValue, append(*diags, r.Diagnostics...)
			}
		case schema.BoolAttribute:
			if at.Default != nil {
				r := &defaults.BoolResponse{}
				at.Default.DefaultBool(ctx, defaults.BoolRequest{Path: path.Root(name)}, r)
				v, *diags = r.PlanValue, append(*diags, r.Diagnostics...)
			}
		case schema.ListAttribute:
			if at.Default != nil {
				r := &defaults.ListResponse{}
				at.Default.DefaultList(ctx, defaults.ListRequest{Path: path.Root(name)}, r)
				v, *diags = r.PlanValue, append(*diags, r.Diagnostics...)
			}
		case schema.MapAttribute:
			if at.Default != nil {
				r := &defaults.MapResponse{}
				at.Default.DefaultMap(ctx, defaults.MapRequest{Path: path.Root(name)}, r)
				v, *diags = r.PlanValue, append(*diags, r.Diagnostics...)
			}
		}
		if v != nil {
			diags.Append(state.SetAttribute(ctx, path.Root(name), v)...)
		}
	}
}

// stringList is a known list of strings (empty, not null, for none).
func stringList(s []string) types.List {
	vs := make([]attr.Value, 0, len(s))
	for _, v := range s {
		vs = append(vs, types.StringValue(v))
	}
	return types.ListValueMust(types.StringType, vs)
}

// stringMapValue is a known map of strings (empty, not null, for none).
func stringMapValue(m map[string]string) types.Map {
	vs := make(map[string]attr.Value, len(m))
	for k, v := range m {
		vs[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, vs)
}
