package docker

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"github.com/llmops/terraform-provider-llmops/internal/replicaset"
	"maps"
	"path"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
)

// labelSwarmOwner marks the secrets and configs a Swarm replica set owns.
const labelSwarmOwner = "dev.llmops.replica-set"

// ErrNoSwarm is returned when swarm mode is asked of an engine that is not
// a swarm manager.
var ErrNoSwarm = fmt.Errorf("mode = \"swarm\" needs the engine to be a swarm manager (run `docker swarm init` there, or point docker.host at a manager)")

// swarmObserve returns the service's replicas as tasks: one replicaset.Replica per
// desired-running task slot. found is false when the service is gone.
func swarmObserve(ctx context.Context, cli client.APIClient, spec replicaset.Spec) (reps []replicaset.Replica, found bool, err error) {
	svc, _, err := cli.ServiceInspectWithRaw(ctx, spec.Name, swarm.ServiceInspectOptions{})
	if errdefs.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("service %s: %w", spec.Name, err)
	}
	tasks, err := cli.TaskList(ctx, swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("service", svc.ID), filters.Arg("desired-state", "running"))})
	if err != nil {
		return nil, true, err
	}
	matches := svc.Spec.Labels[LabelSpec] == expectedHash(spec) && svc.Spec.TaskTemplate.ContainerSpec != nil &&
		svc.Spec.TaskTemplate.ContainerSpec.Image == spec.Image && envContains(svc.Spec.TaskTemplate.ContainerSpec.Env, spec.Env)
	for _, t := range tasks {
		// A task runs the spec it was created from: during a rolling update
		// the old tasks still run the old one, whatever the service says.
		taskMatches := matches && t.Spec.ContainerSpec != nil && t.Spec.ContainerSpec.Labels[LabelSpec] == expectedHash(spec)
		r := replicaset.Replica{Number: t.Slot, ID: t.ID, Name: fmt.Sprintf("%s.%d", spec.Name, t.Slot), Running: t.Status.State == swarm.TaskStateRunning, Health: "none", Matches: taskMatches}
		if cs := t.Status.ContainerStatus; cs != nil && cs.ContainerID != "" {
			if ins, err := cli.ContainerInspect(ctx, cs.ContainerID); err == nil && ins.State != nil && ins.State.Health != nil {
				r.Health = ins.State.Health.Status
			}
		}
		reps = append(reps, r)
	}
	sort.Slice(reps, func(i, j int) bool { return reps[i].Number < reps[j].Number })
	return reps, true, nil
}

func expectedHash(spec replicaset.Spec) string {
	if spec.ExpectHash != "" {
		return spec.ExpectHash
	}
	return spec.Hash()
}

// swarmReconcile creates or updates the Swarm service so it runs spec, with
// Swarm's own rolling update (parallelism, order, rollback on failure), and
// waits until the replicas run and are healthy.
func swarmReconcile(ctx context.Context, cli client.APIClient, spec replicaset.Spec) error {
	info, err := cli.Info(ctx)
	if err != nil {
		return err
	}
	if info.Swarm.LocalNodeState != swarm.LocalNodeStateActive || !info.Swarm.ControlAvailable {
		return ErrNoSwarm
	}
	if err := ensureOverlay(ctx, cli, spec.NetworkName()); err != nil {
		return err
	}
	svcSpec, err := serviceSpec(ctx, cli, spec)
	if err != nil {
		return err
	}
	svc, _, err := cli.ServiceInspectWithRaw(ctx, spec.Name, swarm.ServiceInspectOptions{})
	var before *time.Time // when the last rolling update started
	if err == nil && svc.UpdateStatus != nil {
		before = svc.UpdateStatus.StartedAt
	}
	switch {
	case errdefs.IsNotFound(err):
		if _, err := cli.ServiceCreate(ctx, svcSpec, swarm.ServiceCreateOptions{}); err != nil {
			return fmt.Errorf("creating service %s: %w", spec.Name, err)
		}
	case err != nil:
		return err
	default:
		// ForceUpdate re-creates tasks that died or were edited.
		svcSpec.TaskTemplate.ForceUpdate = svc.Spec.TaskTemplate.ForceUpdate
		if reps, _, _ := swarmObserve(ctx, cli, spec); countGood(reps) < spec.Replicas {
			svcSpec.TaskTemplate.ForceUpdate++
		}
		if _, err := cli.ServiceUpdate(ctx, svc.ID, svc.Version, svcSpec, swarm.ServiceUpdateOptions{}); err != nil {
			return fmt.Errorf("updating service %s: %w", spec.Name, err)
		}
	}
	return swarmConverge(ctx, cli, spec, before)
}

