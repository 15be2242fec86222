package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// State written with containers as a list comes back keyed by name, every
// other attribute as it was.
func TestReplicaSetUpgradeV0(t *testing.T) {
	ctx := context.Background()
	v0 := replicaSetSchemaV0()
	prior := tfsdk.State{Schema: v0, Raw: tftypes.NewValue(v0.Type().TerraformType(ctx), nil)}
	container := func(name, health string) attr.Value {
		return types.ObjectValueMust(containerType.AttrTypes, map[string]attr.Value{"name": types.StringValue(name), "id": types.StringValue("id-" + name),
			"health": types.StringValue(health), "ports": types.MapValueMust(types.StringType, map[string]attr.Value{}), "drift": types.StringValue("")})
	}
	for p, v := range map[string]attr.Value{
		"name": types.StringValue("api"), "replicas": types.Int64Value(2), "healthy_replicas": types.Int64Value(1),
		"containers":           types.ListValueMust(containerType, []attr.Value{container("api-1", "healthy"), container("api-2", "unhealthy")}),
		"secret_files_version": types.Int64Value(3),
	} {
		if d := prior.SetAttribute(ctx, path.Root(p), v); d.HasError() {
			t.Fatal(d)
		}
	}
	cur := replicaSetSchema()
	resp := &resource.UpgradeStateResponse{State: tfsdk.State{Schema: cur, Raw: tftypes.NewValue(cur.Type().TerraformType(ctx), nil)}}
	upgraders := (&replicaSetResource{}).UpgradeState(ctx)
	upgraders[0].StateUpgrader(ctx, resource.UpgradeStateRequest{State: &prior}, resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	var m replicaSetModel
	if d := resp.State.Get(ctx, &m); d.HasError() {
		t.Fatal(d)
	}
	got := m.Containers.Elements()
	if m.Name.ValueString() != "api" || m.Replicas.ValueInt64() != 2 || m.HealthyReplicas.ValueInt64() != 1 || len(got) != 2 ||
		m.SecretFilesVersion.ValueInt64() != 3 {
		t.Fatalf("upgraded state: %+v", m)
	}
	if h := got["api-2"].(types.Object).Attributes()["health"].(types.String).ValueString(); h != "unhealthy" {
		t.Errorf("api-2 health %q", h)
	}
	// A state written by this version is not upgraded again.
	if cur.Version != 2 {
		t.Errorf("schema version %d", cur.Version)
	}
}

// Version 1 state: the secret files' counter moves to its new name, every
// other attribute as it was.
func TestReplicaSetUpgradeV1(t *testing.T) {
	ctx := context.Background()
	v1 := schemaBefore(replicaSetSchema(), 1, replicaSetRenamesV2)
	if _, ok := v1.Attributes["secret_files_version"]; !ok {
		t.Fatal("the version 1 schema has no secret_files_version")
	}
	prior := tfsdk.State{Schema: v1, Raw: tftypes.NewValue(v1.Type().TerraformType(ctx), nil)}
	for p, v := range map[string]attr.Value{"name": types.StringValue("api"), "replicas": types.Int64Value(3), "secret_files_version": types.Int64Value(7)} {
		if d := prior.SetAttribute(ctx, path.Root(p), v); d.HasError() {
			t.Fatal(d)
		}
	}
	cur := replicaSetSchema()
	resp := &resource.UpgradeStateResponse{State: tfsdk.State{Schema: cur, Raw: tftypes.NewValue(cur.Type().TerraformType(ctx), nil)}}
	(&replicaSetResource{}).UpgradeState(ctx)[1].StateUpgrader(ctx, resource.UpgradeStateRequest{State: &prior}, resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	var m replicaSetModel
	if d := resp.State.Get(ctx, &m); d.HasError() {
		t.Fatal(d)
	}
	if m.SecretFilesVersion.ValueInt64() != 7 || m.Replicas.ValueInt64() != 3 || !m.SecretFiles.IsNull() {
		t.Fatalf("upgraded: version %v replicas %v files %v", m.SecretFilesVersion, m.Replicas, m.SecretFiles)
	}
}
