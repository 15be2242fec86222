package provider

import (
	"context"
	"fmt"

	"github.com/llmops/terraform-provider-llmops/internal/replicaset"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// defaultWaitTimeout is wait_timeout's default, also set by ImportState.
const defaultWaitTimeout = "90s"

var durationRE = `^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$`

func durationAttr(desc string) schema.StringAttribute {
	return schema.StringAttribute{
		Optional:            true,
		MarkdownDescription: desc,
		Validators:          []validator.String{stringvalidator.RegexMatches(regexpMust(durationRE), "must be a duration like 500ms, 30s or 1m")},
	}
}

func replicaSetSchema() schema.Schema {
	return schema.Schema{
		Version: 2, // 2: secret_files_wo(_version); 1: containers keyed by name (0: a list)
		MarkdownDescription: "A highly available set of identical containers on a Docker engine (the seed's HA Compose layout: " +
			"`deploy.replicas`, restart policy, healthcheck), kept as declared: Read inspects the real containers, so a removed, " +
			"stopped, unhealthy or hand-edited replica makes `terraform plan` non-empty and `apply` repairs only those. " +
			"Containers carry Compose's labels (`com.docker.compose.project`, `.service`, `.container-number`), so `docker ps --filter` " +
			"and Compose tooling see them. Updates replace replicas `update.parallelism` at a time and wait for each batch to be healthy. " +
			"`mode = \"swarm\"` deploys the same declaration as a Swarm service.",
		Attributes: map[string]schema.Attribute{
			// Required attributes.
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Service name (and project name, unless `project` is set); also the replicas' network alias. Changing it replaces the set.",
				Validators:          []validator.String{stringvalidator.RegexMatches(nameRE, "must be 1-63 lower-case letters, digits, '-' or '_'")},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"image": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Image reference. Use `llmops_exporter_image.<name>.image_id`: a rebuilt image then rolls the replicas (a tag stays the same across rebuilds). The engine must have the image: there is no registry.",
			},
			"replicas": schema.Int64Attribute{
				Required:            true,
				MarkdownDescription: "Number of replicas, as declared (what runs is in `healthy_replicas` and `containers`).",
				Validators:          []validator.Int64{int64validator.Between(0, 100)},
			},

			// Optional attributes.
			"mode": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("engine"),
				MarkdownDescription: "`engine` (default): containers on the configured engine. `swarm`: the same declaration as a Swarm service on a swarm manager (Swarm secrets and configs, Swarm's rolling update with rollback on failure, an overlay network). Changing it replaces the set.",
				Validators:          []validator.String{oneOfValues("engine", "swarm")},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"endpoint_mode": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Swarm only: how the service's name resolves. `vip` (default, Swarm's): one virtual IP, which needs IPVS in the kernel. " +
					"`dnsrr`: the running tasks' addresses, and Swarm takes a task out of DNS before stopping it, so clients that resolve per connection " +
					"see no refused connection during a rolling update (measured: guide \"Dify API high availability\"). Published ports then bind on each node (host mode).",
				Validators: []validator.String{oneOfValues("vip", replicaset.EndpointDNSRR)},
			},
			"project": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Compose project the service belongs to (default: `name`). Replicas are named `<project>-<name>-<n>` and labelled with it, as Compose does: with Dify's project (`docker` for a checkout's `docker/` directory) and `name = \"api\"`, the set takes over `docker-api-1`, ... Engine mode only. Changing it replaces the set.",
				Validators:          []validator.String{stringvalidator.RegexMatches(nameRE, "must be 1-63 lower-case letters, digits, '-' or '_'")},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"entrypoint": schema.ListAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Replaces the image's entrypoint, e.g. a shell line that exports `/run/secrets/*` into the environment for a program (like Dify's) that reads its secrets only from there.",
			},
			"command": schema.ListAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Arguments after the image's entrypoint.",
			},
			"env_file": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Path of a Compose env file (e.g. Dify's `docker/.env`), read at plan time with Compose's own parser; `env` wins over it, and keys named in `secret_files_wo` are left out. Its values are not stored in state (only in `spec_sha256`): a change to the file rolls the replicas.",
			},
			"stop_grace_period": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "How long a replica being replaced or removed gets between SIGTERM and SIGKILL to finish the requests it is serving. Default `10s`, as Compose.",
				Validators:          []validator.String{stringvalidator.RegexMatches(regexpMust(durationRE), "must be a duration like 10s or 1m")},
			},
			"env": schema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Plain environment variables. Put secrets in `secret_files_wo`.",
			},
			"secret_files_wo": schema.MapAttribute{
				Optional:            true,
				WriteOnly:           true,
				Sensitive:           true,
				ElementType:         types.StringType,
				MarkdownDescription: "Secret files, by name: each is placed at `/run/secrets/<name>` with mode 0400 before the container starts. Never in the environment, `docker inspect`, state or plans. Write-only (Terraform 1.11+): bump `secret_files_wo_version` when a value changes.",
			},
			"secret_files_wo_version": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "Increase to roll the replicas with new `secret_files_wo` values.",
			},
			"config_files": schema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Files placed in the containers, by absolute path (e.g. `/etc/llmops-exporter/config.yaml = llmops_collector.main.config_yaml`). A change rolls the replicas.",
			},
			"ports": schema.ListNestedAttribute{
				Optional:            true,
				MarkdownDescription: "Published ports.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"container_port": schema.Int64Attribute{
						Required:            true,
						MarkdownDescription: "Port in the container.",
						Validators:          []validator.Int64{int64validator.Between(1, 65535)},
					},
					"host_port": schema.Int64Attribute{
						Optional:            true,
						MarkdownDescription: "First host port: replica n gets `host_port + n - 1`. Unset: the engine picks one per replica.",
						Validators:          []validator.Int64{int64validator.Between(1, 65535)},
					},
					"host_ip": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Host address to bind, e.g. `127.0.0.1`. Default: all.",
					},
					"protocol": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "`tcp` (default) or `udp`.",
						Validators:          []validator.String{oneOfValues("tcp", "udp")},
					},
				}},
			},
			"restart_policy": schema.SingleNestedAttribute{
				Optional:            true,
				MarkdownDescription: "What the engine does when a replica exits. Default `on-failure`.",
				Attributes: map[string]schema.Attribute{
					"condition": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "`none`, `on-failure` (default), `always` or `unless-stopped`.",
						Validators:          []validator.String{oneOfValues("none", "on-failure", "always", "unless-stopped")},
					},
					"max_attempts": schema.Int64Attribute{
						Optional:            true,
						MarkdownDescription: "Restarts before giving up (`on-failure` only; 0: unlimited).",
						Validators:          []validator.Int64{int64validator.AtLeast(0)},
					},
					"delay": durationAttr("Wait between restarts: applied in swarm mode and in `compose_yaml`; in engine mode the engine uses its own back-off."),
				},
			},
			"healthcheck": schema.SingleNestedAttribute{
				Optional:            true,
				MarkdownDescription: "Container healthcheck; without it the image's (the exporter image has one) applies.",
				Attributes: map[string]schema.Attribute{
					"test": schema.ListAttribute{
						Required:            true,
						ElementType:         types.StringType,
						MarkdownDescription: "`[\"CMD\", program, args...]`, `[\"CMD-SHELL\", command]` or `[\"NONE\"]`, e.g. `[\"CMD\", \"/llmops-exporter\", \"healthcheck\"]`.",
						Validators:          []validator.List{listvalidator.SizeAtLeast(1), healthTestForm{}},
					},
					"interval":     durationAttr("Default `30s`."),
					"timeout":      durationAttr("Default `30s`."),
					"start_period": durationAttr("Grace period after start."),
					"retries": schema.Int64Attribute{
						Optional:            true,
						MarkdownDescription: "Failures before unhealthy. Default 3.",
						Validators:          []validator.Int64{int64validator.AtLeast(1)},
					},
				},
			},
			"resources": schema.SingleNestedAttribute{
				Optional:            true,
				MarkdownDescription: "Limits per replica.",
				Attributes: map[string]schema.Attribute{
					"cpus": schema.Float64Attribute{
						Optional:            true,
						MarkdownDescription: "CPU limit, e.g. `0.5`.",
						Validators:          []validator.Float64{float64validator.AtLeast(0.01)},
					},
					"memory_mb": schema.Int64Attribute{
						Optional:            true,
						MarkdownDescription: "Memory limit in MiB.",
						Validators:          []validator.Int64{int64validator.AtLeast(6)},
					},
				},
			},
			"network": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Network to join (created, and removed on destroy, when it does not exist). Default: the set's name.",
			},
			"labels": schema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Extra container labels.",
			},
			"volumes": schema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Per-replica named volumes, by container path, e.g. `{ \"/var/lib/llmops-exporter\" = \"queue\" }`: replica n always gets the volume `<name>-queue-<n>`, so its data (the exporter's durable queue) survives replacement. Volumes make replacement stop-first (one user per volume). Destroy removes them.",
			},
			"update": schema.SingleNestedAttribute{
				Optional:            true,
				MarkdownDescription: "How changed replicas are replaced.",
				Attributes: map[string]schema.Attribute{
					"parallelism": schema.Int64Attribute{
						Optional:            true,
						MarkdownDescription: "Replicas replaced at once (default 1): at least `replicas - parallelism` stay healthy.",
						Validators:          []validator.Int64{int64validator.AtLeast(1)},
					},
					"order": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "`stop-first` (default) or `start-first`.",
						Validators:          []validator.String{oneOfValues("stop-first", "start-first")},
					},
				},
			},
			"wait_timeout": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(defaultWaitTimeout),
				MarkdownDescription: "How long apply waits for a batch of replicas to be healthy. Default `90s`.",
				Validators:          []validator.String{stringvalidator.RegexMatches(regexpMust(durationRE), "must be a duration like 90s")},
			},

			// Computed attributes.
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The name.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"secret_file_names": schema.ListAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Names of the secret files (values are never stored).",
			},
			"spec_sha256": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Hash of the declared container spec, carried by each replica as a label: a replica without it was edited or is outdated.",
			},
			"compose_yaml": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "An equivalent Compose file, validated with compose-go (secret values are not in it).",
			},
			"kubernetes_yaml": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The same layout as Kubernetes manifests a cluster accepts (a Deployment, or a StatefulSet with its headless Service `<name>-headless` when `volumes` gives replicas their own storage; a ClusterIP Service named `name` when there are `ports`; a PodDisruptionBudget of one when `replicas` > 1; a ConfigMap for `config_files`), to apply with the Kubernetes provider. " +
					"No field the API server owns (`status`, `creationTimestamp`); requests equal the limits; every pod has the runtime's default seccomp profile and no privilege escalation, and the exporter's image runs as its user 65532 (non-root, read-only root filesystem, no capabilities) with readiness on `/ready` and liveness on `/health` of its metrics port. " +
					"It references, and never holds, a Secret `<name>-secrets` for `secret_files_wo` and a ConfigMap `<name>-env` for `env_file`.",
			},
			"kubernetes_image": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The pullable image reference written into `kubernetes_yaml` (e.g. `registry.example.com/llmops-exporter:1.2.0`). Without it, `image` when that is a reference, " +
					"or the tag of the engine image `image` names when it is an image ID (as `llmops_exporter_image.x.image_id` is), with a plan warning that the tag must be pushed to a registry the cluster reaches: an image ID is never written.",
			},
			"containers": schema.MapNestedAttribute{
				Computed: true,
				MarkdownDescription: "The replicas as last observed, by container name (e.g. `containers[\"llmops-exporter-1\"].health`), so a replica " +
					"lost or changed outside Terraform shows as that one key in `terraform plan`. Earlier builds stored a list: their state is upgraded.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{
						Computed:            true,
						MarkdownDescription: "Container name.",
					},
					"id": schema.StringAttribute{
						Computed:            true,
						MarkdownDescription: "Container ID.",
					},
					"health": schema.StringAttribute{
						Computed:            true,
						MarkdownDescription: "`healthy`, `unhealthy`, `starting` or `none`.",
					},
					"ports": schema.MapAttribute{
						Computed:            true,
						ElementType:         types.StringType,
						MarkdownDescription: "Host address of each published port, by `<container port>/<protocol>` (e.g. `ports[\"4318/tcp\"]`); empty in swarm mode.",
					},
					"drift": schema.StringAttribute{
						Computed:            true,
						MarkdownDescription: "How the replica differs from the declaration (`\"\"` when it does not): e.g. `config file /etc/llmops-exporter/config.yaml changed; not on network x as x`. The next apply replaces it.",
					},
				}},
			},
			"ports_published": schema.MapAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Host address of each replica's first published port, by container name (e.g. where its metrics are).",
			},
			"healthy_replicas": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "Replicas running as declared and not unhealthy, as last observed; fewer than `replicas` (or any `containers[*].drift`) makes the next plan an update that repairs them.",
			},
		},
	}
}

// healthTestForm checks a healthcheck test's first word, as Docker and
// Compose read it, so the error lands on the attribute, not on the Compose
// rendering.
type healthTestForm struct{}

func (healthTestForm) Description(context.Context) string {
	return `the first element is "CMD", "CMD-SHELL" or "NONE"`
}

func (v healthTestForm) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (healthTestForm) ValidateList(ctx context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var words []types.String
	resp.Diagnostics.Append(req.ConfigValue.ElementsAs(ctx, &words, false)...)
	if resp.Diagnostics.HasError() || len(words) == 0 || words[0].IsUnknown() {
		return
	}
	switch first := words[0].ValueString(); {
	case first == "CMD" && len(words) > 1, first == "CMD-SHELL" && len(words) == 2, first == "NONE" && len(words) == 1:
	default:
		// Terraform places a diagnostic on a nested attribute at its resource,
		// so the detail names the attribute.
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid healthcheck test",
			fmt.Sprintf(`Attribute %s starts with %q: use ["CMD", program, args...], ["CMD-SHELL", "command"] or ["NONE"]`, req.Path, first))
	}
}
