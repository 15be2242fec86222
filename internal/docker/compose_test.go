package docker

import (
	"context"
	"github.com/llmops/terraform-provider-llmops/internal/replicaset"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

func TestComposeYAMLLoadsInComposeGo(t *testing.T) {
	spec := replicaset.Spec{Name: "llmops-exporter", Image: "llmops-exporter:1.0", Replicas: 3, Command: []string{"run", "-c", "/etc/llmops/config.yaml"},
		Env: map[string]string{"LLMOPS_LOG_LEVEL": "info"}, SecretFiles: map[string]string{"langfuse": "sk"}, ConfigFiles: map[string]string{"/etc/llmops/config.yaml": "log: {level: info}\n"},
		Ports: []replicaset.Port{{Container: 4318, Host: 14318, HostIP: "127.0.0.1"}}, RestartPolicy: "on-failure", MaxAttempts: 5,
		Health: &replicaset.Health{Test: []string{"CMD", "/llmops-exporter", "healthcheck"}, Interval: 30 * time.Second, Timeout: 10 * time.Second, Retries: 3},
		CPUs:   0.5, MemoryBytes: 256 << 20, Labels: map[string]string{"team": "ml"}, Parallelism: 1, StartFirst: true}
	out, err := Engine{}.Render(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "\"sk\"") || strings.Contains(out, ": sk\n") {
		t.Fatal("a secret value is in the compose file")
	}
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{WorkingDir: "/", ConfigFiles: []types.ConfigFile{{Filename: "c.yaml", Content: []byte(out)}}},
		func(o *loader.Options) { o.SetProjectName("llmops-exporter", true); o.SkipResolveEnvironment = true })
	if err != nil {
		t.Fatal(err)
	}
	svc := p.Services["llmops-exporter"]
	if *svc.Deploy.Replicas != 3 || svc.Deploy.RestartPolicy.Condition != "on-failure" || *svc.Deploy.RestartPolicy.MaxAttempts != 5 ||
		svc.Deploy.UpdateConfig.Order != "start-first" || svc.HealthCheck.Test[2] != "healthcheck" || svc.Ports[0].Published != "14318-14320" ||
		svc.Secrets[0].Target != "/run/secrets/langfuse" || svc.Configs[0].Target != "/etc/llmops/config.yaml" || svc.Labels["team"] != "ml" {
		t.Fatalf("loaded %+v", svc)
	}
}

// TestComposeYAMLForDifyAPI: the seed's layout for Dify's api service in
// Dify's own Compose project: project and service names, the env file by
// path (its values stay out of the rendering), entrypoint and grace period.
func TestComposeYAMLForDifyAPI(t *testing.T) {
	spec := replicaset.Spec{Name: "api", Project: "docker", Image: "langgenius/dify-api:1.10.1", Replicas: 3, Network: "docker_default",
		EnvFile: "/opt/dify/docker/.env", FileEnv: map[string]string{"DB_HOST": "db_postgres"}, Env: map[string]string{"MODE": "api"},
		Entrypoint: []string{"/bin/bash", "-c", "exec /bin/bash /entrypoint.sh"}, StopGrace: 30 * time.Second, RestartPolicy: "on-failure",
		Health:     &replicaset.Health{Test: []string{"CMD", "curl", "-f", "http://localhost:5001/health"}, Interval: 30 * time.Second, Timeout: 10 * time.Second, Retries: 3},
		StartFirst: true, Parallelism: 1}
	out, err := Engine{}.Render(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "db_postgres") {
		t.Fatal("the env file's values are in the rendering")
	}
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{WorkingDir: "/", ConfigFiles: []types.ConfigFile{{Filename: "c.yaml", Content: []byte(out)}}},
		func(o *loader.Options) { o.SetProjectName("docker", true); o.SkipResolveEnvironment = true })
	if err != nil {
		t.Fatal(err)
	}
	svc, ok := p.Services["api"]
	if !ok {
		t.Fatalf("no service api in %v", p.ServiceNames())
	}
	checks := map[string]bool{
		"project name":  p.Name == "docker",
		"env_file":      len(svc.EnvFiles) == 1 && svc.EnvFiles[0].Path == "/opt/dify/docker/.env",
		"entrypoint":    len(svc.Entrypoint) == 3 && svc.Entrypoint[0] == "/bin/bash",
		"grace":         svc.StopGracePeriod != nil && time.Duration(*svc.StopGracePeriod) == 30*time.Second,
		"alias api":     svc.Networks["docker_default"] != nil && len(svc.Networks["docker_default"].Aliases) == 1 && svc.Networks["docker_default"].Aliases[0] == "api",
		"healthcheck":   svc.HealthCheck != nil && strings.Join(svc.HealthCheck.Test, " ") == "CMD curl -f http://localhost:5001/health",
		"start-first":   svc.Deploy.UpdateConfig.Order == "start-first",
		"env from decl": svc.Environment["MODE"] != nil && *svc.Environment["MODE"] == "api",
	}
	for name, ok := range checks {
		if !ok {
			t.Errorf("%s wrong in\n%s", name, out)
		}
	}
}

// TestComposeYAMLKeepsDollars: what the containers get, Compose gets too:
// a shell line and a config holding "$" survive Compose's interpolation.
func TestComposeYAMLKeepsDollars(t *testing.T) {
	line := `for f in /run/secrets/*; do export "$(basename "$f")=$(cat "$f")"; done; exec /entrypoint.sh "$@"`
	spec := replicaset.Spec{Name: "api", Image: "img", Replicas: 1, Entrypoint: []string{"/bin/bash", "-c", line}, Env: map[string]string{"PRICE": "$5"},
		ConfigFiles: map[string]string{"/etc/x.conf": "path=${HOME}\n"}, Health: &replicaset.Health{Test: []string{"CMD-SHELL", "test -n \"$HOSTNAME\""}, Retries: 3}}
	out, err := Engine{}.Render(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{WorkingDir: "/", ConfigFiles: []types.ConfigFile{{Filename: "c.yaml", Content: []byte(out)}},
		Environment: map[string]string{"f": "WRONG", "HOME": "WRONG", "HOSTNAME": "WRONG"}},
		func(o *loader.Options) { o.SetProjectName("api", true); o.SkipResolveEnvironment = true })
	if err != nil {
		t.Fatal(err)
	}
	svc := p.Services["api"]
	for name, got := range map[string]string{"entrypoint": svc.Entrypoint[2], "env": *svc.Environment["PRICE"], "config": p.Configs["config_1"].Content,
		"healthcheck": svc.HealthCheck.Test[1]} {
		want := map[string]string{"entrypoint": line, "env": "$5", "config": "path=${HOME}\n", "healthcheck": "test -n \"$HOSTNAME\""}[name]
		if got != want {
			t.Errorf("%s after Compose's interpolation: %q, want %q", name, got, want)
		}
	}
}
