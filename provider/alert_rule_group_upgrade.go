package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

var _ resource.ResourceWithUpgradeState = (*alertRuleGroupResource)(nil)

// UpgradeState moves version 0, where folder_uid alone made a group
// Grafana-managed, to version 1's grafana_managed: true exactly where a
// folder was set, so a configuration that adds grafana_managed = true
// beside its folder_uid plans no change.
func (r *alertRuleGroupResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	v0 := alertRuleGroupSchemaV0()
	return map[int64]resource.StateUpgrader{0: {PriorSchema: &v0, StateUpgrader: upgradeAlertRuleGroupV0}}
}

func alertRuleGroupSchemaV0() schema.Schema {
	s := schemaBefore(alertRuleGroupSchema(), 0, nil)
	delete(s.Attributes, "grafana_managed")
	return s
}

func upgradeAlertRuleGroupV0(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	attrs, ok := rawAttrs("llmops_alert_rule_group", req, resp)
	if !ok {
		return
	}
	attrs["grafana_managed"] = tftypes.NewValue(tftypes.Bool, !attrs["folder_uid"].IsNull())
	setRaw(ctx, attrs, resp)
}
