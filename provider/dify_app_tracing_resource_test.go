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

	"github.com/llmops/terraform-provider-llmops/internal/difyconsole/difytest"
)

func difyConfig(f *difytest.Fake, body string) string {
	return fmt.Sprintf(`
provider "llmops" {
  dify {
    console_url = %q
    email       = %q
    password    = %q
  }
}
%s`, f.URL, f.Email, f.Password, body)
}

const difyTracingStack = `
resource "llmops_collector" "c" {
  name            = "edge"
  langfuse_ingest = true
}

resource "llmops_dify_app_tracing" "lf" {
  app_id           = "app-3"
  tracing_provider = "langfuse"
  collector        = llmops_collector.c.dify_env
  secret_wo        = "exporter-token-0123456789"
}

resource "llmops_dify_app_tracing" "support" {
  app_id            = "app-1"
  tracing_provider  = "phoenix"
  collector         = llmops_collector.c.dify_env
  settings          = { project = "support" }
  secret_wo         = "phx-key-0123456789"
  secret_wo_version = 1
}

resource "llmops_dify_app_tracing" "bot" {
  app_id            = "app-2"
  tracing_provider  = "aliyun"
  collector         = llmops_collector.c.dify_env
  settings          = { app_name = "sales-bot" }
  secret_wo         = "exporter-token-0123456789"
  secret_wo_version = 1
}
`

