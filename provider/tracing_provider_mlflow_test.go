package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// MLflow and Databricks as Dify configures them: create, import (by the
// string ID: the secrets are write-only), a change of the experiment in
// place, and a service principal replacing the personal access token.
func TestAccTracingProvider_mlflowAndDatabricks(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyGate,
		Steps: []resource.TestStep{
			{
				Config: `
resource "llmops_tracing_provider" "test" {
  name          = "ml"
  type          = "mlflow"
  endpoint      = "https://mlflow.example.com/"
  experiment_id = "7"
  username      = "bot"
  password_wo   = "pw"
}`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("endpoint"), knownvalue.StringExact("https://mlflow.example.com/")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("otlp_endpoint"), knownvalue.StringExact("https://mlflow.example.com/v1/traces")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("otlp_header_names"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("Authorization"), knownvalue.StringExact("x-mlflow-experiment-id")})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("password_wo"), knownvalue.Null()),
				},
			},
			{
				ResourceName: addr, ImportState: true, ImportStateVerify: true,
				ImportStateId: "mlflow/ml?endpoint=https://mlflow.example.com/&experiment_id=7&username=bot",
			},
			{
				Config: `
resource "llmops_tracing_provider" "test" {
  name          = "ml"
  type          = "mlflow"
  endpoint      = "https://mlflow.example.com/"
  experiment_id = "8"
  username      = "bot"
  password_wo   = "pw"
}`,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("experiment_id"), knownvalue.StringExact("8")),
				},
			},
			{
				Config: `
resource "llmops_tracing_provider" "test" {
  name          = "ml"
  type          = "databricks"
  endpoint      = "https://dbc-1.cloud.databricks.com"
  experiment_id = "1234567890"
  token_wo      = "dapi"
}`,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("otlp_endpoint"), knownvalue.StringExact("https://dbc-1.cloud.databricks.com/api/2.0/otel/v1/traces")),
				},
			},
			{
				ResourceName: addr, ImportState: true, ImportStateVerify: true,
				ImportStateId: "databricks/ml?endpoint=https://dbc-1.cloud.databricks.com&experiment_id=1234567890",
			},
			{
				Config: `
resource "llmops_tracing_provider" "test" {
  name             = "ml"
  type             = "databricks"
  endpoint         = "https://dbc-1.cloud.databricks.com"
  experiment_id    = "1234567890"
  client_id        = "sp-app-1"
  client_secret_wo = "dose"
}`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("client_id"), knownvalue.StringExact("sp-app-1")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("otlp_header_names"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("Authorization"), knownvalue.StringExact("x-mlflow-experiment-id")})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("client_secret_wo"), knownvalue.Null()),
				},
			},
		},
	})
}
