package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"github.com/llmops/terraform-provider-llmops/internal/replicaset"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
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
	b := exec.Command("go", "build", "-trimpath", "-o", exporterBinary, "../../cmd/llmops-exporter")
	b.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := b.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	if err := makeUnique(exporterBinary, run); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// makeUnique appends id to a binary (ELF ignores trailing bytes): the same
// program with its own hash, so the images built from it are this run's
// alone. Another package's tests build the exporter from the same source at
// the same time, and identical builds share one image, with every tag.
func makeUnique(path, id string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString("llmops-test-run-" + id); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// dockerClient connects to the local engine. Docker is part of this
// project's machines: its absence is reported loudly, never silently.
func dockerClient(t *testing.T) client.APIClient {
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

func buildImage(t *testing.T, cli client.APIClient, tag string) {
	t.Helper()
	sha, err := BinarySHA256(exporterBinary)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := BuildExporterImage(context.Background(), cli, exporterBinary, tag, sha); err != nil {
		t.Fatal(err)
	}
	// The tag is this run's own: untag it even if another package's test
	// runs a container of the same (cached, identical) image right now.
	t.Cleanup(func() {
		if _, err := cli.ImageRemove(context.Background(), tag, image.RemoveOptions{Force: true}); err != nil {
			t.Errorf("removing %s: %v", tag, err)
		}
		_ = PruneImages(context.Background(), cli)
	})
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
	spec := replicaset.Spec{Name: name, Image: tag, Replicas: 2, Command: []string{"run", "-c", "/etc/llmops/config.yaml"},
		Env: map[string]string{"LLMOPS_LOG_LEVEL": "warn"}, SecretFiles: map[string]string{"otlp_token": "s3cr3t-token-value"},
		ConfigFiles:   map[string]string{"/etc/llmops/config.yaml": "receivers:\n  otlp:\n    auth: {bearer_token_file: /run/secrets/otlp_token}\n"},
		RestartPolicy: "on-failure", MaxAttempts: 3, Ports: []replicaset.Port{{Container: 9464, HostIP: "127.0.0.1"}},
		Labels: map[string]string{"team": "ml"}, Parallelism: 1, WaitTimeout: 60 * time.Second,
		Volumes: map[string]string{"/var/lib/llmops-exporter": "queue"},
		Health:  &replicaset.Health{Test: []string{"CMD", "/llmops-exporter", "healthcheck"}, Interval: time.Second, Timeout: 2 * time.Second, Retries: 3}}
	t.Cleanup(func() { _ = (Engine{Client: cli}).Destroy(context.Background(), spec) })

	if err := (Engine{Client: cli}).Reconcile(ctx, spec); err != nil {
		t.Fatal(err)
	}
	reps, err := observe(ctx, cli, spec)
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
	// Not root; the secret is readable by the exporter's user only.
	if ins.Config.User != "65532:65532" {
		t.Fatalf("the exporter runs as %q", ins.Config.User)
	}
	rc, _, err := cli.CopyFromContainer(ctx, reps[0].ID, replicaset.SecretsDir+"/otlp_token")
	if err != nil {
		t.Fatal(err)
	}
	hdr, err := tar.NewReader(rc).Next()
	rc.Close()
	if err != nil || hdr.Uid != ExporterUID || hdr.Gid != ExporterUID || hdr.FileInfo().Mode().Perm() != 0o400 {
		t.Fatalf("secret file: %+v %v", hdr, err)
	}

	// Drift: kill one, remove the other; Observe sees it, Reconcile repairs.
	_ = cli.ContainerKill(ctx, reps[0].ID, "KILL")
	_ = cli.ContainerRemove(ctx, reps[1].ID, container.RemoveOptions{Force: true})
	reps, _ = observe(ctx, cli, spec)
	if len(reps) != 1 || reps[0].Good() {
		t.Fatalf("drift not seen: %+v", reps)
	}
	if err := (Engine{Client: cli}).Reconcile(ctx, spec); err != nil {
		t.Fatal(err)
	}
	reps, _ = observe(ctx, cli, spec)
	if len(reps) != 2 || !reps[0].Good() || !reps[1].Good() {
		t.Fatalf("not repaired: %+v", reps)
	}

	// Drift the image, environment and labels do not show: a replica taken
	// off its network keeps running, without its alias and published port.
	if err := cli.NetworkDisconnect(ctx, spec.NetworkName(), reps[1].ID, true); err != nil {
		t.Fatal(err)
	}
	reps, _ = observe(ctx, cli, spec)
	if len(reps) != 2 || !reps[0].Good() || reps[1].Good() || !reps[1].Running {
		t.Fatalf("a disconnected replica must not count: %+v", reps)
	}
	if err := (Engine{Client: cli}).Reconcile(ctx, spec); err != nil {
		t.Fatal(err)
	}
	reps, _ = observe(ctx, cli, spec)
	if len(reps) != 2 || !reps[0].Good() || !reps[1].Good() || reps[1].Published == "" {
		t.Fatalf("network membership not repaired: %+v", reps)
	}

	// A rendered config file edited inside a running replica.
	var edited bytes.Buffer
	tw := tar.NewWriter(&edited)
	body := "receivers: {otlp: {auth: {bearer_token: hijacked}}}\n"
	_ = tw.WriteHeader(&tar.Header{Name: "config.yaml", Mode: 0o444, Size: int64(len(body))})
	_, _ = tw.Write([]byte(body))
	_ = tw.Close()
	if err := cli.CopyToContainer(ctx, reps[0].ID, "/etc/llmops", &edited, container.CopyToContainerOptions{}); err != nil {
		t.Fatal(err)
	}
	reps, _ = observe(ctx, cli, spec)
	if reps[0].Good() || !slices.Contains(reps[0].Drift, "config file /etc/llmops/config.yaml changed") {
		t.Fatalf("an edited config file must show: %+v", reps[0])
	}
	if err := (Engine{Client: cli}).Reconcile(ctx, spec); err != nil {
		t.Fatal(err)
	}
	if reps, _ = observe(ctx, cli, spec); !reps[0].Good() || !reps[1].Good() {
		t.Fatalf("edited config not repaired: %+v", reps)
	}

	vol1, err := cli.VolumeInspect(ctx, VolumeName(spec.Name, "queue", 1))
	if err != nil {
		t.Fatalf("replica volume: %v", err)
	}

	// A changed environment replaces replicas (start-first is overridden
	// by the volume: stop-first); scale down.
	spec.Env["LLMOPS_LOG_LEVEL"], spec.StartFirst, spec.Replicas = "error", true, 1
	if err := (Engine{Client: cli}).Reconcile(ctx, spec); err != nil {
		t.Fatal(err)
	}
	reps, _ = observe(ctx, cli, spec)
	if len(reps) != 1 || !reps[0].Good() || reps[0].Name != name+"-"+name+"-1" {
		t.Fatalf("rolling update / scale down: %+v", reps)
	}
	if again, err := cli.VolumeInspect(ctx, VolumeName(spec.Name, "queue", 1)); err != nil || again.CreatedAt != vol1.CreatedAt {
		t.Fatalf("replica 1's volume was not kept across replacement: %v", err)
	}

	if err := (Engine{Client: cli}).Destroy(ctx, spec); err != nil {
		t.Fatal(err)
	}
	if reps, _ := observe(ctx, cli, spec); len(reps) != 0 {
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
	spec := replicaset.Spec{Name: "llmops-enginetest-bad-" + run, Image: tag, Replicas: 1,
		Health:      &replicaset.Health{Test: []string{"CMD", "/llmops-exporter", "healthcheck", "-addr", "127.0.0.1:1"}, Interval: 500 * time.Millisecond, Timeout: time.Second, Retries: 1},
		WaitTimeout: 8 * time.Second}
	t.Cleanup(func() { _ = (Engine{Client: cli}).Destroy(context.Background(), spec) })
	err := (Engine{Client: cli}).Reconcile(context.Background(), spec)
	if err == nil || !strings.Contains(err.Error(), "not healthy") || !strings.Contains(err.Error(), "healthcheck") {
		t.Fatalf("got %v", err)
	}
}

func TestParseUser(t *testing.T) {
	for in, want := range map[string]owner{"": {}, "65532:65532": {65532, 65532}, "1000": {1000, 1000}, "1000:50": {1000, 50}, "nobody": {}, "app:app": {}, "-1": {}} {
		if got := parseUser(in); got != want {
			t.Errorf("%q: %+v, want %+v", in, got, want)
		}
	}
}

// Two configurations built from one binary share an image: destroying one
// must not untag what the other's containers run.
func TestRemoveImageKeepsATagInUse(t *testing.T) {
	cli := dockerClient(t)
	ctx := context.Background()
	a, b := "llmops-exporter:share-a-"+run, "llmops-exporter:share-b-"+run
	sha, _ := BinarySHA256(exporterBinary)
	id, err := BuildExporterImage(ctx, cli, exporterBinary, a, sha)
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.ImageTag(ctx, a, b); err != nil {
		t.Fatal(err)
	}
	c, err := cli.ContainerCreate(ctx, &container.Config{Image: id}, nil, nil, nil, "llmops-share-"+run)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cli.ContainerRemove(context.Background(), c.ID, container.RemoveOptions{Force: true})
		_, _ = cli.ImageRemove(context.Background(), a, image.RemoveOptions{Force: true})
		_, _ = cli.ImageRemove(context.Background(), b, image.RemoveOptions{Force: true})
	})
	if users, err := RemoveImage(ctx, cli, b); err != nil || users != 0 {
		t.Fatalf("a second tag is only untagged: %d %v", users, err)
	}
	if _, found, _ := InspectImage(ctx, cli, b); found {
		t.Fatal("tag b is still there")
	}
	if users, err := RemoveImage(ctx, cli, a); err != nil || users != 1 {
		t.Fatalf("the last tag of an image in use is kept: %d %v", users, err)
	}
	if _, found, _ := InspectImage(ctx, cli, a); !found {
		t.Fatal("tag a was removed under a container")
	}
	_ = cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true})
	if users, err := RemoveImage(ctx, cli, a); err != nil || users != 0 {
		t.Fatalf("unused: %d %v", users, err)
	}
	if _, found, _ := InspectImage(ctx, cli, a); found {
		t.Fatal("tag a survived its last user")
	}
}

