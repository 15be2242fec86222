package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"github.com/llmops/terraform-provider-llmops/internal/platform/platformtest"
)

const addr = "llmops_tracing_provider.test"

// writeOnlyGate fails, never skips, below Terraform 1.11, the first with
// write-only attributes: scripts/terraform.sh finds or builds one, so an
// older CLI here is a set-up error that must not pass silently.
var writeOnlyGate = []tfversion.TerraformVersionCheck{tfversion.RequireAbove(tfversion.Version1_11_0)}

func TestAccTracingProvider_langfuseLifecycle(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyGate,
		Steps: []resource.TestStep{
			{
				Config: `
resource "llmops_tracing_provider" "test" {
  name          = "prod"
  type          = "langfuse"
  public_key    = "pk-lf-123"
  secret_key_wo = "sk-lf-456"
}`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("langfuse/prod")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("host"), knownvalue.StringExact("https://cloud.langfuse.com")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("otlp_endpoint"), knownvalue.StringExact("https://cloud.langfuse.com/api/public/otel/v1/traces")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("otlp_protocol"), knownvalue.StringExact("http/protobuf")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("otlp_header_names"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("Authorization"), knownvalue.StringExact("x-langfuse-ingestion-version")})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("secret_key_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("verify"), knownvalue.Bool(false)),
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     "langfuse/prod?public_key=pk-lf-123",
				ImportStateVerify: true,
			},
			{
				// A self-hosted host behind a path prefix: updated in place.
				Config: `
resource "llmops_tracing_provider" "test" {
  name                  = "prod"
  type                  = "langfuse"
  host                  = "https://langfuse.internal.example/lf/"
  public_key            = "pk-lf-123"
  secret_key_wo         = "sk-lf-789"
  secret_key_wo_version = 2
}`,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("host"), knownvalue.StringExact("https://langfuse.internal.example/lf/")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("otlp_endpoint"), knownvalue.StringExact("https://langfuse.internal.example/lf/api/public/otel/v1/traces")),
				},
			},
			{
				// Changing the type is a different destination: replaced.
				Config: `
resource "llmops_tracing_provider" "test" {
  name     = "prod"
  type     = "otlp"
  endpoint = "http://tempo:4317"
  protocol = "grpc"
  headers  = { "X-Scope-OrgID" = "tenant-1" }
  secret_headers_wo = { "Authorization" = "Bearer abc" }
}`,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("otlp_endpoint"), knownvalue.StringExact("tempo:4317")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("otlp_header_names"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("Authorization"), knownvalue.StringExact("X-Scope-OrgID")})),
				},
			},
		},
	})
}

func TestAccTracingProvider_defaultsPerType(t *testing.T) {
	cases := []struct{ typ, extra, endpoint string }{
		{"langsmith", `project = "demo"` + "\n  api_key_wo = \"k\"", "https://api.smith.langchain.com/otel/v1/traces"},
		{"phoenix", ``, "https://app.phoenix.arize.com/v1/traces"},
		{"weave", `entity = "team"` + "\n  project = \"app\"\n  api_key_wo = \"k\"", "https://trace.wandb.ai/otel/v1/traces"},
		{"aliyun", `license_key_wo = "k"`, "https://tracing-analysis-dc-hz.aliyuncs.com/adapt_{license_key}/api/otlp/traces"},
		{"opik", `workspace = "ws"`, "https://www.comet.com/opik/api/v1/private/otel/v1/traces"},
		{"tencent", `token_wo = "k"` + "\n  endpoint = \"http://ap-guangzhou.apm.tencentcs.com\"", "ap-guangzhou.apm.tencentcs.com:4317"},
		{"mlflow", ``, "http://localhost:5000/v1/traces"},
		{"databricks", `token_wo = "k"` + "\n  endpoint = \"https://dbc-1.cloud.databricks.com\"\n  experiment_id = \"42\"", "https://dbc-1.cloud.databricks.com/api/2.0/otel/v1/traces"},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config: fmt.Sprintf(`
resource "llmops_tracing_provider" "test" {
  name = "d"
  type = %q
  %s
}`, c.typ, c.extra),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("otlp_endpoint"), knownvalue.StringExact(c.endpoint)),
			},
		})
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyGate,
		Steps:                    steps,
	})
}

func TestAccTracingProvider_sensitiveAlternative(t *testing.T) {
	// Older CLIs have no write-only attributes; the Sensitive form works
	// everywhere (and is stored in state, as documented).
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
resource "llmops_tracing_provider" "test" {
  name    = "ls"
  type    = "langsmith"
  project = "demo"
  api_key = "lsv2_legacy"
}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("otlp_header_names"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.StringExact("Langsmith-Project"), knownvalue.StringExact("x-api-key")})),
			},
		}},
	})
}

