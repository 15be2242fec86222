package receiver

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/llmops/terraform-provider-llmops/internal/llmmetrics"
	"github.com/llmops/terraform-provider-llmops/internal/loadgen"
	"github.com/llmops/terraform-provider-llmops/internal/pipeline"
	"github.com/llmops/terraform-provider-llmops/internal/pricing"
	"github.com/llmops/terraform-provider-llmops/internal/sampling"
)

// TestRecycledBodiesLeaveNoLabelBehind: the HTTP receiver reuses request
// bodies the wire path consumed, so any label value still pointing into a
// body would change when the next request is read into it. Requests of the
// same size with different model and app names must each keep their own
// series.
func TestRecycledBodiesLeaveNoLabelBehind(t *testing.T) {
	reg := prometheus.NewRegistry()
	prices, err := pricing.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &pipeline.Pipeline{Prices: prices, Metrics: llmmetrics.NewRecorder(reg, 1000), OTLP: llmmetrics.NewOTLPStore(reg, 100),
		Sampler: sampling.New(sampling.Config{Rate: 1}, reg), Sink: pipeline.Discard{}, Now: time.Now}
	h := NewHTTPHandler(p, Options{})
	const requests = 20
	calls := 0
	for i := range requests {
		// Same lengths every time: the next body lands in the same buffer.
		model, app := fmt.Sprintf("model-%02d", i), fmt.Sprintf("app-%02d", i)
		td := loadgen.NewGenerator(1).Traces(10)
		calls = relabel(td, model, app)
		body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		if err != nil {
			t.Fatal(err)
		}
		if w := post(t, h, "/v1/traces", ctProto, "", body, nil); w.Code != 200 {
			t.Fatalf("request %d: %d %s", i, w.Code, w.Body)
		}
	}
	if calls == 0 {
		t.Fatal("the generated traces hold no model call")
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "llm_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			var model, app string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "model":
					model = l.GetValue()
				case "app":
					app = l.GetValue()
				}
			}
			if !strings.HasSuffix(model, app[len("app"):]) {
				t.Errorf("series mixes two requests: model %q, app %q", model, app)
			}
			seen[model] += m.GetCounter().GetValue()
		}
	}
	for i := range requests {
		if got := seen[fmt.Sprintf("model-%02d", i)]; got != float64(calls) {
			t.Errorf("model-%02d: %v calls counted, %d sent (series: %v)", i, got, calls, seen)
		}
	}
}

// relabel gives every model call of td the model name and every span the
// app, and returns how many model calls td holds.
func relabel(td ptrace.Traces, model, app string) int {
	n := 0
	for _, rs := range td.ResourceSpans().All() {
		if _, ok := rs.Resource().Attributes().Get("dify.app_id"); ok {
			rs.Resource().Attributes().PutStr("dify.app_id", app)
		}
		for _, ss := range rs.ScopeSpans().All() {
			for _, s := range ss.Spans().All() {
				if _, ok := s.Attributes().Get("dify.app_id"); ok {
					s.Attributes().PutStr("dify.app_id", app)
				}
				for _, k := range []string{"gen_ai.request.model", "llm.model_name"} {
					if _, ok := s.Attributes().Get(k); ok {
						s.Attributes().PutStr(k, model)
						n++
					}
				}
			}
		}
	}
	return n
}
