package kubernetes

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/llmops/terraform-provider-llmops/internal/replicaset"
)

// exporterUser is the user llmops_exporter_image's image runs as.
const exporterUser = 65532

// isExporter tells llmops-exporter's image by its healthcheck, the image's
// own: its user (65532), its read-only needs and its HTTP endpoints are
// known. Other images (Dify's API) keep the user they were built with.
func isExporter(spec replicaset.Spec) bool {
	h := spec.Health
	return h != nil && len(h.Test) >= 3 && h.Test[0] == "CMD" && strings.HasSuffix(h.Test[1], "llmops-exporter") && h.Test[2] == "healthcheck"
}

// podSecurity: every pod gets the runtime's default seccomp profile; the
// exporter also runs as its image's non-root user, with volumes owned by
// its group.
func podSecurity(spec replicaset.Spec) *corev1.PodSecurityContext {
	sc := &corev1.PodSecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}
	if isExporter(spec) {
		user, yes := int64(exporterUser), true
		sc.RunAsUser, sc.RunAsGroup, sc.RunAsNonRoot = &user, &user, &yes
		if len(spec.Volumes) > 0 || len(spec.SecretFiles) > 0 {
			sc.FSGroup = &user
		}
	}
	return sc
}

// containerSecurity: no privilege escalation anywhere; the exporter (a
// static binary writing only to its volume) also gets a read-only root
// filesystem and no capabilities.
func containerSecurity(spec replicaset.Spec) *corev1.SecurityContext {
	no := false
	sc := &corev1.SecurityContext{AllowPrivilegeEscalation: &no}
	if isExporter(spec) {
		yes := true
		sc.ReadOnlyRootFilesystem = &yes
		sc.Capabilities = &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}
	}
	return sc
}

// exporterMetricsPort is the port of the exporter's /ready and /health:
// its metrics port, 9464 unless the set declares only one other port.
func exporterMetricsPort(spec replicaset.Spec) (int32, bool) {
	if !isExporter(spec) {
		return 0, false
	}
	for _, p := range spec.Ports {
		if p.Container == 9464 {
			return 9464, true
		}
	}
	return 0, false
}

// exporterProbes: readiness is /ready (503 while the exporter refuses
// requests, e.g. its queue volume is full, so the Service stops sending
// it traffic), liveness and startup /health, with the healthcheck's
// timing.
func exporterProbes(h *replicaset.Health, port int32) (readiness, liveness, startup *corev1.Probe) {
	get := func(path string) corev1.Probe {
		return timed(h, corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromInt32(port)}})
	}
	r, l := get("/ready"), get("/health")
	return &r, &l, startupOf(h, l)
}

// headless is the StatefulSet's governing Service: no cluster IP, its
// pods' stable DNS names.
func headless(spec replicaset.Spec, name string, labels, selector map[string]string) *corev1.Service {
	return &corev1.Service{TypeMeta: typeMeta("v1", "Service"), ObjectMeta: metav1.ObjectMeta{Name: name + "-headless", Labels: labels},
		Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Selector: selector, PublishNotReadyAddresses: true, Ports: servicePorts(spec)}}
}
