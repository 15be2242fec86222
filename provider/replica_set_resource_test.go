package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	imagetypes "github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/llmops/terraform-provider-llmops/internal/docker"
	"github.com/llmops/terraform-provider-llmops/internal/settings"
)

var (
	exporterOnce sync.Once
	exporterPath string
	exporterErr  error
)

// staticExporter builds a static linux llmops-exporter once per test run.
func staticExporter(t *testing.T) string {
	exporterOnce.Do(func() {
		dir, err := os.MkdirTemp("", "llmops-acc")
		if err != nil {
			exporterErr = err
			return
		}
		exporterPath = filepath.Join(dir, "llmops-exporter")
		b := exec.Command("go", "build", "-trimpath", "-o", exporterPath, "../cmd/llmops-exporter") // -trimpath, CGO off: the flags make release builds with, so they share compiled packages
		b.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
		if out, err := b.CombinedOutput(); err != nil {
			exporterErr = fmt.Errorf("%v\n%s", err, out)
			return
		}
		// This run's own hash (ELF ignores trailing bytes): identical builds
		// share one image, and another package's tests build the same source.
		f, err := os.OpenFile(exporterPath, os.O_APPEND|os.O_WRONLY, 0)
		if err == nil {
			_, err = f.WriteString("llmops-acc-run-" + runID)
			err = errors.Join(err, f.Close())
		}
		exporterErr = err
	})
	if exporterErr != nil {
		t.Fatal(exporterErr)
	}
	return exporterPath
}

// patchedExporter is the exporter with one byte appended: the same program
// (ELF ignores trailing bytes) with another SHA-256, i.e. a "new build".
func patchedExporter(t *testing.T) string {
	src := staticExporter(t)
	dst := src + "-patched"
	if _, err := os.Stat(dst); err == nil {
		return dst
	}
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, append(b, 0), 0o755); err != nil {
		t.Fatal(err)
	}
	return dst
}

// testAccDocker fails loudly without the engine this project's machines have.
func testAccDocker(t *testing.T) {
	testAccPreCheck(t)
	host := os.Getenv("DOCKER_HOST")
	if host == "" {
		host = settings.DefaultDockerHost
	}
	cli, err := docker.Connect(context.Background(), settings.Docker{Host: host})
	if err != nil {
		t.Fatalf("the Docker acceptance tests need a Docker engine: %v", err)
	}
	cli.Close()
}

func replicaSetConfig(name string, replicas int, logLevel string) string {
	return fmt.Sprintf(`
variable "exporter" { type = string }
variable "token" {
  type      = string
  sensitive = true
  ephemeral = true
}
resource "llmops_exporter_image" "this" {
  tag         = "llmops-exporter:acc-%[1]s"
  binary_path = var.exporter
}
resource "llmops_replica_set" "this" {
  name     = %[1]q
  image    = llmops_exporter_image.this.image_id
  replicas = %[2]d
  command  = ["run", "-c", "/etc/llmops-exporter/config.yaml"]
  env      = { LLMOPS_LOG_LEVEL = %[3]q }
  config_files = {
    "/etc/llmops-exporter/config.yaml" = "receivers:\n  otlp:\n    auth: {bearer_token_file: /run/secrets/otlp_token}\n"
  }
  secret_files_wo = { otlp_token = var.token }
  ports        = [{ container_port = 9464, host_ip = "127.0.0.1" }]
  labels       = { team = "ml" }
  restart_policy = { condition = "on-failure", max_attempts = 3 }
  healthcheck = {
    test     = ["CMD", "/llmops-exporter", "healthcheck"]
    interval = "1s"
    timeout  = "2s"
    retries  = 3
  }
  update  = { parallelism = 1, order = "start-first" }
  volumes = { "/var/lib/llmops-exporter" = "queue" }
}`, name, replicas, logLevel)
}

// dockerDo runs fn with a client, for PreConfig steps that break things.
func dockerDo(t *testing.T, fn func(context.Context, client.APIClient)) {
	cli, err := docker.Connect(context.Background(), settings.Docker{Host: settings.DefaultDockerHost})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	fn(context.Background(), cli)
}

func replicaIDs(t *testing.T, name string) []string {
	var ids []string
	dockerDo(t, func(ctx context.Context, cli client.APIClient) {
		list, _ := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", docker.LabelProject+"="+name))})
		for _, c := range list {
			ids = append(ids, c.ID)
		}
	})
	return ids
}

