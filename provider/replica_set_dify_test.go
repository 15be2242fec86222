package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	imagetypes "github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
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

// difyStandIn builds the stand-in for Dify's API (testdata/difyapi) as a
// FROM scratch image whose /health reports version, and returns its tag.
func difyStandIn(t *testing.T, cli client.APIClient, tag, version string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "difyapi")
	b := exec.Command("go", "build", "-ldflags", "-X main.version="+version, "-o", bin, "./testdata/difyapi")
	b.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := b.CombinedOutput(); err != nil {
		t.Fatalf("building the Dify API stand-in: %v\n%s", err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	const dockerfile = "FROM scratch\nCOPY difyapi /difyapi\nEXPOSE 5001\nENTRYPOINT [\"/difyapi\"]\n"
	if _, err := docker.BuildImage(context.Background(), cli, tag, dockerfile, []docker.File{{Name: "difyapi", Mode: 0o755, Data: data}}, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = cli.ImageRemove(context.Background(), tag, imagetypes.RemoveOptions{Force: true, PruneChildren: true})
	})
	return tag
}

// composeStarted starts what `docker compose up` leaves for Dify's api: a
// project network and replicas named <project>-api-<n>, with Compose's
// labels, the alias api, and the .env values (a secret among them) in
// their environment.
func composeStarted(t *testing.T, cli client.APIClient, project, netName, image string, replicas int) {
	t.Helper()
	ctx := context.Background()
	_, err := cli.NetworkCreate(ctx, netName, network.CreateOptions{Labels: map[string]string{
		"com.docker.compose.project": project, "com.docker.compose.network": "default"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cli.NetworkRemove(context.Background(), netName) })
	for n := 1; n <= replicas; n++ {
		name := docker.ContainerName(project, "api", n)
		cfg := &container.Config{Image: image, Env: []string{"DEPLOY_ENV=PRODUCTION", "SECRET_KEY=compose-secret-value"},
			Labels: map[string]string{docker.LabelProject: project, docker.LabelService: "api", docker.LabelNumber: strconv.Itoa(n),
				docker.LabelOneOff: "False", "com.docker.compose.config-hash": "0123abcd"}}
		net := &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{netName: {Aliases: []string{"api"}}}}
		resp, err := cli.ContainerCreate(ctx, cfg, &container.HostConfig{}, net, nil, name)
		if err != nil {
			t.Fatal(err)
		}
		if err := cli.ContainerStart(ctx, resp.ID, container.StartOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { removeProject(cli, project) })
}

func removeProject(cli client.APIClient, project string) {
	ctx := context.Background()
	list, _ := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", docker.LabelProject+"="+project))})
	for _, c := range list {
		_ = cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true})
	}
}

// onNetwork runs the stand-in's client mode in a container on netName,
// labelled with project so that cleanup finds it, and returns its ID.
func onNetwork(cli client.APIClient, project, netName, image string, args ...string) (string, error) {
	ctx := context.Background()
	cfg := &container.Config{Image: image, Cmd: args, Labels: map[string]string{docker.LabelProject: project, docker.LabelService: "client"}}
	net := &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{netName: {}}}
	resp, err := cli.ContainerCreate(ctx, cfg, &container.HostConfig{}, net, nil, "")
	if err != nil {
		return "", err
	}
	return resp.ID, cli.ContainerStart(ctx, resp.ID, container.StartOptions{})
}

// finish waits for a client container to exit (after SIGTERM when stop)
// and returns its exit code and standard output.
func finish(ctx context.Context, cli client.APIClient, id string, stop bool) (int64, string, error) {
	if stop {
		if err := cli.ContainerKill(ctx, id, "TERM"); err != nil {
			return 0, "", err
		}
	}
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	okC, errC := cli.ContainerWait(waitCtx, id, container.WaitConditionNotRunning)
	var code int64
	select {
	case res := <-okC:
		code = res.StatusCode
	case err := <-errC:
		return 0, "", err
	}
	rc, err := cli.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return 0, "", err
	}
	defer rc.Close()
	var out, errOut bytes.Buffer
	_, _ = stdcopy.StdCopy(&out, &errOut, rc)
	_ = cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: true})
	return code, out.String() + errOut.String(), nil
}

