package replicaset

import (
	"fmt"
	"strings"
)

// PortCollision is a published port whose host ports overlap an earlier
// one's: replica n of a port with host_port h binds h + n - 1, so two
// entries collide when their ranges meet on one protocol and address.
type PortCollision struct {
	Index, Other int   // the later and the earlier entry
	Ports        []int // the host ports both would bind
}

func (c PortCollision) Error() string {
	ps := make([]string, len(c.Ports))
	for i, p := range c.Ports {
		ps[i] = fmt.Sprint(p)
	}
	return fmt.Sprintf("host ports %s are also ports[%d]'s", strings.Join(ps, ", "), c.Other)
}

// PortCollisions lists every entry of ports whose host range overlaps an
// earlier entry's, given the number of replicas. Entries without a host
// port get one from the engine and never collide.
func PortCollisions(ports []Port, replicas int) []PortCollision {
	n := max(replicas, 1)
	var out []PortCollision
	for i, p := range ports {
		for j, q := range ports[:i] {
			if p.Host == 0 || q.Host == 0 || proto(p) != proto(q) || !sameAddress(p.HostIP, q.HostIP) {
				continue
			}
			lo, hi := max(p.Host, q.Host), min(p.Host, q.Host)+n-1
			if lo > hi {
				continue
			}
			c := PortCollision{Index: i, Other: j}
			for h := lo; h <= hi; h++ {
				c.Ports = append(c.Ports, h)
			}
			out = append(out, c)
			break // one error per entry: the first it meets
		}
	}
	return out
}

// HostRange describes the host ports an entry binds, e.g. "19464-19466".
func HostRange(p Port, replicas int) string {
	if replicas <= 1 {
		return fmt.Sprint(p.Host)
	}
	return fmt.Sprintf("%d-%d", p.Host, p.Host+replicas-1)
}

func proto(p Port) string {
	if p.Protocol == "" {
		return "tcp"
	}
	return p.Protocol
}

// sameAddress: the unspecified address binds every address, so it meets
// any other.
func sameAddress(a, b string) bool {
	any := func(s string) bool { return s == "" || s == "0.0.0.0" || s == "::" }
	return a == b || any(a) || any(b)
}