// metricsReachable checks every replica's published /metrics answers.
type metricsReachable struct{}

func (metricsReachable) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Type != "llmops_replica_set" {
			continue
		}
		pub, _ := r.AttributeValues["ports_published"].(map[string]any)
		if len(pub) == 0 {
			resp.Error = fmt.Errorf("no published ports")
			return
		}
		for name, addr := range pub {
			res, err := http.Get(fmt.Sprintf("http://%s/metrics", addr))
			if err != nil || res.StatusCode != 200 {
				resp.Error = fmt.Errorf("metrics of %s at %v unreachable: %v", name, addr, err)
				return
			}
			res.Body.Close()
		}
	}
}

func TestAccReplicaSet_lifecycleDriftImport(t *testing.T) {
	name := accName("llmops-acc-rs")
	const addr = "llmops_replica_set.this"
	vars := config.Variables{"exporter": config.StringVariable(staticExporter(t)), "token": config.StringVariable("acc-token-0123456789")}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccDocker(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyGate,
		CheckDestroy:             checkNothingLeft(name, "llmops-exporter:acc-"+name),
		Steps: []resource.TestStep{
			{
				ConfigVariables: vars, Config: replicaSetConfig(name, 3, "info"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("healthy_replicas"), knownvalue.Int64Exact(3)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("secret_file_names"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("otlp_token")})),
					metricsReachable{},
					noSecretInState{"acc-token-0123456789", "otlp_token"},
				},
			},
			{
				ConfigVariables: vars, Config: replicaSetConfig(name, 5, "info"),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(addr, tfjsonpath.New("healthy_replicas"), knownvalue.Int64Exact(5))},
			},
			{
				// Scale down and change the environment: a rolling replacement.
				ConfigVariables: vars, Config: replicaSetConfig(name, 2, "warn"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("healthy_replicas"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("containers"), knownvalue.MapSizeExact(2)),
				},
			},
			{
				// Drift: one replica killed, the other removed by hand. The
				// plan must be an update, and apply must repair both.
				PreConfig: func() {
					ids := replicaIDs(t, name)
					if len(ids) != 2 {
						t.Fatalf("want 2 replicas before breaking them, got %d", len(ids))
					}
					dockerDo(t, func(ctx context.Context, cli client.APIClient) {
						_ = cli.ContainerKill(ctx, ids[0], "KILL")
						_ = cli.ContainerRemove(ctx, ids[1], container.RemoveOptions{Force: true})
					})
				},
				ConfigVariables: vars, Config: replicaSetConfig(name, 2, "warn"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("healthy_replicas"), knownvalue.Int64Exact(2)),
					metricsReachable{},
				},
			},
			{
				// A new exporter binary: the image is rebuilt (its hash is
				// known at plan time) and the replicas roll onto it.
				ConfigVariables: config.Variables{"exporter": config.StringVariable(patchedExporter(t)), "token": vars["token"]},
				Config:          replicaSetConfig(name, 2, "warn"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("llmops_exporter_image.this", plancheck.ResourceActionReplace),
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(addr, tfjsonpath.New("healthy_replicas"), knownvalue.Int64Exact(2))},
			},
			{
				// Deleted outside Terraform: every container gone. The set
				// leaves the state and is created again.
				PreConfig: func() {
					dockerDo(t, func(ctx context.Context, cli client.APIClient) {
						for _, id := range replicaIDs(t, name) {
							_ = cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: true})
						}
					})
				},
				ConfigVariables:   config.Variables{"exporter": config.StringVariable(patchedExporter(t)), "token": vars["token"]},
				Config:            replicaSetConfig(name, 2, "warn"),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)}},
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(addr, tfjsonpath.New("healthy_replicas"), knownvalue.Int64Exact(2))},
			},
			{
				ConfigVariables: config.Variables{"exporter": config.StringVariable(patchedExporter(t)), "token": vars["token"]},
				ResourceName:    addr, ImportState: true, ImportStateId: name, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"secret_files_wo", "secret_files_wo_version", "config_files", "secret_file_names", "compose_yaml", "kubernetes_yaml",
					"ports", "restart_policy", "healthcheck", "update", "resources", "wait_timeout"},
			},
		},
	})
}

