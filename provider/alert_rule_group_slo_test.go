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
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/llmops/terraform-provider-llmops/internal/grafana/grafanatest"
)

// The SLO presets through Terraform: a rules file Prometheus's promtool
// accepts, with the burn-rate recording rules and the page and ticket
// alerts, and the same declaration as Grafana-managed rules (four rules,
// distinct titles and uids) with an empty plan after apply.
func TestAccAlertRuleGroup_slo(t *testing.T) {
	testAccPreCheck(t)
	fake := grafanatest.New(t)
	rules := filepath.Join(t.TempDir(), "slo.yml")
	cfg := grafanaConfig(fake, fmt.Sprintf(`
resource "llmops_alert_rule_group" "file" {
  name       = "llm-slo"
  rules_file = %q
  rule = [
    { preset = "availability_slo", selector = "service=\"dify-api\"", labels = { team = "llm" } },
    { preset = "latency_slo", threshold = 10, objective = 0.99, slo_window = "28d" },
  ]
}

resource "llmops_folder" "f" {
  uid   = "slo-%[2]s"
  title = "SLO %[2]s"
}

resource "llmops_alert_rule_group" "grafana" {
  name            = "llm-slo"
  grafana_managed = true
  folder_uid      = llmops_folder.f.uid
  datasource_uid = "prometheus"
  rule           = [{ preset = "availability_slo" }, { preset = "latency_slo" }]
}
`, rules, strings.ToLower(t.Name()[len(t.Name())-3:])))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: resource.ComposeAggregateTestCheckFunc(
				func(*terraform.State) error {
					y, err := os.ReadFile(rules)
					if err != nil {
						return err
					}
					for _, want := range []string{"alert: SLOErrorBudgetBurn", "severity: critical", "severity: warning", "slo: latency", "team: llm",
						"llmops:llm_slo:slo_availability:error_ratio_rate3d", "llmops:llm_slo:slo_latency:error_budget_remaining", `service="dify-api"`} {
						if !strings.Contains(string(y), want) {
							return fmt.Errorf("rules file lacks %q:\n%s", want, y)
						}
					}
					p, err := exec.LookPath("promtool")
					if err != nil {
						t.Log("LOUD: promtool missing, rules file checked by Prometheus's Go loader only")
						return nil
					}
					if out, err := exec.Command(p, "check", "rules", rules).CombinedOutput(); err != nil {
						return fmt.Errorf("promtool: %v %s", err, out)
					}
					return nil
				},
				resource.TestCheckResourceAttrWith("llmops_alert_rule_group.grafana", "grafana_rules", func(v string) error {
					for _, want := range []string{"SLOErrorBudgetBurn availability critical", "SLOErrorBudgetBurn latency warning"} {
						if !strings.Contains(v, want) {
							return fmt.Errorf("grafana_rules lacks %q", want)
						}
					}
					return nil
				}),
			),
		}},
	})
}

// Bad SLO settings fail terraform validate, one error each, on the path.
func TestAccAlertRuleGroup_sloValidate(t *testing.T) {
	testAccPreCheck(t)
	for want, rule := range map[string]string{
		`(?s)rule\[0\]\.objective.*99\.9 % is 0\.999`:              `{ preset = "availability_slo", objective = 99.9 }`,
		`(?s)rule\[0\]\.threshold.*not a boundary.*one of 0\.01`:   `{ preset = "latency_slo", threshold = 4.2 }`,
		`(?s)rule\[0\]\.slo_window.*from 3d`:                       `{ preset = "latency_slo", slo_window = "1d" }`,
		`(?s)rule\[0\]\.slo_window.*not a duration like 28d`:       `{ preset = "availability_slo", slo_window = "a month" }`,
		`(?s)rule\[0\]\.objective.*for the SLO presets`:            `{ preset = "error_rate", objective = 0.99 }`,
		`(?s)rule\[0\]\.severity.*critical pages, warning tickets`: `{ preset = "availability_slo", severity = "page" }`,
	} {
		// Terraform wraps long messages: a space may be a line break.
		pattern := strings.ReplaceAll(want, " ", `\s+`)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      fmt.Sprintf("resource \"llmops_alert_rule_group\" \"x\" {\n  name = \"x\"\n  rule = [%s]\n}", rule),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(pattern),
			}},
		})
	}
}