// TestAccDifyAppTracing drives the resource against the fake console:
// create, empty plan, changes in Dify's UI are drift that apply restores,
// import, deletion outside Terraform, destroy.
func TestAccDifyAppTracing(t *testing.T) {
	testAccPreCheck(t)
	f := difytest.New(t, "app-1", "app-2", "app-3")
	cfg := difyConfig(f, difyTracingStack)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyGate,
		CheckDestroy: func(*terraform.State) error {
			if f.Config("app-1", "phoenix") != nil || f.Config("app-2", "aliyun") != nil {
				return fmt.Errorf("tracing configs left in Dify")
			}
			if on, _ := f.Trace("app-1"); on {
				return fmt.Errorf("tracing left on")
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("llmops_dify_app_tracing.support", "id", "app-1/phoenix"),
					resource.TestCheckResourceAttr("llmops_dify_app_tracing.support", "effective_settings.endpoint", "http://llmops-exporter:4318"),
					resource.TestCheckNoResourceAttr("llmops_dify_app_tracing.support", "secret_wo"),
					func(s *terraform.State) error {
						c := f.Config("app-1", "phoenix")
						if c["api_key"] != "phx-key-0123456789" || c["endpoint"] != "http://llmops-exporter:4318" || c["project"] != "support" {
							return fmt.Errorf("stored %v", c)
						}
						if c := f.Config("app-3", "langfuse"); c["public_key"] != "pk-lf-llmops-exporter" || c["host"] != "http://llmops-exporter:4318" {
							return fmt.Errorf("langfuse config %v", c)
						}
						yaml := s.RootModule().Resources["llmops_collector.c"].Primary.Attributes["config_yaml"]
						if !strings.Contains(yaml, "public_key: pk-lf-llmops-exporter") {
							return fmt.Errorf("collector does not serve the Langfuse ingest:\n%s", yaml)
						}
						if on, p := f.Trace("app-2"); !on || p != "aliyun" {
							return fmt.Errorf("app-2 tracing %v %s", on, p)
						}
						for _, v := range s.RootModule().Resources["llmops_dify_app_tracing.bot"].Primary.Attributes {
							if strings.Contains(v, "exporter-token") {
								return fmt.Errorf("secret in state")
							}
						}
						return nil
					},
				),
			},
			{
				PreConfig: func() {
					f.SetTraceOutside("app-1", true, "langfuse") // switched in Dify's UI
					f.EditConfigOutside("app-2", "aliyun", "app_name", "renamed-in-ui")
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("llmops_dify_app_tracing.support", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("llmops_dify_app_tracing.bot", plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					if on, p := f.Trace("app-1"); !on || p != "phoenix" {
						return fmt.Errorf("switch not restored: %v %s", on, p)
					}
					if c := f.Config("app-2", "aliyun"); c["app_name"] != "sales-bot" || c["license_key"] != "exporter-token-0123456789" {
						return fmt.Errorf("settings not restored (or secret lost): %v", c)
					}
					return nil
				},
			},
			{ResourceName: "llmops_dify_app_tracing.support", ImportState: true, ImportStateId: "app-1/phoenix", ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"settings", "collector", "secret_wo_version"}},
			{
				PreConfig: func() { f.DeleteConfigOutside("app-2", "aliyun") },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("llmops_dify_app_tracing.bot", plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}

// TestAccDifyAppTracingErrors: each failure has its own diagnostic.
func TestAccDifyAppTracingErrors(t *testing.T) {
	testAccPreCheck(t)
	f := difytest.New(t, "app-1")
	one := func(app, secret string) string {
		return fmt.Sprintf(`
resource "llmops_dify_app_tracing" "x" {
  app_id    = %q
  tracing_provider = "langfuse"
  settings  = { public_key = "pk-lf-1", host = "http://10.1.2.3:4318" }
  secret_wo = %q
}`, app, secret)
	}
	wrongLogin := strings.Replace(difyConfig(f, one("app-1", "sk-lf-good")), f.Password, "not-the-password", 1)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyGate,
		Steps: []resource.TestStep{
			{Config: difyConfig(f, one("app-1", "wrong")), ExpectError: regexp.MustCompile(`(?s)rejected the tracing credentials.*http://10\.1\.2\.3:4318.*ssrf_proxy`)},
			{Config: difyConfig(f, one("app-404", "sk-lf-good")), ExpectError: regexp.MustCompile(`Dify app not found`)},
			{Config: wrongLogin, ExpectError: regexp.MustCompile(`Dify login failed`)},
			{PreConfig: func() { f.SetReadOnly(true) }, Config: difyConfig(f, one("app-1", "sk-lf-good")), ExpectError: regexp.MustCompile(`no permission in Dify`)},
			{Config: difyConfig(f, `
resource "llmops_dify_app_tracing" "x" {
  app_id   = "app-1"
  tracing_provider = "phoenix"
  settings = { endpoint = "http://e", api_key = "oops" }
}`), PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)Secret in settings.*secret_wo`)},
		},
	})
}

// TestAccExample_difyAppTracing applies the documented example against the
// fake console.
func TestAccExample_difyAppTracing(t *testing.T) {
	testAccPreCheck(t)
	f := difytest.New(t, "a1f0c2d4-0000-4000-8000-000000000001", "c3d4e5f6-0000-4000-8000-000000000002")
	body, err := os.ReadFile("../examples/resources/llmops_dify_app_tracing/resource.tf")
	if err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyGate,
		Steps: []resource.TestStep{{
			Config:          difyConfig(f, string(body)),
			ConfigVariables: config.Variables{"otlp_token": config.StringVariable("example-token-0123456789")},
			Check: func(*terraform.State) error {
				if c := f.Config("c3d4e5f6-0000-4000-8000-000000000002", "aliyun"); c["license_key"] != "example-token-0123456789" || c["endpoint"] != "http://llmops-exporter:4318" {
					return fmt.Errorf("aliyun config %v", c)
				}
				return nil
			},
		}},
	})
}

// TestAccExample_monitoringDify plans the guide's complete configuration
// (examples/dify) against the fake console: it must be valid as written.
func TestAccExample_monitoringDify(t *testing.T) {
	testAccDocker(t)
	f := difytest.New(t, "a1f0c2d4-0000-4000-8000-000000000001", "c3d4e5f6-0000-4000-8000-000000000002")
	dir := t.TempDir()
	copyConfiguration(t, "../examples/dify", dir)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks: writeOnlyGate,
		Steps: []resource.TestStep{{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			ConfigDirectory:          config.StaticDirectory(dir),
			ConfigVariables: config.Variables{
				"dify_console_url": config.StringVariable(f.URL), "dify_email": config.StringVariable(f.Email),
				"dify_password": config.StringVariable(f.Password), "otlp_token": config.StringVariable("token-0123456789abcdef"),
				"langfuse_secret_key": config.StringVariable("sk-lf-1"), "redis_password": config.StringVariable("pw"),
				"exporter_binary": config.StringVariable(staticExporter(t)), "dify_network": config.StringVariable(accName("dify")),
			},
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		}},
	})
}
