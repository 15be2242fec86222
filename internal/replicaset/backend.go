package replicaset

import (
	"context"
	"time"
)

// Backend runs a Spec on one kind of platform. The resource calls it once
// per operation; every implementation normalizes the spec it is given.
type Backend interface {
	// Observe returns the replicas as they run.
	Observe(ctx context.Context, spec Spec) (Observed, error)
	// Reconcile makes the platform run spec: surplus replicas go, missing,
	// stopped, unhealthy or outdated ones are replaced, Parallelism at a
	// time, each batch waited for until healthy.
	Reconcile(ctx context.Context, spec Spec) error
	// Destroy removes the set and what it created.
	Destroy(ctx context.Context, spec Spec) error
	// Render returns the platform's own description of spec (a Compose
	// file, Kubernetes manifests), with no secret value in it.
	Render(ctx context.Context, spec Spec) (string, error)
}

// Observed is what a Backend found of a set.
type Observed struct {
	// Found is false when the platform has nothing of the set left.
	Found    bool
	Replicas []Replica
}

// Defaults, owned here and nowhere else.
const (
	DefaultRestartPolicy = "on-failure"
	DefaultProtocol      = "tcp"
	DefaultWaitTimeout   = 90 * time.Second
	DefaultStopGrace     = 10 * time.Second
	// Docker's own healthcheck defaults, written out so every backend
	// renders the same probe.
	DefaultHealthInterval = 30 * time.Second
	DefaultHealthTimeout  = 30 * time.Second
	DefaultHealthRetries  = 3
)

// Normalize returns s with every default filled in, so that backends, the
// hash and the renderings never apply defaults of their own.
func (s Spec) Normalize() Spec {
	if s.RestartPolicy == "" {
		s.RestartPolicy = DefaultRestartPolicy
	}
	if s.RestartPolicy != "on-failure" {
		s.MaxAttempts = 0
	}
	s.Parallelism = max(s.Parallelism, 1)
	if s.WaitTimeout <= 0 {
		s.WaitTimeout = DefaultWaitTimeout
	}
	if s.StopGrace <= 0 {
		s.StopGrace = DefaultStopGrace
	}
	if len(s.Ports) > 0 {
		ports := make([]Port, len(s.Ports))
		for i, p := range s.Ports {
			if p.Protocol == "" {
				p.Protocol = DefaultProtocol
			}
			ports[i] = p
		}
		s.Ports = ports
	}
	if s.Health != nil {
		h := *s.Health
		if h.Interval <= 0 {
			h.Interval = DefaultHealthInterval
		}
		if h.Timeout <= 0 {
			h.Timeout = DefaultHealthTimeout
		}
		if h.Retries <= 0 {
			h.Retries = DefaultHealthRetries
		}
		s.Health = &h
	}
	return s
}
