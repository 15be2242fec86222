package provider

import (
	"context"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Renames of attributes before 1.0 move existing state with the schema's
// version and an upgrader (CHANGELOG, BREAKING CHANGES); these are the
// pieces each upgrader shares.

// schemaBefore is s as it was at version v: each attribute of renames
// (current name -> old name) under its old name.
func schemaBefore(s schema.Schema, v int64, renames map[string]string) schema.Schema {
	s.Version = v
	attrs := maps.Clone(s.Attributes)
	for cur, old := range renames {
		attrs[old] = attrs[cur]
		delete(attrs, cur)
	}
	s.Attributes = attrs
	return s
}

// renameRaw moves raw state values from their old names to their current
// ones (renames: current name -> old name).
func renameRaw(attrs map[string]tftypes.Value, renames map[string]string) {
	for cur, old := range renames {
		attrs[cur] = attrs[old]
		delete(attrs, old)
	}
}

// rawAttrs reads the prior state as raw values, or says why it cannot.
func rawAttrs(typeName string, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) (map[string]tftypes.Value, bool) {
	var attrs map[string]tftypes.Value
	if err := req.State.Raw.As(&attrs); err != nil {
		resp.Diagnostics.AddError("Cannot upgrade "+typeName+" state", err.Error())
		return nil, false
	}
	return attrs, true
}

// setRaw writes attrs as the upgraded state.
func setRaw(ctx context.Context, attrs map[string]tftypes.Value, resp *resource.UpgradeStateResponse) {
	resp.State.Raw = tftypes.NewValue(resp.State.Schema.Type().TerraformType(ctx), attrs)
}
