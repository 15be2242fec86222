package main

import "fmt"

// perCore is the throughput one fully used exporter core would give:
// spans accepted per CPU-second the exporter spent (its share of a core
// may be below 1 when something else was the bound).
func perCore(spans, cpuSeconds float64) float64 {
	if cpuSeconds <= 0 {
		return 0
	}
	return spans / cpuSeconds
}

// bound says what limited an as-fast-as-possible run: the exporter when it
// used (nearly) its whole core, the load generator when that one did and
// the exporter had time to spare, else neither (the network, the client's
// concurrency). With a target rate the rate is the bound by design.
func bound(rate int, exporterShare, loadgenShare float64) string {
	const full = 0.9
	switch {
	case rate > 0:
		return fmt.Sprintf("the target rate (%d spans/s); exporter at %.0f%% of its core", rate, 100*exporterShare)
	case exporterShare >= full:
		return fmt.Sprintf("the exporter (%.0f%% of its core; load generator at %.0f%% of its own)", 100*exporterShare, 100*loadgenShare)
	case loadgenShare >= full:
		return fmt.Sprintf("THE LOAD GENERATOR (%.0f%% of its core) while the exporter used %.0f%% of its own: "+
			"spans/s understates the exporter; read the per-core figure", 100*loadgenShare, 100*exporterShare)
	}
	return fmt.Sprintf("neither core was full (exporter %.0f%%, load generator %.0f%%): the client's concurrency or the network",
		100*exporterShare, 100*loadgenShare)
}
