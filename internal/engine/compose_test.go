package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

func TestComposeYAMLLoadsInComposeGo(t *testing.T) {
	spec := Spec{Name: "llmops-exporter", Image: "llmops-exporter:1.0", Replicas: 3, Command: []string{"run", "-c", "/etc/llmops/config.yaml"},
		Env: map[string]string{"LLMOPS_LOG_LEVEL": "info"}, SecretFiles: map[string]string{"langfuse": "sk"}, ConfigFiles: map[string]string{"/etc/llmops/config.yaml": "log: {level: info}\n"},
		Ports: []Port{{Container: 4318, Host: 14318, HostIP: "127.0.0.1"}}, RestartPolicy: "on-failure", MaxAttempts: 5,
		Health: &Health{Test: []string{"CMD", "/llmops-exporter", "healthcheck"}, Interval: 30 * time.Second, Timeout: 10 * time.Second, Retries: 3},
		CPUs:   0.5, MemoryBytes: 256 << 20, Labels: map[string]string{"team": "ml"}, Parallelism: 1, StartFirst: true}
	out, err := ComposeYAML(context.Background(), spec)
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