// The cause of a failed start is in the container's log: the error quotes
// its end (here a destination's secret file that secret_files_wo lacks).
func TestFailedStartQuotesTheLog(t *testing.T) {
	cli := dockerClient(t)
	tag := "llmops-exporter:engine-test-nosecret-" + run
	buildImage(t, cli, tag)
	cfg := "destinations:\n  - name: lf\n    type: langfuse\n    public_key: pk-lf-1\n    secret_file: /run/secrets/lf\n"
	spec := replicaset.Spec{Name: "llmops-enginetest-nosecret-" + run, Image: tag, Replicas: 1, Command: []string{"run", "-c", "/etc/llmops/config.yaml"},
		ConfigFiles: map[string]string{"/etc/llmops/config.yaml": cfg}, RestartPolicy: "no",
		Health:      &replicaset.Health{Test: []string{"CMD", "/llmops-exporter", "healthcheck"}, Interval: 500 * time.Millisecond, Timeout: time.Second, Retries: 1},
		WaitTimeout: 20 * time.Second}
	t.Cleanup(func() { _ = (Engine{Client: cli}).Destroy(context.Background(), spec) })
	err := (Engine{Client: cli}).Reconcile(context.Background(), spec)
	if err == nil || !strings.Contains(err.Error(), "last 15 lines of its log") || !strings.Contains(err.Error(), "/run/secrets/lf") {
		t.Fatalf("got %v", err)
	}
}

