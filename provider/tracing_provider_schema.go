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

// secretPairs are the per-platform secrets: each has a write-only attribute
// (preferred, Terraform 1.11+) and a Sensitive one for older CLIs.
var secretPairs = []struct {
	name, usedBy string
}{
	{"secret_key", "`langfuse` (the `sk-lf-...` key)"},
	{"api_key", "`langsmith`, `phoenix`, `weave` and `opik`"},
	{"license_key", "`aliyun`"},
	{"token", "`tencent`, and `databricks` (a personal access token)"},
	{"password", "`mlflow` (with `username`: MLflow's basic auth)"},
	{"client_secret", "`databricks` with `client_id` (a service principal's OAuth secret, machine-to-machine)"},
}

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

		// Optional attributes.
		"host":         defaulted("Langfuse base URL (`langfuse`). Any path prefix of a self-hosted instance is kept.", platform.Langfuse),
		"endpoint":     endpointAttribute(),
		"url":          defaulted("Opik API URL, ending in `/api/` (`opik`).", platform.Opik),
		"project":      projectAttribute(),
		"app_name":     defaulted("Service name reported to ARMS (`aliyun`).", platform.Aliyun),
		"service_name": defaulted("Service name reported to Tencent APM (`tencent`).", platform.Tencent),
		"experiment_id": schema.StringAttribute{
			Optional: true,
			Computed: true,
			MarkdownDescription: "MLflow experiment id, the number in the experiment's URL, sent as `x-mlflow-experiment-id` (`mlflow`: default `0`, MLflow's default experiment; `databricks`: required). " +
				"The experiment must exist.",
		},
		"username": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "MLflow user for its basic auth (`mlflow`), sent with `password_wo` as HTTP Basic. Leave unset for a tracking server without auth.",
		},
		"client_id": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "Application id of a Databricks service principal (`databricks`): the exporter then gets its bearer tokens from the workspace's OAuth endpoint with `client_secret_wo` (machine-to-machine) instead of using a personal access token (`token_wo`).",
		},
		"protocol": schema.StringAttribute{
			Optional:            true,
			Computed:            true,
			MarkdownDescription: "OTLP transport: `http/protobuf`, `http/json` or `grpc`. `aliyun` takes `http/protobuf` (default) or `grpc`; `otlp` takes all three (default `http/protobuf`); `langfuse` and `langsmith` take both HTTP forms; `phoenix`, `weave`, `opik`, `mlflow` and `databricks` only `http/protobuf` (Opik reads OTLP/JSON ids as base64); `tencent` only `grpc`.",
			Validators:          []validator.String{oneOfValues(string(platform.HTTPProtobuf), string(platform.HTTPJSON), string(platform.GRPC))},
		},
		"public_key": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "Langfuse public key, `pk-lf-...` (`langfuse`, required).",
		},
		"workspace": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "`opik`: Comet workspace, sent as `Comet-Workspace` (required by Comet's cloud). " +
				"`langsmith`: workspace id, sent as `x-tenant-id` (needed for API keys that belong to several workspaces).",
		},
		"entity": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "W&B entity (team or user) that owns the project (`weave`, required).",
		},
		"headers": schema.MapAttribute{
			Optional:            true,
			ElementType:         types.StringType,
			MarkdownDescription: "Extra non-secret headers sent with every export (`otlp` only), e.g. `X-Scope-OrgID`. Put credentials in `secret_headers_wo`.",
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
			MarkdownDescription: "Secret headers sent with every export (`otlp` only), e.g. `Authorization`. Write-only: never stored in state or shown in plans; bump `secret_headers_wo_version` when they change. Requires Terraform 1.11+.",
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
	for _, s := range secretPairs {
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

// defaulted is an optional string whose default depends on the type.
func defaulted(desc string, t platform.Type) schema.StringAttribute {
	field := map[platform.Type]string{platform.Langfuse: platform.FieldHost, platform.Opik: platform.FieldURL,
		platform.Aliyun: platform.FieldAppName, platform.Tencent: platform.FieldServiceName}[t]
	return schema.StringAttribute{
		Optional:            true,
		Computed:            true,
		MarkdownDescription: desc + " Default `" + platform.Default(t, field) + "`.",
	}
}

func endpointAttribute() schema.StringAttribute {
	var defs []string
	for _, t := range []platform.Type{platform.LangSmith, platform.Phoenix, platform.Weave, platform.Aliyun, platform.MLflow} {
		defs = append(defs, fmt.Sprintf("`%s`: `%s`", t, platform.Default(t, platform.FieldEndpoint)))
	}
	return schema.StringAttribute{
		Optional: true,
		Computed: true,
		MarkdownDescription: "Base URL of the platform (`langsmith`, `phoenix`, `weave`, `aliyun`, `tencent`, `mlflow`: the tracking URI, `databricks`: the workspace URL, `otlp`). The traces path is appended, so give the base, not `.../v1/traces`. " +
			"`langsmith`, `weave` and `databricks` need `https://`; `tencent` takes `scheme://host[:port]` only (`http://` means gRPC without TLS); for `otlp` over gRPC give `scheme://host:port`. Required for `otlp`, `tencent` (the region's ingest host) and `databricks`. Defaults: " + strings.Join(defs, ", ") + ".",
	}
}

func projectAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		Optional:            true,
		Computed:            true,
		MarkdownDescription: "Project name (`langsmith` and `weave`: required; `phoenix`: default `default`; `opik`: default `Default Project`).",
	}
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = "`" + s + "`"
	}
	return strings.Join(q, ", ")
}
