package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

var (
	terraformBlock = regexp.MustCompile("(?s)```terraform\n(.*?)```")
	varRef         = regexp.MustCompile(`var\.([a-z_]+)`)
)

// TestAccGuides_platformSnippetsPlan plans every platform guide's example
// as written (its variables given dummy values): the docs cannot drift from
// the schema.
func TestAccGuides_platformSnippetsPlan(t *testing.T) {
	testAccPreCheck(t)
	files, _ := filepath.Glob("../templates/guides/platform-*.md.tmpl")
	if len(files) < 8 {
		t.Fatalf("%d platform guides", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := terraformBlock.FindStringSubmatch(string(b))
		if m == nil {
			t.Fatalf("%s: no terraform example", f)
		}
		var vars []string
		vals := config.Variables{}
		for _, v := range varRef.FindAllStringSubmatch(m[1], -1) {
			if !slices.Contains(vars, v[1]) {
				vars = append(vars, v[1])
				vals[v[1]] = config.StringVariable("dummy-secret-value")
			}
		}
		var decl strings.Builder
		for _, v := range vars {
			fmt.Fprintf(&decl, "variable %q {\n  type      = string\n  sensitive = true\n  ephemeral = true\n}\n", v)
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				TerraformVersionChecks:   writeOnlyGate,
				Steps: []resource.TestStep{{
					Config: decl.String() + m[1], ConfigVariables: vals,
					PlanOnly: true, ExpectNonEmptyPlan: true,
				}},
			})
		})
	}
}

// TestAccExample_difyAPIHA plans examples/dify-api-ha as written, against a
// Dify-like .env, without its import block (importing needs Compose's
// containers; TestAccReplicaSet_difyAPI runs that path on the engine): the
// guide's example cannot drift from the schema, and its env file, secret
// files and entrypoint make a valid Compose rendering.
func TestAccExample_difyAPIHA(t *testing.T) {
	testAccPreCheck(t)
	b, err := os.ReadFile("../examples/dify-api-ha/main.tf")
	if err != nil {
		t.Fatal(err)
	}
	body := regexp.MustCompile(`(?s)\nimport \{.*?\n\}\n`).ReplaceAllString(string(b), "\n")
	if strings.Contains(body, "import {") || !strings.Contains(string(b), "import {") {
		t.Fatal("the example's import block was not found where expected")
	}
	dir := t.TempDir()
	env := "SECRET_KEY=sk-in-env-file\nDB_USERNAME=postgres\nDB_HOST=db_postgres\nREDIS_HOST=redis\nSTORAGE_TYPE=s3\n"
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(env), 0o600); err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyGate,
		Steps: []resource.TestStep{{
			Config: body,
			ConfigVariables: config.Variables{"dify_docker_dir": config.StringVariable(dir), "secret_key": config.StringVariable("sk-0123456789"),
				"db_password": config.StringVariable("db-0123456789"), "redis_password": config.StringVariable("redis-0123456789")},
			PlanOnly: true, ExpectNonEmptyPlan: true,
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
				plancheck.ExpectKnownValue("llmops_replica_set.api", tfjsonpath.New("id"), knownvalue.StringExact("docker/api")),
				plancheck.ExpectKnownValue("llmops_replica_set.api", tfjsonpath.New("kubernetes_yaml"),
					knownvalue.StringRegexp(regexp.MustCompile(`(?s)kind: Deployment.*name: api-env.*secretName: api-secrets`))),
				planLacks{"sk-in-env-file", "docker_default"},
				planLacks{"redis-0123456789", "docker_default"},
			}},
		}},
	})
}