func TestAccReplicaSet_unhealthyFailsCleanly(t *testing.T) {
	name := accName("llmops-acc-bad")
	vars := config.Variables{"exporter": config.StringVariable(staticExporter(t))}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccDocker(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkNothingLeft(name, "llmops-exporter:acc-"+name),
		Steps: []resource.TestStep{{
			ConfigVariables: vars,
			Config: fmt.Sprintf(`
variable "exporter" { type = string }
resource "llmops_exporter_image" "this" {
  tag         = "llmops-exporter:acc-%[1]s"
  binary_path = var.exporter
}
resource "llmops_replica_set" "this" {
  name         = %[1]q
  image        = llmops_exporter_image.this.tag
  replicas     = 1
  wait_timeout = "6s"
  healthcheck = {
    test     = ["CMD", "/llmops-exporter", "healthcheck", "-addr", "127.0.0.1:1"]
    interval = "500ms"
    retries  = 1
  }
}`, name),
			ExpectError: regexp.MustCompile(`(?s)Replica set not healthy.*not healthy after 6s;\s+last\s+health\s+check:.*connection\s+refused`),
		}},
	})
}

// A configuration that reads a secret file secret_files_wo does not provide
// fails at plan time, naming the file, instead of after the health timeout.
func TestAccReplicaSet_missingSecretFailsPlan(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyGate,
		Steps: []resource.TestStep{{
			Config: `
resource "llmops_tracing_provider" "lf" {
  name          = "lf"
  type          = "langfuse"
  public_key    = "pk-lf-1"
  secret_key_wo = "sk-lf-test"
}
resource "llmops_collector" "c" {
  name         = "missing-secret"
  destinations = [{ tracing_provider = llmops_tracing_provider.lf.exporter_destination }]
}
resource "llmops_replica_set" "this" {
  name         = "never-created"
  image        = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
  replicas     = 1
  config_files = { "/etc/llmops-exporter/config.yaml" = llmops_collector.c.config_yaml }
  secret_files_wo = { otlp_token = "unused" }
}`,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Missing secret file.*/etc/llmops-exporter/config.yaml reads\s+/run/secrets/lf.*secret_files_wo\s+has\s+no\s+"lf"\s+entry`),
		}},
	})
}

// Bad healthcheck values fail on their own attribute, once each, before any
// Compose rendering.
func TestAccReplicaSet_healthcheckErrorsNameTheAttribute(t *testing.T) {
	cfg := func(hc string) string {
		return `
resource "llmops_replica_set" "this" {
  name     = "never-created"
  image    = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
  replicas = 1
  healthcheck = {
    ` + hc + `
  }
}`
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Terraform places diagnostics on nested attributes at the
			// resource; the detail names the attribute.
			{Config: cfg(`test = ["curl", "-f", "http://localhost"]`), PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Invalid healthcheck test.*Attribute healthcheck\.test starts with\s+"curl": use\s+\["CMD"`)},
			{Config: cfg("test = [\"CMD\", \"true\"]\n    retries = -1"), PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Attribute healthcheck\.retries value must be at least 1, got: -1`)},
			{Config: cfg("test = [\"CMD\", \"true\"]\n    interval = \"5 seconds\""), PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Attribute healthcheck\.interval must be a duration`)},
		},
	})
}

// checkNothingLeft verifies destroy removed every container, the managed
// network and volumes of the set name, and the image tag ("" skips it).
func checkNothingLeft(name, image string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		cli, err := docker.Connect(context.Background(), settings.Docker{Host: settings.DefaultDockerHost})
		if err != nil {
			return err
		}
		defer cli.Close()
		ctx := context.Background()
		list, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", docker.LabelProject+"="+name))})
		if err != nil || len(list) > 0 {
			return fmt.Errorf("destroy left %d containers (%v)", len(list), err)
		}
		if _, err := cli.NetworkInspect(ctx, name, network.InspectOptions{}); err == nil {
			return fmt.Errorf("destroy left the network %s", name)
		}
		vols, err := cli.VolumeList(ctx, volume.ListOptions{Filters: filters.NewArgs(filters.Arg("label", docker.LabelProject+"="+name))})
		if err != nil || len(vols.Volumes) > 0 {
			return fmt.Errorf("destroy left %d volumes (%v)", len(vols.Volumes), err)
		}
		if _, found, _ := docker.InspectImage(ctx, cli, image); image != "" && found {
			return fmt.Errorf("destroy left the image %s", image)
		}
		dangling, _ := cli.ImageList(ctx, imagetypes.ListOptions{Filters: filters.NewArgs(filters.Arg("dangling", "true"),
			filters.Arg("label", "dev.llmops.managed-by=terraform-provider-llmops"))})
		if len(dangling) > 0 {
			return fmt.Errorf("destroy left %d untagged exporter images", len(dangling))
		}
		return nil
	}
}

