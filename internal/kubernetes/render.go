// Package kubernetes renders a replica set as Kubernetes manifests (k8s.io/api
// types, serialised with apimachinery's YAML codec): the same layout for
// users who move from one Docker host to a cluster, applied with the
// Kubernetes provider. It never talks to a cluster.
package kubernetes

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/llmops/terraform-provider-llmops/internal/replicaset"
)

// Names of what the manifests reference but do not hold.
const (
	// AnnotationSpec carries the spec hash on the pod template, so a
	// changed declaration rolls the pods as it rolls the containers.
	AnnotationSpec = "llmops.dev/spec-sha256"
	// AnnotationRestart records a restart policy Kubernetes cannot express.
	AnnotationRestart = "llmops.dev/restart-policy"
	// VolumeSize is the storage each replica's volume claims.
	VolumeSize = "1Gi"
)

// ErrRenderOnly is what the Backend methods other than Render return.
var ErrRenderOnly = errors.New("the Kubernetes backend only renders manifests: apply kubernetes_yaml with the Kubernetes provider")

// Kubernetes is the render-only replica set backend.
type Kubernetes struct {
	// Image is the pullable reference written into the manifests (a
	// registry the cluster reaches); empty: the spec's image, which must
	// then be a reference, never an engine's image ID.
	Image string
}

var _ replicaset.Backend = Kubernetes{}

// Observe is not supported: the cluster is the Kubernetes provider's.
func (Kubernetes) Observe(context.Context, replicaset.Spec) (replicaset.Observed, error) {
	return replicaset.Observed{}, ErrRenderOnly
}

// Reconcile is not supported.
func (Kubernetes) Reconcile(context.Context, replicaset.Spec) error { return ErrRenderOnly }

// Destroy is not supported.
func (Kubernetes) Destroy(context.Context, replicaset.Spec) error { return ErrRenderOnly }

// Render returns the manifests as one YAML stream: what a cluster (and the
// Kubernetes provider's kubernetes_manifest) accepts, with none of the
// fields the API server owns (status, creationTimestamp).
func (k Kubernetes) Render(_ context.Context, spec replicaset.Spec) (string, error) {
	image := cmp.Or(k.Image, spec.Image)
	if strings.HasPrefix(image, "sha256:") {
		return "", fmt.Errorf("image %q is an engine's image ID, which no cluster can pull: set kubernetes_image to the reference "+
			"pushed to a registry the cluster reaches", image)
	}
	spec.Image = image
	var out bytes.Buffer
	for i, o := range Objects(spec) {
		if i > 0 {
			out.WriteString("---\n")
		}
		b, err := manifest(o)
		if err != nil {
			return "", fmt.Errorf("encoding %T: %w", o, err)
		}
		out.Write(b)
	}
	return out.String(), nil
}

// manifest is o as YAML without the fields the API server owns: the
// typed objects always carry a status, and empty structs (resources: {})
// that mean nothing.
func manifest(o runtime.Object) ([]byte, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	if err != nil {
		return nil, err
	}
	prune(m)
	return yaml.Marshal(m)
}

// prune removes status, metadata.creationTimestamp and empty maps, at
// every depth (claim templates and pod templates have them too).
func prune(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		delete(t, "status")
		if md, ok := t["metadata"].(map[string]any); ok {
			delete(md, "creationTimestamp")
		}
		for k, c := range t {
			if prune(c) {
				delete(t, k)
			}
		}
		return len(t) == 0
	case []any:
		for _, c := range t {
			prune(c)
		}
	}
	return false
}

