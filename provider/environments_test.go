package provider

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"

	"github.com/llmops/terraform-provider-llmops/internal/docker"
	"github.com/llmops/terraform-provider-llmops/internal/settings"
)

// cliRun is a working copy of the examples driven by the real terraform CLI
// and a built provider binary, as a user's infra repository and CI would.
type cliRun struct {
	t          *testing.T
	root, tfrc string
	terraform  string
	env        []string
}

var (
	providerOnce sync.Once
	providerDir  string
	providerErr  error
)

// builtProvider builds terraform-provider-llmops once per test run.
func builtProvider(t *testing.T) string {
	providerOnce.Do(func() {
		providerDir, providerErr = os.MkdirTemp("", "llmops-provider")
		if providerErr != nil {
			return
		}
		b := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(providerDir, "terraform-provider-llmops"), "..") // the flags of make release: shared compiled packages
		b.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := b.CombinedOutput(); err != nil {
			providerErr = fmt.Errorf("%v\n%s", err, out)
		}
	})
	if providerErr != nil {
		t.Fatal(providerErr)
	}
	return providerDir
}

// copyConfiguration copies the configuration under src (.tf files, scripts)
// to dst, and never what a user's own runs left there: state files, plan
// files, .terraform and lock files. A test that copied a user's
// terraform.tfstate would plan against, and destroy, the user's resources.
func copyConfiguration(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		name := d.Name()
		switch {
		case d.IsDir() && name == ".terraform":
			return filepath.SkipDir
		case d.IsDir():
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		case strings.Contains(name, ".tfstate"), name == ".terraform.lock.hcl", strings.HasSuffix(name, ".tfplan"):
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func newCLIRun(t *testing.T) *cliRun {
	testAccDocker(t)
	root := t.TempDir()
	copyConfiguration(t, "../examples", filepath.Join(root, "examples"))
	tfrc := filepath.Join(root, "dev.tfrc")
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"llmops/llmops\" = %q\n  }\n  direct {}\n}\n", builtProvider(t))
	if err := os.WriteFile(tfrc, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	return &cliRun{t: t, root: root, tfrc: tfrc, terraform: os.Getenv("TF_ACC_TERRAFORM_PATH"),
		env: []string{"TF_CLI_CONFIG_FILE=" + tfrc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_VAR_exporter_binary=" + staticExporter(t)}}
}

// run runs a command in examples/<dir> and returns its output and exit code.
func (r *cliRun) run(dir string, vars []string, name string, args ...string) (string, int) {
	r.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = filepath.Join(r.root, "examples", dir)
	cmd.Env = append(append(append(os.Environ(), r.env...), "TERRAFORM="+r.terraform), vars...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	}
	r.t.Fatalf("%s %v: %v", name, args, err)
	return "", -1
}

// tf runs terraform and fails the test unless it exits 0.
func (r *cliRun) tf(dir string, vars []string, args ...string) string {
	r.t.Helper()
	out, code := r.run(dir, vars, r.terraform, append(args, "-no-color")...)
	if code != 0 {
		r.t.Fatalf("terraform %s in %s: exit %d\n%s", args[0], dir, code, out)
	}
	return out
}

// driftCheck runs examples/ci/drift-check.sh on an environment.
func (r *cliRun) driftCheck(env string, vars []string) (string, int) {
	r.t.Helper()
	return r.run("ci", vars, "bash", "drift-check.sh", "../environments/"+env)
}

func containersOf(t *testing.T, cli client.APIClient, set string) []container.Summary {
	t.Helper()
	list, err := cli.ContainerList(context.Background(), container.ListOptions{All: true,
		Filters: filters.NewArgs(filters.Arg("label", docker.LabelProject+"="+set))})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestAccExample_environmentsAndDriftCheck applies the dev and prod
// environments of examples/environments, both built on the llmops-stack
// module, side by side on one engine, then checks them with
// examples/ci/drift-check.sh: clean, drifted (a replica removed, a rendered
// config edited inside another), repaired by apply, clean again.
func TestAccExample_environmentsAndDriftCheck(t *testing.T) {
	if _, err := exec.LookPath("jq"); err != nil {
		t.Fatal("examples/ci/drift-check.sh needs jq: apt-get install jq (.ci/run does)")
	}
	r := newCLIRun(t)
	dev, prod := "dev-"+runID, "prod-"+runID
	token := "TF_VAR_otlp_token=env-test-token-0123456789"
	devVars := []string{"TF_VAR_environment=" + dev, token}
	prodVars := []string{"TF_VAR_environment=" + prod, token, "TF_VAR_langfuse_public_key=pk-lf-test", "TF_VAR_langfuse_secret_key=sk-lf-test"}
	for env, vars := range map[string][]string{"dev": devVars, "prod": prodVars} {
		r.tf("environments/"+env, vars, "get")
		t.Cleanup(func() {
			if out, code := r.run("environments/"+env, vars, r.terraform, "destroy", "-auto-approve", "-input=false", "-no-color"); code != 0 {
				t.Errorf("destroy %s: exit %d\n%s", env, code, out)
			}
			if err := checkNothingLeft("llmops-"+map[string]string{"dev": dev, "prod": prod}[env], "")(nil); err != nil {
				t.Error(err)
			}
		})
		r.tf("environments/"+env, vars, "apply", "-auto-approve", "-input=false")
	}

	cli, err := docker.Connect(context.Background(), settings.Docker{Host: settings.DefaultDockerHost})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	devSet, prodSet := "llmops-"+dev, "llmops-"+prod
	if n, m := len(containersOf(t, cli, devSet)), len(containersOf(t, cli, prodSet)); n != 1 || m != 3 {
		t.Fatalf("side by side: dev has %d replicas (want 1), prod %d (want 3)", n, m)
	}
	for env, vars := range map[string][]string{"dev": devVars, "prod": prodVars} {
		if out, code := r.driftCheck(env, vars); code != 0 || !strings.Contains(out, "no drift") {
			t.Fatalf("drift-check %s right after apply: exit %d\n%s", env, code, out)
		}
	}
	checkEnvironmentAlerting(t, r, devVars, prodVars, prod)

	// Drift in dev's alerting: the rules file Prometheus reads is deleted.
	rulesFile := filepath.Join(r.root, "examples", "environments", "dev", r.tf("environments/dev", devVars, "output", "-raw", "rules_file"))
	if err := os.Remove(rulesFile); err != nil {
		t.Fatal(err)
	}
	if out, code := r.driftCheck("dev", devVars); code != 2 || !strings.Contains(out, "module.llmops.llmops_alert_rule_group.this") {
		t.Fatalf("drift-check after the rules file was deleted: exit %d, want 2 naming the rule group\n%s", code, out)
	}
	r.tf("environments/dev", devVars, "apply", "-auto-approve", "-input=false")
	if _, err := os.Stat(rulesFile); err != nil {
		t.Fatalf("apply did not write the rules file back: %v", err)
	}

	// Drift in prod: one replica removed, a rendered config edited in another.
	gone := docker.ContainerName(prodSet, prodSet, 2)
	if err := cli.ContainerRemove(context.Background(), gone, container.RemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	editConfig(t, cli, docker.ContainerName(prodSet, prodSet, 1), "/etc/llmops-exporter")
	out, code := r.driftCheck("prod", prodVars)
	if code != 2 || !strings.Contains(out, gone+": gone") || !strings.Contains(out, "config file /etc/llmops-exporter/config.yaml changed") ||
		!strings.Contains(out, "healthy_replicas: 3 -> 1") {
		t.Fatalf("drift-check after drift: exit %d, want 2 naming the removed replica, the edited file and the replica count\n%s", code, out)
	}
	if strings.Contains(out, "(object) -> (object)") {
		t.Errorf("drift-check prints object noise instead of what changed:\n%s", out)
	}
	t.Logf("drift-check on prod after the drift (exit %d):\n%s", code, out)
	// The plan names the lost replica, and only it: containers are keyed by
	// name, so no replica appears renamed into the gap.
	plan, _ := r.run("environments/prod", prodVars, r.terraform, "plan", "-no-color", "-input=false")
	drifted, _, _ := strings.Cut(plan, "Unless you have made equivalent changes") // "changed outside of Terraform"
	third := docker.ContainerName(prodSet, prodSet, 3)
	if !strings.Contains(drifted, `- "`+gone+`" = {`) || strings.Contains(drifted, third) {
		t.Errorf("the refresh should show %s removed and replica 3 untouched:\n%s", gone, drifted)
	}
	if out, code := r.driftCheck("dev", devVars); code != 0 {
		t.Fatalf("prod's drift showed in dev: exit %d\n%s", code, out)
	}
	r.tf("environments/prod", prodVars, "apply", "-auto-approve", "-input=false")
	if out, code := r.driftCheck("prod", prodVars); code != 0 {
		t.Fatalf("drift-check after the repairing apply: exit %d\n%s", code, out)
	}
	// An error is exit 1, not drift: a missing required variable.
	if out, code := r.driftCheck("prod", []string{"TF_VAR_environment=" + prod, token}); code != 1 {
		t.Fatalf("drift-check with a broken configuration: exit %d, want 1\n%s", code, out)
	}
}

// editConfig replaces config.yaml under dir in a running container, as an
// operator's `docker cp` would.
func editConfig(t *testing.T, cli client.APIClient, name, dir string) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	body := "receivers: {otlp: {auth: {bearer_token: edited-by-hand}}}\n"
	_ = tw.WriteHeader(&tar.Header{Name: "config.yaml", Mode: 0o444, Size: int64(len(body))})
	_, _ = tw.Write([]byte(body))
	_ = tw.Close()
	if err := cli.CopyToContainer(context.Background(), name, dir, &buf, container.CopyToContainerOptions{}); err != nil {
		t.Fatal(err)
	}
}

// checkEnvironmentAlerting: the module is the whole stack. Each environment
// has its dashboard file and a rules file promtool accepts, with the
// environment's thresholds; prod pages (PagerDuty for critical, mail for
// warning) and has the SLO burn-rate alerts, dev mails; the scrape
// configuration names one target per replica under a job the exporter_down
// alert selects.
func checkEnvironmentAlerting(t *testing.T, r *cliRun, devVars, prodVars []string, prod string) {
	t.Helper()
	out := func(env string, vars []string, name string) string {
		v := r.tf("environments/"+env, vars, "output", "-raw", name)
		if strings.HasSuffix(name, "_file") && !filepath.IsAbs(v) { // relative to the environment
			v = filepath.Join(r.root, "examples", "environments", env, v)
		}
		return v
	}
	for env, vars := range map[string][]string{"dev": devVars, "prod": prodVars} {
		if _, err := os.Stat(out(env, vars, "dashboard_file")); err != nil {
			t.Errorf("%s: dashboard file: %v", env, err)
		}
		rules := out(env, vars, "rules_file")
		b, err := os.ReadFile(rules)
		if err != nil || !strings.Contains(string(b), "LLMP95LatencyHigh") || !strings.Contains(string(b), "environment: "+env+"-") {
			t.Errorf("%s: rules file %s: %v\n%s", env, rules, err, b)
		}
		if p, err := exec.LookPath("promtool"); err == nil {
			if o, err := exec.Command(p, "check", "rules", rules).CombinedOutput(); err != nil {
				t.Errorf("%s: promtool check rules: %v\n%s", env, err, o)
			}
		}
	}
	prodRules, _ := os.ReadFile(out("prod", prodVars, "rules_file"))
	devRules, _ := os.ReadFile(out("dev", devVars, "rules_file"))
	if !strings.Contains(string(prodRules), "SLOErrorBudgetBurn") || strings.Contains(string(devRules), "SLOErrorBudgetBurn") {
		t.Error("the SLO alerts are prod's only")
	}
	prodAM, devAM := out("prod", prodVars, "alertmanager_yaml"), out("dev", devVars, "alertmanager_yaml")
	if !strings.Contains(prodAM, "pagerduty_configs") || !strings.Contains(prodAM, "email_configs") || strings.Contains(devAM, "pagerduty") || !strings.Contains(devAM, "email_configs") {
		t.Errorf("routing: prod must page and mail, dev only mail\nprod:\n%s\ndev:\n%s", prodAM, devAM)
	}
	scrape := out("prod", prodVars, "prometheus_scrape_yaml")
	if strings.Count(scrape, "llmops-"+prod+"-llmops-"+prod+"-") != 3 || !strings.Contains(scrape, `"job_name": "llmops-`+prod+`"`) {
		t.Errorf("prod scrape configuration:\n%s", scrape)
	}
}