func countGood(reps []replicaset.Replica) int {
	n := 0
	for _, r := range reps {
		if r.Good() {
			n++
		}
	}
	return n
}

// swarmConverge waits, like `docker service update --detach=false`, until
// every task runs the new spec healthy and the rolling update this apply
// started (one that began after before) completed; it fails with Swarm's
// message when that update pauses or rolls back.
func swarmConverge(ctx context.Context, cli client.APIClient, spec replicaset.Spec, before *time.Time) error {
	timeout := spec.WaitTimeout
	if timeout <= 0 {
		timeout = 90 * time.Second
	}
	deadline := time.Now().Add(timeout)
	for {
		reps, _, err := swarmObserve(ctx, cli, spec)
		if err != nil {
			return err
		}
		healthy := 0
		for _, r := range reps {
			if r.Good() && (r.Health == "healthy" || r.Health == "none") {
				healthy++
			}
		}
		state, err := updateState(ctx, cli, spec.Name, before)
		if err != nil {
			return err
		}
		if healthy == spec.Replicas && len(reps) == spec.Replicas && (state == "" || state == swarm.UpdateStateCompleted) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("service %s: %d of %d replicas healthy after %s (update %s)", spec.Name, healthy, spec.Replicas, timeout, cmp.Or(string(state), "not started"))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// updateState is the state of the service's rolling update when one began
// after before ("" when none did: a create or a change of replicas alone),
// or an error carrying Swarm's message when that update paused or rolled
// back: a green apply must not precede a rollback.
func updateState(ctx context.Context, cli client.APIClient, name string, before *time.Time) (swarm.UpdateState, error) {
	svc, _, err := cli.ServiceInspectWithRaw(ctx, name, swarm.ServiceInspectOptions{})
	if err != nil {
		return "", fmt.Errorf("service %s: %w", name, err)
	}
	us := svc.UpdateStatus
	if us == nil || us.StartedAt == nil || (before != nil && !us.StartedAt.After(*before)) {
		return "", nil
	}
	switch us.State {
	case swarm.UpdateStatePaused, swarm.UpdateStateRollbackStarted, swarm.UpdateStateRollbackPaused, swarm.UpdateStateRollbackCompleted:
		return us.State, fmt.Errorf("service %s: rolling update %s: %s", name, us.State, us.Message)
	}
	return us.State, nil
}

func serviceSpec(ctx context.Context, cli client.APIClient, spec replicaset.Spec) (swarm.ServiceSpec, error) {
	replicas := uint64(spec.Replicas)
	labels := map[string]string{LabelSpec: spec.Hash(), "com.docker.stack.namespace": spec.Name}
	// The hash on each task's container tells the tasks of this spec from
	// those a rolling update has yet to replace.
	cs := &swarm.ContainerSpec{Image: spec.Image, Command: spec.Entrypoint, Args: spec.Command, Labels: map[string]string{LabelSpec: spec.Hash()}}
	maps.Copy(cs.Labels, spec.Labels)
	if spec.StopGrace > 0 {
		g := spec.StopGrace
		cs.StopGracePeriod = &g
	}
	for _, target := range slices.Sorted(maps.Keys(spec.Volumes)) {
		// Swarm expands the template per task slot: one volume per replica.
		cs.Mounts = append(cs.Mounts, mount.Mount{Type: mount.TypeVolume, Source: spec.Name + "-" + spec.Volumes[target] + "-{{.Task.Slot}}", Target: target,
			VolumeOptions: &mount.VolumeOptions{Labels: map[string]string{LabelProject: spec.Name, LabelService: spec.Name, labelManagedVolume: "true"}}})
	}
	env := spec.Environment()
	for _, k := range slices.Sorted(maps.Keys(env)) {
		cs.Env = append(cs.Env, k+"="+env[k])
	}
	if h := spec.Health; h != nil {
		cs.Healthcheck = &container.HealthConfig{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}
	}
	// Swarm secrets and configs are immutable: names carry a content digest,
	// so a change makes new ones and rolls the service.
	own := imageUser(ctx, cli, spec.Image)
	for _, name := range slices.Sorted(maps.Keys(spec.SecretFiles)) {
		id, objName, err := ensureSecret(ctx, cli, spec.Name, name, spec.SecretFiles[name], spec.SecretsVersion)
		if err != nil {
			return swarm.ServiceSpec{}, err
		}
		cs.Secrets = append(cs.Secrets, &swarm.SecretReference{SecretID: id, SecretName: objName,
			File: &swarm.SecretReferenceFileTarget{Name: name, UID: strconv.Itoa(own.uid), GID: strconv.Itoa(own.gid), Mode: 0o400}})
	}
	for i, p := range slices.Sorted(maps.Keys(spec.ConfigFiles)) {
		id, objName, err := ensureConfig(ctx, cli, spec.Name, i, spec.ConfigFiles[p])
		if err != nil {
			return swarm.ServiceSpec{}, err
		}
		cs.Configs = append(cs.Configs, &swarm.ConfigReference{ConfigID: id, ConfigName: objName,
			File: &swarm.ConfigReferenceFileTarget{Name: p, UID: "0", GID: "0", Mode: 0o444}})
	}
	cond := swarm.RestartPolicyConditionOnFailure
	switch spec.RestartPolicy {
	case "none", "no":
		cond = swarm.RestartPolicyConditionNone
	case "always", "unless-stopped":
		cond = swarm.RestartPolicyConditionAny
	}
	rp := &swarm.RestartPolicy{Condition: cond}
	if spec.RestartDelay > 0 {
		d := spec.RestartDelay
		rp.Delay = &d
	}
	if spec.MaxAttempts > 0 {
		n := uint64(spec.MaxAttempts)
		rp.MaxAttempts = &n
	}
	order := swarm.UpdateOrderStopFirst
	if spec.StartFirst {
		order = swarm.UpdateOrderStartFirst
	}
	update := &swarm.UpdateConfig{Parallelism: uint64(max(spec.Parallelism, 1)), Order: order, FailureAction: swarm.UpdateFailureActionRollback, Monitor: 5 * time.Second}
	ep := &swarm.EndpointSpec{Mode: swarm.ResolutionModeVIP}
	publish := swarm.PortConfigPublishModeIngress
	if spec.EndpointMode == replicaset.EndpointDNSRR {
		// DNS round robin has no virtual IP for the ingress mesh to route to.
		ep.Mode, publish = swarm.ResolutionModeDNSRR, swarm.PortConfigPublishModeHost
	}
	for _, p := range spec.Ports {
		pc := swarm.PortConfig{TargetPort: uint32(p.Container), Protocol: swarm.PortConfigProtocol(orDefault(p.Protocol, "tcp")), PublishMode: publish}
		if p.Host > 0 {
			pc.PublishedPort = uint32(p.Host)
		}
		ep.Ports = append(ep.Ports, pc)
	}
	return swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: spec.Name, Labels: labels},
		TaskTemplate: swarm.TaskSpec{ContainerSpec: cs, RestartPolicy: rp,
			Resources: &swarm.ResourceRequirements{Limits: &swarm.Limit{NanoCPUs: int64(spec.CPUs * 1e9), MemoryBytes: spec.MemoryBytes}},
			Networks:  []swarm.NetworkAttachmentConfig{{Target: spec.NetworkName(), Aliases: []string{spec.Name}}}},
		Mode:           swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &replicas}},
		UpdateConfig:   update,
		RollbackConfig: &swarm.UpdateConfig{Parallelism: update.Parallelism, Order: order},
		EndpointSpec:   ep,
	}, nil
}