// Objects maps spec to Kubernetes objects: a Deployment (a StatefulSet
// when replicas have their own volumes, which is what a StatefulSet's
// volume claim templates are), a Service named after the set (its alias)
// when it has ports, and a ConfigMap holding config_files. Secret files
// come from a Secret <name>-secrets and the env file from a ConfigMap
// <name>-env, which the manifests reference and never contain.
func Objects(spec replicaset.Spec) []runtime.Object {
	spec = spec.Normalize()
	name := dnsName(spec.Name)
	selector := map[string]string{"app.kubernetes.io/name": spec.Name, "app.kubernetes.io/instance": spec.ProjectName()}
	labels := maps.Clone(selector)
	labels["app.kubernetes.io/managed-by"] = "terraform-provider-llmops"
	meta := metav1.ObjectMeta{Name: name, Labels: labels}
	tmpl := podTemplate(spec, name, selector)
	replicas := int32(spec.Replicas)
	var objs []runtime.Object
	if len(spec.Volumes) > 0 {
		// A StatefulSet's serviceName must be a headless Service: its pods'
		// DNS names; the ClusterIP Service below serves the ports.
		objs = append(objs, &appsv1.StatefulSet{TypeMeta: typeMeta("apps/v1", "StatefulSet"), ObjectMeta: meta,
			Spec: appsv1.StatefulSetSpec{Replicas: &replicas, ServiceName: name + "-headless", Selector: &metav1.LabelSelector{MatchLabels: selector},
				Template: tmpl, VolumeClaimTemplates: claims(spec), PodManagementPolicy: appsv1.ParallelPodManagement,
				UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType}}},
			headless(spec, name, labels, selector))
	} else {
		objs = append(objs, &appsv1.Deployment{TypeMeta: typeMeta("apps/v1", "Deployment"), ObjectMeta: meta,
			Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: selector}, Template: tmpl,
				Strategy: strategy(spec)}})
	}
	if svc := service(spec, meta, selector); svc != nil {
		objs = append(objs, svc)
	}
	if spec.Replicas > 1 {
		// Voluntary disruptions (node drains) take one replica at a time.
		one := intstr.FromInt32(1)
		objs = append(objs, &policyv1.PodDisruptionBudget{TypeMeta: typeMeta("policy/v1", "PodDisruptionBudget"), ObjectMeta: meta,
			Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &one, Selector: &metav1.LabelSelector{MatchLabels: selector}}})
	}
	if len(spec.ConfigFiles) > 0 {
		data := map[string]string{}
		for i, p := range slices.Sorted(maps.Keys(spec.ConfigFiles)) {
			data[configKey(i)] = spec.ConfigFiles[p]
		}
		objs = append(objs, &corev1.ConfigMap{TypeMeta: typeMeta("v1", "ConfigMap"),
			ObjectMeta: metav1.ObjectMeta{Name: name + "-config", Labels: labels}, Data: data})
	}
	return objs
}

func typeMeta(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

// strategy maps update.order: start-first surges new pods before old ones
// go (none unavailable); stop-first takes pods down before replacing them.
func strategy(spec replicaset.Spec) appsv1.DeploymentStrategy {
	step, zero := intstr.FromInt32(int32(spec.Parallelism)), intstr.FromInt32(0)
	ru := &appsv1.RollingUpdateDeployment{MaxSurge: &zero, MaxUnavailable: &step}
	if spec.StartFirst {
		ru = &appsv1.RollingUpdateDeployment{MaxSurge: &step, MaxUnavailable: &zero}
	}
	return appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: ru}
}

func podTemplate(spec replicaset.Spec, name string, selector map[string]string) corev1.PodTemplateSpec {
	annotations := maps.Clone(spec.Labels)
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[AnnotationSpec] = spec.Hash()
	if spec.RestartPolicy != "always" && spec.RestartPolicy != "unless-stopped" {
		// A Deployment's pods restart always (with back-off): on-failure,
		// none and max_attempts have no equivalent; say what was declared.
		annotations[AnnotationRestart] = spec.RestartPolicy
	}
	grace := int64(spec.StopGrace / time.Second)
	c := container(spec, name)
	pod := corev1.PodSpec{Containers: []corev1.Container{c}, RestartPolicy: corev1.RestartPolicyAlways, TerminationGracePeriodSeconds: &grace,
		SecurityContext: podSecurity(spec)}
	if len(spec.SecretFiles) > 0 {
		mode := int32(0o400)
		pod.Volumes = append(pod.Volumes, corev1.Volume{Name: "secrets", VolumeSource: corev1.VolumeSource{
			Secret: &corev1.SecretVolumeSource{SecretName: name + "-secrets", DefaultMode: &mode}}})
	}
	if len(spec.ConfigFiles) > 0 {
		var items []corev1.KeyToPath
		for i := range len(spec.ConfigFiles) {
			items = append(items, corev1.KeyToPath{Key: configKey(i), Path: configKey(i)})
		}
		pod.Volumes = append(pod.Volumes, corev1.Volume{Name: "config", VolumeSource: corev1.VolumeSource{
			ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: name + "-config"}, Items: items}}})
	}
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: selector, Annotations: annotations}, Spec: pod}
}

