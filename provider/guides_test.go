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
