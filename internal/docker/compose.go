package docker

import (
	"context"
	"fmt"
	"github.com/llmops/terraform-provider-llmops/internal/replicaset"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"
)

// composeYAML renders spec as an equivalent Compose file (deploy.replicas,
// restart policy, healthcheck, resources, update order; secret and config
// files as Compose secrets and configs, whose sources the user provides)
// and validates it with compose-go, the Compose specification's reference
// loader.
func composeYAML(ctx context.Context, spec replicaset.Spec) (string, error) {
	svc := map[string]any{"image": spec.Image}
	if len(spec.Entrypoint) > 0 {
		svc["entrypoint"] = spec.Entrypoint
	}
	if spec.EnvFile != "" {
		svc["env_file"] = []string{spec.EnvFile}
	}
	if spec.StopGrace > 0 {
		svc["stop_grace_period"] = spec.StopGrace.String()
	}
	if len(spec.Command) > 0 {
		svc["command"] = spec.Command
	}
	if len(spec.Env) > 0 {
		svc["environment"] = spec.Env
	}
	if len(spec.Labels) > 0 {
		svc["labels"] = spec.Labels
	}
	deploy := map[string]any{"replicas": spec.Replicas, "mode": "replicated"}
	if spec.EndpointMode != "" {
		deploy["endpoint_mode"] = spec.EndpointMode
	}
	cond := spec.RestartPolicy
	switch cond {
	case "", "no", "none":
		cond = "none"
	case "always", "unless-stopped":
		cond = "any"
	}
	rp := map[string]any{"condition": cond}
	if spec.MaxAttempts > 0 {
		rp["max_attempts"] = spec.MaxAttempts
	}
	if spec.RestartDelay > 0 {
		rp["delay"] = spec.RestartDelay.String()
	}
	deploy["restart_policy"] = rp
	order := "stop-first"
	if spec.StartFirst {
		order = "start-first"
	}
	deploy["update_config"] = map[string]any{"parallelism": max(spec.Parallelism, 1), "order": order}
	limits := map[string]any{}
	if spec.CPUs > 0 {
		limits["cpus"] = strconv.FormatFloat(spec.CPUs, 'f', -1, 64)
	}
	if spec.MemoryBytes > 0 {
		limits["memory"] = strconv.FormatInt(spec.MemoryBytes, 10)
	}
	if len(limits) > 0 {
		deploy["resources"] = map[string]any{"limits": limits}
	}
	svc["deploy"] = deploy
	if h := spec.Health; h != nil {
		hc := map[string]any{"test": h.Test, "retries": h.Retries}
		for k, d := range map[string]string{"interval": h.Interval.String(), "timeout": h.Timeout.String(), "start_period": h.StartPeriod.String()} {
			if d != "0s" {
				hc[k] = d
			}
		}
		svc["healthcheck"] = hc
	}
	var ports []map[string]any
	for _, p := range spec.Ports {
		pm := map[string]any{"target": p.Container, "protocol": orDefault(p.Protocol, "tcp")}
		if p.Host > 0 {
			pm["published"] = fmt.Sprintf("%d-%d", p.Host, p.Host+max(spec.Replicas, 1)-1)
		}
		if p.HostIP != "" {
			pm["host_ip"] = p.HostIP
		}
		ports = append(ports, pm)
	}
	if len(ports) > 0 {
		svc["ports"] = ports
	}
	svc["networks"] = map[string]any{spec.NetworkName(): map[string]any{"aliases": []string{spec.Name}}}
	if len(spec.Volumes) > 0 {
		// Compose has no per-replica volume; the file names one per path.
		var vols []string
		for _, target := range slices.Sorted(maps.Keys(spec.Volumes)) {
			vols = append(vols, spec.VolumePrefix()+"-"+spec.Volumes[target]+":"+target)
		}
		svc["volumes"] = vols
	}
	project := map[string]any{"name": spec.ProjectName(), "services": map[string]any{spec.Name: svc},
		"networks": map[string]any{spec.NetworkName(): map[string]any{"name": spec.NetworkName()}}}
	if len(spec.Volumes) > 0 {
		vols := map[string]any{}
		for _, v := range spec.Volumes {
			vols[spec.VolumePrefix()+"-"+v] = map[string]any{}
		}
		project["volumes"] = vols
	}
	if len(spec.SecretFiles) > 0 {
		secrets, refs := map[string]any{}, []map[string]any{}
		for _, name := range slices.Sorted(maps.Keys(spec.SecretFiles)) {
			secrets[name] = map[string]any{"file": "./secrets/" + name}
			refs = append(refs, map[string]any{"source": name, "target": path.Join(replicaset.SecretsDir, name), "mode": 0o400})
		}
		project["secrets"], svc["secrets"] = secrets, refs
	}
	if len(spec.ConfigFiles) > 0 {
		configs, refs := map[string]any{}, []map[string]any{}
		for i, p := range slices.Sorted(maps.Keys(spec.ConfigFiles)) {
			name := fmt.Sprintf("config_%d", i+1)
			configs[name] = map[string]any{"content": spec.ConfigFiles[p]}
			refs = append(refs, map[string]any{"source": name, "target": p})
		}
		project["configs"], svc["configs"] = configs, refs
	}
	out, err := yaml.Marshal(escapeDollars(project))
	if err != nil {
		return "", err
	}
	_, err = loader.LoadWithContext(ctx, types.ConfigDetails{WorkingDir: "/", ConfigFiles: []types.ConfigFile{{Filename: "compose.yaml", Content: out}}},
		func(o *loader.Options) {
			o.SetProjectName(spec.ProjectName(), true)
			o.SkipResolveEnvironment, o.SkipConsistencyCheck = true, false
		})
	if err != nil {
		return "", fmt.Errorf("the Compose rendering is invalid: %w", err)
	}
	return string(out), nil
}

// escapeDollars doubles every "$" in the values of v: Compose interpolates
// ${VAR} and $VAR everywhere in a file, so a shell line in an entrypoint
// (`$(cat "$f")`), a config file or an environment value must reach the
// container as written.
func escapeDollars(v any) any {
	switch x := v.(type) {
	case string:
		return strings.ReplaceAll(x, "$", "$$")
	case []string:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = strings.ReplaceAll(s, "$", "$$")
		}
		return out
	case map[string]string:
		out := make(map[string]string, len(x))
		for k, s := range x {
			out[k] = strings.ReplaceAll(s, "$", "$$")
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = escapeDollars(e)
		}
		return out
	case []map[string]any:
		out := make([]map[string]any, len(x))
		for i, e := range x {
			out[i] = escapeDollars(e).(map[string]any)
		}
		return out
	}
	return v
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