func container(spec replicaset.Spec, name string) corev1.Container {
	c := corev1.Container{Name: name, Image: spec.Image, Command: spec.Entrypoint, Args: spec.Command}
	for _, k := range slices.Sorted(maps.Keys(spec.Env)) {
		c.Env = append(c.Env, corev1.EnvVar{Name: k, Value: spec.Env[k]})
	}
	if spec.EnvFile != "" {
		c.EnvFrom = []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: name + "-env"}}}}
	}
	for _, p := range spec.Ports {
		c.Ports = append(c.Ports, corev1.ContainerPort{Name: portName(p), ContainerPort: int32(p.Container), Protocol: corev1.Protocol(strings.ToUpper(p.Protocol))})
	}
	if spec.CPUs > 0 || spec.MemoryBytes > 0 {
		// Requests as the limits: the scheduler places what the exporter
		// sizes itself for (GOMEMLIMIT from the memory limit).
		c.Resources.Limits = corev1.ResourceList{}
		if spec.CPUs > 0 {
			c.Resources.Limits[corev1.ResourceCPU] = *resource.NewMilliQuantity(int64(spec.CPUs*1000), resource.DecimalSI)
		}
		if spec.MemoryBytes > 0 {
			c.Resources.Limits[corev1.ResourceMemory] = *resource.NewQuantity(spec.MemoryBytes, resource.BinarySI)
		}
		c.Resources.Requests = c.Resources.Limits.DeepCopy()
	}
	c.SecurityContext = containerSecurity(spec)
	if port, ok := exporterMetricsPort(spec); ok {
		c.ReadinessProbe, c.LivenessProbe, c.StartupProbe = exporterProbes(spec.Health, port)
	} else {
		c.ReadinessProbe, c.LivenessProbe, c.StartupProbe = probes(spec.Health)
	}
	if len(spec.SecretFiles) > 0 {
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "secrets", MountPath: replicaset.SecretsDir, ReadOnly: true})
	}
	for i, p := range slices.Sorted(maps.Keys(spec.ConfigFiles)) {
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "config", MountPath: p, SubPath: configKey(i), ReadOnly: true})
	}
	for _, target := range slices.Sorted(maps.Keys(spec.Volumes)) {
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: dnsName(spec.Volumes[target]), MountPath: target})
	}
	return c
}

// probes maps the healthcheck: readiness (the Service routes only to ready
// pods, as the alias only to started containers) and liveness with the same
// command and Docker's interval, timeout and retries; start_period becomes a
// startup probe that allows as long before liveness counts.
func probes(h *replicaset.Health) (readiness, liveness, startup *corev1.Probe) {
	if h == nil || len(h.Test) == 0 || h.Test[0] == "NONE" {
		return nil, nil, nil
	}
	cmd := h.Test[1:]
	if h.Test[0] == "CMD-SHELL" {
		cmd = []string{"/bin/sh", "-c", strings.Join(h.Test[1:], " ")}
	}
	base := timed(h, corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: cmd}})
	r, l := base, base
	return &r, &l, startupOf(h, base)
}

// timed is a probe running handler with the healthcheck's interval,
// timeout and retries.
func timed(h *replicaset.Health, handler corev1.ProbeHandler) corev1.Probe {
	return corev1.Probe{ProbeHandler: handler, PeriodSeconds: seconds(h.Interval), TimeoutSeconds: seconds(h.Timeout), FailureThreshold: int32(h.Retries)}
}

// startupOf is p as the startup probe start_period asks for (nil without
// one): it allows as long before liveness counts.
func startupOf(h *replicaset.Health, p corev1.Probe) *corev1.Probe {
	if h.StartPeriod <= 0 {
		return nil
	}
	p.FailureThreshold = int32((h.StartPeriod+h.Interval-1)/h.Interval) + int32(h.Retries)
	return &p
}

func seconds(d time.Duration) int32 { return int32(max((d+time.Second-1)/time.Second, 1)) }

func service(spec replicaset.Spec, meta metav1.ObjectMeta, selector map[string]string) *corev1.Service {
	if len(spec.Ports) == 0 {
		return nil
	}
	return &corev1.Service{TypeMeta: typeMeta("v1", "Service"), ObjectMeta: meta, Spec: corev1.ServiceSpec{Selector: selector, Ports: servicePorts(spec)}}
}

// servicePorts are the set's ports, each to its named container port.
func servicePorts(spec replicaset.Spec) []corev1.ServicePort {
	var out []corev1.ServicePort
	for _, p := range spec.Ports {
		out = append(out, corev1.ServicePort{Name: portName(p), Port: int32(p.Container),
			TargetPort: intstr.FromString(portName(p)), Protocol: corev1.Protocol(strings.ToUpper(p.Protocol))})
	}
	return out
}

func claims(spec replicaset.Spec) []corev1.PersistentVolumeClaim {
	var out []corev1.PersistentVolumeClaim
	for _, suffix := range slices.Sorted(slices.Values(slices.Compact(slices.Sorted(maps.Values(spec.Volumes))))) {
		out = append(out, corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: dnsName(suffix)},
			Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(VolumeSize)}}}})
	}
	return out
}

// portName is a valid IANA_SVC_NAME (at most 15 characters): tcp-4318.
func portName(p replicaset.Port) string {
	return strings.ToLower(p.Protocol) + "-" + strconv.Itoa(p.Container)
}

func configKey(i int) string { return "file-" + strconv.Itoa(i+1) }

// dnsName makes a set name a DNS-1123 label: '_' is not allowed there.
func dnsName(s string) string { return strings.ReplaceAll(s, "_", "-") }
