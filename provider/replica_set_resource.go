package provider

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/llmops/terraform-provider-llmops/internal/docker"
	"github.com/llmops/terraform-provider-llmops/internal/kubernetes"
	"github.com/llmops/terraform-provider-llmops/internal/replicaset"
)

var (
	_ resource.ResourceWithConfigure      = (*replicaSetResource)(nil)
	_ resource.ResourceWithValidateConfig = (*replicaSetResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*replicaSetResource)(nil)
	_ resource.ResourceWithImportState    = (*replicaSetResource)(nil)
)

type replicaSetResource struct{ base[replicaSetModel] }

// NewReplicaSetResource is the resource constructor.
func NewReplicaSetResource() resource.Resource {
	r := &replicaSetResource{}
	r.base = base[replicaSetModel]{typeName: "replica_set", onApply: r.apply, onRead: r.read, onDelete: r.delete}
	return r
}

func (r *replicaSetResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = replicaSetSchema()
}

// ModifyPlan renders compose_yaml and records secret file names at plan
// time; observed attributes become unknown when anything changes.
func (r *replicaSetResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || typedUnknown(req.Plan.Raw, replicaSetTypedAttrs...) {
		return // the outputs stay unknown until the inputs are known
	}
	var plan, cfg replicaSetModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = plan.id()
	if plan.check(&resp.Diagnostics); resp.Diagnostics.HasError() {
		return
	}
	if !cfg.SecretFiles.IsUnknown() {
		names := secretNames(mapOf(ctx, cfg.SecretFiles, &resp.Diagnostics))
		plan.SecretFileNames = names
		r.checkSecretsProvided(ctx, cfg, names, &resp.Diagnostics)
	}
	// The hash is a function of the declared spec: known at plan time unless
	// an input is unknown.
	plan.SpecSHA256 = types.StringUnknown()
	// Both renderings carry the spec hash, so any unknown input of it
	// leaves them unknown until apply.
	if plan.Image.IsUnknown() || plan.Replicas.IsUnknown() || plan.ConfigFiles.IsUnknown() || plan.Env.IsUnknown() || plan.EnvFile.IsUnknown() ||
		plan.SecretFileNames.IsUnknown() || plan.Command.IsUnknown() || plan.Entrypoint.IsUnknown() || plan.Labels.IsUnknown() {
		plan.ComposeYAML, plan.KubernetesYAML = types.StringUnknown(), types.StringUnknown()
	} else {
		spec := plan.spec(ctx, nil, &resp.Diagnostics)
		if withEnvFile(&spec, &resp.Diagnostics); resp.Diagnostics.HasError() {
			return
		}
		if plan.render(ctx, spec, r.kubernetesImage(ctx, &plan, &resp.Diagnostics), &resp.Diagnostics); resp.Diagnostics.HasError() {
			return
		}
		plan.SpecSHA256 = types.StringValue(spec.Hash())
	}
	r.planRepair(ctx, req, &plan, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// replicaSetTypedAttrs are the attributes the typed model holds as slices or
// pointers: while one is unknown, the model cannot be read.
var replicaSetTypedAttrs = []string{"ports", "restart_policy", "healthcheck", "resources", "update"}

// ValidateConfig refuses, before any container exists, a layout the engine
// would refuse at apply; what is unknown until plan is checked there.
func (r *replicaSetResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	if typedUnknown(req.Config.Raw, replicaSetTypedAttrs...) {
		return
	}
	var m replicaSetModel
	if resp.Diagnostics.Append(req.Config.Get(ctx, &m)...); !resp.Diagnostics.HasError() {
		m.check(&resp.Diagnostics)
	}
}

// check reports a Swarm service given a project, and host ports that two
// entries, or two replicas, would both bind.
func (m *replicaSetModel) check(diags *diag.Diagnostics) {
	if p := m.Project.ValueString(); m.Mode.ValueString() == "swarm" && p != "" && !m.Name.IsUnknown() && p != m.Name.ValueString() {
		diags.AddAttributeError(path.Root("project"), "Project in swarm mode",
			"project names Compose containers on one engine; a Swarm service is named after `name` alone: remove project or use mode = \"engine\"")
	}
	if !m.EndpointMode.IsNull() && !m.EndpointMode.IsUnknown() && !m.Mode.IsUnknown() && m.Mode.ValueString() != "swarm" {
		diags.AddAttributeError(path.Root("endpoint_mode"), "endpoint_mode without Swarm",
			"endpoint_mode is for mode = \"swarm\": in engine mode Docker's DNS already names each healthy replica under the alias")
	}
	if m.Replicas.IsUnknown() || m.Mode.IsUnknown() {
		return
	}
	// Engine mode publishes host_port + n - 1 for replica n; a Swarm service
	// publishes each port once, for all its tasks.
	n := int(m.Replicas.ValueInt64())
	if m.Mode.ValueString() == "swarm" {
		n = 1
	}
	var ports []replicaset.Port
	for _, p := range m.Ports {
		if p.HostPort.IsUnknown() || p.HostIP.IsUnknown() || p.Protocol.IsUnknown() {
			return
		}
		ports = append(ports, replicaset.Port{Container: int(p.ContainerPort.ValueInt64()), Host: int(p.HostPort.ValueInt64()),
			HostIP: p.HostIP.ValueString(), Protocol: p.Protocol.ValueString()})
	}
	for _, c := range replicaset.PortCollisions(ports, n) {
		p, q := ports[c.Index], ports[c.Other]
		diags.AddAttributeError(path.Root("ports").AtListIndex(c.Index), "Host ports collide",
			fmt.Sprintf("ports[%d] binds host ports %s with %d replica(s) (replica n gets host_port + n - 1), and ports[%d] binds %s: %s. "+
				"Space the first host ports at least replicas apart, e.g. host_port = %d here.",
				c.Index, replicaset.HostRange(p, n), max(n, 1), c.Other, replicaset.HostRange(q, n), c, q.Host+max(n, 1)))
	}
}

// planRepair makes a set that drifted (a replica missing, unhealthy,
// edited or surplus, as Read observed it) an update: its observed
// attributes become unknown, so `terraform plan` is not empty and apply
// reconciles. replicas keeps one meaning, the declared count.
func (r *replicaSetResource) planRepair(ctx context.Context, req resource.ModifyPlanRequest, plan *replicaSetModel, diags *diag.Diagnostics) {
	if req.State.Raw.IsNull() {
		return
	}
	var state replicaSetModel
	if diags.Append(req.State.Get(ctx, &state)...); diags.HasError() {
		return
	}
	if state.needsRepair() {
		plan.HealthyReplicas, plan.Containers = types.Int64Unknown(), types.MapUnknown(containerType)
		plan.PortsPublished = types.MapUnknown(types.StringType)
	}
}

// checkSecretsProvided fails the plan when a config file reads a file under
// /run/secrets/ that secret_files_wo does not provide.
func (r *replicaSetResource) checkSecretsProvided(ctx context.Context, cfg replicaSetModel, names types.List, diags *diag.Diagnostics) {
	if cfg.ConfigFiles.IsUnknown() || names.IsUnknown() {
		return
	}
	missing := replicaset.MissingSecrets(mapOf(ctx, cfg.ConfigFiles, diags), listOf(ctx, names, diags))
	for _, name := range slices.Sorted(maps.Keys(missing)) {
		diags.AddAttributeError(path.Root("secret_files_wo"), "Missing secret file",
			fmt.Sprintf("%s reads %s/%s, but secret_files_wo has no %q entry: the replicas would start and then fail their health check. "+
				"Add secret_files_wo[%q] (for an llmops_collector, its required_secret_files lists every name it needs).",
				strings.Join(missing[name], ", "), replicaset.SecretsDir, name, name, name))
	}
}

// apply reconciles the engine with the plan. On failure the state records
// what exists (the failing replicas included), so nothing is orphaned and
// the next plan shows what is wrong.
func (r *replicaSetResource) apply(ctx context.Context, op applyOp[replicaSetModel], diags *diag.Diagnostics) (replicaSetModel, bool) {
	plan := op.Plan
	cli := r.meta.dockerOrDiag(ctx, diags)
	if cli == nil {
		return plan, false
	}
	spec, ok := r.planned(ctx, &plan, op.Config, diags)
	if !ok {
		return plan, false
	}
	tflog.Info(ctx, "reconciling replica set", map[string]any{"name": spec.Name, "replicas": spec.Replicas})
	b := docker.BackendFor(plan.Mode.ValueString(), cli)
	recErr := b.Reconcile(ctx, spec)
	obs, obsErr := b.Observe(ctx, spec)
	if obsErr != nil {
		diags.AddError("Observing the replica set failed", obsErr.Error())
		return plan, false
	}
	plan.observe(obs.Replicas, spec)
	plan.SecretFiles = types.MapNull(types.StringType)
	if recErr != nil {
		detail := recErr.Error() + "\n\nThe state records the replicas as they are; the next plan shows what is wrong."
		if good := plan.HealthyReplicas.ValueInt64(); op.creating() && good > 0 {
			detail += fmt.Sprintf(" Terraform marks a set whose creation failed as tainted, and the next apply would replace all of it, "+
				"the %d healthy replica(s) included: `terraform untaint` this set to replace only the failed ones.", good)
		}
		diags.AddError("Replica set not healthy", detail)
		return plan, true
	}
	_ = docker.PruneImages(ctx, cli) // images of replaced replicas, now unused
	return plan, true
}

// planned builds the spec to reconcile from the plan and the configured
// secret files, and fills the plan's spec hash, secret names and renderings.
func (r *replicaSetResource) planned(ctx context.Context, plan *replicaSetModel, cfg replicaSetModel, diags *diag.Diagnostics) (replicaset.Spec, bool) {
	secrets := mapOf(ctx, cfg.SecretFiles, diags)
	if secrets == nil {
		secrets = map[string]string{}
	}
	plan.SecretFileNames = secretNames(secrets)
	plan.SpecSHA256 = types.StringNull()
	spec := plan.spec(ctx, secrets, diags)
	if withEnvFile(&spec, diags); diags.HasError() {
		return spec, false
	}
	plan.SpecSHA256 = types.StringValue(spec.Hash())
	spec.ExpectHash = ""
	var imageDiags diag.Diagnostics // its warning was shown at plan
	k8sImage := r.kubernetesImage(ctx, plan, &imageDiags)
	if diags.Append(imageDiags.Errors()...); diags.HasError() {
		return spec, false
	}
	plan.render(ctx, spec, k8sImage, diags)
	return spec, !diags.HasError()
}

// Read reports the engine's real state in healthy_replicas and containers
// (ModifyPlan turns a difference into an update); a set with no container
// left is removed from state and recreated.
func (r *replicaSetResource) read(ctx context.Context, state replicaSetModel, diags *diag.Diagnostics) (replicaSetModel, bool) {
	cli := r.meta.dockerOrDiag(ctx, diags)
	if cli == nil {
		return state, false
	}
	if state.Image.IsNull() { // imported: take the settings from the containers
		if err := adopt(ctx, cli, &state); err != nil {
			diags.AddError("Import failed", err.Error())
			return state, false
		}
	}
	spec := state.spec(ctx, nil, diags)
	obs, err := docker.BackendFor(state.Mode.ValueString(), cli).Observe(ctx, spec)
	if err != nil {
		diags.AddError("Observing the replica set failed", err.Error())
		return state, false
	}
	reps := obs.Replicas
	if !obs.Found || len(reps) == 0 && spec.Replicas > 0 {
		tflog.Warn(ctx, "replica set has no container left; removing it from state", map[string]any{"name": spec.Name})
		return state, true
	}
	for _, rep := range reps {
		if !rep.Good() {
			tflog.Warn(ctx, "replica drifted", map[string]any{"replica": describe(rep)})
		}
	}
	state.observe(reps, spec)
	return state, false
}

func (r *replicaSetResource) delete(ctx context.Context, state replicaSetModel, diags *diag.Diagnostics) {
	cli := r.meta.dockerOrDiag(ctx, diags)
	if cli == nil {
		return
	}
	if err := docker.BackendFor(state.Mode.ValueString(), cli).Destroy(ctx, state.spec(ctx, nil, diags)); err != nil {
		diags.AddError("Removing the replica set failed", err.Error())
	}
}

// ImportState takes the set's name, or <project>/<name> for a service of a
// Compose project (Dify's docker/api); Read adopts the running containers.
func (r *replicaSetResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	project, name, ok := parseReplicaSetID(req.ID)
	if !ok {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("expected the replica set's name or <compose project>/<service>, got %q", req.ID))
		return
	}
	if project != "" {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("project"), project)...)
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	setSchemaDefaults(ctx, replicaSetSchema(), &resp.State, &resp.Diagnostics)
}

