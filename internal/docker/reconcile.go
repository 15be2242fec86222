package docker

import (
	"archive/tar"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"github.com/llmops/terraform-provider-llmops/internal/replicaset"
	"maps"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
	"github.com/docker/go-connections/nat"
)

// Labels marking networks and volumes this package created (and removes).
const (
	labelManagedNetwork = "dev.llmops.managed-network"
	labelManagedVolume  = "dev.llmops.managed-volume"
)

// reconcile makes the engine run spec: it removes surplus replicas, then
// replaces missing, stopped, unhealthy or outdated ones, parallelism at a
// time, waiting for each batch to be healthy, so that at least
// replicas-parallelism stay healthy throughout. Good replicas are untouched.
func reconcile(ctx context.Context, cli client.APIClient, spec replicaset.Spec) error {
	if err := ensureNetwork(ctx, cli, spec.NetworkName()); err != nil {
		return err
	}
	observed, err := observeContainers(ctx, cli, spec)
	if err != nil {
		return err
	}
	byNumber := map[int]replicaset.Replica{}
	for _, r := range observed {
		if _, dup := byNumber[r.Number]; dup || r.Number < 1 || r.Number > spec.Replicas {
			if err := retire(ctx, cli, spec, r.ID); err != nil {
				return err
			}
			continue
		}
		byNumber[r.Number] = r
	}
	var todo []int
	for n := 1; n <= spec.Replicas; n++ {
		if r, ok := byNumber[n]; !ok || !r.Good() {
			todo = append(todo, n)
		}
	}
	step := max(spec.Parallelism, 1)
	for i := 0; i < len(todo); i += step {
		batch := todo[i:min(i+step, len(todo))]
		var ids []string
		for _, n := range batch {
			id, err := replace(ctx, cli, spec, n, byNumber[n])
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		if err := waitHealthy(ctx, cli, ids, spec.WaitTimeout); err != nil {
			return err
		}
		for _, id := range ids {
			if err := joinAlias(ctx, cli, spec, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// replace swaps replica n for a new container from spec. stop-first removes
// the old one first; start-first starts the new one beside it, waits for it
// to be healthy, then removes the old one.
func replace(ctx context.Context, cli client.APIClient, spec replicaset.Spec, n int, old replicaset.Replica) (string, error) {
	name := ContainerName(spec.ProjectName(), spec.Name, n)
	// A replica's volume can hold only one user at a time (the exporter
	// locks its queue file), so volumes mean stop-first.
	if old.ID == "" || !spec.StartFirst || len(spec.Volumes) > 0 {
		if old.ID != "" {
			if err := retire(ctx, cli, spec, old.ID); err != nil {
				return "", err
			}
		}
		return create(ctx, cli, spec, n, name)
	}
	id, err := create(ctx, cli, spec, n, name+"-next")
	if err != nil {
		return "", err
	}
	if err := waitHealthy(ctx, cli, []string{id}, spec.WaitTimeout); err == nil {
		err = joinAlias(ctx, cli, spec, id)
	}
	if err != nil {
		_ = remove(ctx, cli, id)
		return "", err
	}
	// The old replica leaves only once the new one answers under the alias.
	if err := retire(ctx, cli, spec, old.ID); err != nil {
		return "", err
	}
	return id, cli.ContainerRename(ctx, id, name)
}

// joinAlias gives a healthy replica the service's alias on its network:
// create leaves it out, so that Docker's DNS never names a replica that is
// still starting. The engine cannot add an alias to an endpoint, so the
// replica reconnects (its container name resolves throughout).
func joinAlias(ctx context.Context, cli client.APIClient, spec replicaset.Spec, id string) error {
	ins, err := cli.ContainerInspect(ctx, id)
	if err != nil {
		return fmt.Errorf("inspecting %s: %w", id, err)
	}
	net := spec.NetworkName()
	if ep := ins.NetworkSettings.Networks[net]; ep != nil && slices.Contains(ep.Aliases, spec.Name) {
		return nil
	}
	if err := cli.NetworkDisconnect(ctx, net, id, false); err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("moving %s under alias %s: %w", strings.TrimPrefix(ins.Name, "/"), spec.Name, err)
	}
	if err := cli.NetworkConnect(ctx, net, id, &network.EndpointSettings{Aliases: []string{spec.Name}}); err != nil {
		return fmt.Errorf("moving %s under alias %s: %w", strings.TrimPrefix(ins.Name, "/"), spec.Name, err)
	}
	return nil
}

func create(ctx context.Context, cli client.APIClient, spec replicaset.Spec, n int, name string) (string, error) {
	labels := map[string]string{LabelProject: spec.ProjectName(), LabelService: spec.Name, LabelNumber: strconv.Itoa(n), LabelOneOff: "False", LabelSpec: spec.Hash()}
	for k, v := range spec.Labels {
		labels[k] = v
	}
	cfg := &container.Config{Image: spec.Image, Entrypoint: spec.Entrypoint, Cmd: spec.Command, Labels: labels, ExposedPorts: nat.PortSet{}}
	env := spec.Environment()
	for _, k := range slices.Sorted(maps.Keys(env)) {
		cfg.Env = append(cfg.Env, k+"="+env[k])
	}
	if h := spec.Health; h != nil {
		cfg.Healthcheck = &container.HealthConfig{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}
	}
	host := &container.HostConfig{PortBindings: nat.PortMap{},
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyMode(spec.RestartPolicy), MaximumRetryCount: spec.MaxAttempts}}
	if spec.RestartPolicy == "" || spec.RestartPolicy == "none" {
		host.RestartPolicy = container.RestartPolicy{Name: container.RestartPolicyDisabled}
	}
	if spec.RestartPolicy != "on-failure" {
		host.RestartPolicy.MaximumRetryCount = 0
	}
	for _, target := range slices.Sorted(maps.Keys(spec.Volumes)) {
		host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeVolume, Source: VolumeName(spec.VolumePrefix(), spec.Volumes[target], n), Target: target,
			VolumeOptions: &mount.VolumeOptions{Labels: map[string]string{LabelProject: spec.ProjectName(), LabelService: spec.Name, labelManagedVolume: "true"}}})
	}
	host.Resources.NanoCPUs = int64(spec.CPUs * 1e9)
	host.Resources.Memory = spec.MemoryBytes
	for _, p := range spec.Ports {
		proto := p.Protocol
		if proto == "" {
			proto = "tcp"
		}
		port := nat.Port(fmt.Sprintf("%d/%s", p.Container, proto))
		cfg.ExposedPorts[port] = struct{}{}
		hostPort := ""
		if p.Host > 0 {
			hostPort = strconv.Itoa(p.Host + n - 1)
		}
		host.PortBindings[port] = append(host.PortBindings[port], nat.PortBinding{HostIP: p.HostIP, HostPort: hostPort})
	}
	// Without the alias until healthy: see joinAlias.
	netCfg := &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{spec.NetworkName(): {}}}
	resp, err := cli.ContainerCreate(ctx, cfg, host, netCfg, nil, name)
	if err != nil {
		return "", fmt.Errorf("creating %s: %w", name, err)
	}
	if files := filesTar(spec, imageUser(ctx, cli, spec.Image)); files != nil {
		if err := cli.CopyToContainer(ctx, resp.ID, "/", files, container.CopyToContainerOptions{}); err != nil {
			_ = remove(ctx, cli, resp.ID)
			return "", fmt.Errorf("placing files in %s: %w", name, err)
		}
	}
	if err := cli.ContainerStart(ctx, resp.ID, container.StartOptions{}); err != nil {
		_ = remove(ctx, cli, resp.ID)
		return "", fmt.Errorf("starting %s: %w", name, err)
	}
	return resp.ID, nil
}

