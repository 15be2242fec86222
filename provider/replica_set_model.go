package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/llmops/terraform-provider-llmops/internal/replicaset"
)

func regexpMust(s string) *regexp.Regexp { return regexp.MustCompile(s) }

type replicaSetModel struct {
	ID                 types.String    `tfsdk:"id"`
	Name               types.String    `tfsdk:"name"`
	Project            types.String    `tfsdk:"project"`
	Image              types.String    `tfsdk:"image"`
	Replicas           types.Int64     `tfsdk:"replicas"`
	Mode               types.String    `tfsdk:"mode"`
	EndpointMode       types.String    `tfsdk:"endpoint_mode"`
	Entrypoint         types.List      `tfsdk:"entrypoint"`
	Command            types.List      `tfsdk:"command"`
	Env                types.Map       `tfsdk:"env"`
	EnvFile            types.String    `tfsdk:"env_file"`
	StopGracePeriod    types.String    `tfsdk:"stop_grace_period"`
	SecretFiles        types.Map       `tfsdk:"secret_files_wo"`
	SecretFilesVersion types.Int64     `tfsdk:"secret_files_wo_version"`
	ConfigFiles        types.Map       `tfsdk:"config_files"`
	Ports              []portModel     `tfsdk:"ports"`
	RestartPolicy      *restartModel   `tfsdk:"restart_policy"`
	Healthcheck        *healthModel    `tfsdk:"healthcheck"`
	Resources          *resourcesModel `tfsdk:"resources"`
	Network            types.String    `tfsdk:"network"`
	Labels             types.Map       `tfsdk:"labels"`
	Volumes            types.Map       `tfsdk:"volumes"`
	Update             *updateModel    `tfsdk:"update"`
	WaitTimeout        types.String    `tfsdk:"wait_timeout"`
	SecretFileNames    types.List      `tfsdk:"secret_file_names"`
	ComposeYAML        types.String    `tfsdk:"compose_yaml"`
	KubernetesYAML     types.String    `tfsdk:"kubernetes_yaml"`
	KubernetesImage    types.String    `tfsdk:"kubernetes_image"`
	SpecSHA256         types.String    `tfsdk:"spec_sha256"`
	Containers         types.Map       `tfsdk:"containers"`
	PortsPublished     types.Map       `tfsdk:"ports_published"`
	HealthyReplicas    types.Int64     `tfsdk:"healthy_replicas"`
}

type portModel struct {
	ContainerPort types.Int64  `tfsdk:"container_port"`
	HostPort      types.Int64  `tfsdk:"host_port"`
	HostIP        types.String `tfsdk:"host_ip"`
	Protocol      types.String `tfsdk:"protocol"`
}

type restartModel struct {
	Condition   types.String `tfsdk:"condition"`
	MaxAttempts types.Int64  `tfsdk:"max_attempts"`
	Delay       types.String `tfsdk:"delay"`
}

type healthModel struct {
	Test        types.List   `tfsdk:"test"`
	Interval    types.String `tfsdk:"interval"`
	Timeout     types.String `tfsdk:"timeout"`
	StartPeriod types.String `tfsdk:"start_period"`
	Retries     types.Int64  `tfsdk:"retries"`
}

type resourcesModel struct {
	CPUs     types.Float64 `tfsdk:"cpus"`
	MemoryMB types.Int64   `tfsdk:"memory_mb"`
}

type updateModel struct {
	Parallelism types.Int64  `tfsdk:"parallelism"`
	Order       types.String `tfsdk:"order"`
}

// containerType is the object type of the containers attribute.
var containerType = types.ObjectType{AttrTypes: map[string]attr.Type{"name": types.StringType, "id": types.StringType, "health": types.StringType,
	"ports": types.MapType{ElemType: types.StringType}, "drift": types.StringType}}

// id is the name, or <project>/<name> in another Compose project.
func (m *replicaSetModel) id() types.String {
	if m.Project.IsUnknown() {
		return types.StringUnknown()
	}
	if p := m.Project.ValueString(); p != "" && p != m.Name.ValueString() {
		return types.StringValue(p + "/" + m.Name.ValueString())
	}
	return m.Name
}

func dur(s types.String) time.Duration {
	d, _ := time.ParseDuration(s.ValueString())
	return d
}