// parseReplicaSetID reads "name" or "project/name".
// replicaSetImportID is the import ID of a replica set's identity.
func replicaSetImportID(v map[string]string) string {
	if v["project"] != "" && v["project"] != v["name"] {
		return v["project"] + "/" + v["name"]
	}
	return v["name"]
}

func parseReplicaSetID(id string) (project, name string, ok bool) {
	project, name, found := strings.Cut(id, "/")
	if !found {
		project, name = "", id
	}
	return project, name, nameRE.MatchString(name) && (!found || nameRE.MatchString(project))
}

// withEnvFile reads the env file into spec at plan and apply time. Read
// needs no file: it judges replicas by the spec hash they carry.
func withEnvFile(spec *replicaset.Spec, diags *diag.Diagnostics) {
	if spec.EnvFile == "" {
		return
	}
	env, err := replicaset.ReadEnvFile(spec.EnvFile, slices.Collect(maps.Keys(spec.SecretFiles)))
	if err != nil {
		diags.AddAttributeError(path.Root("env_file"), "Unreadable env file", err.Error())
		return
	}
	spec.FileEnv = env
}

// render sets compose_yaml and kubernetes_yaml from spec; k8sImage is the
// reference the manifests carry (kubernetesImage).
func (m *replicaSetModel) render(ctx context.Context, spec replicaset.Spec, k8sImage string, diags *diag.Diagnostics) {
	compose, err := docker.BackendFor(m.Mode.ValueString(), nil).Render(ctx, spec)
	if err != nil {
		diags.AddError("Invalid replica set", err.Error())
		return
	}
	manifests, err := kubernetes.Kubernetes{Image: k8sImage}.Render(ctx, spec)
	if err != nil {
		diags.AddAttributeError(path.Root("kubernetes_image"), "Invalid replica set", err.Error())
		return
	}
	m.ComposeYAML, m.KubernetesYAML = types.StringValue(compose), types.StringValue(manifests)
}

