package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/llmops/terraform-provider-llmops/internal/difyconsole/difytest"
)

const difyMLflowStack = `
resource "llmops_dify_app_tracing" "ml" {
  app_id           = "app-ml"
  tracing_provider = "mlflow"
  settings         = { tracking_uri = "http://mlflow:5000", experiment_id = "7", username = "bot" }
  secret_wo        = "mlflow-password-0123"
}

resource "llmops_dify_app_tracing" "dbx" {
  app_id           = "app-dbx"
  tracing_provider = "databricks"
  settings         = { host = "https://dbc-1.cloud.databricks.com", experiment_id = "1234567890", client_id = "sp-app-1" }
  secret_wo        = "dose-client-secret-0123"
}
`

// Dify's MLflow and Databricks providers through the console API: the
// secret goes to the right setting (a Databricks service principal's
// client_secret, not a personal access token), Dify's validation is
// enforced, an edit in Dify's UI is drift, import, and destroy.
func TestAccDifyAppTracing_mlflowAndDatabricks(t *testing.T) {
	testAccPreCheck(t)
	f := difytest.New(t, "app-ml", "app-dbx")
	cfg := difyConfig(f, difyMLflowStack)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyGate,
		CheckDestroy: func(*terraform.State) error {
			if f.Config("app-ml", "mlflow") != nil || f.Config("app-dbx", "databricks") != nil {
				return fmt.Errorf("tracing configs left in Dify")
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("llmops_dify_app_tracing.ml", "id", "app-ml/mlflow"),
					resource.TestCheckResourceAttr("llmops_dify_app_tracing.dbx", "effective_settings.client_id", "sp-app-1"),
					func(*terraform.State) error {
						if c := f.Config("app-ml", "mlflow"); c["password"] != "mlflow-password-0123" || c["experiment_id"] != "7" || c["tracking_uri"] != "http://mlflow:5000" {
							return fmt.Errorf("mlflow config %v", c)
						}
						if c := f.Config("app-dbx", "databricks"); c["client_secret"] != "dose-client-secret-0123" || c["personal_access_token"] != "" || c["host"] != "https://dbc-1.cloud.databricks.com" {
							return fmt.Errorf("databricks config %v", c)
						}
						if on, p := f.Trace("app-dbx"); !on || p != "databricks" {
							return fmt.Errorf("app-dbx tracing %v %s", on, p)
						}
						return nil
					},
				),
			},
			{
				PreConfig: func() { f.EditConfigOutside("app-ml", "mlflow", "experiment_id", "8") },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("llmops_dify_app_tracing.ml", plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					if c := f.Config("app-ml", "mlflow"); c["experiment_id"] != "7" || c["password"] != "mlflow-password-0123" {
						return fmt.Errorf("not restored (or secret lost): %v", c)
					}
					return nil
				},
			},
			{ResourceName: "llmops_dify_app_tracing.dbx", ImportState: true, ImportStateId: "app-dbx/databricks", ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"settings", "collector", "secret_wo_version"}},
			{ResourceName: "llmops_dify_app_tracing.ml", ImportState: true, ImportStateId: "app-ml/mlflow", ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"settings", "collector", "secret_wo_version"}},
		},
	})
}

// Dify's own validation of the two configs, and the collector refused.
func TestAccDifyAppTracing_mlflowErrors(t *testing.T) {
	testAccPreCheck(t)
	f := difytest.New(t, "app-ml")
	one := func(provider, settings string) string {
		return difyConfig(f, fmt.Sprintf(`
resource "llmops_dify_app_tracing" "x" {
  app_id           = "app-ml"
  tracing_provider = %q
  settings         = %s
  secret_wo        = "s3cret-value"
}`, provider, settings))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyGate,
		Steps: []resource.TestStep{
			{Config: one("databricks", `{ host = "https://dbc-1.cloud.databricks.com" }`), ExpectError: regexp.MustCompile(`needs settings experiment_id`)},
			{Config: one("mlflow", `{ experiment_id = "Default" }`), ExpectError: regexp.MustCompile(`experiment_id: must be an integer`)},
			{Config: one("mlflow", `{ tracking_uri = "databricks://profile" }`), ExpectError: regexp.MustCompile(`Please use Databricks tracing config`)},
			{Config: one("databricks", `{ host = "https://dbc-1.cloud.databricks.com", experiment_id = "1", personal_access_token = "x" }`),
				PlanOnly: true, ExpectError: regexp.MustCompile(`settings.personal_access_token is a secret`)},
			{Config: difyConfig(f, `
resource "llmops_collector" "c" { name = "edge" }
resource "llmops_dify_app_tracing" "x" {
  app_id           = "app-ml"
  tracing_provider = "mlflow"
  collector        = llmops_collector.c.dify_env
}`), PlanOnly: true, ExpectError: regexp.MustCompile(`No collector for this provider`)},
		},
	})
}
