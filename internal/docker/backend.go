package docker

import (
	"context"

	"github.com/docker/docker/client"

	"github.com/llmops/terraform-provider-llmops/internal/replicaset"
)

// Engine runs a replica set as containers on one Docker engine, named and
// labelled as Compose would.
type Engine struct{ Client client.APIClient }

// Swarm runs a replica set as a Swarm service on a swarm manager.
type Swarm struct{ Client client.APIClient }

var (
	_ replicaset.Backend = Engine{}
	_ replicaset.Backend = Swarm{}
)

// Observe lists the set's containers and judges each against spec.
func (e Engine) Observe(ctx context.Context, spec replicaset.Spec) (replicaset.Observed, error) {
	reps, err := observeContainers(ctx, e.Client, spec.Normalize())
	return replicaset.Observed{Found: len(reps) > 0, Replicas: reps}, err
}

// Reconcile replaces what does not run as declared (see reconcile).
func (e Engine) Reconcile(ctx context.Context, spec replicaset.Spec) error {
	return reconcile(ctx, e.Client, spec.Normalize())
}

// Destroy removes the containers, their volumes, and the network when the
// set created it.
func (e Engine) Destroy(ctx context.Context, spec replicaset.Spec) error {
	return destroy(ctx, e.Client, spec.Normalize())
}

// Render is the equivalent Compose file.
func (e Engine) Render(ctx context.Context, spec replicaset.Spec) (string, error) {
	return composeYAML(ctx, spec.Normalize())
}

// Observe lists the service's tasks; Found is false once the service is gone.
func (s Swarm) Observe(ctx context.Context, spec replicaset.Spec) (replicaset.Observed, error) {
	reps, found, err := swarmObserve(ctx, s.Client, spec.Normalize())
	return replicaset.Observed{Found: found, Replicas: reps}, err
}

// Reconcile creates or updates the service and waits for it to converge.
func (s Swarm) Reconcile(ctx context.Context, spec replicaset.Spec) error {
	return swarmReconcile(ctx, s.Client, spec.Normalize())
}

// Destroy removes the service and the secrets, configs and volumes it owns.
func (s Swarm) Destroy(ctx context.Context, spec replicaset.Spec) error {
	return swarmDestroy(ctx, s.Client, spec.Normalize())
}

// Render is the equivalent Compose file (a stack file for `docker stack deploy`).
func (s Swarm) Render(ctx context.Context, spec replicaset.Spec) (string, error) {
	return composeYAML(ctx, spec.Normalize())
}
