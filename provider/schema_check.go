package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// refusedBySchema lists the paths whose configured value a schema validator
// refuses (top-level attributes and the attributes of list-nested ones).
// A resource's own check skips them: the framework reports those values
// already, and one mistake gets one error.
func refusedBySchema(ctx context.Context, s schema.Schema, cfg tfsdk.Config) []path.Path {
	var out []path.Path
	for name, a := range s.Attributes {
		p := path.Root(name)
		if refuses(ctx, a, p, cfg) {
			out = append(out, p)
		}
		ln, ok := a.(schema.ListNestedAttribute)
		if !ok {
			continue
		}
		var l types.List
		if cfg.GetAttribute(ctx, p, &l).HasError() {
			continue
		}
		for i := range l.Elements() {
			for field, na := range ln.NestedObject.Attributes {
				if np := p.AtListIndex(i).AtName(field); refuses(ctx, na, np, cfg) {
					out = append(out, np)
				}
			}
		}
	}
	return out
}

// refuses runs the validators of one attribute on its configured value.
func refuses(ctx context.Context, a schema.Attribute, p path.Path, cfg tfsdk.Config) bool {
	var d diag.Diagnostics
	switch at := a.(type) {
	case schema.StringAttribute:
		var v types.String
		if cfg.GetAttribute(ctx, p, &v).HasError() {
			return false
		}
		for _, vd := range at.Validators {
			r := &validator.StringResponse{}
			vd.ValidateString(ctx, validator.StringRequest{Path: p, ConfigValue: v, Config: cfg}, r)
			d.Append(r.Diagnostics...)
		}
	case schema.Int64Attribute:
		var v types.Int64
		if cfg.GetAttribute(ctx, p, &v).HasError() {
			return false
		}
		for _, vd := range at.Validators {
			r := &validator.Int64Response{}
			vd.ValidateInt64(ctx, validator.Int64Request{Path: p, ConfigValue: v, Config: cfg}, r)
			d.Append(r.Diagnostics...)
		}
	case schema.Float64Attribute:
		var v types.Float64
		if cfg.GetAttribute(ctx, p, &v).HasError() {
			return false
		}
		for _, vd := range at.Validators {
			r := &validator.Float64Response{}
			vd.ValidateFloat64(ctx, validator.Float64Request{Path: p, ConfigValue: v, Config: cfg}, r)
			d.Append(r.Diagnostics...)
		}
	case schema.ListAttribute:
		var v types.List
		if cfg.GetAttribute(ctx, p, &v).HasError() {
			return false
		}
		for _, vd := range at.Validators {
			r := &validator.ListResponse{}
			vd.ValidateList(ctx, validator.ListRequest{Path: p, ConfigValue: v, Config: cfg}, r)
			d.Append(r.Diagnostics...)
		}
	}
	return d.HasError()
}

// withoutRefused drops the errors on a path that refusedBySchema lists, or
// that contains or lies within one.
func withoutRefused(diags diag.Diagnostics, refused []path.Path) diag.Diagnostics {
	var out diag.Diagnostics
	for _, d := range diags {
		if wp, ok := d.(diag.DiagnosticWithPath); ok && d.Severity() == diag.SeverityError && overlaps(wp.Path(), refused) {
			continue
		}
		out = append(out, d)
	}
	return out
}

func overlaps(p path.Path, refused []path.Path) bool {
	for _, r := range refused {
		if p.Equal(r) || hasPrefix(p, r) || hasPrefix(r, p) {
			return true
		}
	}
	return false
}

func hasPrefix(p, prefix path.Path) bool {
	ps, qs := p.Steps(), prefix.Steps()
	if len(qs) > len(ps) || len(qs) == 0 {
		return false
	}
	for i := range qs {
		if !ps[i].Equal(qs[i]) {
			return false
		}
	}
	return true
}

// withDefaults is the configuration as a plan with the schema's top-level
// defaults filled in where the configuration leaves an attribute null, so
// that ValidateConfig checks what the plan will hold.
func withDefaults(ctx context.Context, s schema.Schema, cfg tfsdk.Config, diags *diag.Diagnostics) tfsdk.State {
	st := tfsdk.State{Schema: cfg.Schema, Raw: cfg.Raw.Copy()}
	setSchemaDefaults(ctx, s, &st, diags)
	return st
}

// typedUnknown says whether an attribute among names is unknown, or is a
// list with an unknown element: a typed model (a slice of structs, a struct
// pointer) cannot hold those, so a check of a module whose values come
// later must wait for plan.
func typedUnknown(raw tftypes.Value, names ...string) bool {
	var attrs map[string]tftypes.Value
	if !raw.IsKnown() || raw.As(&attrs) != nil {
		return true
	}
	for _, n := range names {
		v, ok := attrs[n]
		if !ok || v.IsNull() {
			continue
		}
		if !v.IsKnown() {
			return true
		}
		var elems []tftypes.Value
		if v.Type().Is(tftypes.List{}) && v.As(&elems) == nil {
			for _, e := range elems {
				if !e.IsKnown() {
					return true
				}
			}
		}
	}
	return false
}
