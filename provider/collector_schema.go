package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/float64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/llmops/terraform-provider-llmops/internal/exporterconfig/fromcollector"
	"github.com/llmops/terraform-provider-llmops/internal/redact"
)

func port(def int64, desc string) schema.Int64Attribute {
	return schema.Int64Attribute{
		Optional:            true,
		Computed:            true,
		Default:             int64default.StaticInt64(def),
		MarkdownDescription: desc,
		Validators:          []validator.Int64{int64validator.Between(1, 65535)},
	}
}

func collectorSchema() schema.Schema {
	return schema.Schema{
		MarkdownDescription: "The whole configuration of an `llmops-exporter` collector: receivers, sampling, destinations " +
			"(references to `llmops_tracing_provider`), redaction, prices and queues. It renders `config_yaml`, exactly what the " +
			"exporter reads (checked with the exporter's own validator at plan time), with secrets replaced by files under " +
			"`/run/secrets/` that `llmops_replica_set.secret_files_wo` provides, and `dify_env`, the environment that points Dify at it.",
		Attributes: map[string]schema.Attribute{
			// Required attributes.
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Name of the collector. Changing it replaces the resource.",
				Validators:          []validator.String{stringvalidator.RegexMatches(nameRE, "must be 1-63 lower-case letters, digits, '-' or '_'")},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},

			// Optional attributes.
			"http_port":    port(4318, "OTLP/HTTP port in the container. Default `4318`."),
			"grpc_port":    port(4317, "OTLP/gRPC port in the container. Default `4317`."),
			"metrics_port": port(9464, "Port of `/metrics`, `/health` and `/ready`. Default `9464`."),
			"service_host": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("llmops-exporter"),
				MarkdownDescription: "Host name Dify uses to reach the collector (the replica set's network alias). Default `llmops-exporter`.",
			},
			"auth_token_wo": schema.StringAttribute{
				Optional:            true,
				WriteOnly:           true,
				Sensitive:           true,
				MarkdownDescription: "When set, both receivers require `Authorization: Bearer <token>`. Write-only: never stored. The rendered configuration reads it from `/run/secrets/otlp_token`: give the same value to `llmops_replica_set.secret_files_wo[\"otlp_token\"]` and to Dify as `OTLP_API_KEY`. Bump `auth_token_wo_version` when it changes.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(16)},
			},
			"auth_token_wo_version": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "Increase when `auth_token_wo` changes.",
			},
			"sampling_rate": schema.Float64Attribute{
				Optional:            true,
				Computed:            true,
				Default:             float64default.StaticFloat64(1),
				MarkdownDescription: "Fraction of whole traces exported (metrics always see every span). Default `1`.",
				Validators:          []validator.Float64{float64validator.Between(0, 1)},
			},
			"keep_errors": schema.BoolAttribute{
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(true),
				MarkdownDescription: "Export every trace with an error, whatever the rate. Default `true`.",
			},
			"keep_slower_than": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Export every trace with a span at least this long, e.g. `30s`.",
			},
			"destinations": schema.ListNestedAttribute{
				Optional:            true,
				MarkdownDescription: "Where sampled traces are delivered, each durably queued.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"tracing_provider": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: "`llmops_tracing_provider.<name>.exporter_destination`.",
					},
					"include": schema.ListAttribute{
						Optional:            true,
						ElementType:         types.StringType,
						MarkdownDescription: "Span kinds to export (`llm`, `embedding`, `chain`, `retriever`, `tool`, `agent`, `other`); ancestors are always kept.",
					},
					"exclude": schema.ListAttribute{
						Optional:            true,
						ElementType:         types.StringType,
						MarkdownDescription: "Span kinds not to export.",
					},
					"content": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "`full` (default) or `none` (drop prompts and completions).",
						Validators:          []validator.String{oneOfValues("full", "none")},
					},
					"max_queue_bytes": schema.Int64Attribute{
						Optional:            true,
						MarkdownDescription: "Bound of the on-disk queue. Default 256 MiB.",
					},
					"overflow": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "`refuse` (default: senders retry) or `drop_oldest`.",
						Validators:          []validator.String{oneOfValues("refuse", "drop_oldest")},
					},
					"compression": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "`gzip` or `none`. Default: gzip where the platform is known to accept it (Langfuse, Phoenix, Opik, generic OTLP), none where unconfirmed (LangSmith, Weave, ARMS, Tencent).",
						Validators:          []validator.String{oneOfValues("gzip", "none")},
					},
				}},
			},
			"redaction_presets": schema.ListAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Built-in redaction: " + quoteList(redact.Presets()) + ".",
				Validators:          []validator.List{listvalidator.ValueStringsAre(oneOfValues(redact.Presets()...))},
			},
			"redaction_rules": schema.ListNestedAttribute{
				Optional:            true,
				MarkdownDescription: "Extra redaction: a `pattern` (Go regexp) or attribute `keys` (`*` wildcard).",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "A label.",
					},
					"pattern": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Regular expression over string values.",
					},
					"keys": schema.ListAttribute{
						Optional:            true,
						ElementType:         types.StringType,
						MarkdownDescription: "Attribute names whose values are replaced whole.",
					},
					"replacement": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Default `[REDACTED]`.",
					},
				}},
			},
			"prices": schema.ListNestedAttribute{
				Optional:            true,
				MarkdownDescription: "Price overrides, USD per million tokens; first match wins, before the embedded table.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "A label.",
					},
					"match": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: "Regular expression over the model name (case-insensitive).",
					},
					"provider": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Provider label for models that do not say.",
					},
					"input": schema.Float64Attribute{
						Required:            true,
						MarkdownDescription: "Input price.",
					},
					"output": schema.Float64Attribute{
						Required:            true,
						MarkdownDescription: "Output price.",
					},
					"cache_read": schema.Float64Attribute{
						Optional:            true,
						MarkdownDescription: "Default: the input price.",
					},
					"cache_write": schema.Float64Attribute{
						Optional:            true,
						MarkdownDescription: "Default: the input price.",
					},
					"reasoning": schema.Float64Attribute{
						Optional:            true,
						MarkdownDescription: "Default: the output price.",
					},
				}},
			},
			"langfuse_ingest": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
				MarkdownDescription: "Also answer as a Langfuse ingest endpoint on the OTLP/HTTP port, so Dify's Langfuse provider can use the collector as its host " +
					"(public key `" + fromcollector.LangfusePublicKey + "`, secret key the collector's token; `llmops_dify_app_tracing` fills both). Default false.",
			},
			"dify_queue_monitor": schema.SingleNestedAttribute{
				Optional:            true,
				MarkdownDescription: "Watch Dify's Celery queues in Redis: `dify_celery_queue_length{queue}`, `dify_celery_unacked_messages`, `dify_queue_monitor_up` (the seed's backlog KPI; see the `queue_backlog` alert preset).",
				Attributes: map[string]schema.Attribute{
					"redis_url": schema.StringAttribute{
						Required:            true,
						Validators:          []validator.String{brokerURL{}},
						MarkdownDescription: "Dify's `CELERY_BROKER_URL` without its password, e.g. `redis://redis:6379/1` (db 1 when the path is empty; `rediss://` for TLS).",
					},
					"password": schema.BoolAttribute{
						Optional:            true,
						MarkdownDescription: "The broker needs a password: the replicas read it from `/run/secrets/" + fromcollector.DifyRedisPasswordFile + "` (added to `required_secret_files`).",
					},
					"queues": schema.ListAttribute{
						Optional:            true,
						ElementType:         types.StringType,
						MarkdownDescription: "Queues to watch. Default: every queue a self-hosted Dify worker consumes.",
					},
					"interval": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Poll interval, e.g. `15s` (default).",
					},
				},
			},
			"fsync": schema.BoolAttribute{
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(true),
				MarkdownDescription: "Acknowledge spans only once on disk. Default `true`.",
			},
			"max_label_values": schema.Int64Attribute{
				Optional:            true,
				Computed:            true,
				Default:             int64default.StaticInt64(1000),
				MarkdownDescription: "Distinct values per metric label before `_overflow_`. Default `1000`.",
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"log_level": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("info"),
				MarkdownDescription: "`debug`, `info`, `warn` or `error`. Default `info`.",
				Validators:          []validator.String{oneOfValues("debug", "info", "warn", "error")},
			},

			// Computed attributes.
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The name.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"config_yaml": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The exporter configuration. Holds no secret.",
			},
			"config_sha256": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "SHA-256 of `config_yaml`, to roll replicas when it changes.",
			},
			"dify_env": schema.MapAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Environment for Dify's `api` and `worker` containers (`ENABLE_OTEL`, `OTLP_BASE_ENDPOINT`, `OTEL_EXPORTER_OTLP_PROTOCOL`, `OTEL_SAMPLING_RATE`, `OTEL_EXPORTER_TYPE`). Add `OTLP_API_KEY` yourself when `auth_token_wo` is set.",
			},
			"required_secret_files": schema.ListAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Names of the files the replicas must get in `/run/secrets/` (keys of `llmops_replica_set.secret_files_wo`).",
			},
		},
	}
}
