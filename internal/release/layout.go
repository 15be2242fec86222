// Package release lays a provider release out the way the Terraform Registry
// and a packed provider mirror expect it: one zip per platform holding the
// provider binary (and the static Linux exporter llmops_exporter_image builds
// from), a SHA256SUMS over the zips and the manifest, the manifest itself, an
// optional detached GPG signature, and the same zips under
// <mirror>/<host>/<namespace>/<type>/ for `terraform providers lock
// -fs-mirror` and a `filesystem_mirror` installation block.
//
// The layout is the contract (registry docs, "Publishing Providers"):
//
//	terraform-provider-llmops_<v>_<os>_<arch>.zip   binary terraform-provider-llmops_v<v>[.exe] at the root
//	terraform-provider-llmops_<v>_SHA256SUMS        "<sha256>  <file>" lines, the zips and the manifest
//	terraform-provider-llmops_<v>_SHA256SUMS.sig    binary detached signature of SHA256SUMS
//	terraform-provider-llmops_<v>_manifest.json     terraform-registry-manifest.json, renamed
package release

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Name is the provider's binary and archive prefix; Namespace and Type make
// its source address (<host>/llmops/llmops).
const (
	Name      = "terraform-provider-llmops"
	Namespace = "llmops"
	Type      = "llmops"
	// ExporterName is the file inside every zip that llmops_exporter_image
	// looks for beside the provider binary: Terraform unpacks the whole zip
	// into one directory, so a registry or mirror install finds it there.
	ExporterName = "llmops-exporter-linux"
)

// Target is one platform of a release, as Terraform spells it (os_arch).
type Target struct{ OS, Arch string }

func (t Target) String() string { return t.OS + "_" + t.Arch }

// DefaultTargets are the six platforms a release carries.
var DefaultTargets = []Target{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

var knownOS = map[string]bool{"linux": true, "darwin": true, "windows": true, "freebsd": true, "openbsd": true}
var knownArch = map[string]bool{"amd64": true, "arm64": true, "386": true, "arm": true}

// ParseTargets reads "linux_amd64,darwin_arm64" (commas or spaces). An empty
// string means DefaultTargets.
func ParseTargets(s string) ([]Target, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
	if len(fields) == 0 {
		return append([]Target(nil), DefaultTargets...), nil
	}
	seen := map[string]bool{}
	var out []Target
	for _, f := range fields {
		os, arch, ok := strings.Cut(f, "_")
		if !ok || !knownOS[os] || !knownArch[arch] {
			return nil, fmt.Errorf("target %q: want <os>_<arch> with os in linux, darwin, windows, freebsd, openbsd and arch in amd64, arm64, 386, arm", f)
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, Target{os, arch})
		}
	}
	return out, nil
}

// semver is what the registry accepts as a provider version (no leading v).
var semver = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// CheckVersion refuses what the registry and `terraform init` would not take
// as a version: "v1.2.3", "1.2", "latest".
func CheckVersion(v string) error {
	if !semver.MatchString(v) {
		return fmt.Errorf("version %q is not semantic (x.y.z, optionally -pre): the registry and terraform init accept no other (write 1.2.3, not v1.2.3)", v)
	}
	return nil
}

// Files names the artifacts of one version.
type Files struct{ Version string }

// Zip is the archive name of one platform.
func (f Files) Zip(t Target) string { return fmt.Sprintf("%s_%s_%s.zip", Name, f.Version, t) }

// Binary is the provider executable's name inside the zip: Terraform looks
// for terraform-provider-<type>_v<version> (plus .exe on Windows).
func (f Files) Binary(t Target) string {
	b := fmt.Sprintf("%s_v%s", Name, f.Version)
	if t.OS == "windows" {
		b += ".exe"
	}
	return b
}

// Sums is the checksum file's name.
func (f Files) Sums() string { return fmt.Sprintf("%s_%s_SHA256SUMS", Name, f.Version) }

// Signature is the detached signature of Sums.
func (f Files) Signature() string { return f.Sums() + ".sig" }

// Manifest is the registry manifest's name.
func (f Files) Manifest() string { return fmt.Sprintf("%s_%s_manifest.json", Name, f.Version) }

// MirrorDir is where a packed filesystem mirror keeps this provider's zips
// for one registry host (registry.terraform.io, registry.opentofu.org).
func MirrorDir(host string) string { return host + "/" + Namespace + "/" + Type }

// ExporterArchs are the Linux architectures whose exporter the given targets
// carry: the Docker engine a provider drives runs Linux containers of the
// host's architecture (Docker Desktop on macOS and Windows included).
func ExporterArchs(targets []Target) []string {
	set := map[string]bool{}
	for _, t := range targets {
		set[t.Arch] = true
	}
	var out []string
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}
