package otlpwire

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/llmops/terraform-provider-llmops/internal/loadgen"
)

func benchBody(b *testing.B, prompt int) []byte {
	g := loadgen.NewGenerator(1)
	g.PromptBytes = prompt
	body, err := ptraceotlp.NewExportRequestFromTraces(g.Traces(50)).MarshalProto()
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// go test -bench . -benchmem ./internal/otlpwire: ns per span of each way
// to read a 250-span request (Dify-shaped; -prompt variants carry 1-8 KB
// prompts on LLM calls).
func BenchmarkRead(b *testing.B) {
	for _, prompt := range []int{0, 8192} {
		body := benchBody(b, prompt)
		name := "noprompt"
		if prompt > 0 {
			name = "prompt8k"
		}
		b.Run(name+"/validate", func(b *testing.B) {
			for b.Loop() {
				if err := Validate(body); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/250, "ns/span")
		})
		b.Run(name+"/validate+attributes", func(b *testing.B) {
			for b.Loop() {
				_ = Validate(body)
				eachSpan(body, func(_ Resource, s *Span) { s.Attributes(func([]byte, Value) bool { return true }) })
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/250, "ns/span")
		})
		b.Run(name+"/read", func(b *testing.B) { // one pass: validates while reading
			for b.Loop() {
				err := Read(body, func(Resource) func(*Span) {
					return func(s *Span) { s.Attributes(func([]byte, Value) bool { return true }) }
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/250, "ns/span")
		})
		b.Run(name+"/pdata", func(b *testing.B) {
			for b.Loop() {
				if err := ptraceotlp.NewExportRequest().UnmarshalProto(body); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/250, "ns/span")
		})
	}
}
