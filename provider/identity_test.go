package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/llmops/terraform-provider-llmops/internal/difyconsole/difytest"
	"github.com/llmops/terraform-provider-llmops/internal/grafana/grafanatest"
)

// identityGate: resource identity needs Terraform 1.12 or later; older CLIs
// (the 1.11 smoke run) skip these tests with the reason.
var identityGate = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)}

// importByIdentity imports addr with an `import { identity = {...} }` block
// built from the identity the prior step stored, and requires the plan
// after it to be empty unless changes says why it cannot be.
func importByIdentity(addr string, nonEmpty bool) resource.TestStep {
	return resource.TestStep{ResourceName: addr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity, ExpectNonEmptyPlan: nonEmpty}
}

func withVars(s resource.TestStep, vars config.Variables) resource.TestStep {
	s.ConfigVariables = vars
	return s
}

func exact(v map[string]string) map[string]knownvalue.Check {
	out := map[string]knownvalue.Check{}
	for k, s := range v {
		if s == "" {
			out[k] = knownvalue.Null()
		} else {
			out[k] = knownvalue.StringExact(s)
		}
	}
	return out
}

// Resources with no remote system: their identity is their name.
func TestAccIdentity_local(t *testing.T) {
	testAccPreCheck(t)
	cfg := `
resource "llmops_collector" "c" {
  name = "edge"
}
resource "llmops_tracing_provider" "px" {
  name     = "px"
  type     = "phoenix"
  endpoint = "http://phoenix:6006"
}`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   identityGate,
		Steps: []resource.TestStep{
			{Config: cfg, ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectIdentity("llmops_collector.c", exact(map[string]string{"name": "edge"})),
				statecheck.ExpectIdentity("llmops_tracing_provider.px", exact(map[string]string{"type": "phoenix", "name": "px"})),
			}},
			importByIdentity("llmops_collector.c", false),
			// Identity carries type and name; the endpoint comes from the
			// configuration, as after `terraform import phoenix/px`.
			importByIdentity("llmops_tracing_provider.px", true),
		},
	})
}

// Grafana objects: folders and dashboards by uid, rule groups by folder and
// name, contact points by uid, routes by their matchers.
func TestAccIdentity_grafana(t *testing.T) {
	testAccPreCheck(t)
	fake := grafanatest.New(t)
	cfg := grafanaConfig(fake, fmt.Sprintf(grafanaStack, runID)+fmt.Sprintf(notifyStack, runID))
	folder := "llm-" + runID
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   append(identityGate, writeOnlyGate...),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectIdentity("llmops_folder.llm", exact(map[string]string{"uid": folder})),
				statecheck.ExpectIdentity("llmops_dashboard.apps", exact(map[string]string{"uid": "llm-apps-" + runID})),
				statecheck.ExpectIdentity("llmops_alert_rule_group.slo", exact(map[string]string{"folder_uid": folder, "name": "llm-slo"})),
				statecheck.ExpectIdentity("llmops_notification_policy.critical",
					exact(map[string]string{"matchers": `severity="critical",team="llm-` + runID + `"`})),
			}},
			importByIdentity("llmops_folder.llm", false),
			// extra_panels cannot be told from preset panels in Grafana's JSON:
			// the plan adds them back (as after `terraform import <uid>`).
			importByIdentity("llmops_dashboard.apps", true),
			// Rules cannot be read back into presets: the plan rewrites them.
			importByIdentity("llmops_alert_rule_group.slo", true),
			// Read keeps what Grafana holds in grafana_settings; url and the
			// Alertmanager fragment come from the configuration (as after
			// `terraform import <uid>`).
			importByIdentity("llmops_contact_point.hook", true),
			importByIdentity("llmops_notification_policy.critical", false),
		},
	})
}

// A Dify app's tracing by app and provider.
func TestAccIdentity_dify(t *testing.T) {
	testAccPreCheck(t)
	fake := difytest.New(t, "app-1", "app-2", "app-3")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   append(identityGate, writeOnlyGate...),
		Steps: []resource.TestStep{
			{Config: difyConfig(fake, difyTracingStack), ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectIdentity("llmops_dify_app_tracing.support", exact(map[string]string{"app_id": "app-1", "tracing_provider": "phoenix"})),
			}},
			// Dify holds the effective settings, not which came from the
			// collector: the plan writes the configuration's split back.
			importByIdentity("llmops_dify_app_tracing.support", true),
		},
	})
}

// The engine's objects: an image by tag, a replica set by name.
func TestAccIdentity_docker(t *testing.T) {
	name := accName("llmops-acc-id")
	vars := config.Variables{"exporter": config.StringVariable(staticExporter(t)), "token": config.StringVariable("acc-token-0123456789")}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccDocker(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   append(identityGate, writeOnlyGate...),
		CheckDestroy:             checkNothingLeft(name, "llmops-exporter:acc-"+name),
		Steps: []resource.TestStep{
			{ConfigVariables: vars, Config: replicaSetConfig(name, 1, "info"), ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectIdentity("llmops_exporter_image.this", exact(map[string]string{"tag": "llmops-exporter:acc-" + name})),
				statecheck.ExpectIdentity("llmops_replica_set.this", exact(map[string]string{"name": name, "project": ""})),
			}},
			// The image's binary_path is configuration only.
			withVars(importByIdentity("llmops_exporter_image.this", true), vars),
			// Secrets and files never leave the configuration: the plan
			// writes them back, as after `terraform import <name>`.
			withVars(importByIdentity("llmops_replica_set.this", true), vars),
		},
	})
}
