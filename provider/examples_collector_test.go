package provider

import (
	"os"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestAccExample_collectorResource(t *testing.T) {
	body, err := os.ReadFile("../examples/resources/llmops_collector/resource.tf")
	if err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyGate,
		Steps: []resource.TestStep{{
			Config: string(body),
			ConfigVariables: config.Variables{
				"otlp_token":          config.StringVariable("example-token-0123456789"),
				"langfuse_secret_key": config.StringVariable("sk-lf-example"),
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValueAtPath("dify_env", tfjsonpath.New("ENABLE_OTEL"), knownvalue.StringExact("true")),
			},
		}},
	})
}
