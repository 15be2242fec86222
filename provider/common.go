package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// metaFrom extracts the provider's Meta in Configure.
func metaFrom(req resource.ConfigureRequest, diags *diag.Diagnostics) *Meta {
	if req.ProviderData == nil {
		return nil
	}
	m, ok := req.ProviderData.(*Meta)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("expected *provider.Meta, got %T", req.ProviderData))
	}
	return m
}
