package provider

import (
	"strings"
	"testing"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
)

// Every field and secret a platform descriptor declares must be an
// attribute of the schema and a field of the model: a new platform that
// brings a new setting fails here, naming what to add, instead of at plan
// time.
func TestDescriptorsMatchTheSchemaAndModel(t *testing.T) {
	attrs := tracingProviderSchema().Attributes
	var m tracingProviderModel
	for _, typ := range platform.Types() {
		for _, f := range platform.Fields(typ) {
			if _, ok := attrs[f]; !ok {
				t.Errorf("%s: field %q has no schema attribute", typ, f)
			}
			if _, ok := m.stringFields()[f]; !ok {
				t.Errorf("%s: field %q is not in tracingProviderModel.stringFields", typ, f)
			}
		}
	}
	for _, u := range platform.SecretUses() {
		for _, a := range []string{u.Name, u.Name + "_wo", u.Name + "_wo_version"} {
			if _, ok := attrs[a]; !ok {
				t.Errorf("%s: secret attribute %q is missing", u.Type, a)
			}
		}
		if _, ok := m.secretFields()[u.Name]; !ok {
			t.Errorf("%s: secret %q is not in tracingProviderModel.secretFields", u.Type, u.Name)
		}
	}
}

// The descriptions are generated from the descriptors: each platform's
// default, requirement and secret shows in the attribute that holds it.
func TestDescriptionsComeFromTheDescriptors(t *testing.T) {
	attrs := tracingProviderSchema().Attributes
	for _, typ := range platform.Types() {
		for _, f := range platform.Fields(typ) {
			desc := attrs[f].GetMarkdownDescription()
			if !strings.Contains(desc, "`"+string(typ)+"`") {
				t.Errorf("%s does not name %s: %s", f, typ, desc)
			}
			if def := platform.Default(typ, f); def != "" && !strings.Contains(desc, "`"+def+"`") {
				t.Errorf("%s does not give %s's default %q: %s", f, typ, def, desc)
			}
		}
		if name := platform.SecretName(typ); name != "" && !strings.Contains(attrs[name+"_wo"].GetMarkdownDescription(), "`"+string(typ)+"`") {
			t.Errorf("%s_wo does not name %s", name, typ)
		}
	}
	if d := attrs["endpoint"].GetMarkdownDescription(); !strings.Contains(d, "`databricks`: required; `https://` only") {
		t.Errorf("endpoint: Databricks' rule is missing: %s", d)
	}
}
