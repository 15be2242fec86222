package kubernetes

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"

	"github.com/llmops/terraform-provider-llmops/internal/replicaset"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// specs are the layouts the golden files hold.
var specs = map[string]replicaset.Spec{
	// The exporter as the quickstart runs it: ports, config and secret
	// files, per-replica queue volumes, a healthcheck with a start period.
	"exporter": {Name: "llmops_exporter", Image: "llmops-exporter:1.0.0-abc", Replicas: 3, Command: []string{"run", "-c", "/etc/llmops-exporter/config.yaml"},
		Env: map[string]string{"LLMOPS_LOG_LEVEL": "info"}, SecretFiles: map[string]string{"otlp_token": "never-rendered"},
		ConfigFiles: map[string]string{"/etc/llmops-exporter/config.yaml": "receivers:\n  otlp: {}\n"},
		Ports:       []replicaset.Port{{Container: 4318}, {Container: 9464, Host: 19464}}, Volumes: map[string]string{"/var/lib/llmops-exporter": "queue"},
		Health: &replicaset.Health{Test: []string{"CMD", "/llmops-exporter", "healthcheck"}, Interval: 10 * time.Second, Timeout: 2 * time.Second, StartPeriod: 30 * time.Second},
		CPUs:   0.5, MemoryBytes: 256 << 20, Labels: map[string]string{"team": "ml"}, StartFirst: true, Parallelism: 1},
	// The seed's layout for Dify's API: env file, entrypoint, start-first.
	"dify-api": {Name: "api", Project: "docker", Image: "langgenius/dify-api:1.10.1", Replicas: 3, EnvFile: "/opt/dify/docker/.env",
		FileEnv: map[string]string{"DB_HOST": "never-rendered"}, Env: map[string]string{"MODE": "api"}, SecretFiles: map[string]string{"SECRET_KEY": "never-rendered"},
		Entrypoint: []string{"/bin/bash", "-c", "exec /bin/bash /entrypoint.sh"}, Ports: []replicaset.Port{{Container: 5001}},
		Health:    &replicaset.Health{Test: []string{"CMD-SHELL", "curl -f http://localhost:5001/health"}, Interval: 30 * time.Second, Timeout: 10 * time.Second, Retries: 3},
		StopGrace: 30 * time.Second, StartFirst: true},
}

// TestRenderGolden compares each rendering with its golden file (go test
// ./internal/kubernetes -update rewrites them).
func TestRenderGolden(t *testing.T) {
	for name, spec := range specs {
		t.Run(name, func(t *testing.T) {
			got, err := Kubernetes{}.Render(context.Background(), spec)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join("testdata", name+".yaml")
			if *update {
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("rendering differs from %s (run with -update after checking):\n%s", file, got)
			}
			if strings.Contains(got, "never-rendered") {
				t.Error("a secret or env file value is in the manifests")
			}
		})
	}
}

// Scheme knows the kinds Objects returns, to decode them strictly.
var Scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := appsv1.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := corev1.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := policyv1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}()

// TestRenderDecodesStrictly decodes every document back with strict
// decoding (unknown or duplicate fields fail) into k8s.io/api types and
// compares it with the objects rendered.
func TestRenderDecodesStrictly(t *testing.T) {
	strict := json.NewSerializerWithOptions(json.DefaultMetaFactory, Scheme, Scheme, json.SerializerOptions{Yaml: true, Strict: true})
	for name, spec := range specs {
		t.Run(name, func(t *testing.T) {
			out, err := Kubernetes{}.Render(context.Background(), spec)
			if err != nil {
				t.Fatal(err)
			}
			docs := strings.Split(out, "---\n")
			want := Objects(spec)
			if len(docs) != len(want) {
				t.Fatalf("%d documents, %d objects", len(docs), len(want))
			}
			for i, doc := range docs {
				got, _, err := strict.Decode([]byte(doc), nil, nil)
				if err != nil {
					t.Fatalf("document %d: %v", i, err)
				}
				if !equality.Semantic.DeepEqual(got, want[i]) {
					t.Errorf("document %d decodes to %#v, want %#v", i, got, want[i])
				}
			}
		})
	}
}

