package release

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Entry is one file placed in a zip: Name inside the archive, Path on disk.
type Entry struct{ Name, Path string }

// zipTime is every entry's modification time, so the same binaries always
// give the same zip and the same hash (the lock file's h1 is over contents,
// but SHA256SUMS and the registry's zh hashes are over the zip bytes).
var zipTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// WriteZip writes entries to path as an executable-preserving, deterministic
// archive (fixed times, 0755, deflate).
func WriteZip(path string, entries []Entry) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close %s: %w", path, cerr)
		}
	}()
	zw := zip.NewWriter(f)
	for _, e := range entries {
		if err := addFile(zw, e); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("finish %s: %w", path, err)
	}
	return nil
}

func addFile(zw *zip.Writer, e Entry) error {
	src, err := os.Open(e.Path)
	if err != nil {
		return fmt.Errorf("add %s: %w", e.Name, err)
	}
	defer src.Close()
	h := &zip.FileHeader{Name: e.Name, Method: zip.Deflate, Modified: zipTime}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return fmt.Errorf("add %s: %w", e.Name, err)
	}
	if _, err := io.Copy(w, src); err != nil {
		return fmt.Errorf("add %s: %w", e.Name, err)
	}
	return nil
}

// FileSHA256 is the hex SHA-256 of a file's bytes.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// WriteSums writes dir/sumsName with one "<sha256>  <name>" line per file in
// names (files of dir), sorted by name, as shasum -a 256 and the registry
// expect.
func WriteSums(dir, sumsName string, names []string) error {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	var b strings.Builder
	for _, n := range sorted {
		sum, err := FileSHA256(filepath.Join(dir, n))
		if err != nil {
			return fmt.Errorf("checksums: %w", err)
		}
		fmt.Fprintf(&b, "%s  %s\n", sum, n)
	}
	return os.WriteFile(filepath.Join(dir, sumsName), []byte(b.String()), 0o644)
}

// ReadSums parses a SHA256SUMS file into name -> hex digest.
func ReadSums(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok || len(sum) != 64 || name == "" {
			return nil, fmt.Errorf("%s line %d: want \"<sha256>  <file>\", got %q", path, i+1, line)
		}
		out[name] = sum
	}
	return out, nil
}

// WriteManifest copies the repository's terraform-registry-manifest.json to
// dir/name after checking it declares protocol 6: the registry reads the
// protocol versions from it, and a provider built on the plugin framework
// with ProtoV6 must not be offered to Terraform as protocol 5.
func WriteManifest(src, dir, name string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	var m struct {
		Version  int `json:"version"`
		Metadata struct {
			ProtocolVersions []string `json:"protocol_versions"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("manifest %s: %w", src, err)
	}
	if m.Version != 1 || len(m.Metadata.ProtocolVersions) != 1 || m.Metadata.ProtocolVersions[0] != "6.0" {
		return fmt.Errorf("manifest %s: want version 1 and protocol_versions [\"6.0\"] (the provider serves protocol 6 only), got version %d and %v", src, m.Version, m.Metadata.ProtocolVersions)
	}
	return os.WriteFile(filepath.Join(dir, name), data, 0o644)
}

// Mirror places each zip of dist under mirror/<host>/llmops/llmops/, the
// packed layout of a filesystem mirror, hard-linked when the file system
// allows (the zips are large) and copied otherwise.
func Mirror(dist, mirror string, hosts, zips []string) error {
	for _, host := range hosts {
		dir := filepath.Join(mirror, filepath.FromSlash(MirrorDir(host)))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("mirror: %w", err)
		}
		for _, z := range zips {
			if err := linkOrCopy(filepath.Join(dist, z), filepath.Join(dir, z)); err != nil {
				return fmt.Errorf("mirror %s: %w", host, err)
			}
		}
	}
	return nil
}

func linkOrCopy(src, dst string) error {
	if err := os.Remove(dst); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if os.Link(src, dst) == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
