package provider

import (
	"os"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// The examples are the documentation and the fixtures at once: every one of
// them must apply and then plan empty.

func TestAccExample_quickstart(t *testing.T) {
	name := accName("llmops-qs")
	// A copy of the configuration only: `make quickstart` leaves its state
	// in examples/quickstart, and plugin-testing copies every file of a
	// ConfigDirectory, state included, so the test would plan against and
	// destroy the user's quickstart.
	dir := t.TempDir()
	copyConfiguration(t, "../examples/quickstart", dir)
	resource.Test(t, resource.TestCase{
		PreCheck:               func() { testAccDocker(t) },
		TerraformVersionChecks: writeOnlyGate,
		// Its own names, so that a user's quickstart on the same engine is
		// never touched (the image tag is content-addressed and shared, and
		// destroy keeps it while the user's replicas use it).
		CheckDestroy: checkNothingLeft(name, ""),
		Steps: []resource.TestStep{{
			// The quickstart declares its own required_providers, so the
			// provider is given at step level (plugin-testing's rule).
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			ConfigDirectory:          config.StaticDirectory(dir),
			ConfigVariables: config.Variables{"exporter_binary": config.StringVariable(staticExporter(t)), "name": config.StringVariable(name),
				"otlp_token": config.StringVariable("quickstart-test-token")},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValueAtPath("destinations", tfjsonpath.New("langfuse").AtMapKey("otlp_endpoint"),
					knownvalue.StringExact("https://cloud.langfuse.com/api/public/otel/v1/traces")),
				statecheck.ExpectKnownOutputValueAtPath("destinations", tfjsonpath.New("jaeger").AtMapKey("otlp_endpoint"),
					knownvalue.StringExact("http://jaeger:4318/v1/traces")),
				statecheck.ExpectKnownValue("llmops_replica_set.exporter", tfjsonpath.New("healthy_replicas"), knownvalue.Int64Exact(3)),
				statecheck.ExpectKnownOutputValue("dashboard_file", knownvalue.StringRegexp(regexp.MustCompile(`(^|/)grafana/provisioning/dashboards/llmops-`+name+`-llm/`+name+`-llm\.json$`))),
				statecheck.ExpectKnownOutputValue("rules_file", knownvalue.StringRegexp(regexp.MustCompile(`(^|/)prometheus/rules/`+name+`-slo\.yml$`))),
				statecheck.ExpectKnownOutputValue("replicas", knownvalue.MapSizeExact(3)),
				statecheck.ExpectKnownOutputValueAtPath("replicas", tfjsonpath.New(name+"-"+name+"-1").AtMapKey("otlp_grpc"),
					knownvalue.StringRegexp(regexp.MustCompile(`^127\.0\.0\.1:\d+$`))),
				statecheck.ExpectKnownOutputValue("send_traffic", knownvalue.StringRegexp(regexp.MustCompile(
					`^docker exec -e OTLP_API_KEY="\$TF_VAR_otlp_token" `+name+`-`+name+`-1 /llmops-exporter loadgen -endpoint http://127\.0\.0\.1:4318 `))),
				metricsReachable{},
			},
		}},
	})
}

func TestAccExample_tracingProviderResource(t *testing.T) {
	body, err := os.ReadFile("../examples/resources/llmops_tracing_provider/resource.tf")
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
				"langfuse_secret_key": config.StringVariable("sk-lf-example"),
				"langsmith_api_key":   config.StringVariable("lsv2-example"),
				// The example checks real keys against the real platforms;
				// offline, the check is covered by the fakes in other tests.
				"verify_credentials": config.BoolVariable(false),
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("llmops_tracing_provider.tempo", tfjsonpath.New("otlp_endpoint"), knownvalue.StringExact("tempo.internal:4317")),
			},
		}},
	})
}
