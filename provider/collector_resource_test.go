package provider

import (
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

const collectorAddr = "llmops_collector.main"

func collectorConfig(rate string, extra string) string {
	return `
variable "token" {
  type      = string
  sensitive = true
  ephemeral = true
}
resource "llmops_tracing_provider" "langfuse" {
  name          = "langfuse"
  type          = "langfuse"
  public_key    = "pk-lf-1"
  secret_key_wo = "sk-lf-2"
}
resource "llmops_tracing_provider" "tempo" {
  name              = "tempo"
  type              = "otlp"
  endpoint          = "http://tempo:4317"
  protocol          = "grpc"
  secret_headers_wo = { "Authorization" = "Bearer x" }
}
resource "llmops_collector" "main" {
  name          = "main"
  auth_token_wo = var.token
  sampling_rate = ` + rate + `
  destinations = [
    { tracing_provider = llmops_tracing_provider.langfuse.exporter_destination, include = ["llm", "chain"] },
    { tracing_provider = llmops_tracing_provider.tempo.exporter_destination, overflow = "drop_oldest" },
  ]
  redaction_presets = ["email", "api_key"]
  prices = [{ match = "^qwen:14b$", input = 0, output = 0 }]
  ` + extra + `
}`
}

func TestAccCollector_lifecycle(t *testing.T) {
	vars := config.Variables{"token": config.StringVariable("a-long-enough-otlp-token")}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyGate,
		Steps: []resource.TestStep{
			{
				ConfigVariables: vars,
				Config:          collectorConfig("0.5", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					// Known at plan time, so reviewers see the rendered file.
					plancheck.ExpectKnownValue(collectorAddr, tfjsonpath.New("config_sha256"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{64}$`))),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(collectorAddr, tfjsonpath.New("required_secret_files"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("langfuse"), knownvalue.StringExact("otlp_token"), knownvalue.StringExact("tempo-authorization")})),
					statecheck.ExpectKnownValue(collectorAddr, tfjsonpath.New("dify_env").AtMapKey("OTLP_BASE_ENDPOINT"), knownvalue.StringExact("http://llmops-exporter:4318")),
					statecheck.ExpectKnownValue(collectorAddr, tfjsonpath.New("config_yaml"), stringContains(
						"bearer_token_file: /run/secrets/otlp_token", "rate: 0.5", "secret_file: /run/secrets/langfuse",
						"public_key: pk-lf-1", "Authorization: /run/secrets/tempo-authorization", "overflow: drop_oldest", "- email")),
					noSecretInState{"a-long-enough-otlp-token", "otlp_token"},
					noSecretInState{"sk-lf-2", "pk-lf-1"},
				},
			},
			{
				ConfigVariables: vars,
				Config:          collectorConfig("0.1", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(collectorAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(collectorAddr, tfjsonpath.New("config_yaml"), stringContains("rate: 0.1")),
				},
			},
			{
				ConfigVariables: vars,
				Config:          collectorConfig("0.1", `redaction_rules = [{ pattern = "(" }]`),
				ExpectError:     regexp.MustCompile(`(?s)redaction_rules\[0\]\.pattern: error parsing regexp`),
			},
			{
				ConfigVariables: vars,
				Config:          collectorConfig("0.1", `keep_slower_than = "soon"`),
				ExpectError:     regexp.MustCompile(`"soon" is not a duration`),
			},
			// Destroy runs terraform with the last configuration, which
			// validate must accept.
			{ConfigVariables: vars, Config: collectorConfig("0.1", ""), PlanOnly: true},
		},
	})
}

func TestAccCollector_import(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: `resource "llmops_collector" "main" { name = "edge" }`},
			{ResourceName: collectorAddr, ImportState: true, ImportStateId: "edge", ImportStateVerify: true},
			{ResourceName: collectorAddr, ImportState: true, ImportStateId: "Not A Name", ExpectError: regexp.MustCompile(`expected the collector's name`)},
		},
	})
}

// stringContains checks a string value holds every part.
type containsCheck struct{ parts []string }

func stringContains(parts ...string) knownvalue.Check { return containsCheck{parts} }

func (c containsCheck) CheckValue(v any) error {
	s, ok := v.(string)
	if !ok {
		return errNotString
	}
	for _, p := range c.parts {
		if !strings.Contains(s, p) {
			return &missingError{p, s}
		}
	}
	return nil
}

func (c containsCheck) String() string { return "contains " + strings.Join(c.parts, ", ") }

type missingError struct{ part, in string }

func (e *missingError) Error() string { return "missing " + e.part + " in:\n" + e.in }

var errNotString = &missingError{part: "(a string value)"}

// TestAccCollector_difyQueueMonitor: the queue monitor's settings reach the
// rendered configuration, its password only as a secret file.
func TestAccCollector_difyQueueMonitor(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
resource "llmops_collector" "main" {
  name = "edge"
  dify_queue_monitor = {
    redis_url = "redis://redis:6379/1"
    password  = true
    queues    = ["dataset", "workflow"]
    interval  = "10s"
  }
}`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(collectorAddr, tfjsonpath.New("config_yaml"), stringContains(
						"redis_url: redis://redis:6379/1", "password_file: /run/secrets/dify_redis_password", "- dataset", "interval: 10s")),
					statecheck.ExpectKnownValue(collectorAddr, tfjsonpath.New("required_secret_files"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("dify_redis_password")})),
				},
			},
		},
	})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
resource "llmops_collector" "main" {
  name = "edge"
  dify_queue_monitor = { redis_url = "redis://:hunter2@redis:6379/1" }
}`,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Password in the broker URL.*secret file`),
		}},
	})
}

// TestAccCollector_errorsOnAttributePaths: what the exporter would refuse
// is reported on the attribute that sets it, one diagnostic per field.
func TestAccCollector_errorsOnAttributePaths(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
resource "llmops_collector" "main" {
  name   = "edge"
  prices = [{ match = "gpt-(", input = 1, output = 1 }]
}`,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Invalid collector configuration.*prices = \[.*prices\.overrides\[0\]\.match`),
		}},
	})
}
