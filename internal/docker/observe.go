package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"github.com/llmops/terraform-provider-llmops/internal/replicaset"
	"io"
	"maps"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/docker/go-connections/nat"
)

// Compose's labels, so `docker compose ps` and `docker ps --filter` see the
// replicas as a project's service.
const (
	LabelProject = "com.docker.compose.project"
	LabelService = "com.docker.compose.service"
	LabelNumber  = "com.docker.compose.container-number"
	LabelOneOff  = "com.docker.compose.oneoff"
	// LabelSpec holds the hash of the spec a replica was created from.
	LabelSpec = "dev.llmops.replica-set.spec-sha256"
)

// VolumeName is replica n's volume for suffix.
func VolumeName(prefix, suffix string, n int) string {
	return fmt.Sprintf("%s-%s-%d", prefix, suffix, n)
}

// ContainerName is replica n's name, as Compose names it.
func ContainerName(project, service string, n int) string {
	return fmt.Sprintf("%s-%s-%d", project, service, n)
}

// selector matches the containers of spec's service in its project.
func selector(spec replicaset.Spec) filters.Args {
	return filters.NewArgs(filters.Arg("label", LabelProject+"="+spec.ProjectName()), filters.Arg("label", LabelService+"="+spec.Name))
}

// observeContainers lists the replicas of spec.Name and judges each against spec.
func observeContainers(ctx context.Context, cli client.APIClient, spec replicaset.Spec) ([]replicaset.Replica, error) {
	list, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: selector(spec)})
	if err != nil {
		return nil, fmt.Errorf("listing the containers of %s: %w", spec.Name, err)
	}
	hash := spec.Hash()
	if spec.ExpectHash != "" {
		hash = spec.ExpectHash
	}
	var out []replicaset.Replica
	for _, c := range list {
		n, _ := strconv.Atoi(c.Labels[LabelNumber])
		ins, err := cli.ContainerInspect(ctx, c.ID)
		if err != nil {
			continue // removed meanwhile
		}
		r := replicaset.Replica{Number: n, ID: c.ID, Name: strings.TrimPrefix(ins.Name, "/"), Health: "none"}
		if ins.State != nil {
			r.Running = ins.State.Running
			if ins.State.Health != nil {
				r.Health = ins.State.Health.Status
			}
		}
		r.Drift = differences(ctx, cli, ins, c.Labels[LabelSpec], hash, spec, r.Running)
		r.Matches = len(r.Drift) == 0
		if ins.NetworkSettings != nil {
			// Every published port, declared or not: an imported set does
			// not know its declaration yet.
			for port, binds := range ins.NetworkSettings.Ports {
				if addr := firstIPv4(binds); addr != "" {
					if r.Ports == nil {
						r.Ports = map[string]string{}
					}
					r.Ports[string(port)] = addr
				}
			}
			if len(spec.Ports) > 0 {
				r.Published = r.Ports[fmt.Sprintf("%d/%s", spec.Ports[0].Container, orDefault(spec.Ports[0].Protocol, "tcp"))]
			}
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, nil
}

// differences lists how a container differs from spec ("" none). A running
// replica must also be on the set's network under its service alias, with
// every declared port published (`docker network disconnect` takes both
// away while the image, environment and labels still match), and hold the
// declared config files byte for byte (`docker cp` or an edit inside the
// container changes nothing else).
func differences(ctx context.Context, cli client.APIClient, ins container.InspectResponse, specLabel, hash string, spec replicaset.Spec, running bool) []string {
	var out []string
	switch {
	case ins.Config == nil:
		return []string{"no configuration"}
	case specLabel != hash:
		out = append(out, "created from another declaration")
	case ins.Config.Image != spec.Image:
		out = append(out, "runs another image")
	}
	if !envContains(ins.Config.Env, spec.Environment()) {
		out = append(out, "environment changed")
	}
	if !labelsContain(ins.Config.Labels, spec.Labels) {
		out = append(out, "labels changed")
	}
	if !running {
		return out
	}
	var ep *network.EndpointSettings
	if ins.NetworkSettings != nil {
		ep = ins.NetworkSettings.Networks[spec.NetworkName()]
	}
	if ep == nil || !(slices.Contains(ep.Aliases, spec.Name) || slices.Contains(ep.DNSNames, spec.Name)) {
		out = append(out, fmt.Sprintf("not on network %s as %s", spec.NetworkName(), spec.Name))
	}
	for _, p := range spec.Ports {
		key := fmt.Sprintf("%d/%s", p.Container, orDefault(p.Protocol, "tcp"))
		if ins.NetworkSettings == nil || len(ins.NetworkSettings.Ports[nat.Port(key)]) == 0 {
			out = append(out, "port "+key+" not published")
		}
	}
	for _, path := range slices.Sorted(maps.Keys(spec.ConfigFiles)) {
		if got, err := readFile(ctx, cli, ins.ID, path); err != nil || got != spec.ConfigFiles[path] {
			out = append(out, "config file "+path+" changed")
		}
	}
	return out
}

// readFile reads one regular file from a container.
func readFile(ctx context.Context, cli client.APIClient, id, path string) (string, error) {
	rc, _, err := cli.CopyFromContainer(ctx, id, path)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	if _, err := tr.Next(); err != nil {
		return "", err
	}
	b, err := io.ReadAll(io.LimitReader(tr, 16<<20))
	return string(b), err
}

func envContains(env []string, want map[string]string) bool {
	for k, v := range want {
		if !slices.Contains(env, k+"="+v) {
			return false
		}
	}
	return true
}

func labelsContain(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// lastHealthLog returns the output of the container's last health probe.
func lastHealthLog(ctx context.Context, cli client.APIClient, id string) string {
	ins, err := cli.ContainerInspect(ctx, id)
	if err != nil || ins.State == nil {
		return ""
	}
	if ins.State.Health != nil && len(ins.State.Health.Log) > 0 {
		l := ins.State.Health.Log[len(ins.State.Health.Log)-1]
		return fmt.Sprintf("exit %d: %s", l.ExitCode, strings.TrimSpace(l.Output))
	}
	if !ins.State.Running {
		return fmt.Sprintf("not running (exit code %d, %s)", ins.State.ExitCode, ins.State.Error)
	}
	return ""
}

// logTailLines is how much of a failing replica's log an error quotes.
const logTailLines = 15

// logTail is the end of the container's log, as a paragraph to append to an
// error ("" when there is none): the cause of a failed health check (a
// missing secret file, a bad configuration) is usually there, not in the
// probe's output.
func logTail(ctx context.Context, cli client.APIClient, id string) string {
	if text := readLogTail(ctx, cli, id); text != "" {
		return fmt.Sprintf("\n\nlast %d lines of its log:\n%s", logTailLines, text)
	}
	return ""
}

func readLogTail(ctx context.Context, cli client.APIClient, id string) string {
	rc, err := cli.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true, Tail: strconv.Itoa(logTailLines)})
	if err != nil {
		return ""
	}
	defer rc.Close()
	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &out, io.LimitReader(rc, 64<<10)); err != nil && out.Len() == 0 {
		return ""
	}
	return strings.TrimSpace(strings.ToValidUTF8(out.String(), "?"))
}

// firstIPv4 is the first IPv4 binding as host:port (an unspecified host
// address reads as 127.0.0.1).
func firstIPv4(binds []nat.PortBinding) string {
	for _, b := range binds {
		if strings.Contains(b.HostIP, ":") {
			continue // the IPv6 twin of the binding
		}
		host := b.HostIP
		if host == "" || host == "0.0.0.0" {
			host = "127.0.0.1"
		}
		return net.JoinHostPort(host, b.HostPort)
	}
	return ""
}
