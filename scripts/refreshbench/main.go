// Command refreshbench is the scripted refresh benchmark of
// docs/benchmarks.md: it builds the provider, starts the in-process fake
// Grafana, applies N dashboards and M rule groups of R rules each, then
// times `terraform plan` (with refresh) several times. The plan must be
// empty: a non-empty plan fails the run.
//
//	go run ./scripts/refreshbench [-dashboards 100] [-groups 20] [-rules 10] [-runs 3]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/llmops/terraform-provider-llmops/internal/alerting"
	"github.com/llmops/terraform-provider-llmops/internal/grafana/grafanatest"
)

func main() {
	dashboards := flag.Int("dashboards", 100, "dashboards")
	groups := flag.Int("groups", 20, "rule groups")
	rules := flag.Int("rules", 10, "rules per group")
	runs := flag.Int("runs", 3, "timed plans")
	flag.Parse()
	if err := run(*dashboards, *groups, *rules, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "refreshbench:", err)
		os.Exit(1)
	}
}

func run(nDash, nGroups, nRules, runs int) error {
	dir, err := os.MkdirTemp("", "refreshbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "bin")
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "terraform-provider-llmops"), ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build provider: %w", err)
	}
	tfrc := filepath.Join(dir, "dev.tfrc")
	if err := os.WriteFile(tfrc, []byte(fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"llmops/llmops\" = %q\n  }\n  direct {}\n}\n", bin)), 0o600); err != nil {
		return err
	}
	tf, err := exec.Command("scripts/terraform.sh").Output()
	if err != nil {
		return fmt.Errorf("find terraform: %w", err)
	}
	fake := grafanatest.Start("glsa_refreshbench")
	defer fake.Close()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config(fake, nDash, nGroups, nRules)), 0o600); err != nil {
		return err
	}
	terraform := func(args ...string) (string, error) {
		cmd := exec.Command(strings.TrimSpace(string(tf)), args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+tfrc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	start := time.Now()
	if out, err := terraform("apply", "-auto-approve", "-input=false", "-parallelism=10"); err != nil {
		return fmt.Errorf("apply: %w\n%s", err, out)
	}
	fmt.Printf("apply: %d dashboards, %d groups x %d rules in %s (%d Grafana requests)\n", nDash, nGroups, nRules, time.Since(start).Round(time.Millisecond), fake.Requests())
	for i := 0; i < runs; i++ {
		before := fake.Requests()
		start := time.Now()
		out, err := terraform("plan", "-detailed-exitcode", "-input=false", "-parallelism=10")
		if err != nil {
			return fmt.Errorf("plan %d not empty or failed: %w\n%s", i+1, err, out)
		}
		fmt.Printf("plan with refresh %d: %s, %d Grafana requests, empty\n", i+1, time.Since(start).Round(time.Millisecond), fake.Requests()-before)
	}
	return nil
}

func config(fake *grafanatest.Fake, nDash, nGroups, nRules int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "terraform {\n  required_providers {\n    llmops = { source = \"llmops/llmops\" }\n  }\n}\n")
	fmt.Fprintf(&b, "provider \"llmops\" {\n  grafana {\n    url  = %q\n    auth = %q\n  }\n}\n", fake.URL, fake.Token)
	fmt.Fprintf(&b, "resource \"llmops_folder\" \"f\" {\n  uid   = \"bench\"\n  title = \"Bench\"\n}\n")
	for i := 0; i < nDash; i++ {
		fmt.Fprintf(&b, "resource \"llmops_dashboard\" \"d%d\" {\n  uid        = \"bench-%d\"\n  title      = \"Bench %d\"\n  folder_uid = llmops_folder.f.uid\n}\n", i, i, i)
	}
	presets := alerting.Presets()
	for g := 0; g < nGroups; g++ {
		fmt.Fprintf(&b, "resource \"llmops_alert_rule_group\" \"g%d\" {\n  name           = \"bench-%d\"\n  folder_uid     = llmops_folder.f.uid\n  datasource_uid = \"prometheus\"\n  rule = [\n", g, g)
		for r := 0; r < nRules; r++ {
			fmt.Fprintf(&b, "    { preset = %q, name = \"Bench%d_%d\" },\n", presets[r%len(presets)], g, r)
		}
		b.WriteString("  ]\n}\n")
	}
	return b.String()
}