// kubernetesImage is the reference kubernetes_yaml carries: kubernetes_image,
// else image when it is a reference, else the tag of the engine image it
// names (never an ID, which no cluster can pull), with a warning that the
// tag must be pushed.
func (r *replicaSetResource) kubernetesImage(ctx context.Context, m *replicaSetModel, diags *diag.Diagnostics) string {
	image := m.Image.ValueString()
	if v := m.KubernetesImage.ValueString(); v != "" || !strings.HasPrefix(image, "sha256:") {
		return cmp.Or(v, image)
	}
	cli := r.meta.dockerOrDiag(ctx, diags)
	if cli == nil {
		return ""
	}
	tag, err := docker.TagOf(ctx, cli, image)
	if err != nil {
		diags.AddAttributeError(path.Root("kubernetes_image"), "No pullable image for kubernetes_yaml",
			fmt.Sprintf("image is an engine image ID and %v: set kubernetes_image to the reference pushed to a registry the cluster reaches", err))
		return ""
	}
	diags.AddAttributeWarning(path.Root("kubernetes_image"), "kubernetes_yaml names a local tag",
		fmt.Sprintf("image is the engine image %s; kubernetes_yaml names its tag %s, which a cluster can pull only once it is pushed to a registry "+
			"the cluster reaches: push it there and set kubernetes_image to that reference", image, tag))
	return tag
}
