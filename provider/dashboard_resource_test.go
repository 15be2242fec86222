package provider

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/llmops/terraform-provider-llmops/internal/grafana/grafanatest"
)

func grafanaConfig(fake *grafanatest.Fake, body string) string {
	return fmt.Sprintf(`
provider "llmops" {
  grafana {
    url  = %q
    auth = %q
  }
}
%s`, fake.URL, fake.Token, body)
}

const grafanaStack = `
resource "llmops_folder" "llm" {
  uid   = "llm-%[1]s"
  title = "LLM apps %[1]s"
}

resource "llmops_dashboard" "apps" {
  uid        = "llm-apps-%[1]s"
  title      = "LLM apps"
  folder_uid = llmops_folder.llm.uid
  tags       = ["llmops"]
  extra_panels = [jsonencode({ type = "text", title = "Runbook", options = { content = "see the wiki" } })]
}

resource "llmops_alert_rule_group" "slo" {
  name            = "llm-slo"
  grafana_managed = true
  folder_uid      = llmops_folder.llm.uid
  datasource_uid  = "prometheus"
  rule = [
    { preset = "p95_latency" },
    { preset = "availability", selector = "service=\"dify-api\"" },
    { preset = "token_rate_anomaly", runbook_url = "https://wiki.example/tokens" },
    { name = "FooHigh", expr = "sum(rate(foo_total[5m]))", threshold = 1, for = "3m" },
  ]
}
`

