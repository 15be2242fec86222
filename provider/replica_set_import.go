package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/llmops/terraform-provider-llmops/internal/docker"
	"github.com/llmops/terraform-provider-llmops/internal/replicaset"
)

// adopt fills an imported replica set from its running containers: image,
// replica count, network and the spec hash they carry, and, for containers
// this provider created, command, environment and labels. Containers
// another tool started (Compose's docker-api-1, ...) carry no spec hash:
// their environment is not copied into state (Dify's holds its secrets),
// and the next apply replaces them with the declared spec, update.order at
// a time. Secret and config file contents cannot be read back; the next
// plan shows them as changes if the configuration sets them.
func adopt(ctx context.Context, cli client.APIClient, m *replicaSetModel) error {
	name := m.Name.ValueString()
	spec := replicaset.Spec{Name: name, Project: m.Project.ValueString()}
	list, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(
		filters.Arg("label", docker.LabelProject+"="+spec.ProjectName()), filters.Arg("label", docker.LabelService+"="+name))})
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return fmt.Errorf("no container labelled %s=%s and %s=%s on the engine", docker.LabelProject, spec.ProjectName(), docker.LabelService, name)
	}
	ins, err := cli.ContainerInspect(ctx, list[0].ID)
	if err != nil {
		return err
	}
	m.Replicas = types.Int64Value(int64(len(list)))
	m.Entrypoint, m.EnvFile, m.StopGracePeriod = types.ListNull(types.StringType), types.StringNull(), types.StringNull()
	m.SecretFileNames = types.ListValueMust(types.StringType, []attr.Value{})
	m.ConfigFiles, m.SecretFiles, m.Volumes = types.MapNull(types.StringType), types.MapNull(types.StringType), types.MapNull(types.StringType)
	m.Command, m.Env, m.Labels = types.ListNull(types.StringType), types.MapNull(types.StringType), types.MapNull(types.StringType)
	m.ComposeYAML, m.KubernetesYAML = types.StringNull(), types.StringNull()
	m.Image = types.StringValue(ins.Config.Image)
	m.SpecSHA256 = types.StringValue(ins.Config.Labels[docker.LabelSpec])
	for net := range ins.NetworkSettings.Networks {
		if net != name {
			m.Network = types.StringValue(net)
		}
	}
	if m.SpecSHA256.ValueString() == "" {
		return nil // started by another tool: only what is safe to keep
	}
	adoptOwn(ins, spec, m)
	return nil
}

// adoptOwn reads back what a container this provider created was declared
// with (command, environment, labels, volumes).
func adoptOwn(ins container.InspectResponse, spec replicaset.Spec, m *replicaSetModel) {
	cmd := make([]attr.Value, len(ins.Config.Cmd))
	for i, c := range ins.Config.Cmd {
		cmd[i] = types.StringValue(c)
	}
	m.Command = types.ListNull(types.StringType)
	if len(cmd) > 0 {
		m.Command = types.ListValueMust(types.StringType, cmd)
	}
	env := map[string]attr.Value{}
	for _, e := range ins.Config.Env {
		if k, v, ok := strings.Cut(e, "="); ok && k != "PATH" {
			env[k] = types.StringValue(v)
		}
	}
	m.Env = types.MapNull(types.StringType)
	if len(env) > 0 {
		m.Env = types.MapValueMust(types.StringType, env)
	}
	labels := map[string]attr.Value{}
	for k, v := range ins.Config.Labels {
		if !strings.HasPrefix(k, "com.docker.compose.") && !strings.HasPrefix(k, "dev.llmops.") && !strings.HasPrefix(k, "org.opencontainers.") {
			labels[k] = types.StringValue(v)
		}
	}
	m.Labels = types.MapNull(types.StringType)
	if len(labels) > 0 {
		m.Labels = types.MapValueMust(types.StringType, labels)
	}
	// Replica volumes are named <prefix>-<suffix>-<n>.
	vols := map[string]attr.Value{}
	number := ins.Config.Labels[docker.LabelNumber]
	for _, mt := range ins.Mounts {
		suffix, ok := strings.CutPrefix(mt.Name, spec.VolumePrefix()+"-")
		if suffix, ok2 := strings.CutSuffix(suffix, "-"+number); ok && ok2 && mt.Type == "volume" {
			vols[mt.Destination] = types.StringValue(suffix)
		}
	}
	if len(vols) > 0 {
		m.Volumes = types.MapValueMust(types.StringType, vols)
	}
}
