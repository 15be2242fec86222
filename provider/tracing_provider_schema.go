package provider

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
)

// nameRE keeps names usable as exporter destination names, file names and
// environment variable suffixes.
var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

func tracingProviderSchema() schema.Schema {
	attrs := map[string]schema.Attribute{
		// Required attributes.
		"name": schema.StringAttribute{
			Required:            true,
			MarkdownDescription: "A short name for this destination, unique among your tracing providers (lower-case letters, digits, `-`, `_`). Collectors use it to name the destination. Changing it replaces the resource.",
			Validators:          []validator.String{stringvalidator.RegexMatches(nameRE, "must be 1-63 lower-case letters, digits, '-' or '_', starting with a letter or digit")},
			PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
		},
		"type": schema.StringAttribute{
			Required:            true,
			MarkdownDescription: "The platform: " + quoteList(platform.TypeNames()) + ". Changing it replaces the resource.",
			Validators:          []validator.String{oneOfValues(platform.TypeNames()...)},
			PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
		},

		// Optional attributes: the platforms' settings, described from
		// their descriptors (tracing_provider_docs.go).
		"host":          platformField(platform.FieldHost, "Base URL of the platform."),
		"endpoint":      platformField(platform.FieldEndpoint, "Base URL of the platform. The traces path is appended, so give the base, not `.../v1/traces`."),
		"url":           platformField(platform.FieldURL, "Base URL of the platform's API."),
		"project":       platformField(platform.FieldProject, "Project name."),
		"app_name":      platformField(platform.FieldAppName, "Application name."),
		"service_name":  platformField(platform.FieldServiceName, "Service name."),
		"experiment_id": platformField(platform.FieldExperimentID, "MLflow experiment id, the number in the experiment's URL, sent as `x-mlflow-experiment-id`. The experiment must exist."),
		"username":      platformField(platform.FieldUsername, "User for HTTP Basic auth."),
		"client_id":     platformField(platform.FieldClientID, "OAuth client id."),
		"public_key":    platformField(platform.FieldPublicKey, "Public key."),
		"workspace":     platformField(platform.FieldWorkspace, "Workspace."),
		"entity":        platformField(platform.FieldEntity, "Entity."),
		"protocol": schema.StringAttribute{
			Optional:            true,
			Computed:            true,
			MarkdownDescription: protocolDescription(),
			Validators:          []validator.String{oneOfValues(string(platform.HTTPProtobuf), string(platform.HTTPJSON), string(platform.GRPC))},
		},
		"headers": schema.MapAttribute{
			Optional:            true,
			ElementType:         types.StringType,
			MarkdownDescription: "Extra non-secret headers sent with every export (" + headerTypes() + " only), e.g. `X-Scope-OrgID`. Put credentials in `secret_headers_wo`.",
			Validators:          []validator.Map{mapvalidator.SizeAtLeast(1)},
		},
		"verify": schema.BoolAttribute{
			Optional:            true,
			Computed:            true,
			Default:             booldefault.StaticBool(false),
			MarkdownDescription: "When `true`, create and update call the platform's credential check and fail with a diagnostic that says whether the platform is **unreachable**, the **URL or path is wrong**, or the **credentials were rejected**. Needs network access to the platform from where Terraform runs. Default `false`.",
		},
		"secret_headers_wo": schema.MapAttribute{
			Optional:            true,
			WriteOnly:           true,
			Sensitive:           true,
			ElementType:         types.StringType,
			MarkdownDescription: "Secret headers sent with every export (" + headerTypes() + " only), e.g. `Authorization`. Write-only: never stored in state or shown in plans; bump `secret_headers_wo_version` when they change. Requires Terraform 1.11+.",
			Validators:          []validator.Map{mapvalidator.ConflictsWith(path.MatchRoot("secret_headers"))},
		},
		"secret_headers": schema.MapAttribute{
			Optional:            true,
			Sensitive:           true,
			ElementType:         types.StringType,
			MarkdownDescription: "Like `secret_headers_wo`, for Terraform older than 1.11. **Stored in state** (marked sensitive); prefer `secret_headers_wo`.",
		},

		// Computed attributes.
		"id": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "`<type>/<name>`.",
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"otlp_endpoint": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "The exact OTLP traces endpoint: a full URL for HTTP, `host:port` for gRPC. For `aliyun` over HTTP the license key is part of the path and is shown as `{license_key}`.",
		},
		"otlp_protocol": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "The OTLP transport used: `http/protobuf`, `http/json` or `grpc`.",
		},
		"exporter_destination": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "This platform's normalised, non-secret settings as JSON, for `llmops_collector`'s `destinations[].tracing_provider`. Holds no secret: it only says which secrets the collector's replicas must be given as files.",
		},
		"otlp_header_names": schema.ListAttribute{
			Computed:            true,
			ElementType:         types.StringType,
			MarkdownDescription: "Names of the headers every export carries (sorted). Values are never shown: some are secrets.",
		},
	}
	attrs["secret_headers_wo_version"] = woVersion("secret_headers_wo")
	for _, s := range secretAttributes() {
		wo := s.name + "_wo"
		attrs[wo+"_version"] = woVersion(wo)
		attrs[wo] = schema.StringAttribute{
			Optional:            true,
			WriteOnly:           true,
			Sensitive:           true,
			MarkdownDescription: fmt.Sprintf("Secret for %s. Write-only: never stored in state or shown in plans; bump `%s_wo_version` when it changes. Requires Terraform 1.11+; use `%s` on older versions.", s.usedBy, s.name, s.name),
			Validators:          []validator.String{stringvalidator.ConflictsWith(path.MatchRoot(s.name)), stringvalidator.LengthAtLeast(1)},
		}
		attrs[s.name] = schema.StringAttribute{
			Optional:            true,
			Sensitive:           true,
			MarkdownDescription: fmt.Sprintf("Secret for %s, for Terraform older than 1.11. **Stored in state** (marked sensitive); prefer `%s`.", s.usedBy, wo),
			Validators:          []validator.String{stringvalidator.PreferWriteOnlyAttribute(path.MatchRoot(wo)), stringvalidator.LengthAtLeast(1)},
		}
	}
	return schema.Schema{
		Version: 1, // 1: one <name>_wo_version per secret (0: a shared secrets_wo_version)
		MarkdownDescription: "The endpoint and credentials of one LLM tracing platform (Langfuse, LangSmith, Arize Phoenix, W&B Weave, Alibaba Cloud ARMS, Opik, Tencent APM, MLflow, Databricks-managed MLflow, or any OTLP back end), validated and normalised, for collectors to export to.\n\n" +
			"Secrets are write-only (`*_wo`, Terraform 1.11+): they never reach the state or the plan. The resource computes the exact OTLP endpoint, protocol and header names the platform needs. With `verify = true` it checks the credentials against the platform and tells an unreachable host, a wrong URL or path, and rejected credentials apart.",
		Attributes: attrs,
	}
}

// woVersion is the counter of a write-only attribute: its value is never
// stored, so a changed number is how Terraform sees that it changed.
func woVersion(wo string) schema.Int64Attribute {
	return schema.Int64Attribute{
		Optional: true,
		MarkdownDescription: fmt.Sprintf("Write-only values are never stored, so Terraform cannot see when `%s` changes: "+
			"increase this number when it does, and the change is applied (and re-verified with `verify`).", wo),
	}
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = "`" + s + "`"
	}
	return strings.Join(q, ", ")
}
