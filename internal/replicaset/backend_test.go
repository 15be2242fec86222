package replicaset

import (
	"reflect"
	"testing"
	"time"
)

func TestNormalizeFillsEveryDefaultOnce(t *testing.T) {
	s := Spec{Name: "x", Ports: []Port{{Container: 80}, {Container: 53, Protocol: "udp"}}, Health: &Health{Test: []string{"CMD", "true"}},
		RestartPolicy: "always", MaxAttempts: 5}
	n := s.Normalize()
	cases := map[string]bool{
		"restart kept":                      n.RestartPolicy == "always",
		"max attempts only with on-failure": n.MaxAttempts == 0,
		"parallelism":                       n.Parallelism == 1,
		"wait timeout":                      n.WaitTimeout == DefaultWaitTimeout,
		"stop grace":                        n.StopGrace == DefaultStopGrace,
		"tcp by default":                    n.Ports[0].Protocol == "tcp",
		"udp kept":                          n.Ports[1].Protocol == "udp",
		"health defaults":                   n.Health.Interval == 30*time.Second && n.Health.Timeout == 30*time.Second && n.Health.Retries == 3,
		"input untouched":                   s.Ports[0].Protocol == "" && s.Health.Retries == 0,
		"idempotent":                        reflect.DeepEqual(n.Normalize(), n),
		"restart default":                   Spec{}.Normalize().RestartPolicy == "on-failure",
	}
	for name, ok := range cases {
		t.Run(name, func(t *testing.T) {
			if !ok {
				t.Errorf("%+v", n)
			}
		})
	}
}
