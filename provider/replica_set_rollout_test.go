package provider

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/llmops/terraform-provider-llmops/internal/docker"
	"github.com/llmops/terraform-provider-llmops/internal/settings"
)

// rolloutConfig is the HA guide's layout: 3 replicas replaced one at a
// time, start-first, healthcheck every second; extra is added to the set.
func rolloutConfig(name, level, extra string) string {
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
  replicas = 3%[3]s
  command  = ["run", "-c", "/etc/llmops-exporter/config.yaml"]
  env      = { LLMOPS_LOG_LEVEL = %[2]q }
  config_files = {
    "/etc/llmops-exporter/config.yaml" = "receivers:\n  otlp:\n    auth: {bearer_token_file: /run/secrets/otlp_token}\n"
  }
  secret_files_wo = { otlp_token = var.token }
  healthcheck = {
    test     = ["CMD", "/llmops-exporter", "healthcheck"]
    interval = "1s"
    timeout  = "2s"
    retries  = 3
  }
  update = { parallelism = 1, order = "start-first" }
}`, name, level, extra)
}

// naiveClient sends 50 requests a second to the set's alias from inside its
// network, each on a new connection to the first address the name resolves
// to, never retrying: every moment Docker's DNS names a replica that cannot
// answer costs it a request.
type naiveClient struct {
	cli  client.APIClient
	id   string
	name string
}

func startNaiveClient(t *testing.T, cli client.APIClient, set, net, token string) *naiveClient {
	t.Helper()
	ctx := context.Background()
	name := set + "-naive-client"
	args := []string{"loadgen", "-endpoint", "http://" + set + ":4318", "-rate", "250", "-batch", "1", "-concurrency", "1",
		"-first-address", "-duration", "10m", "-token", token}
	resp, err := cli.ContainerCreate(ctx, &container.Config{Image: "llmops-exporter:acc-" + set, Cmd: args, Labels: map[string]string{"dev.llmops.test": set}},
		&container.HostConfig{}, &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{net: {}}}, nil, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cli.ContainerRemove(context.Background(), resp.ID, container.RemoveOptions{Force: true}) })
	if err := cli.ContainerStart(ctx, resp.ID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	return &naiveClient{cli: cli, id: resp.ID, name: name}
}

var loadgenResult = regexp.MustCompile(`in (\d+) requests .* (\d+) failed requests`)

// stop ends the run (loadgen prints its result on SIGTERM) and returns the
// requests sent and failed, and the result line.
func (c *naiveClient) stop(ctx context.Context) (requests, failures int, line string, err error) {
	secs := 40 // beyond loadgen's 30 s request timeout: a hung request is reported, not killed
	if err := c.cli.ContainerStop(ctx, c.id, container.StopOptions{Signal: "SIGTERM", Timeout: &secs}); err != nil {
		return 0, 0, "", err
	}
	logs, err := c.cli.ContainerLogs(ctx, c.id, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return 0, 0, "", err
	}
	defer logs.Close()
	var out, errOut bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &errOut, logs); err != nil {
		return 0, 0, "", err
	}
	// Gone before destroy, which removes the network only when unused.
	_ = c.cli.ContainerRemove(ctx, c.id, container.RemoveOptions{Force: true})
	m := loadgenResult.FindStringSubmatch(out.String())
	if m == nil {
		return 0, 0, "", fmt.Errorf("no result from the client:\n%s%s", out.String(), errOut.String())
	}
	requests, _ = strconv.Atoi(m[1])
	failures, _ = strconv.Atoi(m[2])
	return requests, failures, strings.TrimSpace(out.String()), nil
}

// testRollout applies the layout, starts the naive client, rolls every
// replica (a new environment), and checks the client's failures: at most
// maxFailures, each a refused connection (which a client that retries, as
// nginx does, sends elsewhere at once), never a request left hanging.
func testRollout(t *testing.T, name, net, extra string, maxFailures int) {
	cli, err := docker.Connect(context.Background(), settings.Docker{Host: settings.DefaultDockerHost})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	token := "rollout-token-0123456789"
	vars := config.Variables{"exporter": config.StringVariable(staticExporter(t)), "token": config.StringVariable(token)}
	var c *naiveClient
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyGate,
		Steps: []resource.TestStep{
			{ConfigVariables: vars, Config: rolloutConfig(name, "info", extra)},
			{
				PreConfig: func() {
					c = startNaiveClient(t, cli, name, net, token)
					time.Sleep(2 * time.Second) // the client is sending before the rollout starts
				},
				ConfigVariables: vars, Config: rolloutConfig(name, "debug", extra),
				Check: func(*terraform.State) error {
					time.Sleep(2 * time.Second) // and after it ended
					requests, failures, line, err := c.stop(context.Background())
					if err != nil {
						return err
					}
					t.Logf("naive client through a rollout of 3 replicas: %s", line)
					switch {
					case requests < 100:
						return fmt.Errorf("the client sent only %d requests: %s", requests, line)
					case failures > maxFailures:
						return fmt.Errorf("%d of %d requests failed during the rollout (at most %d expected): %s", failures, requests, maxFailures, line)
					case failures > 0 && !strings.Contains(line, "connection refused"):
						return fmt.Errorf("a failure other than a refused connection (a request cut or left hanging): %s", line)
					}
					return nil
				},
			},
		},
	})
}

// Engine mode: a replica joins the alias only once healthy
// (internal/docker's TestNoReplicaUnderTheAliasBeforeHealthy watches
// that); an old one drains on SIGTERM while Docker's DNS may still name it,
// so a client that never retries sees a few refused connections (measured
// 0 to 5 per rollout of 3 replicas at 50 requests/s), never a hang: nginx
// retries those at once. The bound is loose on purpose; the kind of
// failure is what the route guarantees.
func TestAccReplicaSet_rolloutEngine(t *testing.T) {
	testAccDocker(t)
	name := accName("llmops-acc-roll")
	testRollout(t, name, name, "", 15)
}

// Swarm with DNS round robin: Swarm takes a task out of DNS before it stops
// it, so the naive client is never refused. The HA guide's zero-downtime
// route.
func TestAccReplicaSet_rolloutSwarmDNSRR(t *testing.T) {
	testAccDocker(t)
	cli, err := docker.Connect(context.Background(), settings.Docker{Host: settings.DefaultDockerHost})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ensureSwarm(t, cli)
	name := accName("llmops-acc-rollsw")
	testRollout(t, name, name, "\n  mode          = \"swarm\"\n  endpoint_mode = \"dnsrr\"", 0)
}