// owner is a numeric user and group.
type owner struct{ uid, gid int }

// imageUser is the numeric user the image runs as (its USER "uid[:gid]"),
// so that secret files (0400) are readable by the process and no one else.
// A named or absent USER gives root: a name cannot be resolved without the
// image's /etc/passwd.
func imageUser(ctx context.Context, cli client.APIClient, ref string) owner {
	ins, err := cli.ImageInspect(ctx, ref)
	if err != nil || ins.Config == nil {
		return owner{}
	}
	return parseUser(ins.Config.User)
}

func parseUser(u string) owner {
	us, gs, _ := strings.Cut(u, ":")
	uid, err := strconv.Atoi(us)
	if err != nil || uid < 0 {
		return owner{}
	}
	gid, err := strconv.Atoi(gs)
	if err != nil || gid < 0 {
		gid = uid
	}
	return owner{uid, gid}
}

// filesTar packs secret files (0400, under replicaset.SecretsDir, owned by the image's
// user) and config files (0444), with their directories, for
// CopyToContainer: the values never appear in the container's
// configuration or environment.
func filesTar(spec replicaset.Spec, own owner) *bytes.Buffer {
	if len(spec.SecretFiles) == 0 && len(spec.ConfigFiles) == 0 {
		return nil
	}
	type file struct {
		path string
		mode int64
		data string
		own  owner
	}
	var files []file
	for name, v := range spec.SecretFiles {
		files = append(files, file{path.Join(replicaset.SecretsDir, name), 0o400, v, own})
	}
	for p, v := range spec.ConfigFiles {
		files = append(files, file{path.Clean(p), 0o444, v, owner{}})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	for _, f := range files {
		rel := strings.TrimPrefix(f.path, "/")
		for d := path.Dir(rel); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	dirList := make([]string, 0, len(dirs))
	for d := range dirs {
		dirList = append(dirList, d)
	}
	sort.Strings(dirList) // parents before children
	for _, d := range dirList {
		_ = tw.WriteHeader(&tar.Header{Name: d + "/", Typeflag: tar.TypeDir, Mode: 0o755})
	}
	for _, f := range files {
		_ = tw.WriteHeader(&tar.Header{Name: strings.TrimPrefix(f.path, "/"), Mode: f.mode, Size: int64(len(f.data)), Uid: f.own.uid, Gid: f.own.gid})
		_, _ = tw.Write([]byte(f.data))
	}
	_ = tw.Close()
	return &buf
}

// waitHealthy waits until every container is healthy (or, without a
// healthcheck, running), and otherwise reports the failing one's last probe.
func waitHealthy(ctx context.Context, cli client.APIClient, ids []string, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	deadline := time.Now().Add(timeout)
	for _, id := range ids {
		for {
			ins, err := cli.ContainerInspect(ctx, id)
			if err != nil {
				return fmt.Errorf("waiting for %s: %w", id[:12], err)
			}
			name := strings.TrimPrefix(ins.Name, "/")
			st := ins.State
			switch {
			case st.Health == nil && st.Running:
				goto next
			case st.Health != nil && st.Health.Status == "healthy":
				goto next
			case !st.Running && !st.Restarting && st.Status == "exited":
				return fmt.Errorf("replica %s exited (code %d) before becoming healthy: %s%s", name, st.ExitCode, lastHealthLog(ctx, cli, id), logTail(ctx, cli, id))
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("replica %s not healthy after %s; last health check: %s%s", name, timeout, lastHealthLog(ctx, cli, id), logTail(ctx, cli, id))
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(250 * time.Millisecond):
			}
		}
	next:
	}
	return nil
}

// retire stops a replica gracefully (SIGTERM, then SIGKILL after
// stop_grace_period, 10 s by default, as Compose) and removes it. It stays
// on the network while it drains: leaving first would take it out of
// Docker's DNS, but would also cut the requests it is serving, which their
// clients then wait out (measured: a 30 s hang), where a connection refused
// in the instant between its listener closing and its exit is retried at
// once by nginx (see the HA guide, "Rollouts, measured").
func retire(ctx context.Context, cli client.APIClient, spec replicaset.Spec, id string) error {
	secs := int(cmp.Or(spec.StopGrace, 10*time.Second).Round(time.Second) / time.Second)
	if err := cli.ContainerStop(ctx, id, container.StopOptions{Timeout: &secs}); err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("stopping container %s: %w", id, err)
	}
	return remove(ctx, cli, id)
}

func remove(ctx context.Context, cli client.APIClient, id string) error {
	err := cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("removing container %s: %w", id, err)
	}
	return nil
}