// TestAccGrafanaDashboardAndRules drives the Grafana path against the fake:
// create, empty second plan (checked by the framework after every step),
// hand edits in Grafana are drift that apply repairs, import, deletion
// outside Terraform, destroy.
func TestAccGrafanaDashboardAndRules(t *testing.T) {
	testAccPreCheck(t)
	fake := grafanatest.New(t)
	cfg := grafanaConfig(fake, fmt.Sprintf(grafanaStack, runID))
	folder, uid := "llm-"+runID, "llm-apps-"+runID
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if fake.Dashboard(uid) != nil || fake.FolderTitle(folder) != "" || fake.RuleGroupJSON(folder, "llm-slo") != "" {
				return fmt.Errorf("left behind in Grafana")
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("llmops_dashboard.apps", "version", "1"),
					resource.TestCheckResourceAttr("llmops_dashboard.apps", "url", fake.URL+"/d/"+uid+"/llm-apps"),
					resource.TestMatchResourceAttr("llmops_alert_rule_group.slo", "rules_yaml", regexp.MustCompile(`alert: LLMP95LatencyHigh`)),
					func(*terraform.State) error {
						if fake.DashboardFolder(uid) != folder || !strings.Contains(fake.RuleGroupJSON(folder, "llm-slo"), `"runbook_url":"https://wiki.example/tokens"`) {
							return fmt.Errorf("not stored as declared: folder %q", fake.DashboardFolder(uid))
						}
						return nil
					},
				),
			},
			{
				// Hand edits in Grafana's UI: each is a planned update, and apply restores.
				PreConfig: func() {
					fake.EditDashboard(uid, func(d map[string]any) { d["panels"].([]any)[1].(map[string]any)["title"] = "edited in the UI" })
					fake.EditRule(folder, "llm-slo", "LLMP95LatencyHigh", func(r map[string]any) { r["for"] = "1m" })
					fake.RenameFolderOutside(folder, "renamed in the UI")
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("llmops_dashboard.apps", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("llmops_alert_rule_group.slo", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("llmops_folder.llm", plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					if strings.Contains(fmt.Sprint(fake.Dashboard(uid)), "edited in the UI") || fake.FolderTitle(folder) != "LLM apps "+runID ||
						!strings.Contains(fake.RuleGroupJSON(folder, "llm-slo"), `"for":"5m"`) {
						return fmt.Errorf("hand edits not repaired")
					}
					return nil
				},
			},
			{ResourceName: "llmops_folder.llm", ImportState: true, ImportStateId: folder, ImportStateVerify: true, ImportStateVerifyIdentifierAttribute: "uid"},
			{ResourceName: "llmops_dashboard.apps", ImportState: true, ImportStateId: uid, ImportStateVerifyIdentifierAttribute: "uid",
				ImportStateVerify: true, ImportStateVerifyIgnore: []string{"extra_panels", "json"}},
			{ResourceName: "llmops_alert_rule_group.slo", ImportState: true, ImportStateId: folder + "/llm-slo", ImportStateVerifyIdentifierAttribute: "name",
				ImportStateCheck: func(s []*terraform.InstanceState) error {
					if len(s) != 1 || !strings.Contains(s[0].Attributes["grafana_rules"], "LLMTokenRateAnomaly") {
						return fmt.Errorf("import did not read the group: %v", s)
					}
					return nil
				}},
			{
				// Deleted outside Terraform: removed from state, planned for creation.
				PreConfig: func() { fake.DeleteDashboardOutside(uid) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("llmops_dashboard.apps", plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}

// TestAccProvisioningFilesWithoutGrafana is the path for teams with only
// Prometheus: dashboard provisioning files and a rules file that Debian's
// promtool accepts; both detect hand edits and deletion.
func TestAccProvisioningFilesWithoutGrafana(t *testing.T) {
	testAccPreCheck(t)
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules", "llm.yml")
	cfg := fmt.Sprintf(`
resource "llmops_dashboard" "apps" {
  uid              = "llm-files"
  title            = "LLM apps"
  presets          = ["latency", "queue_backlog"]
  provisioning_dir = %q
}

resource "llmops_alert_rule_group" "slo" {
  name       = "llm-slo"
  rules_file = %q
  rule = [
    { preset = "p95_latency" },
    { preset = "memory", variant = "node_exporter", threshold = 0.9 },
    { preset = "exporter_down" },
  ]
}
`, dir, rules)
	jsonFile := filepath.Join(dir, "llmops-llm-files", "llm-files.json")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("llmops_dashboard.apps", "url", jsonFile),
					func(*terraform.State) error {
						y, err := os.ReadFile(filepath.Join(dir, "llmops-llm-files.yaml"))
						if err != nil || !strings.Contains(string(y), "/etc/grafana/provisioning/dashboards/llmops-llm-files") {
							return fmt.Errorf("provider file: %v %s", err, y)
						}
						if p, err := exec.LookPath("promtool"); err == nil {
							if out, err := exec.Command(p, "check", "rules", rules).CombinedOutput(); err != nil {
								return fmt.Errorf("promtool: %v %s", err, out)
							}
						} else {
							t.Log("LOUD: promtool missing, rules file checked by Prometheus's Go loader only")
						}
						return nil
					},
				),
			},
			{
				PreConfig: func() {
					b, _ := os.ReadFile(jsonFile)
					_ = os.WriteFile(jsonFile, []byte(strings.Replace(string(b), "Dify Celery queue backlog", "edited", 1)), 0o644)
					_ = os.Remove(rules)
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("llmops_dashboard.apps", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("llmops_alert_rule_group.slo", plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}

func TestAccAlertRuleErrorsAtPlan(t *testing.T) {
	testAccPreCheck(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
resource "llmops_alert_rule_group" "bad" {
  name = "bad"
  rule = [{ preset = "error_rate" }, { name = "X", expr = "sum(rate(foo[5m]" }]
}`,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)rule\[1\]\.expr.*unclosed left parenthesis`),
		}, {
			Config: `
resource "llmops_dashboard" "nowhere" {
  uid   = "x"
  title = "x"
}`,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)No dashboard target.*grafana`),
		}},
	})
}

// TestAccExample_dashboardsAndAlerts applies the three examples together
// against the fake Grafana, as the docs show them.
func TestAccExample_dashboardsAndAlerts(t *testing.T) {
	testAccPreCheck(t)
	fake := grafanatest.New(t)
	var body strings.Builder
	for _, r := range []string{"llmops_folder", "llmops_dashboard", "llmops_alert_rule_group"} {
		b, err := os.ReadFile("../examples/resources/" + r + "/resource.tf")
		if err != nil {
			t.Fatal(err)
		}
		body.Write(b)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: grafanaConfig(fake, body.String()),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("llmops_dashboard.apps", "folder_uid", "llm"),
				resource.TestMatchResourceAttr("llmops_alert_rule_group.slo", "rules_yaml", regexp.MustCompile(`alert: DifyWorkflowErrors`)),
				resource.TestMatchResourceAttr("llmops_dashboard.files", "url", regexp.MustCompile(`grafana/provisioning/dashboards/llmops-llm-apps-files/llm-apps-files\.json$`)),
			),
		}},
	})
}

// Given a rule group's rules_yaml, the dashboard draws the group's
// thresholds, and a changed threshold is a dashboard change in the plan.
func TestAccDashboard_thresholdsFromTheRuleGroup(t *testing.T) {
	testAccPreCheck(t)
	dir := t.TempDir()
	cfg := func(latency float64) string {
		return fmt.Sprintf(`
resource "llmops_alert_rule_group" "g" {
  name = "thresholds"
  rule = [{ preset = "p95_latency", threshold = %v }, { preset = "memory", threshold = 0.9 }]
}

resource "llmops_dashboard" "d" {
  uid              = "thresholds-%s"
  title            = "thresholds"
  provisioning_dir = %q
  alert_rules_yaml = llmops_alert_rule_group.g.rules_yaml
}
`, latency, runID, dir)
	}
	has := func(values ...string) resource.TestCheckFunc {
		return resource.TestCheckResourceAttrWith("llmops_dashboard.d", "json", func(v string) error {
			for _, want := range values {
				if !strings.Contains(v, want) {
					return fmt.Errorf("dashboard lacks %s", want)
				}
			}
			return nil
		})
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: cfg(8), Check: has(`{"color":"red","value":8}`, `{"color":"red","value":0.9}`)},
			{Config: cfg(12), Check: has(`{"color":"red","value":12}`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("llmops_dashboard.d", plancheck.ResourceActionUpdate),
				}}},
		},
	})
}
