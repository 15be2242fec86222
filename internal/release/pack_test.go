package release

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestWriteZipIsDeterministicAndExecutable(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho hi\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	entries := []Entry{{Name: "terraform-provider-llmops_v1.0.0", Path: bin}, {Name: ExporterName, Path: bin}}
	a, b := filepath.Join(dir, "a.zip"), filepath.Join(dir, "b.zip")
	for _, p := range []string{a, b} {
		if err := WriteZip(p, entries); err != nil {
			t.Fatal(err)
		}
	}
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if !bytes.Equal(da, db) {
		t.Fatal("two zips of the same files differ: SHA256SUMS would change on every release of the same commit")
	}
	zr, err := zip.OpenReader(a)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != 2 {
		t.Fatalf("%d entries", len(zr.File))
	}
	for _, f := range zr.File {
		if f.Mode().Perm() != 0o755 {
			t.Errorf("%s mode %v: Terraform runs the unpacked binary, it must be executable", f.Name, f.Mode())
		}
		rc, _ := f.Open()
		body, _ := io.ReadAll(rc)
		rc.Close()
		if string(body) != "#!/bin/sh\necho hi\n" {
			t.Errorf("%s content %q", f.Name, body)
		}
	}
	if err := WriteZip(filepath.Join(dir, "c.zip"), []Entry{{Name: "x", Path: filepath.Join(dir, "missing")}}); err == nil || !strings.Contains(err.Error(), "add x") {
		t.Fatalf("missing input: %v", err)
	}
}