func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func ensureSecret(ctx context.Context, cli client.APIClient, owner, name, value string, version int64) (string, string, error) {
	objName := fmt.Sprintf("%s-%s-%s", owner, name, digest(owner, name, value, fmt.Sprint(version)))
	if s, _, err := cli.SecretInspectWithRaw(ctx, objName); err == nil {
		return s.ID, objName, nil
	}
	resp, err := cli.SecretCreate(ctx, swarm.SecretSpec{Annotations: swarm.Annotations{Name: objName, Labels: map[string]string{labelSwarmOwner: owner}}, Data: []byte(value)})
	if err != nil {
		return "", "", fmt.Errorf("creating swarm secret for %s: %w", path.Join(replicaset.SecretsDir, name), err)
	}
	return resp.ID, objName, nil
}

func ensureConfig(ctx context.Context, cli client.APIClient, owner string, i int, value string) (string, string, error) {
	objName := fmt.Sprintf("%s-config%d-%s", owner, i+1, digest(owner, value))
	if c, _, err := cli.ConfigInspectWithRaw(ctx, objName); err == nil {
		return c.ID, objName, nil
	}
	resp, err := cli.ConfigCreate(ctx, swarm.ConfigSpec{Annotations: swarm.Annotations{Name: objName, Labels: map[string]string{labelSwarmOwner: owner}}, Data: []byte(value)})
	if err != nil {
		return "", "", fmt.Errorf("creating swarm config: %w", err)
	}
	return resp.ID, objName, nil
}

