package llmmetrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
)

// responses builds Dify's http.server.response.count as one gunicorn
// worker sends it (api/extensions/ext_otel.py: a cumulative counter per
// process, resource attribute process.pid).
func responses(pid int64, cumulative int64, delta bool) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "dify-api")
	rm.Resource().Attributes().PutInt("process.pid", pid)
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("http.server.response.count")
	m.SetUnit("{response}")
	sum := m.SetEmptySum()
	sum.SetIsMonotonic(true)
	sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	if delta {
		sum.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	}
	dp := sum.DataPoints().AppendEmpty()
	dp.Attributes().PutInt("status_code", 200)
	dp.SetIntValue(cumulative)
	return md
}

func TestCountersSumAcrossProcessesThatComeAndGo(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	st := NewOTLPStore(reg, 100)
	now := time.Unix(1000, 0)
	st.now = func() time.Time { return now }
	total := func() float64 {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "http_server_response_count_total" {
				return mf.Metric[0].GetCounter().GetValue()
			}
		}
		return -1
	}
	steps := []struct {
		what string
		md   pmetric.Metrics
		want float64
	}{
		{"worker 1 has answered 10", responses(101, 10, false), 10},
		{"worker 2 reports 4: both count", responses(102, 4, false), 14},
		{"worker 1 at 12", responses(101, 12, false), 16},
		{"worker 3 joins at 3", responses(103, 3, false), 19},
		{"worker 1 restarts (same pid, counter back to 2): its 12 are kept", responses(101, 2, false), 21},
		{"a delta producer adds 5", responses(200, 5, true), 26},
	}
	last := 0.0
	for _, s := range steps {
		st.Consume(s.md)
		got := total()
		if got != s.want {
			t.Fatalf("%s: total %v, want %v", s.what, got, s.want)
		}
		if got < last {
			t.Fatalf("%s: total went down from %v to %v", s.what, last, got)
		}
		last = got
	}
	// Worker 3 goes silent past StaleAfter while the others keep reporting:
	// its 3 stay in the total.
	now = now.Add(st.StaleAfter + time.Minute)
	st.Consume(responses(101, 4, false))
	st.Consume(responses(102, 4, false))
	if got := total(); got != 28 {
		t.Fatalf("after worker 3 went silent: %v, want 28 (12 retired + 4 + 4 + 3 retired + 5 delta)", got)
	}
	if problems, err := testutil.CollectAndLint(st); err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
}

func TestGaugesOfSilentProducersGo(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	st := NewOTLPStore(reg, 100)
	now := time.Unix(1000, 0)
	st.now = func() time.Time { return now }
	gauge := func(pid int64, v float64) pmetric.Metrics {
		md := pmetric.NewMetrics()
		rm := md.ResourceMetrics().AppendEmpty()
		rm.Resource().Attributes().PutInt("process.pid", pid)
		m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		m.SetName("celery.active_tasks")
		m.SetEmptyGauge().DataPoints().AppendEmpty().SetDoubleValue(v)
		return md
	}
	st.Consume(gauge(1, 3))
	st.Consume(gauge(2, 4))
	if got := testutil.ToFloat64(st); got != 7 {
		t.Fatalf("two workers: %v", got)
	}
	now = now.Add(st.StaleAfter + time.Second)
	st.Consume(gauge(2, 1))
	if got := testutil.ToFloat64(st); got != 1 {
		t.Fatalf("after worker 1 went silent: %v, want 1", got)
	}
}

// TestAuditEventsAreCountedWithoutUserOrResource: the seed's audit_log
// attributes become llm_audit_events_total{service, action, status}.
func TestAuditEventsAreCountedWithoutUserOrResource(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	r := NewRecorder(reg, 100)
	for _, st := range []string{"success", "denied", "denied"} {
		r.Span(&llmspan.Span{Service: "dify-api", AuditAction: "delete_app", AuditStatus: st})
	}
	r.Span(&llmspan.Span{Service: "dify-api"}) // no audit attributes: not counted
	want := `
# HELP llm_audit_events_total Sensitive operations marked with audit.action / audit.status (the user and the resource are never labels).
# TYPE llm_audit_events_total counter
llm_audit_events_total{action="delete_app",service="dify-api",status="denied"} 2
llm_audit_events_total{action="delete_app",service="dify-api",status="success"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "llm_audit_events_total"); err != nil {
		t.Fatal(err)
	}
}
