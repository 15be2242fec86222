package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Version 0 groups with a folder were Grafana-managed: they get
// grafana_managed = true; those without stay Prometheus rules only.
func TestAlertRuleGroupUpgradeV0(t *testing.T) {
	ctx := context.Background()
	for _, folder := range []string{"", "llm-alerts"} {
		v0 := alertRuleGroupSchemaV0()
		prior := tfsdk.State{Schema: v0, Raw: tftypes.NewValue(v0.Type().TerraformType(ctx), nil)}
		prior.SetAttribute(ctx, path.Root("name"), "g")
		if folder != "" {
			prior.SetAttribute(ctx, path.Root("folder_uid"), folder)
		}
		cur := alertRuleGroupSchema()
		resp := &resource.UpgradeStateResponse{State: tfsdk.State{Schema: cur, Raw: tftypes.NewValue(cur.Type().TerraformType(ctx), nil)}}
		(&alertRuleGroupResource{}).UpgradeState(ctx)[0].StateUpgrader(ctx, resource.UpgradeStateRequest{State: &prior}, resp)
		if resp.Diagnostics.HasError() {
			t.Fatal(resp.Diagnostics)
		}
		var managed types.Bool
		var name, gotFolder types.String
		resp.State.GetAttribute(ctx, path.Root("grafana_managed"), &managed)
		resp.State.GetAttribute(ctx, path.Root("name"), &name)
		resp.State.GetAttribute(ctx, path.Root("folder_uid"), &gotFolder)
		if managed.ValueBool() != (folder != "") || managed.IsNull() || name.ValueString() != "g" || gotFolder.ValueString() != folder {
			t.Errorf("folder %q: grafana_managed %v, name %v, folder %v", folder, managed, name, gotFolder)
		}
	}
	if alertRuleGroupSchema().Version != 1 {
		t.Fatal("schema version")
	}
}
