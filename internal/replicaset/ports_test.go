package replicaset

import (
	"reflect"
	"testing"
)

func TestPortCollisions(t *testing.T) {
	for _, c := range []struct {
		name     string
		ports    []Port
		replicas int
		want     []PortCollision
	}{
		{"issue's layout: 9464->19464 and 4318->19465 with 3 replicas",
			[]Port{{Container: 9464, Host: 19464}, {Container: 4318, Host: 19465}}, 3,
			[]PortCollision{{Index: 1, Other: 0, Ports: []int{19465, 19466}}}},
		{"spaced by the replica count", []Port{{Container: 9464, Host: 19464}, {Container: 4318, Host: 19467}}, 3, nil},
		{"one replica, one host port twice", []Port{{Container: 9464, Host: 8080}, {Container: 4318, Host: 8080}}, 1,
			[]PortCollision{{Index: 1, Other: 0, Ports: []int{8080}}}},
		{"tcp and udp share a number", []Port{{Container: 53, Host: 5353}, {Container: 53, Host: 5353, Protocol: "udp"}}, 2, nil},
		{"two specific addresses", []Port{{Container: 1, Host: 9000, HostIP: "127.0.0.1"}, {Container: 2, Host: 9000, HostIP: "127.0.0.2"}}, 1, nil},
		{"all addresses meets one", []Port{{Container: 1, Host: 9000, HostIP: "127.0.0.1"}, {Container: 2, Host: 9001, HostIP: "0.0.0.0"}}, 2,
			[]PortCollision{{Index: 1, Other: 0, Ports: []int{9001}}}},
		{"engine-picked ports", []Port{{Container: 1}, {Container: 2}}, 3, nil},
		{"zero replicas counts as one", []Port{{Container: 1, Host: 9000}, {Container: 2, Host: 9001}}, 0, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := PortCollisions(c.ports, c.replicas); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
	if msg := (PortCollision{Index: 1, Other: 0, Ports: []int{19465, 19466}}).Error(); msg != "host ports 19465, 19466 are also ports[0]'s" {
		t.Errorf("message: %s", msg)
	}
}
