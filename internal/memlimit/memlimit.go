// Package memlimit reads the memory limit the exporter runs under (its
// cgroup's, as Docker and Kubernetes set it) and derives the runtime's
// settings from it: the soft heap limit (GOMEMLIMIT), the collector pace
// (GOGC) and the receivers' budget for request bytes in flight.
package memlimit

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// cgroupFiles are where cgroup v2 and v1 publish the limit, relative to root.
var cgroupFiles = []string{"sys/fs/cgroup/memory.max", "sys/fs/cgroup/memory/memory.limit_in_bytes"}

// Cgroup returns the memory limit of the process's cgroup read under root
// ("/" in production), or false when there is none ("max", or v1's
// near-2^63 "unlimited").
func Cgroup(root string) (int64, bool) {
	for _, f := range cgroupFiles {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			continue
		}
		v := strings.TrimSpace(string(b))
		if v == "max" {
			return 0, false
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 || n >= 1<<60 {
			return 0, false
		}
		return n, true
	}
	return 0, false
}

// DefaultInFlightWithoutLimit is the request budget when no memory limit is
// known.
const DefaultInFlightWithoutLimit = 64 << 20

// Plan is what the exporter sets at start-up.
type Plan struct {
	// InFlightBytes is the receivers' budget for request bytes in memory.
	InFlightBytes int64
	// MemoryLimit is the soft heap limit to set (0: leave the runtime's).
	MemoryLimit int64
	// GCPercent is the GOGC to set (0: leave the runtime's).
	GCPercent int
}

// Derive plans the runtime settings. limit is the cgroup limit (0: none);
// configured is max_in_flight_bytes (0: derive); envGOGC and envMemLimit
// say whether GOGC and GOMEMLIMIT are set in the environment, which always
// wins.
//
// Decoding a request holds its bytes and a tree about three times their
// size, so the budget is a quarter of the limit and the soft heap limit
// 80 % of it: the collector works harder before the container is killed.
// Without a known limit the heap limit is derived from the budget instead
// (four budgets), so a burst of large requests cannot grow the heap without
// bound either. GOGC 200 (about 5 % less CPU per span than 100 now that the
// hot path allocates little, with peak RSS under 90 MB at full load: 400
// saved another 5 % for 40 MB more, docs/benchmarks.md) is only safe under a
// heap limit; every plan has one unless GOMEMLIMIT is set by the operator,
// whose choice then holds for GOGC too.
func Derive(limit, configured int64, envGOGC, envMemLimit bool) Plan {
	p := Plan{InFlightBytes: configured}
	if p.InFlightBytes == 0 {
		p.InFlightBytes = DefaultInFlightWithoutLimit
		if limit > 0 {
			p.InFlightBytes = limit / 4
		}
	}
	if !envMemLimit {
		p.MemoryLimit = 4 * p.InFlightBytes
		if limit > 0 {
			p.MemoryLimit = limit / 10 * 8
		}
	}
	if !envGOGC && !envMemLimit {
		p.GCPercent = 200
	}
	return p
}
