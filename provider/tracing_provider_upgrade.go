package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
)

var _ resource.ResourceWithUpgradeState = (*tracingProviderResource)(nil)

// tracingProviderWOVersions are the version 1 counters, one per write-only
// secret; version 0 had one shared secrets_wo_version.
var tracingProviderWOVersions = []string{"secret_key_wo_version", "api_key_wo_version", "license_key_wo_version", "token_wo_version",
	"password_wo_version", "client_secret_wo_version", "secret_headers_wo_version"}

// UpgradeState moves version 0's secrets_wo_version to the counter of the
// secret the platform uses (secret_key_wo_version for Langfuse,
// secret_headers_wo_version for OTLP...), so that a configuration renamed
// the same way plans no change.
func (r *tracingProviderResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	v0 := tracingProviderSchemaV0()
	return map[int64]resource.StateUpgrader{0: {PriorSchema: &v0, StateUpgrader: upgradeTracingProviderV0}}
}

func tracingProviderSchemaV0() schema.Schema {
	s := schemaBefore(tracingProviderSchema(), 0, nil)
	for _, k := range tracingProviderWOVersions {
		delete(s.Attributes, k)
	}
	s.Attributes["secrets_wo_version"] = schema.Int64Attribute{Optional: true}
	return s
}

func upgradeTracingProviderV0(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	attrs, ok := rawAttrs("llmops_tracing_provider", req, resp)
	if !ok {
		return
	}
	old := attrs["secrets_wo_version"]
	delete(attrs, "secrets_wo_version")
	for _, k := range tracingProviderWOVersions {
		attrs[k] = tftypes.NewValue(tftypes.Number, nil)
	}
	if !old.IsNull() {
		attrs[secretOfState(attrs)+"_wo_version"] = old
	}
	setRaw(ctx, attrs, resp)
}

// secretOfState names the secret a stored tracing provider uses, from its
// type (and client_id, for a Databricks service principal).
func secretOfState(attrs map[string]tftypes.Value) string {
	var typ, clientID string
	_ = attrs["type"].As(&typ)
	if v, ok := attrs["client_id"]; ok && !v.IsNull() {
		_ = v.As(&clientID)
	}
	if name := platform.SecretNameFor(platform.Config{Type: platform.Type(typ), ClientID: clientID}); name != "" {
		return name
	}
	return "secret_headers" // otlp: its secrets are headers
}
