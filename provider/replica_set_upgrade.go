package provider

import (
	"context"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

var _ resource.ResourceWithUpgradeState = (*replicaSetResource)(nil)

// UpgradeState moves older state to schema version 2: version 0 kept
// containers as a list (now a map keyed by name), versions 0 and 1 named
// the write-only secret files secret_files and their counter
// secret_files_version (now secret_files_wo and secret_files_wo_version, the
// <name>_wo / <name>_wo_version convention of every resource).
func (r *replicaSetResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	v0, v1 := replicaSetSchemaV0(), schemaBefore(replicaSetSchema(), 1, replicaSetRenamesV2)
	return map[int64]resource.StateUpgrader{
		0: {PriorSchema: &v0, StateUpgrader: upgradeReplicaSetV0},
		1: {PriorSchema: &v1, StateUpgrader: upgradeReplicaSetV1},
	}
}

// replicaSetRenamesV2 are version 2's renames: current name -> old name.
var replicaSetRenamesV2 = map[string]string{"secret_files_wo": "secret_files", "secret_files_wo_version": "secret_files_version"}

func upgradeReplicaSetV1(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	attrs, ok := rawAttrs("llmops_replica_set", req, resp)
	if !ok {
		return
	}
	renameRaw(attrs, replicaSetRenamesV2)
	setRaw(ctx, attrs, resp)
}

// replicaSetSchemaV0 is version 1's schema with containers as the list it was.
func replicaSetSchemaV0() schema.Schema {
	s := schemaBefore(replicaSetSchema(), 0, replicaSetRenamesV2)
	m := s.Attributes["containers"].(schema.MapNestedAttribute)
	attrs := maps.Clone(s.Attributes)
	attrs["containers"] = schema.ListNestedAttribute{Computed: true, NestedObject: m.NestedObject}
	s.Attributes = attrs
	return s
}

func upgradeReplicaSetV0(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	attrs, ok := rawAttrs("llmops_replica_set", req, resp)
	if !ok {
		return
	}
	renameRaw(attrs, replicaSetRenamesV2)
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
	setRaw(ctx, attrs, resp)
}