func TestAccTracingProvider_invalidInput(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"missing public key", `type = "langfuse"` + "\n secret_key_wo = \"s\"", `public_key: is required for type "langfuse"`},
		{"missing secret", `type = "langfuse"` + "\n public_key = \"pk\"", `type "langfuse" needs secret_key_wo`},
		{"secret of another type", `type = "phoenix"` + "\n token_wo = \"t\"", `token_wo is not used by type "phoenix"`},
		{"https only", `type = "langsmith"` + "\n project = \"p\"\n endpoint = \"http://ls\"\n api_key_wo = \"k\"", `endpoint: must use https://`},
		{"doubled path", `type = "phoenix"` + "\n endpoint = \"http://px:6006/v1/traces\"", `endpoint: must be the base URL`},
		{"bad type", `type = "datadog"`, `"datadog" is not one of "langfuse"`},
		{"bad name", `type = "phoenix"` + "\n name = \"Prod Phoenix\"", `must be 1-63 lower-case`},
		{"experiment name", `type = "mlflow"` + "\n experiment_id = \"my-experiment\"", `experiment_id: must be the experiment's numeric id`},
		{"mlflow user without password", `type = "mlflow"` + "\n username = \"bot\"", `with username needs password_wo`},
		{"mlflow password without user", `type = "mlflow"` + "\n password_wo = \"pw\"", `sends the password only with a username`},
		{"databricks workspace as mlflow", `type = "mlflow"` + "\n endpoint = \"https://adb-1.azuredatabricks.net\"", `use type "databricks"`},
		{"databricks without experiment", `type = "databricks"` + "\n endpoint = \"https://dbc-1.cloud.databricks.com\"\n token_wo = \"t\"", `experiment_id: is required for type "databricks"`},
		{"databricks principal with a token", `type = "databricks"` + "\n endpoint = \"https://dbc-1.cloud.databricks.com\"\n experiment_id = \"1\"\n client_id = \"sp\"\n token_wo = \"t\"", `token_wo is not used by type "databricks"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := `name = "x"`
			if strings.Contains(c.body, " name =") {
				name = ""
			}
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				TerraformVersionChecks:   writeOnlyGate,
				Steps: []resource.TestStep{{
					Config:      fmt.Sprintf("resource \"llmops_tracing_provider\" \"test\" {\n %s\n %s\n}", name, c.body),
					ExpectError: regexp.MustCompile(regexp.QuoteMeta(c.want)),
				}},
			})
		})
	}
}

func TestAccTracingProvider_importErrors(t *testing.T) {
	cases := map[string]string{
		"langfuse":                   `expected <type>/<name>`,
		"langfuse/p?secret_key=x":    `secret_key is a secret and cannot be imported`,
		"langfuse/p?entity=x":        `import field "entity" is not a setting of type "langfuse"`,
		"datadog/p":                  `unknown type "datadog"`,
		"langfuse/p?host=ftp://x.io": `host: must be an absolute http`,
	}
	for id, want := range cases {
		if _, err := parseImportID(id); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want %q, got %v", id, want, err)
		}
	}
}

// TestAccTracingProvider_noSecretInStateOrPlan proves write-only secrets
// appear nowhere in the plan JSON (values, configuration, variables) nor in
// the state, when passed the recommended way: through an ephemeral variable.
// (A literal in the .tf file is echoed by Terraform itself in the plan's
// "configuration" section, which no provider can prevent.)
func TestAccTracingProvider_noSecretInStateOrPlan(t *testing.T) {
	const secret = "sk-lf-NEVER-STORE-ME"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyGate,
		Steps: []resource.TestStep{{
			ConfigVariables: config.Variables{"secret": config.StringVariable(secret)},
			Config: `
variable "secret" {
  type      = string
  sensitive = true
  ephemeral = true
}
resource "llmops_tracing_provider" "test" {
  name          = "prod"
  type          = "langfuse"
  public_key    = "pk-lf-123"
  secret_key_wo = var.secret
}
resource "llmops_tracing_provider" "otlp" {
  name              = "tempo"
  type              = "otlp"
  endpoint          = "http://tempo:4318"
  secret_headers_wo = { "Authorization" = "Bearer ${var.secret}" }
}`,
			ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{noSecretInPlan{secret}}},
			ConfigStateChecks: []statecheck.StateCheck{noSecretInState{secret, "pk-lf-123"}},
		}},
	})
}

type noSecretInPlan struct{ secret string }

func (c noSecretInPlan) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	b, err := json.Marshal(req.Plan)
	if err != nil {
		resp.Error = err
		return
	}
	if i := strings.Index(string(b), c.secret); i >= 0 {
		resp.Error = fmt.Errorf("the plan JSON contains the secret: %s", string(b)[max(0, i-300):i+40])
	}
	if len(b) < 500 {
		resp.Error = fmt.Errorf("the plan JSON is suspiciously small (%d bytes)", len(b))
	}
}

// noSecretInState fails when secret is in the state, and when marker is
// not (then the state was not what the check meant to look at).
type noSecretInState struct{ secret, marker string }

func (c noSecretInState) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	b, err := json.Marshal(req.State)
	if err != nil {
		resp.Error = err
		return
	}
	if strings.Contains(string(b), c.secret) {
		resp.Error = fmt.Errorf("the state contains the secret")
	}
	if !strings.Contains(string(b), c.marker) {
		resp.Error = fmt.Errorf("the state JSON does not hold the resource; the check proves nothing")
	}
}

// verifyHCL renders a verify = true configuration pointing at fake.
func verifyHCL(fake *platformtest.Fake, secret string) string {
	c := fake.Config
	lines := []string{`name = "v"`, fmt.Sprintf("type = %q", c.Type), "verify = true"}
	add := func(k, v string) {
		if v != "" {
			lines = append(lines, fmt.Sprintf("%s = %q", k, v))
		}
	}
	add("host", c.Host)
	add("endpoint", c.Endpoint)
	add("url", c.URL)
	add("public_key", c.PublicKey)
	add("project", c.Project)
	add("workspace", c.Workspace)
	add("entity", c.Entity)
	add("experiment_id", c.ExperimentID)
	add("username", c.Username)
	add("client_id", c.ClientID)
	if c.Protocol != "" {
		add("protocol", string(c.Protocol))
	}
	if name := platform.SecretNameFor(c); name != "" && secret != "" {
		add(name+"_wo", secret)
	}
	if c.Type == platform.OTLP {
		lines = append(lines, fmt.Sprintf(`secret_headers_wo = { "authorization" = %q }`, "Bearer "+secret))
	}
	sort.Strings(lines[3:])
	return "resource \"llmops_tracing_provider\" \"test\" {\n  " + strings.Join(lines, "\n  ") + "\n}\n"
}

// TestAccTracingProvider_verify runs the credential check of every type
// against an in-process fake of the platform: good credentials pass, a
// wrong key and an unreachable host each get their own diagnostic.
func TestAccTracingProvider_verify(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := lis.Addr().String()
	lis.Close()

	good := map[platform.Type]platform.Config{
		platform.Langfuse: {PublicKey: "pk-lf-1"}, platform.LangSmith: {Project: "demo"}, platform.Phoenix: {},
		platform.Weave: {Entity: "team", Project: "app"}, platform.Aliyun: {}, platform.Opik: {Workspace: "ws"},
		platform.Tencent: {}, platform.OTLP: {}, platform.MLflow: {ExperimentID: "7", Username: "bot"},
		platform.Databricks: {ExperimentID: "1234567890"}, "databricks-oauth": {ExperimentID: "1234567890", ClientID: "sp-1"},
	}
	for name, cfg := range good {
		typ := name
		if name == "databricks-oauth" {
			typ = platform.Databricks
		}
		t.Run(string(name), func(t *testing.T) {
			fake := platformtest.New(t, typ, cfg, platform.Secrets{Key: "GOOD-KEY", Headers: map[string]string{"authorization": "Bearer GOOD-KEY"}})
			dead := &platformtest.Fake{Config: pointAtDead(fake.Config, deadAddr)}
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				TerraformVersionChecks:   writeOnlyGate,
				Steps: []resource.TestStep{
					{Config: verifyHCL(fake, "WRONG-KEY"), ExpectError: regexp.MustCompile(`Tracing platform rejected the credentials`)},
					{Config: verifyHCL(dead, "GOOD-KEY"), ExpectError: regexp.MustCompile(`Tracing platform unreachable`)},
					{Config: verifyHCL(fake, "GOOD-KEY"), ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("verify"), knownvalue.Bool(true)),
					}},
				},
			})
			if n := len(fake.Requests()); n < 2 {
				t.Fatalf("the fake saw %d requests; the check did not run", n)
			}
		})
	}
}

// pointAtDead moves a fake's config to an address nothing listens on.
// LangSmith and Weave keep https (they refuse http).
func pointAtDead(c platform.Config, deadAddr string) platform.Config {
	scheme := "http://"
	if c.Type == platform.LangSmith || c.Type == platform.Weave || c.Type == platform.Databricks {
		scheme = "https://"
	}
	switch c.Type {
	case platform.Langfuse:
		c.Host = scheme + deadAddr
	case platform.Opik:
		c.URL = scheme + deadAddr + "/api/"
	default:
		c.Endpoint = scheme + deadAddr
	}
	return c
}

func TestAccTracingProvider_verifyWrongPath(t *testing.T) {
	fake := platformtest.New(t, platform.Langfuse, platform.Config{PublicKey: "pk-lf-1"}, platform.Secrets{Key: "GOOD"})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyGate,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "llmops_tracing_provider" "test" {
  name          = "v"
  type          = "langfuse"
  host          = "%s/wrong-prefix"
  public_key    = "pk-lf-1"
  secret_key_wo = "GOOD"
  verify        = true
}`, fake.URL),
			ExpectError: regexp.MustCompile(`(?s)Tracing platform URL or path is wrong.*wrong-prefix/api/public/projects`),
		}},
	})
}