func difyAPIConfig(project, netName, image, envFile string) string {
	return fmt.Sprintf(`
variable "secret_key" {
  type      = string
  sensitive = true
  ephemeral = true
}
resource "llmops_replica_set" "api" {
  project  = %[1]q
  name     = "api"
  image    = %[3]q
  replicas = 3
  network  = %[2]q
  env_file = %[4]q
  secret_files_wo = { SECRET_KEY = var.secret_key }
  restart_policy = { condition = "on-failure" }
  healthcheck = {
    test     = ["CMD", "/difyapi", "check", "http://localhost:5001/health"]
    interval = "1s"
    timeout  = "2s"
    retries  = 3
  }
  update            = { order = "start-first" }
  stop_grace_period = "5s"
}`, project, netName, image, envFile)
}

// TestAccReplicaSet_difyAPI is the seed's HA layout for Dify's API, run on
// the local engine with a stand-in for Dify's api image: containers that
// Compose started are imported and taken over (3 replicas, the alias api on
// the project network, settings from the .env file, SECRET_KEY as a secret
// file and never in the environment or state); a rolling update to a new
// image is watched by a client polling http://api:5001/health through the
// alias as nginx proxies (a connection that fails before any answer is
// retried once), which must see no failed request; a removed replica is
// drift.
func TestAccReplicaSet_difyAPI(t *testing.T) {
	testAccDocker(t)
	cli, err := docker.Connect(context.Background(), settings.Docker{Host: settings.DefaultDockerHost})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	project := accName("llmops-acc-dify")
	netName := project + "_default"
	v1 := difyStandIn(t, cli, "llmops-acc-difyapi:"+project+"-1.10.0", "1.10.0")
	v2 := difyStandIn(t, cli, "llmops-acc-difyapi:"+project+"-1.10.1", "1.10.1")
	composeStarted(t, cli, project, netName, v1, 2)
	envFile := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(envFile, []byte("# Dify's docker/.env\nDEPLOY_ENV=TESTING\nDB_HOST=db_postgres\nSECRET_KEY=env-file-secret-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const addr = "llmops_replica_set.api"
	vars := config.Variables{"secret_key": config.StringVariable("tf-secret-key-0123456789")}
	var poller string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   writeOnlyGate,
		CheckDestroy:             checkProjectGone(cli, project, netName),
		Steps: []resource.TestStep{
			{
				// Take over with an import block (the documented path): the
				// plan reads image, count and network from the containers
				// Compose started, never their environment (with its secret);
				// apply replaces them with the declared spec, start-first, and
				// adds a third replica.
				ConfigVariables: vars, Config: difyAPIConfig(project, netName, v1, envFile) + fmt.Sprintf(`
import {
  to = llmops_replica_set.api
  id = "%s/api"
}`, project),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					planLacks{"compose-secret-value", "api"},
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("healthy_replicas"), knownvalue.Int64Exact(3)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(project+"/api")),
					noSecretInState{"tf-secret-key-0123456789", "SECRET_KEY"},
					noSecretInState{"env-file-secret-value", "SECRET_KEY"},
					noSecretInState{"db_postgres", "SECRET_KEY"},
				},
				Check: func(*terraform.State) error { return checkDifyReplicas(cli, project, netName, v1) },
			},
			{
				// Zero-downtime rolling update through the alias.
				PreConfig: func() {
					var err error
					if poller, err = onNetwork(cli, project, netName, v1, "poll", "http://api:5001/health"); err != nil {
						t.Fatal(err)
					}
					time.Sleep(time.Second)
				},
				ConfigVariables: vars, Config: difyAPIConfig(project, netName, v2, envFile),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("healthy_replicas"), knownvalue.Int64Exact(3)),
				},
				Check: func(*terraform.State) error {
					time.Sleep(time.Second) // a few polls against the new replicas only
					_, out, err := finish(context.Background(), cli, poller, true)
					if err != nil {
						return err
					}
					t.Logf("client through the alias during the rolling update: %s", out)
					m := regexp.MustCompile(`ok=(\d+) failed=(\d+) retried=(\d+) versions=(\S*)`).FindStringSubmatch(out)
					switch {
					case m == nil:
						return fmt.Errorf("the polling client printed no summary: %s", out)
					case m[2] != "0":
						return fmt.Errorf("%s requests failed during the rolling update:\n%s", m[2], out)
					case m[4] != "1.10.0,1.10.1":
						return fmt.Errorf("versions seen %q, want both", m[4])
					}
					// A retried connection is what nginx's proxy_next_upstream
					// absorbs; more than one per replaced replica would mean
					// the drain does not work.
					if retried, _ := strconv.Atoi(m[3]); retried > 3 {
						return fmt.Errorf("%d connections failed before an answer during the rolling update:\n%s", retried, out)
					}
					if ok, _ := strconv.Atoi(m[1]); ok < 50 {
						return fmt.Errorf("only %d successful polls: the check proves little", ok)
					}
					return checkDifyReplicas(cli, project, netName, v2)
				},
			},
			{
				// Drift: a replica removed by hand shows in the plan and is
				// put back.
				PreConfig: func() {
					if err := cli.ContainerRemove(context.Background(), docker.ContainerName(project, "api", 2), container.RemoveOptions{Force: true}); err != nil {
						t.Fatal(err)
					}
				},
				ConfigVariables: vars, Config: difyAPIConfig(project, netName, v2, envFile),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("replicas"), knownvalue.Int64Exact(3)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(addr, tfjsonpath.New("healthy_replicas"), knownvalue.Int64Exact(3))},
			},
		},
	})
}