// The checksum file must be what `sha256sum -c` (and the registry) reads.
func TestWriteSumsVerifiesWithSha256sum(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"b.zip": "bbb", "a.zip": "aaa", "m.json": "{}"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteSums(dir, "SUMS", []string{"b.zip", "m.json", "a.zip"}); err != nil {
		t.Fatal(err)
	}
	sums, err := ReadSums(filepath.Join(dir, "SUMS"))
	if err != nil || len(sums) != 3 || sums["a.zip"] != "9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0" {
		t.Fatalf("sums %v %v", sums, err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "SUMS"))
	if !strings.HasSuffix(strings.SplitN(string(data), "\n", 2)[0], "  a.zip") {
		t.Fatalf("not sorted by name:\n%s", data)
	}
	if _, err := exec.LookPath("sha256sum"); err != nil {
		t.Skip("sha256sum not installed: format checked by ReadSums only")
	}
	out, err := runIn(dir, "sha256sum", "-c", "SUMS")
	if err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
	// And the check turns when a file changes.
	if err := os.WriteFile(filepath.Join(dir, "a.zip"), []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runIn(dir, "sha256sum", "-c", "SUMS"); err == nil {
		t.Fatalf("sha256sum -c passed a changed file:\n%s", out)
	}
}

func TestReadSumsRefusesMalformedLines(t *testing.T) {
	p := filepath.Join(t.TempDir(), "SUMS")
	if err := os.WriteFile(p, []byte("abc a.zip\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSums(p); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("got %v", err)
	}
}

func TestWriteManifestWantsProtocol6(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.json")
	write := func(s string) {
		if err := os.WriteFile(src, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"version": 1, "metadata": {"protocol_versions": ["6.0"]}}`)
	if err := WriteManifest(src, dir, "m.json"); err != nil {
		t.Fatal(err)
	}
	write(`{"version": 1, "metadata": {"protocol_versions": ["5.0"]}}`)
	if err := WriteManifest(src, dir, "m.json"); err == nil || !strings.Contains(err.Error(), "protocol 6") {
		t.Fatalf("protocol 5 manifest: %v", err)
	}
	if err := WriteManifest(filepath.Join("..", "..", "terraform-registry-manifest.json"), dir, "repo.json"); err != nil {
		t.Fatalf("the repository's manifest: %v", err)
	}
}

func TestMirrorLayout(t *testing.T) {
	dist := t.TempDir()
	if err := os.WriteFile(filepath.Join(dist, "p.zip"), []byte("zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	mirror := filepath.Join(dist, "mirror")
	for range 2 { // a second run replaces, it does not fail on existing links
		if err := Mirror(dist, mirror, []string{"registry.terraform.io", "registry.opentofu.org"}, []string{"p.zip"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, host := range []string{"registry.terraform.io", "registry.opentofu.org"} {
		b, err := os.ReadFile(filepath.Join(mirror, host, "llmops", "llmops", "p.zip"))
		if err != nil || string(b) != "zip" {
			t.Fatalf("%s: %q %v", host, b, err)
		}
	}
}

// Release end to end on a tiny module (the real one is built by the
// acceptance test): the binaries carry the version and sit where Terraform
// looks for them, and SHA256SUMS covers every zip and the manifest.
func TestReleaseOfATinyModule(t *testing.T) {
	mod := t.TempDir()
	prog := "package main\n\nvar version = \"dev\"\n\nfunc main() { println(version) }\n"
	for path, body := range map[string]string{
		"go.mod":                           "module example.com/tiny\n\ngo 1.24\n",
		"main.go":                          prog,
		"cmd/llmops-exporter/main.go":      prog,
		"terraform-registry-manifest.json": `{"version": 1, "metadata": {"protocol_versions": ["6.0"]}}`,
	} {
		p := filepath.Join(mod, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	host := Target{runtime.GOOS, runtime.GOARCH}
	dist := filepath.Join(t.TempDir(), "dist")
	res, err := Release(context.Background(), Options{
		Version: "2.0.1", Dist: dist, Module: mod, Parallel: 2,
		Targets: []Target{host, {"windows", "arm64"}}, MirrorHosts: []string{"registry.terraform.io"},
	})
	if err != nil {
		t.Fatal(err)
	}
	files := Files{Version: "2.0.1"}
	sums, err := ReadSums(filepath.Join(dist, res.Sums))
	if err != nil || len(sums) != 3 || sums[files.Manifest()] == "" {
		t.Fatalf("sums %v %v: want both zips and the manifest", sums, err)
	}
	if _, err := os.Stat(filepath.Join(dist, ".build")); !os.IsNotExist(err) {
		t.Errorf("the build directory was left in dist: %v", err)
	}
	if res.Signature != "" {
		t.Errorf("signed without a key: %s", res.Signature)
	}
	zr, err := zip.OpenReader(filepath.Join(dist, "mirror", "registry.terraform.io", "llmops", "llmops", files.Zip(Target{"windows", "arm64"})))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	zr.Close()
	if strings.Join(names, ",") != files.Binary(Target{"windows", "arm64"})+","+ExporterName {
		t.Fatalf("windows zip holds %v", names)
	}
	if host.OS == "windows" {
		return
	}
	bin := filepath.Join(t.TempDir(), files.Binary(host))
	extract(t, filepath.Join(dist, files.Zip(host)), files.Binary(host), bin)
	out, err := exec.Command(bin).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "2.0.1" {
		t.Fatalf("the binary printed %q (%v), want the version stamped in", out, err)
	}
}

// extract copies one entry of a zip to dst, executable.
func extract(t *testing.T, zipPath, name, dst string) {
	t.Helper()
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatalf("%s: %v", zipPath, err)
	}
	defer rc.Close()
	body, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, body, 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestReleaseRefusesABadVersionBeforeBuilding(t *testing.T) {
	dist := filepath.Join(t.TempDir(), "dist")
	_, err := Release(context.Background(), Options{Version: "v1.0.0", Dist: dist, Targets: DefaultTargets, Module: "."})
	if err == nil || !strings.Contains(err.Error(), "v1.0.0") {
		t.Fatalf("got %v", err)
	}
	if _, err := os.Stat(dist); !os.IsNotExist(err) {
		t.Fatal("dist was created for a version that was refused")
	}
}

func runIn(dir, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}