func ensureNetwork(ctx context.Context, cli client.APIClient, name string) error {
	if _, err := cli.NetworkInspect(ctx, name, network.InspectOptions{}); err == nil {
		return nil
	} else if !errdefs.IsNotFound(err) {
		return fmt.Errorf("network %s: %w", name, err)
	}
	_, err := cli.NetworkCreate(ctx, name, network.CreateOptions{Labels: map[string]string{labelManagedNetwork: "true"}})
	if err != nil && !errdefs.IsConflict(err) {
		return fmt.Errorf("creating network %s: %w", name, err)
	}
	return nil
}

// destroy removes every replica of name, and the network when this package
// created it and nothing else uses it.
func destroy(ctx context.Context, cli client.APIClient, spec replicaset.Spec) error {
	list, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: selector(spec)})
	if err != nil {
		return err
	}
	for _, c := range list {
		if err := retire(ctx, cli, spec, c.ID); err != nil {
			return err
		}
	}
	if err := removeVolumes(ctx, cli, spec.ProjectName(), spec.Name); err != nil {
		return err
	}
	n, err := cli.NetworkInspect(ctx, spec.NetworkName(), network.InspectOptions{})
	if err == nil && n.Labels[labelManagedNetwork] == "true" && len(n.Containers) == 0 {
		if err := cli.NetworkRemove(ctx, n.ID); err != nil && !errdefs.IsNotFound(err) {
			return fmt.Errorf("removing network %s: %w", n.Name, err)
		}
	}
	return nil
}

// removeVolumes deletes the replica volumes the set created.
func removeVolumes(ctx context.Context, cli client.APIClient, project, service string) error {
	vols, err := cli.VolumeList(ctx, volume.ListOptions{Filters: filters.NewArgs(filters.Arg("label", LabelProject+"="+project),
		filters.Arg("label", LabelService+"="+service), filters.Arg("label", labelManagedVolume+"=true"))})
	if err != nil {
		return fmt.Errorf("listing volumes of %s: %w", service, err)
	}
	for _, v := range vols.Volumes {
		if err := cli.VolumeRemove(ctx, v.Name, true); err != nil && !errdefs.IsNotFound(err) {
			return fmt.Errorf("removing volume %s: %w", v.Name, err)
		}
	}
	return nil
}
