package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

var _ resource.ResourceWithUpgradeState = (*replicaSetResource)(nil)

// UpgradeState moves state written before containers was keyed by name
// (schema version 0, a list) to the map.
func (r *replicaSetResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	prior := replicaSetSchemaV0()
	return map[int64]resource.StateUpgrader{0: {PriorSchema: &prior, StateUpgrader: upgradeReplicaSetV0}}
}

// replicaSetSchemaV0 is the current schema with containers as the list it was.
func replicaSetSchemaV0() schema.Schema {
	s := replicaSetSchema()
	s.Version = 0
	m := s.Attributes["containers"].(schema.MapNestedAttribute)
	attrs := map[string]schema.Attribute{}
	for k, v := range s.Attributes {
		attrs[k] = v
	}
	attrs["containers"] = schema.ListNestedAttribute{Computed: true, NestedObject: m.NestedObject}
	s.Attributes = attrs
	return s
}

func upgradeReplicaSetV0(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	var attrs map[string]tftypes.Value
	if err := req.State.Raw.As(&attrs); err != nil {
		resp.Diagnostics.AddError("Cannot upgrade llmops_replica_set state", err.Error())
		return
	}
	elemType := containerType.TerraformType(ctx)
	mapType := tftypes.Map{ElementType: elemType}
	old := attrs["containers"]
	switch {
	case old.IsNull():
		attrs["containers"] = tftypes.NewValue(mapType, nil)
	case !old.IsKnown():
		attrs["containers"] = tftypes.NewValue(mapType, tftypes.UnknownValue)
	default:
		var list []tftypes.Value
		if err := old.As(&list); err != nil {
			resp.Diagnostics.AddError("Cannot upgrade llmops_replica_set state", "containers: "+err.Error())
			return
		}
		byName := map[string]tftypes.Value{}
		for _, e := range list {
			var obj map[string]tftypes.Value
			var name string
			if e.As(&obj) == nil && obj["name"].As(&name) == nil {
				byName[name] = e
			}
		}
		attrs["containers"] = tftypes.NewValue(mapType, byName)
	}
	resp.State.Raw = tftypes.NewValue(resp.State.Schema.Type().TerraformType(ctx), attrs)
}
