package delivery

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/klauspost/compress/gzip"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
)

// withUnknownField is trace(id) encoded, plus a field OTLP does not define:
// pdata drops it when it decodes, so only the received bytes still hold it.
func withUnknownField(t *testing.T, id byte) []byte {
	t.Helper()
	body, err := ptraceotlp.NewExportRequestFromTraces(trace(id)).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	body = protowire.AppendTag(body, 15, protowire.VarintType)
	return protowire.AppendVarint(body, 4242)
}

// An OTLP destination (no redaction, filter, mapping or added attribute)
// queues the request as received; a Langfuse destination, which maps
// attributes, gets its own copy; both are delivered.
func TestUntouchedDestinationsGetTheReceivedBytes(t *testing.T) {
	h := newHarness(t)
	h.add(t, "tempo", platform.OTLP, platform.Config{}, "k1")
	h.add(t, "jaeger", platform.OTLP, platform.Config{}, "k2")
	h.add(t, "langfuse", platform.Langfuse, platform.Config{PublicKey: "pk-lf-1"}, "sk-lf-1")
	f := h.start(t)
	body := withUnknownField(t, 3)
	if err := f.ConsumeWire(context.Background(), bytes.Clone(body), 3); err != nil {
		t.Fatal(err)
	}
	for _, d := range f.dests {
		items, err := d.q.Peek(100, 1<<20)
		if err != nil || len(items) != 1 || items[0].Spans != 3 {
			t.Fatalf("%s: %d items, %v", d.name, len(items), err)
		}
		if same := bytes.Equal(items[0].Data, body); same != (d.name != "langfuse") {
			t.Errorf("%s: queued the received bytes: %v", d.name, same)
		}
	}
	f.Start()
	for name, fake := range h.fakes {
		waitFor(t, name+" to receive 3 spans", func() bool { return fake.ReceivedSpans() == 3 })
	}
	req := h.fakes["tempo"].Requests()[0]
	zr, err := gzip.NewReader(bytes.NewReader(req.Body))
	if err != nil {
		t.Fatal(err)
	}
	sent, _ := io.ReadAll(zr)
	if !bytes.Equal(sent, body) {
		t.Error("the OTLP destination was not sent the received bytes")
	}
	lf := h.fakes["langfuse"].Received()
	if _, llm := spanAttrs(lf, 2); get(llm.Attributes(), "langfuse.observation.type") != "generation" {
		t.Errorf("langfuse copy not mapped: %v", llm.Attributes().AsRaw())
	}
}

// Redaction applies to every destination: none gets the received bytes.
func TestRedactionMeansNoDestinationGetsTheReceivedBytes(t *testing.T) {
	h := newHarness(t)
	h.add(t, "tempo", platform.OTLP, platform.Config{}, "k1")
	h.cfg.Redaction.Presets = []string{"email"}
	f := h.start(t)
	body := withUnknownField(t, 4)
	if err := f.ConsumeWire(context.Background(), body, 3); err != nil {
		t.Fatal(err)
	}
	items, _ := f.dests[0].q.Peek(100, 1<<20)
	if len(items) != 1 || bytes.Contains(items[0].Data, []byte("jane@example.com")) || !bytes.Contains(items[0].Data, []byte("mail [EMAIL]")) {
		t.Fatalf("queued %d items, unredacted or not the span", len(items))
	}
}
