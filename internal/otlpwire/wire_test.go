package otlpwire

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/llmops/terraform-provider-llmops/internal/loadgen"
)

// pdataView decodes body with pdata and the receivers' nesting rule, and
// describes what it holds in the terms the reader yields.
func pdataView(body []byte) (string, error) {
	req := ptraceotlp.NewExportRequest()
	if err := req.UnmarshalProto(body); err != nil {
		return "", err
	}
	td := req.Traces()
	if err := CheckNesting(td); err != nil {
		return "", err
	}
	var b strings.Builder
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			for k := 0; k < sss.At(j).Spans().Len(); k++ {
				describePdata(&b, rs.Resource(), sss.At(j).Spans().At(k))
			}
		}
	}
	return b.String(), nil
}

func describePdata(b *strings.Builder, res pcommon.Resource, s ptrace.Span) {
	tid, sid, pid := s.TraceID(), s.SpanID(), s.ParentSpanID()
	fmt.Fprintf(b, "span %x %x %x %q %d %d %d %d %q\n", tid[:], sid[:], pid[:], s.Name(), s.Kind(),
		s.StartTimestamp(), s.EndTimestamp(), s.Status().Code(), s.Status().Message())
	res.Attributes().Range(func(k string, v pcommon.Value) bool { fmt.Fprintf(b, " r %q=%s\n", k, pv(v)); return true })
	s.Attributes().Range(func(k string, v pcommon.Value) bool { fmt.Fprintf(b, " a %q=%s\n", k, pv(v)); return true })
	for i := 0; i < s.Events().Len(); i++ {
		ev := s.Events().At(i)
		fmt.Fprintf(b, " e %q\n", ev.Name())
		ev.Attributes().Range(func(k string, v pcommon.Value) bool { fmt.Fprintf(b, "  ea %q=%s\n", k, pv(v)); return true })
	}
}

func pv(v pcommon.Value) string {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return fmt.Sprintf("s%q", v.Str())
	case pcommon.ValueTypeBool:
		return fmt.Sprintf("b%v", v.Bool())
	case pcommon.ValueTypeInt:
		return fmt.Sprintf("i%d", v.Int())
	case pcommon.ValueTypeDouble:
		return fmt.Sprintf("d%x", math.Float64bits(v.Double()))
	case pcommon.ValueTypeBytes:
		return fmt.Sprintf("y%x", v.Bytes().AsRaw())
	case pcommon.ValueTypeMap:
		return "map"
	case pcommon.ValueTypeSlice:
		return "slice"
	}
	return "empty"
}

// wireView is what Read yields of body (one pass: validating and reading);
// twoPassView is what Validate, then eachSpan, yield. Both are held to pdata.
func wireView(body []byte) (string, error) {
	var b strings.Builder
	err := Read(body, func(res Resource) func(*Span) {
		return func(s *Span) { describeWire(&b, res, s) }
	})
	if err != nil {
		return "", err
	}
	return b.String(), nil
}

func twoPassView(body []byte) (string, error) {
	if err := Validate(body); err != nil {
		return "", err
	}
	var b strings.Builder
	eachSpan(body, func(res Resource, s *Span) { describeWire(&b, res, s) })
	return b.String(), nil
}

func describeWire(b *strings.Builder, res Resource, s *Span) {
	fmt.Fprintf(b, "span %x %x %x %q %d %d %d %d %q\n", s.TraceID, s.SpanID, s.ParentSpanID, s.Name, s.Kind, s.Start, s.End, s.StatusCode, s.StatusMessage)
	res.Attributes(func(k []byte, v Value) bool { fmt.Fprintf(b, " r %q=%s\n", k, wv(v)); return true })
	s.Attributes(func(k []byte, v Value) bool { fmt.Fprintf(b, " a %q=%s\n", k, wv(v)); return true })
	s.Events(func(name []byte, attrs func(func([]byte, Value) bool)) bool {
		fmt.Fprintf(b, " e %q\n", name)
		attrs(func(k []byte, v Value) bool { fmt.Fprintf(b, "  ea %q=%s\n", k, wv(v)); return true })
		return true
	})
}

func wv(v Value) string {
	switch v.Type {
	case Str:
		return fmt.Sprintf("s%q", v.Raw)
	case Bool:
		return fmt.Sprintf("b%v", v.Bool)
	case Int:
		return fmt.Sprintf("i%d", v.Int)
	case Double:
		return fmt.Sprintf("d%x", math.Float64bits(v.Double))
	case Bytes:
		return fmt.Sprintf("y%x", v.Raw)
	case Map:
		return "map"
	case Slice:
		return "slice"
	}
	return "empty"
}