// checkDifyReplicas: three replicas <project>-api-1..3 of image, each with
// the .env settings in its environment but not SECRET_KEY, which is a 0400
// file; and the alias answers from another container on the network.
func checkDifyReplicas(cli client.APIClient, project, netName, image string) error {
	ctx := context.Background()
	for n := 1; n <= 3; n++ {
		name := docker.ContainerName(project, "api", n)
		ins, err := cli.ContainerInspect(ctx, name)
		if err != nil {
			return err
		}
		env := strings.Join(ins.Config.Env, "\n")
		if ins.Config.Image != image || !strings.Contains(env, "DEPLOY_ENV=TESTING") || !strings.Contains(env, "DB_HOST=db_postgres") {
			return fmt.Errorf("%s runs %s with environment %q", name, ins.Config.Image, ins.Config.Env)
		}
		if strings.Contains(env, "SECRET_KEY") {
			return fmt.Errorf("%s has SECRET_KEY in its environment, visible to docker inspect", name)
		}
		rc, stat, err := cli.CopyFromContainer(ctx, name, "/run/secrets/SECRET_KEY")
		if err != nil {
			return fmt.Errorf("%s: secret file: %w", name, err)
		}
		rc.Close()
		if stat.Mode.Perm() != 0o400 {
			return fmt.Errorf("%s: secret file mode %v", name, stat.Mode.Perm())
		}
	}
	id, err := onNetwork(cli, project, netName, image, "check", "http://api:5001/health")
	if err != nil {
		return err
	}
	code, out, err := finish(ctx, cli, id, false)
	if err != nil || code != 0 {
		return fmt.Errorf("http://api:5001/health from the network: exit %d %v %s", code, err, out)
	}
	return nil
}

// checkProjectGone: destroy removed every replica and left the project's
// network, which Compose (not the set) created.
func checkProjectGone(cli client.APIClient, project, netName string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx := context.Background()
		list, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(
			filters.Arg("label", docker.LabelProject+"="+project), filters.Arg("label", docker.LabelService+"=api"))})
		if err != nil {
			return err
		}
		if len(list) != 0 {
			return fmt.Errorf("destroy left %d replicas", len(list))
		}
		if _, err := cli.NetworkInspect(ctx, netName, network.InspectOptions{}); err != nil {
			return fmt.Errorf("destroy removed the Compose network it did not create: %w", err)
		}
		return nil
	}
}

// planLacks fails when the plan's JSON holds secret (marker proves the
// JSON holds the resource at all).
type planLacks struct{ secret, marker string }

func (c planLacks) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	b, err := json.Marshal(req.Plan)
	switch {
	case err != nil:
		resp.Error = err
	case strings.Contains(string(b), c.secret):
		resp.Error = fmt.Errorf("the plan holds the secret")
	case !strings.Contains(string(b), c.marker):
		resp.Error = fmt.Errorf("the plan JSON does not hold the resource; the check proves nothing")
	}
}
