package llmmetrics

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/promqltest"

	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
)

// p95 records latencies through a Recorder with the given buckets, loads
// the scraped bucket counters into Prometheus's own engine and evaluates
// the seed's P95 query, as Prometheus would.
func p95(t *testing.T, latencies []float64, opts ...Option) float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	r := NewRecorder(reg, 100, opts...)
	for _, l := range latencies {
		r.Call(Call{Span: &llmspan.Span{Kind: llmspan.KindLLM, Service: "s", Model: "m", Seconds: l}})
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var load strings.Builder
	load.WriteString("load 1m\n")
	for _, mf := range mfs {
		if mf.GetName() != "llm_request_duration_seconds" {
			continue
		}
		for _, b := range mf.Metric[0].GetHistogram().GetBucket() {
			fmt.Fprintf(&load, "  llm_request_duration_seconds_bucket{le=\"%g\"} 0 %d\n", b.GetUpperBound(), b.GetCumulativeCount())
		}
		fmt.Fprintf(&load, "  llm_request_duration_seconds_bucket{le=\"+Inf\"} 0 %d\n", mf.Metric[0].GetHistogram().GetSampleCount())
	}
	st := promqltest.LoadedStorage(t, load.String())
	eng := promqltest.NewTestEngine(t, false, 0, promqltest.DefaultMaxSamplesPerQuery)
	q, err := eng.NewInstantQuery(context.Background(), st, nil, `histogram_quantile(0.95, sum by (le) (rate(llm_request_duration_seconds_bucket[5m])))`, time.Unix(60, 0))
	if err != nil {
		t.Fatal(err)
	}
	res := q.Exec(context.Background())
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	v := res.Value.(promql.Vector)
	if len(v) != 1 {
		t.Fatalf("result %v", v)
	}
	return v[0].F
}

// TestP95WithinTenPercentAroundTheSeedsThreshold: on latencies clustered
// between 4 and 7 s, the seed's P95 query over the default buckets is within
// 10 % of the true P95; the semconv boundaries (5.12, 10.24) are not.
func TestP95WithinTenPercentAroundTheSeedsThreshold(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		rng := rand.New(rand.NewPCG(seed, seed))
		var lat []float64
		for range 5000 {
			switch x := rng.Float64(); {
			case x < 0.7:
				lat = append(lat, 4+2*rng.Float64()) // 4-6 s
			case x < 0.97:
				lat = append(lat, 5+2*rng.Float64()) // 5-7 s
			default:
				lat = append(lat, 0.5+rng.Float64()) // fast cache hits
			}
		}
		sorted := slices.Clone(lat)
		slices.Sort(sorted)
		truth := sorted[int(math.Ceil(0.95*float64(len(sorted))))-1]
		got := p95(t, lat)
		if rel := math.Abs(got-truth) / truth; rel > 0.10 {
			t.Errorf("seed %d: P95 %.3f s, true %.3f s: off by %.1f %%", seed, got, truth, 100*rel)
		}
		old := p95(t, lat, WithLatencyBuckets(DurationBuckets))
		if rel := math.Abs(old-truth) / truth; rel < 0.10 {
			t.Errorf("seed %d: semconv buckets unexpectedly accurate (%.3f vs %.3f): the test no longer shows the problem", seed, old, truth)
		}
		t.Logf("seed %d: true P95 %.3f s, default buckets %.3f s, semconv buckets %.3f s", seed, truth, got, old)
	}
}