// TestAccReplicaSet_swarm runs the same declaration as a Swarm service on a
// single-node swarm, initialised for the test and left as found.
func TestAccReplicaSet_swarm(t *testing.T) {
	name := accName("llmops-acc-swarm")
	const addr = "llmops_replica_set.this"
	testAccDocker(t)
	cli, err := docker.Connect(context.Background(), settings.Docker{Host: settings.DefaultDockerHost})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ensureSwarm(t, cli)
	swarmCfg := func(replicas int, level, extra string) string {
		return strings.Replace(replicaSetConfig(name, replicas, level), fmt.Sprintf("name     = %q", name), fmt.Sprintf("name     = %q\n  mode     = \"swarm\"%s", name, extra), 1)
	}
	cfg := func(replicas int) string { return swarmCfg(replicas, "info", "") }
	dnsrr := "\n  endpoint_mode = \"dnsrr\""
	vars := config.Variables{"exporter": config.StringVariable(staticExporter(t)), "token": config.StringVariable("swarm-token-0123456789")}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyGate,
		CheckDestroy: func(*terraform.State) error {
			if _, _, err := cli.ServiceInspectWithRaw(context.Background(), name, swarm.ServiceInspectOptions{}); err == nil {
				return fmt.Errorf("destroy left the service %s", name)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				ConfigVariables: vars, Config: cfg(2),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(addr, tfjsonpath.New("healthy_replicas"), knownvalue.Int64Exact(2))},
			},
			{
				// Drift: scaled down by hand; the plan shows it, apply restores.
				PreConfig: func() {
					if out, err := exec.Command("docker", "service", "scale", "--detach", name+"=1").CombinedOutput(); err != nil {
						t.Fatalf("scale: %v %s", err, out)
					}
					// Wait for the scale-down to converge instead of sleeping:
					// Read counts running tasks.
					deadline := time.Now().Add(60 * time.Second)
					for {
						out, _ := exec.Command("docker", "service", "ps", "--filter", "desired-state=running", "--format", "{{.CurrentState}}", name).Output()
						if strings.Count(string(out), "Running") == 1 && strings.Count(strings.TrimSpace(string(out)), "\n") == 0 {
							break
						}
						if time.Now().After(deadline) {
							t.Fatalf("the service did not scale down to 1 task: %s", out)
						}
						time.Sleep(200 * time.Millisecond)
					}
				},
				ConfigVariables: vars, Config: cfg(2),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}},
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(addr, tfjsonpath.New("healthy_replicas"), knownvalue.Int64Exact(2))},
			},
			{
				ConfigVariables: vars, Config: cfg(3),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(addr, tfjsonpath.New("healthy_replicas"), knownvalue.Int64Exact(3))},
			},
			{
				// A rolling update (new environment) with DNS round robin:
				// apply returns once Swarm says the update completed, every
				// task on the new spec.
				ConfigVariables: vars, Config: swarmCfg(3, "debug", dnsrr),
				Check: func(*terraform.State) error { return swarmUpdateCompleted(cli, name, swarm.ResolutionModeDNSRR, true) },
			},
			{
				// Import adopts the Swarm service: mode, endpoint mode,
				// replicas, image, environment read back from its spec.
				ConfigVariables: vars, ResourceName: addr, ImportState: true, ImportStateId: name, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"secret_files_wo", "secret_files_wo_version", "config_files", "secret_file_names", "compose_yaml",
					"kubernetes_yaml", "ports", "restart_policy", "healthcheck", "update", "resources", "wait_timeout"},
			},
			{
				// A spec whose tasks fail: Swarm rolls back, and apply says so.
				ConfigVariables: vars, Config: swarmCfg(3, "loud", dnsrr),
				ExpectError: regexp.MustCompile(`rolling update rollback`),
			},
			{
				// Swarm rolled back to this very spec: there is nothing to
				// roll, and apply says the tasks run it.
				ConfigVariables: vars, Config: swarmCfg(3, "debug", dnsrr),
				Check: func(*terraform.State) error { return swarmUpdateCompleted(cli, name, swarm.ResolutionModeDNSRR, false) },
			},
		},
	})
}

