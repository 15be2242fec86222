package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
)

func TestAddAttrErrorCutsToWhatTerraformHighlights(t *testing.T) {
	for _, c := range []struct {
		in, at path.Path
		named  bool
	}{
		{path.Root("name"), path.Root("name"), false},
		{path.Root("presets").AtListIndex(2), path.Root("presets").AtListIndex(2), false},
		{path.Root("rule").AtListIndex(0).AtName("threshold"), path.Root("rule").AtListIndex(0), true},
		{path.Root("dify").AtName("url"), path.Root("dify"), true},
		{path.Root("secret_files_wo").AtMapKey("k"), path.Root("secret_files_wo").AtMapKey("k"), false},
	} {
		var d diag.Diagnostics
		addAttrError(&d, c.in, "S", "detail")
		got := d[0].(diag.DiagnosticWithPath)
		if !got.Path().Equal(c.at) {
			t.Errorf("%s: error at %s, want %s", c.in, got.Path(), c.at)
		}
		if named := strings.HasPrefix(got.Detail(), c.in.String()+": "); named != c.named {
			t.Errorf("%s: detail %q names the path: %v, want %v", c.in, got.Detail(), named, c.named)
		}
	}
}