func agree(t *testing.T, body []byte) {
	t.Helper()
	want, perr := pdataView(body)
	for name, view := range map[string]func([]byte) (string, error){"Read": wireView, "Validate+eachSpan": twoPassView} {
		got, werr := view(body)
		if (perr == nil) != (werr == nil) {
			t.Fatalf("pdata error %v, %s error %v, for %x", perr, name, werr, body)
		}
		if got != want {
			t.Fatalf("%s and pdata disagree for %x\npdata:\n%s\n%s:\n%s", name, body, want, name, got)
		}
	}
}

// seeds are requests as producers send them, and the edge cases of the
// wire format pdata treats in its own way.
func seeds() [][]byte {
	var out [][]byte
	g := loadgen.NewGenerator(1)
	g.ErrorRate = 0.5
	body, _ := ptraceotlp.NewExportRequestFromTraces(g.Traces(3)).MarshalProto()
	out = append(out, body)
	g.PromptBytes = 2048
	body, _ = ptraceotlp.NewExportRequestFromTraces(g.Traces(2)).MarshalProto()
	out = append(out, body)
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "x")
	s := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s.SetTraceID(pcommon.TraceID{1})
	s.SetSpanID(pcommon.SpanID{2})
	s.Status().SetCode(ptrace.StatusCodeError)
	s.Status().SetMessage("boom")
	m := s.Attributes().PutEmptyMap("m")
	for i := 0; i < 40; i++ {
		m = m.PutEmptyMap("m")
	}
	s.Attributes().PutEmptySlice("sl").AppendEmpty().SetEmptyBytes().FromRaw([]byte{1, 2})
	s.Attributes().PutDouble("d", 1.5)
	s.Attributes().PutBool("b", true)
	ev := s.Events().AppendEmpty()
	ev.SetName("exception")
	ev.Attributes().PutStr("exception.type", "TimeoutError")
	body, _ = ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	out = append(out, body)
	// An unknown group field around a span's fields, field 1000 scope spans,
	// a 10-byte varint with high bits, a field number that wraps.
	span := protowire.AppendTag(nil, 5, protowire.BytesType)
	span = protowire.AppendBytes(span, []byte("n"))
	grouped := protowire.AppendTag(nil, 99, protowire.StartGroupType)
	grouped = append(grouped, span...)
	ss := protowire.AppendTag(nil, 2, protowire.BytesType)
	ss = protowire.AppendBytes(ss, grouped)
	rsb := protowire.AppendTag(nil, 1000, protowire.BytesType)
	rsb = protowire.AppendBytes(rsb, ss)
	req := protowire.AppendTag(nil, 1, protowire.BytesType)
	req = protowire.AppendBytes(req, rsb)
	out = append(out, req)
	kind := protowire.AppendTag(nil, 6, protowire.VarintType)
	kind = append(kind, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)
	out = append(out, wrapSpan(kind))
	wrapTag := []byte{0x8a, 0x80, 0x80, 0x80, 0x10} // field (1<<32)+1, bytes
	out = append(out, wrapSpan(append(wrapTag, 0)))
	return out
}

func wrapSpan(span []byte) []byte {
	ss := protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), span)
	rs := protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), ss)
	return protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), rs)
}

func TestAgreesWithPdata(t *testing.T) {
	for i, s := range seeds() {
		t.Run(fmt.Sprint(i), func(t *testing.T) { agree(t, s) })
	}
	// Every truncation of a real request.
	body := seeds()[0]
	for n := 0; n < len(body); n += 7 {
		agree(t, body[:n])
	}
}

// FuzzAgreesWithPdata: for any input, the reader and pdata accept or refuse
// it alike, and agree on every field the reader yields.
// go test -run X -fuzz FuzzAgreesWithPdata ./internal/otlpwire
func FuzzAgreesWithPdata(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) { agree(t, body) })
}

// TestReadAllocatesNothingPerSpan: allocations per request stay the
// same whatever the number of spans (a few per resource, none per span).
func TestReadAllocatesNothingPerSpan(t *testing.T) {
	allocs := func(traces int) (float64, int) {
		g := loadgen.NewGenerator(3)
		g.PromptBytes = 4096
		body, _ := ptraceotlp.NewExportRequestFromTraces(g.Traces(traces)).MarshalProto()
		n := 0
		a := testing.AllocsPerRun(10, func() {
			err := Read(body, func(Resource) func(*Span) {
				return func(s *Span) {
					s.Attributes(func(k []byte, v Value) bool {
						if bytes.Equal(k, []byte("gen_ai.request.model")) {
							n++
						}
						return true
					})
				}
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		return a, n
	}
	few, _ := allocs(2)
	many, n := allocs(100)
	// Not many == few: under -race, sync.Pool drops items at random.
	if few > 4 || many > 4 || n == 0 {
		t.Fatalf("%.0f allocations for 10 spans, %.0f for 500 (%d models seen)", few, many, n)
	}
}