// spec converts the model. secrets come from configuration (write-only);
// without them (Read) only their names, from state, enter the hash.
func (m *replicaSetModel) spec(ctx context.Context, secrets map[string]string, diags *diag.Diagnostics) replicaset.Spec {
	s := replicaset.Spec{Name: m.Name.ValueString(), Project: m.Project.ValueString(), Image: m.Image.ValueString(), Replicas: int(m.Replicas.ValueInt64()),
		Entrypoint: listOf(ctx, m.Entrypoint, diags), Command: listOf(ctx, m.Command, diags), Env: mapOf(ctx, m.Env, diags), ConfigFiles: mapOf(ctx, m.ConfigFiles, diags),
		EnvFile: m.EnvFile.ValueString(), StopGrace: dur(m.StopGracePeriod),
		SecretsVersion: m.SecretFilesVersion.ValueInt64(), Network: m.Network.ValueString(), Labels: mapOf(ctx, m.Labels, diags), Volumes: mapOf(ctx, m.Volumes, diags),
		WaitTimeout: dur(m.WaitTimeout), ExpectHash: m.SpecSHA256.ValueString()}
	if m.EndpointMode.ValueString() == replicaset.EndpointDNSRR {
		s.EndpointMode = replicaset.EndpointDNSRR
	}
	s.SecretFiles = secrets
	if s.SecretFiles == nil {
		s.SecretFiles = map[string]string{}
		for _, n := range listOf(ctx, m.SecretFileNames, diags) {
			s.SecretFiles[n] = ""
		}
	}
	for _, p := range m.Ports {
		s.Ports = append(s.Ports, replicaset.Port{Container: int(p.ContainerPort.ValueInt64()), Host: int(p.HostPort.ValueInt64()), HostIP: p.HostIP.ValueString(), Protocol: p.Protocol.ValueString()})
	}
	if r := m.RestartPolicy; r != nil {
		if c := r.Condition.ValueString(); c != "" {
			s.RestartPolicy = c
		}
		s.MaxAttempts = int(r.MaxAttempts.ValueInt64())
		s.RestartDelay = dur(r.Delay)
	}
	if h := m.Healthcheck; h != nil {
		s.Health = &replicaset.Health{Test: listOf(ctx, h.Test, diags), Interval: dur(h.Interval), Timeout: dur(h.Timeout), StartPeriod: dur(h.StartPeriod), Retries: int(h.Retries.ValueInt64())}
	}
	if r := m.Resources; r != nil {
		s.CPUs, s.MemoryBytes = r.CPUs.ValueFloat64(), r.MemoryMB.ValueInt64()<<20
	}
	if u := m.Update; u != nil {
		if p := u.Parallelism.ValueInt64(); p > 0 {
			s.Parallelism = int(p)
		}
		s.StartFirst = u.Order.ValueString() == "start-first"
	}
	return s.Normalize()
}

// observe sets the observed attributes from the engine's view: the
// replicas running as declared (healthy_replicas), every container with
// how it differs from the declaration, and the published ports. replicas
// stays what was declared: ModifyPlan turns a difference into a repair.
func (m *replicaSetModel) observe(reps []replicaset.Replica, spec replicaset.Spec) {
	good := 0
	objs := map[string]attr.Value{}
	for _, r := range reps {
		inRange := r.Number >= 1 && r.Number <= spec.Replicas
		if r.Good() && inRange {
			good++
		}
		if !inRange {
			r.Drift = append(r.Drift, "surplus replica")
		}
		ports := map[string]attr.Value{}
		for p, addr := range r.Ports {
			ports[p] = types.StringValue(addr)
		}
		objs[r.Name] = types.ObjectValueMust(containerType.AttrTypes, map[string]attr.Value{
			"name": types.StringValue(r.Name), "id": types.StringValue(r.ID), "health": types.StringValue(r.Health),
			"ports": types.MapValueMust(types.StringType, ports), "drift": types.StringValue(driftOf(r))})
	}
	m.Containers = types.MapValueMust(containerType, objs)
	m.HealthyReplicas = types.Int64Value(int64(good))
	pub := map[string]attr.Value{}
	for _, r := range reps {
		if r.Published != "" {
			pub[r.Name] = types.StringValue(r.Published)
		}
	}
	m.PortsPublished = types.MapValueMust(types.StringType, pub)
}

// needsRepair reports whether the set as last observed differs from its
// declaration: fewer healthy replicas than declared, a surplus, or any
// container that drifted.
func (m *replicaSetModel) needsRepair() bool {
	if m.HealthyReplicas.IsUnknown() || m.Containers.IsUnknown() || m.Containers.IsNull() {
		return false
	}
	if m.HealthyReplicas.ValueInt64() != m.Replicas.ValueInt64() || int64(len(m.Containers.Elements())) != m.Replicas.ValueInt64() {
		return true
	}
	for _, c := range m.Containers.Elements() {
		// containers holds containerType objects; only drift matters here.
		obj, ok := c.(types.Object)
		if !ok {
			return true
		}
		if d, ok := obj.Attributes()["drift"].(types.String); !ok || d.ValueString() != "" {
			return true
		}
	}
	return false
}

func secretNames(secrets map[string]string) types.List {
	names := make([]string, 0, len(secrets))
	for k := range secrets {
		names = append(names, k)
	}
	sort.Strings(names)
	vals := make([]attr.Value, len(names))
	for i, n := range names {
		vals[i] = types.StringValue(n)
	}
	return types.ListValueMust(types.StringType, vals)
}

// driftOf says how a replica differs from the declaration ("" when it is
// good), for the containers attribute: `terraform plan` lists it among the
// changes made outside Terraform.
func driftOf(r replicaset.Replica) string {
	reasons := slices.Clone(r.Drift)
	if !r.Running {
		reasons = append(reasons, "not running")
	}
	if r.Health == "unhealthy" {
		reasons = append(reasons, "unhealthy")
	}
	return strings.Join(reasons, "; ")
}

func describe(r replicaset.Replica) string {
	return fmt.Sprintf("%s (running=%v health=%s matches=%v)", r.Name, r.Running, r.Health, r.Matches)
}
