package docker

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/errdefs"

	"github.com/llmops/terraform-provider-llmops/internal/replicaset"
)

// Adopted is what a replica set's running containers (or its Swarm
// service) say about it when it is imported.
type Adopted struct {
	Mode         string // replicaset.ModeEngine or ModeSwarm
	EndpointMode string // Swarm only: "" (a virtual IP) or replicaset.EndpointDNSRR
	Replicas     int
	Image        string
	SpecSHA256   string // empty: started by another tool (Compose's docker-api-1...)
	Network      string // empty: the set's own network
	// Own is true when this provider created the replicas: then the fields
	// below were read back. Another tool's containers keep their
	// environment out of state (Dify's holds its secrets).
	Own     bool
	Command []string
	Env     map[string]string
	Labels  map[string]string
	Volumes map[string]string // container path -> volume suffix
}

// Adopt reads an existing replica set: the containers labelled with its
// Compose project and service (engine mode, also what Compose itself
// started), else a Swarm service of its name that this provider created.
// Secret and config file contents cannot be read back.
func Adopt(ctx context.Context, cli API, spec replicaset.Spec) (Adopted, error) {
	list, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: selector(spec)})
	if err != nil {
		return Adopted{}, fmt.Errorf("list containers: %w", err)
	}
	if len(list) > 0 {
		return adoptContainers(ctx, cli, spec, list)
	}
	a, found, err := adoptService(ctx, cli, spec)
	if err != nil || found {
		return a, err
	}
	return Adopted{}, fmt.Errorf("no container labelled %s=%s and %s=%s on the engine, and no Swarm service %q created by this provider",
		LabelProject, spec.ProjectName(), LabelService, spec.Name, spec.Name)
}

func adoptContainers(ctx context.Context, cli API, spec replicaset.Spec, list []container.Summary) (Adopted, error) {
	ins, err := cli.ContainerInspect(ctx, list[0].ID)
	if err != nil {
		return Adopted{}, fmt.Errorf("inspect %s: %w", list[0].ID, err)
	}
	a := Adopted{Mode: replicaset.ModeEngine, Replicas: len(list), Image: ins.Config.Image, SpecSHA256: ins.Config.Labels[LabelSpec]}
	for net := range ins.NetworkSettings.Networks {
		if net != spec.Name {
			a.Network = net
		}
	}
	if a.SpecSHA256 == "" {
		return a, nil
	}
	a.Own = true
	a.Command = ins.Config.Cmd
	a.Env = envMap(ins.Config.Env)
	a.Labels = userLabels(ins.Config.Labels)
	number := ins.Config.Labels[LabelNumber]
	a.Volumes = map[string]string{}
	for _, mt := range ins.Mounts {
		suffix, ok := strings.CutPrefix(mt.Name, spec.VolumePrefix()+"-")
		if suffix, ok2 := strings.CutSuffix(suffix, "-"+number); ok && ok2 && mt.Type == "volume" {
			a.Volumes[mt.Destination] = suffix
		}
	}
	return a, nil
}

// adoptService reads a Swarm service this provider created (it carries the
// spec hash). An engine that is no swarm manager has no services: not found.
func adoptService(ctx context.Context, cli API, spec replicaset.Spec) (Adopted, bool, error) {
	svc, _, err := cli.ServiceInspectWithRaw(ctx, spec.Name, swarm.ServiceInspectOptions{})
	if err != nil {
		if errdefs.IsNotFound(err) || errdefs.IsUnavailable(err) || strings.Contains(err.Error(), "not a swarm manager") {
			return Adopted{}, false, nil
		}
		return Adopted{}, false, fmt.Errorf("service %s: %w", spec.Name, err)
	}
	cs := svc.Spec.TaskTemplate.ContainerSpec
	hash := svc.Spec.Labels[LabelSpec]
	if cs == nil || hash == "" {
		return Adopted{}, false, nil // another tool's service: not one of ours to adopt
	}
	a := Adopted{Mode: replicaset.ModeSwarm, Image: cs.Image, SpecSHA256: hash, Own: true,
		Command: cs.Args, Env: envMap(cs.Env), Labels: userLabels(cs.Labels), Volumes: map[string]string{}}
	if m := svc.Spec.Mode.Replicated; m != nil && m.Replicas != nil {
		a.Replicas = int(*m.Replicas)
	}
	if ep := svc.Spec.EndpointSpec; ep != nil && ep.Mode == swarm.ResolutionModeDNSRR {
		a.EndpointMode = replicaset.EndpointDNSRR
	}
	for _, mt := range cs.Mounts {
		suffix, ok := strings.CutPrefix(mt.Source, spec.Name+"-")
		if suffix, ok2 := strings.CutSuffix(suffix, "-{{.Task.Slot}}"); ok && ok2 && mt.Type == "volume" {
			a.Volumes[mt.Target] = suffix
		}
	}
	for _, att := range svc.Spec.TaskTemplate.Networks {
		name := att.Target
		if n, err := cli.NetworkInspect(ctx, att.Target, network.InspectOptions{}); err == nil {
			name = n.Name // the service holds the network's ID
		}
		if name != spec.Name {
			a.Network = name
		}
	}
	return a, true, nil
}

func envMap(env []string) map[string]string {
	out := map[string]string{}
	for _, e := range env {
		if k, v, ok := strings.Cut(e, "="); ok && k != "PATH" {
			out[k] = v
		}
	}
	return out
}

// userLabels drops the labels Compose, this provider and image builders set.
func userLabels(labels map[string]string) map[string]string {
	out := maps.Clone(labels)
	maps.DeleteFunc(out, func(k, _ string) bool {
		return strings.HasPrefix(k, "com.docker.compose.") || strings.HasPrefix(k, "dev.llmops.") || strings.HasPrefix(k, "org.opencontainers.")
	})
	return out
}