func ensureOverlay(ctx context.Context, cli client.APIClient, name string) error {
	if _, err := cli.NetworkInspect(ctx, name, network.InspectOptions{}); err == nil {
		return nil
	}
	_, err := cli.NetworkCreate(ctx, name, network.CreateOptions{Driver: "overlay", Attachable: true, Labels: map[string]string{labelManagedNetwork: "true"}})
	if err != nil && !errdefs.IsConflict(err) {
		return fmt.Errorf("creating overlay network %s: %w", name, err)
	}
	return nil
}

// swarmDestroy removes the service, waits for its tasks to go, then removes
// its secrets, configs and managed network.
func swarmDestroy(ctx context.Context, cli client.APIClient, spec replicaset.Spec) error {
	if err := cli.ServiceRemove(ctx, spec.Name); err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("removing service %s: %w", spec.Name, err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		list, _ := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", "com.docker.swarm.service.name="+spec.Name))})
		if len(list) == 0 {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	owned := filters.NewArgs(filters.Arg("label", labelSwarmOwner+"="+spec.Name))
	secrets, _ := cli.SecretList(ctx, swarm.SecretListOptions{Filters: owned})
	for _, s := range secrets {
		_ = cli.SecretRemove(ctx, s.ID)
	}
	configs, _ := cli.ConfigList(ctx, swarm.ConfigListOptions{Filters: owned})
	for _, c := range configs {
		_ = cli.ConfigRemove(ctx, c.ID)
	}
	_ = removeVolumes(ctx, cli, spec.Name, spec.Name)
	if n, err := cli.NetworkInspect(ctx, spec.NetworkName(), network.InspectOptions{}); err == nil && n.Labels[labelManagedNetwork] == "true" {
		for i := 0; i < 20; i++ { // the overlay detaches asynchronously
			if err := cli.NetworkRemove(ctx, n.ID); err == nil || errdefs.IsNotFound(err) {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	return nil
}
