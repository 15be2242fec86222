package provider

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/llmops/terraform-provider-llmops/internal/grafana/grafanatest"
)

const notifyStack = `
resource "llmops_contact_point" "slack" {
  name              = "llm-slack-%[1]s"
  type              = "slack"
  channel           = "#llm-alerts"
  grafana_managed   = true
  secret_wo         = "https://hooks.slack.com/services/T000/B000/%[1]s"
  secret_wo_version = 1
}

resource "llmops_contact_point" "hook" {
  name            = "llm-hook-%[1]s"
  type            = "webhook"
  url             = "http://hooks.internal/alerts"
  grafana_managed = true
}

resource "llmops_notification_policy" "critical" {
  matchers        = ["severity=\"critical\"", "team=\"llm-%[1]s\""]
  receiver        = llmops_contact_point.slack.name
  group_by        = ["alertname", "service"]
  repeat_interval = "4h"
  grafana_managed = true
}

resource "llmops_notification_policy" "warning" {
  matchers        = ["severity=\"warning\"", "team=\"llm-%[1]s\""]
  receiver        = llmops_contact_point.hook.name
  grafana_managed = true
}
`

// TestAccContactPointsAndPolicies: two contact points and two routes from
// two resources share Grafana's one policy tree with a route owned by
// someone else; the secret reaches Grafana but never the state; UI edits
// are repaired; import and destroy leave the foreign route alone.
func TestAccContactPointsAndPolicies(t *testing.T) {
	testAccPreCheck(t)
	fake := grafanatest.New(t)
	fake.AddForeignRoute(map[string]any{"receiver": "grafana-default-email", "object_matchers": []any{[]any{"team", "=", "db"}}, "mute_time_intervals": []any{"weekends"}})
	foreign := `"mute_time_intervals":["weekends"]`
	cfg := grafanaConfig(fake, fmt.Sprintf(notifyStack, runID))
	critical := `severity="critical",team="llm-` + runID + `"`
	var slackUID string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyGate,
		CheckDestroy: func(*terraform.State) error {
			tree := fake.PolicyJSON()
			if strings.Contains(tree, "llm-"+runID) || !strings.Contains(tree, foreign) || fake.ContactPointJSON(slackUID) != "" {
				return fmt.Errorf("destroy left routes or removed the foreign one: %s", tree)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("llmops_notification_policy.critical", "id", critical),
					resource.TestCheckNoResourceAttr("llmops_contact_point.slack", "secret_wo"),
					resource.TestMatchResourceAttr("llmops_contact_point.slack", "alertmanager_yaml", regexp.MustCompile(`slack_configs`)),
					resource.TestMatchResourceAttr("llmops_notification_policy.warning", "alertmanager_yaml", regexp.MustCompile(`receiver: llm-hook-`)),
					func(s *terraform.State) error {
						slackUID = s.RootModule().Resources["llmops_contact_point.slack"].Primary.Attributes["uid"]
						if got := fake.ContactPointSetting(slackUID, "url"); got != "https://hooks.slack.com/services/T000/B000/"+runID {
							return fmt.Errorf("secret did not reach Grafana: %v", got)
						}
						for _, attr := range s.RootModule().Resources["llmops_contact_point.slack"].Primary.Attributes {
							if strings.Contains(attr, "hooks.slack.com") {
								return fmt.Errorf("secret in state")
							}
						}
						tree := fake.PolicyJSON()
						if !strings.Contains(tree, foreign) || !strings.Contains(tree, `"receiver":"llm-slack-`+runID) || !strings.Contains(tree, `"receiver":"llm-hook-`+runID) {
							return fmt.Errorf("tree: %s", tree)
						}
						return nil
					},
				),
			},
			{
				PreConfig: func() {
					fake.EditContactPoint(slackUID, func(s map[string]any) { s["recipient"] = "#random" })
					fake.EditPolicy(func(tree map[string]any) {
						for _, r := range tree["routes"].([]any) {
							if m := r.(map[string]any); m["receiver"] == "llm-slack-"+runID {
								m["repeat_interval"] = "1m"
							}
						}
					})
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("llmops_contact_point.slack", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("llmops_notification_policy.critical", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("llmops_notification_policy.warning", plancheck.ResourceActionNoop),
				}},
				Check: func(*terraform.State) error {
					if tree := fake.PolicyJSON(); strings.Contains(tree, `"repeat_interval":"1m"`) || !strings.Contains(tree, foreign) {
						return fmt.Errorf("not repaired: %s", tree)
					}
					if strings.Contains(fake.ContactPointJSON(slackUID), "#random") {
						return fmt.Errorf("contact point not repaired")
					}
					return nil
				},
			},
			{ResourceName: "llmops_notification_policy.critical", ImportState: true, ImportStateId: critical, ImportStateVerify: true},
			{ResourceName: "llmops_contact_point.hook", ImportState: true, ImportStateVerifyIdentifierAttribute: "uid",
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return s.RootModule().Resources["llmops_contact_point.hook"].Primary.Attributes["uid"], nil
				},
				ImportStateVerify: true, ImportStateVerifyIgnore: []string{"url", "alertmanager_yaml", "secret_wo_version"}},
		},
	})
}

func TestAccContactPointErrors(t *testing.T) {
	testAccPreCheck(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
resource "llmops_contact_point" "pd" {
  name = "pd"
  type = "pagerduty"
}`,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Invalid contact point.*routing\s+key\s+of\s+type\s+pagerduty.*secret_file`),
		}, {
			Config: `
resource "llmops_notification_policy" "bad" {
  matchers = ["severity = critical"]
  receiver = "x"
}`,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)matchers.*not one label matcher`),
		}},
	})
}

// TestAccExample_contactPointsAndPolicies applies the two examples together
// against the fake Grafana, and checks the Alertmanager fragments are what
// the example prints.
func TestAccExample_contactPointsAndPolicies(t *testing.T) {
	testAccPreCheck(t)
	fake := grafanatest.New(t)
	var body strings.Builder
	for _, r := range []string{"llmops_contact_point", "llmops_notification_policy"} {
		b, err := os.ReadFile("../examples/resources/" + r + "/resource.tf")
		if err != nil {
			t.Fatal(err)
		}
		body.Write(b)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyGate,
		Steps: []resource.TestStep{{
			Config:          grafanaConfig(fake, body.String()),
			ConfigVariables: config.Variables{"slack_webhook_url": config.StringVariable("https://hooks.slack.com/services/T/B/example")},
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestMatchOutput("alertmanager_fragments", regexp.MustCompile(`(?s)email_configs.*smarthost: smtp.example.com:587.*routing_key_file: /etc/alertmanager/secrets/pagerduty-routing-key.*receiver: llm-team`)),
				func(*terraform.State) error {
					if !strings.Contains(fake.PolicyJSON(), `"receiver":"llm-oncall"`) {
						return fmt.Errorf("route not in Grafana: %s", fake.PolicyJSON())
					}
					return nil
				},
			),
		}},
	})
}
