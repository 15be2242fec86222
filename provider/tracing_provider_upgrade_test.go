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

// Version 0's shared secrets_wo_version lands on the counter of the secret
// each platform uses; every other counter is null.
func TestTracingProviderUpgradeV0(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		typ, clientID, want string
	}{
		{"langfuse", "", "secret_key_wo_version"},
		{"langsmith", "", "api_key_wo_version"},
		{"aliyun", "", "license_key_wo_version"},
		{"databricks", "", "token_wo_version"},
		{"databricks", "sp-1", "client_secret_wo_version"},
		{"mlflow", "", "password_wo_version"},
		{"otlp", "", "secret_headers_wo_version"},
	}
	for _, c := range cases {
		v0 := tracingProviderSchemaV0()
		prior := tfsdk.State{Schema: v0, Raw: tftypes.NewValue(v0.Type().TerraformType(ctx), nil)}
		vals := map[string]attr.Value{"name": types.StringValue("p"), "type": types.StringValue(c.typ), "secrets_wo_version": types.Int64Value(4)}
		if c.clientID != "" {
			vals["client_id"] = types.StringValue(c.clientID)
		}
		for p, v := range vals {
			if d := prior.SetAttribute(ctx, path.Root(p), v); d.HasError() {
				t.Fatal(d)
			}
		}
		cur := tracingProviderSchema()
		resp := &resource.UpgradeStateResponse{State: tfsdk.State{Schema: cur, Raw: tftypes.NewValue(cur.Type().TerraformType(ctx), nil)}}
		(&tracingProviderResource{}).UpgradeState(ctx)[0].StateUpgrader(ctx, resource.UpgradeStateRequest{State: &prior}, resp)
		if resp.Diagnostics.HasError() {
			t.Fatal(resp.Diagnostics)
		}
		for _, k := range tracingProviderWOVersions {
			var v types.Int64
			if d := resp.State.GetAttribute(ctx, path.Root(k), &v); d.HasError() {
				t.Fatal(d)
			}
			if k == c.want && v.ValueInt64() != 4 || k != c.want && !v.IsNull() {
				t.Errorf("%s (client_id %q): %s = %v", c.typ, c.clientID, k, v)
			}
		}
		var name types.String
		resp.State.GetAttribute(ctx, path.Root("name"), &name)
		if name.ValueString() != "p" {
			t.Errorf("name lost: %v", name)
		}
	}
	if tracingProviderSchema().Version != 1 {
		t.Fatal("schema version")
	}
}
