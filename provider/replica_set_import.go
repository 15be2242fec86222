package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/llmops/terraform-provider-llmops/internal/docker"
	"github.com/llmops/terraform-provider-llmops/internal/replicaset"
)

// adopt fills an imported replica set from what runs (docker.Adopt):
// image, replica count, network, mode and the spec hash, and, for
// replicas this provider created, command, environment, labels and
// volumes. Replicas another tool started (Compose's docker-api-1, ...)
// carry no spec hash: their environment is not copied into state, and the
// next apply replaces them with the declared spec, update.order at a time.
// Secret and config file contents cannot be read back; the next plan shows
// them as changes if the configuration sets them.
func adopt(ctx context.Context, cli docker.API, m *replicaSetModel) error {
	a, err := docker.Adopt(ctx, cli, replicaset.Spec{Name: m.Name.ValueString(), Project: m.Project.ValueString()})
	if err != nil {
		return err
	}
	m.Replicas = types.Int64Value(int64(a.Replicas))
	m.Mode = types.StringValue(a.Mode)
	m.EndpointMode = types.StringNull()
	if a.EndpointMode != "" {
		m.EndpointMode = types.StringValue(a.EndpointMode)
	}
	m.Entrypoint, m.EnvFile, m.StopGracePeriod = types.ListNull(types.StringType), types.StringNull(), types.StringNull()
	m.SecretFileNames = types.ListValueMust(types.StringType, []attr.Value{})
	m.ConfigFiles, m.SecretFiles = types.MapNull(types.StringType), types.MapNull(types.StringType)
	m.ComposeYAML, m.KubernetesYAML = types.StringNull(), types.StringNull()
	m.Image = types.StringValue(a.Image)
	m.SpecSHA256 = types.StringValue(a.SpecSHA256)
	if a.Network != "" {
		m.Network = types.StringValue(a.Network)
	}
	m.Command = stringListOrNull(a.Command)
	m.Env, m.Labels, m.Volumes = stringMapOrNull(a.Env), stringMapOrNull(a.Labels), stringMapOrNull(a.Volumes)
	return nil
}

func stringListOrNull(v []string) types.List {
	if len(v) == 0 {
		return types.ListNull(types.StringType)
	}
	return stringList(v)
}

func stringMapOrNull(v map[string]string) types.Map {
	if len(v) == 0 {
		return types.MapNull(types.StringType)
	}
	return stringMapValue(v)
}
