package release

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"golang.org/x/mod/sumdb/dirhash"
)

// TestAccRelease_lockFromMirror is the release path a team takes: `make
// release` for the six platforms, `terraform providers lock -fs-mirror` for
// the six, then `terraform init` from the mirror alone. The lock file must
// hold each zip's h1 hash (recomputed here from the zips, as Terraform does),
// init must not warn "Incomplete lock file information" (it does without the
// lock step: checked first, so the check can fail), and the provider
// installed from the zip must start and find the exporter beside it.
func TestAccRelease_lockFromMirror(t *testing.T) {
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if os.Getenv("TF_ACC") == "" || tf == "" {
		t.Skip("SKIPPING the release/mirror test: set TF_ACC=1 and TF_ACC_TERRAFORM_PATH (make test does)")
	}
	const version = "0.1.0"
	host := "registry.terraform.io"
	if h := os.Getenv("TF_ACC_PROVIDER_HOST"); h != "" {
		host = h
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dist := t.TempDir()
	make := exec.Command("make", "--no-print-directory", "release", "VERSION="+version, "DIST="+dist)
	make.Dir = root
	if out, err := make.CombinedOutput(); err != nil {
		t.Fatalf("make release: %v\n%s", err, out)
	} else {
		t.Logf("make release:\n%s", out)
	}
	files := Files{Version: version}
	sums, err := ReadSums(filepath.Join(dist, files.Sums()))
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != len(DefaultTargets)+1 {
		t.Fatalf("SHA256SUMS lists %d files, want %d zips and the manifest", len(sums), len(DefaultTargets))
	}
	mirror := filepath.Join(dist, "mirror")
	want := map[string]string{} // h1 -> platform
	var platformArgs []string
	for _, target := range DefaultTargets {
		h1, err := dirhash.HashZip(filepath.Join(mirror, filepath.FromSlash(MirrorDir(host)), files.Zip(target)), dirhash.Hash1)
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		want[h1] = target.String()
		platformArgs = append(platformArgs, "-platform="+target.String())
	}

	cliConfig := filepath.Join(t.TempDir(), "mirror.tfrc")
	writeFile(t, cliConfig, fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path    = %q\n    include = [%q]\n  }\n}\n", mirror, host+"/llmops/llmops"))
	config := fmt.Sprintf("terraform {\n  required_providers {\n    llmops = {\n      source  = \"llmops/llmops\"\n      version = %q\n    }\n  }\n}\n\nprovider \"llmops\" {}\n", version)

	// Without the lock step, init from a mirror warns: the signal this test
	// relies on is real.
	bare := t.TempDir()
	writeFile(t, filepath.Join(bare, "main.tf"), config)
	out := terraform(t, tf, bare, cliConfig, "init", "-input=false", "-no-color")
	if !strings.Contains(out, "Incomplete lock file information") {
		t.Fatalf("init without a lock did not warn; the warning check below would prove nothing:\n%s", out)
	}

	work := t.TempDir()
	writeFile(t, filepath.Join(work, "main.tf"), config)
	terraform(t, tf, work, cliConfig, append([]string{"providers", "lock", "-fs-mirror=" + mirror}, platformArgs...)...)
	lockPath := filepath.Join(work, ".terraform.lock.hcl")
	locked := lockedHashes(t, lockPath, host+"/llmops/llmops", version)
	for h1, platform := range want {
		if !contains(locked, h1) {
			t.Errorf("the lock file has no hash for %s (%s); it holds %v", platform, h1, locked)
		}
	}
	for _, h := range locked {
		if zh, ok := strings.CutPrefix(h, "zh:"); ok && !contains(values(sums), zh) {
			t.Errorf("lock hash %s is not in SHA256SUMS", h)
		}
	}
	before, _ := os.ReadFile(lockPath)
	out = terraform(t, tf, work, cliConfig, "init", "-input=false", "-no-color")
	if strings.Contains(out, "Incomplete lock file information") {
		t.Fatalf("init from the mirror with a six-platform lock still warns:\n%s", out)
	}
	if after, _ := os.ReadFile(lockPath); string(after) != string(before) {
		t.Errorf("init changed the lock file:\n%s\n---\n%s", before, after)
	}
	terraform(t, tf, work, cliConfig, "validate", "-no-color")

	installed := filepath.Join(work, ".terraform", "providers", host, "llmops", "llmops", version, runtime.GOOS+"_"+runtime.GOARCH)
	exporter := filepath.Join(installed, ExporterName)
	got, err := exec.Command(exporter, "version").CombinedOutput()
	if err != nil || strings.TrimSpace(string(got)) != "llmops-exporter "+version {
		t.Fatalf("the exporter unpacked beside the provider (%s) printed %q (%v)", exporter, got, err)
	}
}

func terraform(t *testing.T, tf, dir, cliConfig string, args ...string) string {
	t.Helper()
	cmd := exec.Command(tf, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+cliConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_PLUGIN_CACHE_DIR=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// lockedHashes reads the hashes the lock file holds for one provider, with
// the HCL parser Terraform itself uses.
func lockedHashes(t *testing.T, path, addr, version string) []string {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("%s: %s", path, diags)
	}
	for _, b := range f.Body.(*hclsyntax.Body).Blocks {
		if b.Type != "provider" || len(b.Labels) != 1 || b.Labels[0] != addr {
			continue
		}
		v, diags := b.Body.Attributes["version"].Expr.Value(nil)
		if diags.HasErrors() || v.AsString() != version {
			t.Fatalf("%s locks %s at %v, want %s", path, addr, v, version)
		}
		hv, diags := b.Body.Attributes["hashes"].Expr.Value(nil)
		if diags.HasErrors() {
			t.Fatalf("%s hashes: %s", path, diags)
		}
		var out []string
		for _, h := range hv.AsValueSlice() {
			out = append(out, h.AsString())
		}
		sort.Strings(out)
		return out
	}
	t.Fatalf("%s has no provider %q block", path, addr)
	return nil
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func values(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
