package release

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// Options says what to release and where.
type Options struct {
	Version string
	// Dist receives the artifacts; Dist/mirror the packed mirror.
	Dist    string
	Targets []Target
	// Module is the repository root: `.` is the provider, ./cmd/llmops-exporter
	// the exporter, terraform-registry-manifest.json the manifest.
	Module string
	// MirrorHosts are the registry hostnames the mirror lays the zips under
	// (Terraform resolves "llmops/llmops" to registry.terraform.io, OpenTofu
	// to registry.opentofu.org).
	MirrorHosts []string
	// GPGKey, when set, signs SHA256SUMS with `gpg --local-user GPGKey`.
	GPGKey string
	// Parallel builds at once (each go build already uses every core; two
	// overlap one build's link with the next one's compile).
	Parallel int
	Log      io.Writer
}

// Result lists what Release wrote, relative to Dist.
type Result struct {
	Zips      []string
	Sums      string
	Signature string
	Manifest  string
	Mirror    string
}

// Release builds every target and lays out the artifacts.
func Release(ctx context.Context, o Options) (Result, error) {
	if err := CheckVersion(o.Version); err != nil {
		return Result{}, err
	}
	if len(o.Targets) == 0 {
		return Result{}, fmt.Errorf("no targets")
	}
	files := Files{Version: o.Version}
	work := filepath.Join(o.Dist, ".build")
	if err := os.MkdirAll(work, 0o755); err != nil {
		return Result{}, fmt.Errorf("dist: %w", err)
	}
	defer os.RemoveAll(work)
	if err := buildAll(ctx, o, files, work); err != nil {
		return Result{}, err
	}
	res := Result{Sums: files.Sums(), Manifest: files.Manifest(), Mirror: "mirror"}
	for _, t := range o.Targets {
		zipName := files.Zip(t)
		entries := []Entry{
			{Name: files.Binary(t), Path: filepath.Join(work, t.String(), files.Binary(t))},
			{Name: ExporterName, Path: filepath.Join(work, "exporter_linux_"+t.Arch)},
		}
		if err := WriteZip(filepath.Join(o.Dist, zipName), entries); err != nil {
			return Result{}, err
		}
		res.Zips = append(res.Zips, zipName)
	}
	if err := WriteManifest(filepath.Join(o.Module, "terraform-registry-manifest.json"), o.Dist, res.Manifest); err != nil {
		return Result{}, err
	}
	if err := WriteSums(o.Dist, res.Sums, append(append([]string(nil), res.Zips...), res.Manifest)); err != nil {
		return Result{}, err
	}
	if o.GPGKey != "" {
		if err := sign(ctx, o.GPGKey, filepath.Join(o.Dist, res.Sums), filepath.Join(o.Dist, files.Signature())); err != nil {
			return Result{}, err
		}
		res.Signature = files.Signature()
	}
	if err := Mirror(o.Dist, filepath.Join(o.Dist, res.Mirror), o.MirrorHosts, res.Zips); err != nil {
		return Result{}, err
	}
	return res, nil
}

type buildJob struct {
	goos, goarch, pkg, out string
}

func buildAll(ctx context.Context, o Options, files Files, work string) error {
	var jobs []buildJob
	for _, arch := range ExporterArchs(o.Targets) {
		jobs = append(jobs, buildJob{"linux", arch, "./cmd/llmops-exporter", filepath.Join(work, "exporter_linux_"+arch)})
	}
	for _, t := range o.Targets {
		jobs = append(jobs, buildJob{t.OS, t.Arch, ".", filepath.Join(work, t.String(), files.Binary(t))})
	}
	// The first failure cancels the builds still running; its error, not
	// their cancellation, is returned.
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(max(o.Parallel, 1))
	for _, j := range jobs {
		g.Go(func() error { return goBuild(ctx, o, j) })
	}
	return g.Wait()
}

// goBuild builds one static binary: CGO off (a provider runs on machines
// with no C toolchain, the exporter in a FROM scratch image), -trimpath so
// the binary carries no build-machine paths, the version stamped in.
func goBuild(ctx context.Context, o Options, j buildJob) error {
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath",
		"-ldflags", "-s -w -X main.version="+o.Version, "-o", j.out, j.pkg)
	cmd.Dir = o.Module
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+j.goos, "GOARCH="+j.goarch, "GOFLAGS=-mod=readonly")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s for %s_%s: %w\n%s", j.pkg, j.goos, j.goarch, err, strings.TrimSpace(stderr.String()))
	}
	if o.Log != nil {
		fmt.Fprintf(o.Log, "built %s for %s_%s in %s\n", j.pkg, j.goos, j.goarch, time.Since(start).Round(time.Second))
	}
	return nil
}

// sign writes a binary (not armored) detached signature, the form the
// registry verifies against the key registered for the namespace.
func sign(ctx context.Context, key, file, sig string) error {
	cmd := exec.CommandContext(ctx, "gpg", "--batch", "--yes", "--local-user", key, "--output", sig, "--detach-sign", file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gpg --detach-sign with key %s: %w\n%s", key, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
