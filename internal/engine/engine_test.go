package engine

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"

	"github.com/llmops/terraform-provider-llmops/internal/settings"
)

// exporterBinary is a static linux llmops-exporter built for these tests.
var exporterBinary string

// run suffixes every name these tests give the engine, so that concurrent
// runs, or a user's own sets, are never touched.
var run = strconv.FormatInt(time.Now().UnixNano()%1e9, 36)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "engine-test")
	if err != nil {
		panic(err)
	}
	exporterBinary = filepath.Join(dir, "llmops-exporter")
	b := exec.Command("go", "build", "-o", exporterBinary, "../../cmd/llmops-exporter")
	b.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := b.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// dockerClient connects to the local engine. Docker is part of this
// project's machines: its absence is reported loudly, never silently.
func dockerClient(t *testing.T) *client.Client {
	t.Helper()
	host := os.Getenv("DOCKER_HOST")
	if host == "" {
		host = settings.DefaultDockerHost
	}
	cli, err := Connect(context.Background(), settings.Docker{Host: host})
	if err != nil {
		t.Skipf("SKIPPING DOCKER TEST: no Docker engine: %v", err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

func buildImage(t *testing.T, cli *client.Client, tag string) {
	t.Helper()
	sha, err := BinarySHA256(exporterBinary)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := BuildExporterImage(context.Background(), cli, exporterBinary, tag, sha); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = RemoveImage(context.Background(), cli, tag) })
	got, found, err := InspectImage(context.Background(), cli, tag)
	if err != nil || !found || got.BinarySHA256 != sha || got.ID == "" {
		t.Fatalf("image %+v found=%v err=%v", got, found, err)
	}
}

func TestBuildRejectsNonLinuxBinary(t *testing.T) {
	cli := dockerClient(t)
	f := filepath.Join(t.TempDir(), "x")
	os.WriteFile(f, []byte("#!/bin/sh\n"), 0o755)
	if _, err := BuildExporterImage(context.Background(), cli, f, "llmops-test:bad", "x"); err == nil || !strings.Contains(err.Error(), "GOOS=linux") {
		t.Fatalf("got %v", err)
	}
}

func TestReplicaSetLifecycle(t *testing.T) {
	cli := dockerClient(t)
	ctx := context.Background()
	tag := "llmops-exporter:engine-test-" + run
	buildImage(t, cli, tag)
	name := "llmops-enginetest-" + run
	spec := Spec{Name: name, Image: tag, Replicas: 2, Command: []string{"run", "-c", "/etc/llmops/config.yaml"},
		Env: map[string]string{"LLMOPS_LOG_LEVEL": "warn"}, SecretFiles: map[string]string{"otlp_token": "s3cr3t-token-value"},
		ConfigFiles:   map[string]string{"/etc/llmops/config.yaml": "receivers:\n  otlp:\n    auth: {bearer_token_file: /run/secrets/otlp_token}\n"},
		RestartPolicy: "on-failure", MaxAttempts: 3, Ports: []Port{{Container: 9464, HostIP: "127.0.0.1"}},
		Labels: map[string]string{"team": "ml"}, Parallelism: 1, WaitTimeout: 60 * time.Second,
		Volumes: map[string]string{"/var/lib/llmops-exporter": "queue"},
		Health:  &Health{Test: []string{"CMD", "/llmops-exporter", "healthcheck"}, Interval: time.Second, Timeout: 2 * time.Second, Retries: 3}}
	t.Cleanup(func() { _ = Destroy(context.Background(), cli, spec) })

	if err := Reconcile(ctx, cli, spec); err != nil {
		t.Fatal(err)
	}
	reps, err := Observe(ctx, cli, spec)
	if err != nil || len(reps) != 2 || !reps[0].Good() || !reps[1].Good() || reps[0].Health != "healthy" {
		t.Fatalf("after create: %+v %v", reps, err)
	}
	ins, _ := cli.ContainerInspect(ctx, reps[0].ID)
	for _, e := range ins.Config.Env {
		if strings.Contains(e, "s3cr3t") {
			t.Fatal("a secret is in the container environment")
		}
	}
	if ins.Name != "/"+name+"-"+name+"-1" || ins.Config.Labels[LabelService] != name {
		t.Fatalf("compose naming/labels: %s %v", ins.Name, ins.Config.Labels)
	}

	// Drift: kill one, remove the other; Observe sees it, Reconcile repairs.
	_ = cli.ContainerKill(ctx, reps[0].ID, "KILL")
	_ = cli.ContainerRemove(ctx, reps[1].ID, container.RemoveOptions{Force: true})
	reps, _ = Observe(ctx, cli, spec)
	if len(reps) != 1 || reps[0].Good() {
		t.Fatalf("drift not seen: %+v", reps)
	}
	if err := Reconcile(ctx, cli, spec); err != nil {
		t.Fatal(err)
	}
	reps, _ = Observe(ctx, cli, spec)
	if len(reps) != 2 || !reps[0].Good() || !reps[1].Good() {
		t.Fatalf("not repaired: %+v", reps)
	}

	vol1, err := cli.VolumeInspect(ctx, VolumeName(spec.Name, "queue", 1))
	if err != nil {
		t.Fatalf("replica volume: %v", err)
	}

	// A changed environment replaces replicas (start-first is overridden
	// by the volume: stop-first); scale down.
	spec.Env["LLMOPS_LOG_LEVEL"], spec.StartFirst, spec.Replicas = "error", true, 1
	if err := Reconcile(ctx, cli, spec); err != nil {
		t.Fatal(err)
	}
	reps, _ = Observe(ctx, cli, spec)
	if len(reps) != 1 || !reps[0].Good() || reps[0].Name != name+"-"+name+"-1" {
		t.Fatalf("rolling update / scale down: %+v", reps)
	}
	if again, err := cli.VolumeInspect(ctx, VolumeName(spec.Name, "queue", 1)); err != nil || again.CreatedAt != vol1.CreatedAt {
		t.Fatalf("replica 1's volume was not kept across replacement: %v", err)
	}

	if err := Destroy(ctx, cli, spec); err != nil {
		t.Fatal(err)
	}
	if reps, _ := Observe(ctx, cli, spec); len(reps) != 0 {
		t.Fatalf("destroy left %d containers", len(reps))
	}
	if _, err := cli.VolumeInspect(ctx, VolumeName(spec.Name, "queue", 1)); err == nil {
		t.Fatal("destroy left the replica volume")
	}
}

func TestUnhealthyReplicaFailsWithItsHealthLog(t *testing.T) {
	cli := dockerClient(t)
	tag := "llmops-exporter:engine-test-unhealthy-" + run
	buildImage(t, cli, tag)
	spec := Spec{Name: "llmops-enginetest-bad-" + run, Image: tag, Replicas: 1,
		Health:      &Health{Test: []string{"CMD", "/llmops-exporter", "healthcheck", "-addr", "127.0.0.1:1"}, Interval: 500 * time.Millisecond, Timeout: time.Second, Retries: 1},
		WaitTimeout: 8 * time.Second}
	t.Cleanup(func() { _ = Destroy(context.Background(), cli, spec) })
	err := Reconcile(context.Background(), cli, spec)
	if err == nil || !strings.Contains(err.Error(), "not healthy") || !strings.Contains(err.Error(), "healthcheck") {
		t.Fatalf("got %v", err)
	}
}
