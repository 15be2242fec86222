package dashboard

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/llmops/terraform-provider-llmops/internal/atomicfile"
)

// Provisioning places a dashboard in a Grafana provisioning directory, for
// teams with no Grafana API at hand: Grafana loads it at start and polls it.
type Provisioning struct {
	// Dir is the host directory mounted as Grafana's provisioning/dashboards.
	Dir string
	// GrafanaDir is the same directory as Grafana sees it (default
	// /etc/grafana/provisioning/dashboards).
	GrafanaDir string
	// FolderUID and Folder place the dashboard in a folder Grafana creates.
	FolderUID, Folder string
}

// Paths returns the provider YAML and the dashboard JSON of uid.
func (p Provisioning) Paths(uid string) (providerYAML, dashboardJSON string) {
	return filepath.Join(p.Dir, "llmops-"+uid+".yaml"), filepath.Join(p.Dir, "llmops-"+uid, uid+".json")
}

type providerFile struct {
	APIVersion int        `yaml:"apiVersion"`
	Providers  []provider `yaml:"providers"`
}

type provider struct {
	Name                  string            `yaml:"name"`
	OrgID                 int               `yaml:"orgId"`
	Folder                string            `yaml:"folder,omitempty"`
	FolderUID             string            `yaml:"folderUid,omitempty"`
	Type                  string            `yaml:"type"`
	DisableDeletion       bool              `yaml:"disableDeletion"`
	AllowUIUpdates        bool              `yaml:"allowUiUpdates"`
	UpdateIntervalSeconds int               `yaml:"updateIntervalSeconds"`
	Options               map[string]string `yaml:"options"`
}

// ProviderYAML is the file-provider configuration for one dashboard; each
// dashboard has its own provider so destroying one touches no other.
func (p Provisioning) ProviderYAML(uid string) ([]byte, error) {
	gd := p.GrafanaDir
	if gd == "" {
		gd = "/etc/grafana/provisioning/dashboards"
	}
	b, err := yaml.Marshal(providerFile{APIVersion: 1, Providers: []provider{{
		Name: "llmops-" + uid, OrgID: 1, Folder: p.Folder, FolderUID: p.FolderUID, Type: "file",
		UpdateIntervalSeconds: 30, Options: map[string]string{"path": path.Join(gd, "llmops-"+uid)},
	}}})
	if err != nil {
		return nil, fmt.Errorf("encode provisioning provider: %w", err)
	}
	return b, nil
}

// Write writes both files atomically (temp file, rename).
func (p Provisioning) Write(uid string, dashboardJSON []byte) error {
	yml, err := p.ProviderYAML(uid)
	if err != nil {
		return err
	}
	py, dj := p.Paths(uid)
	if err := atomicfile.Write(dj, dashboardJSON); err != nil {
		return err
	}
	return atomicfile.Write(py, yml)
}

// Read returns the dashboard JSON on disk; found is false when either file
// is gone (deleted outside Terraform).
func (p Provisioning) Read(uid string) (dashboardJSON []byte, found bool, err error) {
	py, dj := p.Paths(uid)
	if _, err := os.Stat(py); errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	b, err := os.ReadFile(dj)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", dj, err)
	}
	return b, true, nil
}

// Remove deletes both files and the dashboard's directory.
func (p Provisioning) Remove(uid string) error {
	py, dj := p.Paths(uid)
	for _, f := range []string{py, dj, filepath.Dir(dj)} {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", f, err)
		}
	}
	return nil
}
