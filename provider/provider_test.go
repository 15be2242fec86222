package provider

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/llmops/terraform-provider-llmops/internal/platform/platformtest"
)

// testAccProtoV6ProviderFactories serves the provider in-process to the real
// terraform CLI.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"llmops": providerserver.NewProtocol6WithError(New("test")()),
}

// TestMain makes the TLS fakes trusted (as users with a private CA do, via
// SSL_CERT_FILE) and serves the provider under the examples' address.
func TestMain(m *testing.M) {
	cleanup, err := platformtest.TrustTLSFakes()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The examples declare source = "llmops/llmops"; the in-process provider
	// must be served under the same address.
	if os.Getenv("TF_ACC_PROVIDER_NAMESPACE") == "" {
		os.Setenv("TF_ACC_PROVIDER_NAMESPACE", "llmops")
	}
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// runID makes every engine object a test run creates its own: two runs, or
// a run beside a user's quickstart, never share a container, network,
// volume or image tag.
var runID = func() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}()

// accName is base with this run's suffix.
func accName(base string) string { return base + "-" + runID }

// testAccPreCheck fails loudly, rather than skipping, when acceptance tests
// are asked for but cannot run offline.
func testAccPreCheck(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make test does)")
	}
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		t.Fatal("TF_ACC_TERRAFORM_PATH must point at a terraform binary so that nothing is downloaded; run the tests with `make test`")
	}
}

func TestAccProvider_invalidGrafanaBlock(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
provider "llmops" {
  grafana {
    url = "https://grafana.example.com"
  }
}
resource "llmops_tracing_provider" "p" {
  name     = "p"
  type     = "phoenix"
  endpoint = "http://127.0.0.1:6006"
}`,
			ExpectError: regexp.MustCompile(`(?s)grafana.auth: is required when grafana.url is set.*GRAFANA_AUTH`),
		}},
	})
}

func TestAccProvider_noBlocksNeeded(t *testing.T) {
	// Clear anything the environment could supply: a configuration that uses
	// no Grafana, Docker or Dify resource must not need them.
	for _, k := range []string{"GRAFANA_URL", "GRAFANA_AUTH", "DIFY_CONSOLE_URL", "DIFY_EMAIL", "DIFY_PASSWORD"} {
		t.Setenv(k, "")
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
resource "llmops_tracing_provider" "p" {
  name     = "local-phoenix"
  type     = "phoenix"
  endpoint = "http://127.0.0.1:6006"
}`,
		}},
	})
}