func TestMissingSecrets(t *testing.T) {
	files := map[string]string{
		"/etc/a.yaml": "auth: {bearer_token_file: /run/secrets/otlp_token}\nsecret_file: /run/secrets/lf\n",
		"/etc/b.yaml": "x: /run/secrets/lf\ny: /run/secrets/px-authorization\n",
	}
	got := replicaset.MissingSecrets(files, []string{"otlp_token"})
	if len(got) != 2 || strings.Join(got["lf"], ",") != "/etc/a.yaml,/etc/b.yaml" || strings.Join(got["px-authorization"], ",") != "/etc/b.yaml" {
		t.Fatalf("%v", got)
	}
	if got := replicaset.MissingSecrets(files, []string{"otlp_token", "lf", "px-authorization"}); len(got) != 0 {
		t.Fatalf("all provided: %v", got)
	}
}

// observe is the Engine backend's view of spec, as the resource gets it.
func observe(ctx context.Context, cli client.APIClient, spec replicaset.Spec) ([]replicaset.Replica, error) {
	obs, err := Engine{Client: cli}.Observe(ctx, spec)
	return obs.Replicas, err
}

// Docker's DNS names a replica under the service's alias only once it is
// healthy: a replica still starting is never among the addresses clients
// get, on create or during a rolling update.
func TestNoReplicaUnderTheAliasBeforeHealthy(t *testing.T) {
	cli := dockerClient(t)
	ctx := context.Background()
	tag := "llmops-exporter:alias-test-" + run
	buildImage(t, cli, tag)
	name := "llmops-aliastest-" + run
	spec := replicaset.Spec{Name: name, Image: tag, Replicas: 2, Command: []string{"run"}, Env: map[string]string{"LLMOPS_LOG_LEVEL": "warn"},
		Parallelism: 1, StartFirst: true, WaitTimeout: 60 * time.Second,
		// The first probe runs after the interval: each replica starts for 2 s.
		Health: &replicaset.Health{Test: []string{"CMD", "/llmops-exporter", "healthcheck"}, Interval: 2 * time.Second, Timeout: 2 * time.Second, Retries: 3}}
	t.Cleanup(func() { _ = (Engine{Client: cli}).Destroy(context.Background(), spec) })

	var violations []string
	var seenStarting int
	watch := func(done <-chan struct{}) <-chan struct{} {
		stopped := make(chan struct{})
		go func() {
			defer close(stopped)
			for {
				select {
				case <-done:
					return
				case <-time.After(100 * time.Millisecond):
				}
				list, err := cli.ContainerList(ctx, container.ListOptions{Filters: selector(spec)})
				if err != nil {
					continue
				}
				for _, c := range list {
					ins, err := cli.ContainerInspect(ctx, c.ID)
					// A retiring replica turns unhealthy while it drains, still
					// named: only one still starting must not be.
					if err != nil || ins.State == nil || ins.State.Health == nil || ins.State.Health.Status != "starting" {
						continue
					}
					seenStarting++
					if ep := ins.NetworkSettings.Networks[name]; ep != nil && slices.Contains(ep.Aliases, name) {
						violations = append(violations, fmt.Sprintf("%s is %s and named %s", ins.Name, ins.State.Health.Status, name))
					}
				}
			}
		}()
		return stopped
	}
	for i, level := range []string{"warn", "info"} { // create, then a rolling update
		spec.Env["LLMOPS_LOG_LEVEL"] = level
		done := make(chan struct{})
		stopped := watch(done)
		err := (Engine{Client: cli}).Reconcile(ctx, spec)
		close(done)
		<-stopped
		if err != nil {
			t.Fatalf("reconcile %d: %v", i, err)
		}
	}
	if seenStarting == 0 {
		t.Fatal("never saw a replica starting: the test watched nothing")
	}
	if len(violations) > 0 {
		t.Fatalf("replicas under the alias before they were healthy:\n%s", strings.Join(violations, "\n"))
	}
	reps, err := observe(ctx, cli, spec)
	if err != nil || len(reps) != 2 || !reps[0].Good() || !reps[1].Good() {
		t.Fatalf("after the rollout every replica is good and under the alias: %+v %v", reps, err)
	}
}