// TestRenderMapping checks the mapping rules one by one.
func TestRenderMapping(t *testing.T) {
	objs := Objects(specs["exporter"])
	sts := find[*appsv1.StatefulSet](t, objs)
	c := sts.Spec.Template.Spec.Containers[0]
	dify := Objects(specs["dify-api"])
	dep := find[*appsv1.Deployment](t, dify)
	dc := dep.Spec.Template.Spec.Containers[0]
	cases := map[string]bool{
		"volumes make a StatefulSet with one claim per volume":   len(sts.Spec.VolumeClaimTemplates) == 1 && sts.Spec.VolumeClaimTemplates[0].Name == "queue",
		"names are DNS labels":                                   sts.Name == "llmops-exporter",
		"replicas":                                               *sts.Spec.Replicas == 3,
		"command is args, entrypoint is command":                 len(c.Args) == 3 && c.Command == nil && strings.Join(dc.Command, " ") == "/bin/bash -c exec /bin/bash /entrypoint.sh",
		"the exporter's readiness is /ready on its metrics port": c.ReadinessProbe != nil && c.ReadinessProbe.HTTPGet.Path == "/ready" && c.ReadinessProbe.HTTPGet.Port.IntVal == 9464 && c.ReadinessProbe.PeriodSeconds == 10,
		"the exporter's liveness is /health":                     c.LivenessProbe.HTTPGet.Path == "/health" && c.StartupProbe.HTTPGet.Path == "/health",
		"other images keep exec probes from the healthcheck":     dc.ReadinessProbe != nil && dc.ReadinessProbe.Exec != nil,
		"a StatefulSet is governed by a headless Service":        sts.Spec.ServiceName == "llmops-exporter-headless" && findNamed(objs, "llmops-exporter-headless").Spec.ClusterIP == corev1.ClusterIPNone,
		"the ports are a ClusterIP Service":                      findNamed(objs, "llmops-exporter").Spec.ClusterIP == "" && len(findNamed(objs, "llmops-exporter").Spec.Ports) == 2,
		"replicas > 1 get a PodDisruptionBudget of one":          find[*policyv1.PodDisruptionBudget](t, objs).Spec.MaxUnavailable.IntVal == 1,
		"the exporter runs as 65532, non-root, seccomp default":  *sts.Spec.Template.Spec.SecurityContext.RunAsUser == 65532 && *sts.Spec.Template.Spec.SecurityContext.RunAsNonRoot && *sts.Spec.Template.Spec.SecurityContext.FSGroup == 65532 && sts.Spec.Template.Spec.SecurityContext.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault,
		"the exporter's root filesystem is read-only, no caps":   *c.SecurityContext.ReadOnlyRootFilesystem && !*c.SecurityContext.AllowPrivilegeEscalation && c.SecurityContext.Capabilities.Drop[0] == "ALL",
		"other images keep their user":                           dep.Spec.Template.Spec.SecurityContext.RunAsUser == nil && !*dc.SecurityContext.AllowPrivilegeEscalation,
		"requests are the limits":                                c.Resources.Requests.Cpu().MilliValue() == 500 && c.Resources.Requests.Memory().Value() == 256<<20,
		"retries default to Docker's 3":                          c.LivenessProbe.FailureThreshold == 3,
		"start period is a startup probe":                        c.StartupProbe != nil && c.StartupProbe.FailureThreshold == 6,
		"CMD-SHELL runs in sh":                                   strings.Join(dc.LivenessProbe.Exec.Command, " ") == "/bin/sh -c curl -f http://localhost:5001/health",
		"start-first surges":                                     dep.Spec.Strategy.RollingUpdate.MaxSurge.IntVal == 1 && dep.Spec.Strategy.RollingUpdate.MaxUnavailable.IntVal == 0,
		"grace period":                                           *dep.Spec.Template.Spec.TerminationGracePeriodSeconds == 30,
		"secret files from a Secret, mode 0400":                  *dep.Spec.Template.Spec.Volumes[0].Secret.DefaultMode == 0o400 && dep.Spec.Template.Spec.Volumes[0].Secret.SecretName == "api-secrets",
		"env file from a ConfigMap":                              dc.EnvFrom[0].ConfigMapRef.Name == "api-env",
		"limits":                                                 c.Resources.Limits.Cpu().MilliValue() == 500 && c.Resources.Limits.Memory().Value() == 256<<20,
		"restart on-failure is recorded":                         dep.Spec.Template.Annotations[AnnotationRestart] == "on-failure",
		"the spec hash rolls pods":                               dep.Spec.Template.Annotations[AnnotationSpec] == specs["dify-api"].Normalize().Hash(),
		"the Service is the alias":                               find[*corev1.Service](t, dify).Name == "api" && find[*corev1.Service](t, dify).Spec.Ports[0].Port == 5001,
		"config files from a ConfigMap by subPath":               c.VolumeMounts[1].SubPath == "file-1" && c.VolumeMounts[1].MountPath == "/etc/llmops-exporter/config.yaml",
	}
	for name, ok := range cases {
		t.Run(name, func(t *testing.T) {
			if !ok {
				t.Fail()
			}
		})
	}
	stop := Objects(replicaset.Spec{Name: "x", Image: "i", Replicas: 4, Parallelism: 2})
	ru := find[*appsv1.Deployment](t, stop).Spec.Strategy.RollingUpdate
	if ru.MaxSurge.IntVal != 0 || ru.MaxUnavailable.IntVal != 2 {
		t.Errorf("stop-first: surge %v unavailable %v", ru.MaxSurge, ru.MaxUnavailable)
	}
	if len(stop) != 2 {
		t.Errorf("no ports, no config: only the Deployment and its PodDisruptionBudget, got %d objects", len(stop))
	}
}

func findNamed(objs []runtime.Object, name string) *corev1.Service {
	for _, o := range objs {
		if s, ok := o.(*corev1.Service); ok && s.Name == name {
			return s
		}
	}
	return &corev1.Service{}
}

// What a cluster refuses is never rendered: no status or creationTimestamp
// (kubernetes_manifest rejects status), no `resources: {}`, and no engine
// image ID (no node can pull one); kubernetes_image replaces the image.
func TestRenderIsWhatAClusterAccepts(t *testing.T) {
	for name, spec := range specs {
		out, err := Kubernetes{}.Render(context.Background(), spec)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"status:", "creationTimestamp", "resources: {}"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s: the manifests hold %q", name, bad)
			}
		}
	}
	spec := specs["exporter"]
	spec.Image = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	if _, err := (Kubernetes{}).Render(context.Background(), spec); err == nil || !strings.Contains(err.Error(), "kubernetes_image") {
		t.Fatalf("an image ID rendered: %v", err)
	}
	out, err := Kubernetes{Image: "registry.example.com/llmops-exporter:1.0.0-abc"}.Render(context.Background(), spec)
	if err != nil || !strings.Contains(out, "image: registry.example.com/llmops-exporter:1.0.0-abc") || strings.Contains(out, "image: sha256:") {
		t.Fatalf("kubernetes_image: %v\n%s", err, out)
	}
}

func find[T runtime.Object](t *testing.T, objs []runtime.Object) T {
	t.Helper()
	for _, o := range objs {
		if v, ok := o.(T); ok {
			return v
		}
	}
	var zero T
	t.Fatalf("no %T among %d objects", zero, len(objs))
	return zero
}
