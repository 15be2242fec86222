// Package docker holds the Docker logic behind the provider's Docker
// resources: connecting (with API version negotiation: the engines here
// speak API 1.41), building images without a registry, and the two
// replica set backends, Engine (containers named and labelled as Compose
// would) and Swarm (a service), with their Compose rendering.
package docker

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/docker/docker/client"

	"github.com/llmops/terraform-provider-llmops/internal/replicaset"
	"github.com/llmops/terraform-provider-llmops/internal/settings"
)

// Connect returns a client for the configured engine, after a ping.
func Connect(ctx context.Context, s settings.Docker) (API, error) {
	opts := []client.Opt{client.WithHost(s.Host), client.WithAPIVersionNegotiation()}
	if s.CertPath != "" {
		opts = append(opts, client.WithTLSClientConfig(filepath.Join(s.CertPath, "ca.pem"),
			filepath.Join(s.CertPath, "cert.pem"), filepath.Join(s.CertPath, "key.pem")))
	}
	cli, err := client.NewClientWithOpts(opts...)
	if err != nil {
		return nil, fmt.Errorf("docker engine at %s: %w", s.Host, err)
	}
	if _, err := cli.Ping(ctx); err != nil {
		cli.Close()
		return nil, fmt.Errorf("docker engine at %s is unreachable (check docker.host or DOCKER_HOST): %w", s.Host, err)
	}
	return cli, nil
}

// API is the engine client every function here takes. The provider holds
// one without importing Docker's packages: engine knowledge stays here.
type API = client.APIClient

// BackendFor is the replica set backend of a mode (replicaset.ModeSwarm or
// the engine's, the default); cli may be nil for Render.
func BackendFor(mode string, cli API) replicaset.Backend {
	if mode == replicaset.ModeSwarm {
		return Swarm{Client: cli}
	}
	return Engine{Client: cli}
}
