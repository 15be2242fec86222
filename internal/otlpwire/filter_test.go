package otlpwire

import (
	"bytes"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/llmops/terraform-provider-llmops/internal/loadgen"
)

// keepOdd keeps the traces whose ID starts with an odd byte.
func keepOdd(id [16]byte) bool { return id[0]&1 == 1 }

// filteredByPdata is what the pdata path makes of body: decoded, the spans
// not kept removed, empty scopes and resources dropped, encoded again.
func filteredByPdata(t *testing.T, body []byte) ([]byte, int) {
	t.Helper()
	req := ptraceotlp.NewExportRequest()
	if err := req.UnmarshalProto(body); err != nil {
		t.Fatalf("pdata refuses a body Validate accepted: %v", err)
	}
	td := req.Traces()
	td.ResourceSpans().RemoveIf(func(rs ptrace.ResourceSpans) bool {
		rs.ScopeSpans().RemoveIf(func(ss ptrace.ScopeSpans) bool {
			ss.Spans().RemoveIf(func(s ptrace.Span) bool { return !keepOdd(s.TraceID()) })
			return ss.Spans().Len() == 0
		})
		return rs.ScopeSpans().Len() == 0
	})
	out, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return out, td.SpanCount()
}

// filterAgrees: Filter's output, decoded by pdata, is exactly what the
// pdata path delivers, and it counts the spans pdata sees.
func filterAgrees(t *testing.T, body []byte) {
	t.Helper()
	if Validate(body) != nil {
		return
	}
	want, wantN := filteredByPdata(t, body)
	out, n := Filter(body, func(sp *Span) bool { return keepOdd(sp.TraceID) })
	if Validate(out) != nil {
		t.Fatalf("Filter made an invalid request from %x", body)
	}
	got, gotN := filteredByPdata(t, out) // keeps all of out: it was filtered the same way
	if n != wantN || gotN != wantN || !bytes.Equal(got, want) {
		t.Fatalf("Filter kept %d spans (pdata %d, in its output %d) for %x\nwant %x\ngot  %x", n, wantN, gotN, body, want, got)
	}
}

func TestFilterAgreesWithPdata(t *testing.T) {
	g := loadgen.NewGenerator(7)
	g.PromptBytes = 1024
	for _, traces := range []int{0, 1, 5, 50} {
		body, _ := ptraceotlp.NewExportRequestFromTraces(g.Traces(traces)).MarshalProto()
		filterAgrees(t, body)
	}
	for _, s := range seeds() {
		filterAgrees(t, s)
	}
}

// Keeping everything changes nothing; keeping nothing leaves an empty
// request.
func TestFilterAllAndNothing(t *testing.T) {
	body, _ := ptraceotlp.NewExportRequestFromTraces(loadgen.NewGenerator(1).Traces(10)).MarshalProto()
	all, n := Filter(body, func(*Span) bool { return true })
	if !bytes.Equal(all, body) || n != 50 {
		t.Fatalf("keeping all: %d spans, same bytes %v", n, bytes.Equal(all, body))
	}
	none, n := Filter(body, func(*Span) bool { return false })
	if len(none) != 0 || n != 0 {
		t.Fatalf("keeping none: %d spans in %d bytes", n, len(none))
	}
}

func FuzzFilterAgreesWithPdata(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) { filterAgrees(t, body) })
}

// Filter reuses its buffers between calls: concurrent calls on different
// requests each get their own result.
func TestFilterConcurrent(t *testing.T) {
	var bodies, want [][]byte
	for i := range 8 {
		body, _ := ptraceotlp.NewExportRequestFromTraces(loadgen.NewGenerator(uint64(i)).Traces(20)).MarshalProto()
		out, _ := Filter(body, func(sp *Span) bool { return keepOdd(sp.TraceID) })
		bodies, want = append(bodies, body), append(want, out)
	}
	errs := make(chan string, 8)
	for w := range 4 {
		go func() {
			for r := range 50 {
				i := (w + r) % len(bodies)
				if out, _ := Filter(bodies[i], func(sp *Span) bool { return keepOdd(sp.TraceID) }); !bytes.Equal(out, want[i]) {
					errs <- "a concurrent Filter returned another request's bytes"
					return
				}
			}
			errs <- ""
		}()
	}
	for range 4 {
		if e := <-errs; e != "" {
			t.Fatal(e)
		}
	}
}