// swarmUpdateCompleted checks, right after apply returned, that the
// service's rolling update (when rolled says one ran) completed and every
// running task carries the service's spec.
func swarmUpdateCompleted(cli client.APIClient, name string, mode swarm.ResolutionMode, rolled bool) error {
	ctx := context.Background()
	svc, _, err := cli.ServiceInspectWithRaw(ctx, name, swarm.ServiceInspectOptions{})
	if err != nil {
		return err
	}
	if (rolled || svc.UpdateStatus != nil) && (svc.UpdateStatus == nil || svc.UpdateStatus.State != swarm.UpdateStateCompleted) {
		return fmt.Errorf("apply returned while the rolling update is %+v", svc.UpdateStatus)
	}
	if svc.Spec.EndpointSpec == nil || svc.Spec.EndpointSpec.Mode != mode {
		return fmt.Errorf("endpoint mode %+v, want %s", svc.Spec.EndpointSpec, mode)
	}
	tasks, err := cli.TaskList(ctx, swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("service", svc.ID), filters.Arg("desired-state", "running"))})
	if err != nil {
		return err
	}
	want := svc.Spec.Labels[docker.LabelSpec]
	for _, tk := range tasks {
		if tk.Status.State != swarm.TaskStateRunning || tk.Spec.ContainerSpec.Labels[docker.LabelSpec] != want {
			return fmt.Errorf("task %d is %s on spec %.12s, want running on %.12s", tk.Slot, tk.Status.State, tk.Spec.ContainerSpec.Labels[docker.LabelSpec], want)
		}
	}
	if len(tasks) != 3 {
		return fmt.Errorf("%d running tasks, want 3", len(tasks))
	}
	return nil
}

// ensureSwarm makes the engine a single-node swarm for the test, and puts
// it back as it was afterwards.
func ensureSwarm(t *testing.T, cli client.APIClient) {
	t.Helper()
	info, _ := cli.Info(context.Background())
	if info.Swarm.LocalNodeState == "active" {
		return
	}
	if out, err := exec.Command("docker", "swarm", "init", "--advertise-addr", "127.0.0.1").CombinedOutput(); err != nil {
		t.Fatalf("docker swarm init: %v\n%s", err, out)
	}
	// swarm init creates docker_gwbridge (and ingress, which leave
	// removes): put the engine back exactly as it was.
	_, gwErr := cli.NetworkInspect(context.Background(), "docker_gwbridge", network.InspectOptions{})
	hadGateway := gwErr == nil
	t.Cleanup(func() {
		if out, err := exec.Command("docker", "swarm", "leave", "--force").CombinedOutput(); err != nil {
			t.Errorf("docker swarm leave: %v\n%s", err, out)
		}
		if !hadGateway {
			if out, err := exec.Command("docker", "network", "rm", "docker_gwbridge").CombinedOutput(); err != nil {
				t.Errorf("removing docker_gwbridge after the test's swarm: %v\n%s", err, out)
			}
		}
	})
}

// A create that fails on one replica while another is healthy says how to
// keep the healthy one: Terraform taints a failed create.
func TestAccReplicaSet_partialCreateFailureSaysUntaint(t *testing.T) {
	testAccDocker(t)
	name := accName("llmops-acc-part")
	// Replica 2 publishes host_port + 1, which something else holds.
	var held net.Listener
	var first int
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		if free, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port-1)); err == nil {
			free.Close()
			held, first = l, port-1
			break
		}
		l.Close()
	}
	if held == nil {
		t.Fatal("no pair of adjacent ports found")
	}
	defer held.Close()
	vars := config.Variables{"exporter": config.StringVariable(staticExporter(t))}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkNothingLeft(name, "llmops-exporter:acc-"+name),
		Steps: []resource.TestStep{{
			ConfigVariables: vars,
			Config: fmt.Sprintf(`
variable "exporter" { type = string }
resource "llmops_exporter_image" "this" {
  tag         = "llmops-exporter:acc-%[1]s"
  binary_path = var.exporter
}
resource "llmops_replica_set" "this" {
  name         = %[1]q
  image        = llmops_exporter_image.this.tag
  replicas     = 2
  wait_timeout = "30s"
  ports        = [{ container_port = 9464, host_port = %[2]d, host_ip = "127.0.0.1" }]
}`, name, first),
			ExpectError: regexp.MustCompile(`(?s)Replica set not healthy.*the\s+1\s+healthy\s+replica\(s\)\s+included:\s+.terraform\s+untaint.`),
		}},
	})
}
