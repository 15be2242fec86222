package delivery

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/llmops/terraform-provider-llmops/internal/exporterconfig"
	"github.com/llmops/terraform-provider-llmops/internal/loadgen"
	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"github.com/llmops/terraform-provider-llmops/internal/queue"
)

// BenchmarkConsumeWireTwoPlatforms is the durable fan-out's CPU per
// request: one Dify-shaped request (50 traces, 250 spans, prompts of up to
// 2 KB) prepared for two platforms that map attributes (Langfuse and
// LangSmith) and queued, without fsync so that preparation rather than the
// disk is measured. Nothing is delivered (the workers are not started).
func BenchmarkConsumeWireTwoPlatforms(b *testing.B) {
	c := exporterconfig.Defaults()
	c.Queue.Directory = b.TempDir()
	fsync := false
	c.Queue.Fsync = &fsync
	env := map[string]string{"LF_KEY": "sk-lf-1", "LS_KEY": "ls-key"}
	for _, d := range []exporterconfig.Destination{
		{Name: "lf", Config: platform.Config{Type: platform.Langfuse, Host: "http://127.0.0.1:9", PublicKey: "pk-lf-1"}, SecretEnv: "LF_KEY"},
		{Name: "ls", Config: platform.Config{Type: platform.LangSmith, Endpoint: "https://127.0.0.1:9", Project: "p"}, SecretEnv: "LS_KEY"},
	} {
		d.Queue.MaxBytes, d.Queue.Overflow = 1<<40, queue.DropOldest
		c.Destinations = append(c.Destinations, d)
	}
	if err := reDefault(c); err != nil {
		b.Fatal(err)
	}
	f, err := New(c, func(k string) string { return env[k] }, slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	defer f.Stop()
	g := loadgen.NewGenerator(42)
	g.PromptBytes = 2048
	td := g.Traces(50)
	body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		b.Fatal(err)
	}
	n := td.SpanCount()
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for b.Loop() {
		if err := f.ConsumeWire(context.Background(), body, n); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/span")
}
