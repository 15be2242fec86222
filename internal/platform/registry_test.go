package platform

import (
	"slices"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
)

// Every descriptor is complete: a platform added with a missing piece fails
// here rather than with a nil function at run time.
func TestEveryDescriptorIsComplete(t *testing.T) {
	for _, d := range registry {
		t.Run(string(d.typ), func(t *testing.T) {
			if d.typ == "" || d.title == "" || d.export == nil || d.rejectedHint == "" || len(d.protocols) == 0 {
				t.Fatalf("incomplete: type %q title %q export %v hint %q protocols %v", d.typ, d.title, d.export != nil, d.rejectedHint, d.protocols)
			}
			seen := map[string]bool{}
			urls := 0
			for _, f := range d.fields {
				if seen[f.name] {
					t.Errorf("field %s twice", f.name)
				}
				seen[f.name] = true
				if !slices.ContainsFunc(configFields, func(c configField) bool { return c.name == f.name }) {
					t.Errorf("field %s is not in configFields", f.name)
				}
				if f.url != nil {
					urls++
				}
				if f.required && f.def != "" {
					t.Errorf("field %s is required and has a default", f.name)
				}
			}
			if urls != 1 {
				t.Errorf("%d URL fields; a platform has exactly one base URL", urls)
			}
			if d.secret.name == "" && (d.secret.required || d.altSecret != nil || d.secretWith != "") {
				t.Error("secret rules without a secret")
			}
			if d.altSecret != nil && !seen[d.altSecret.field] {
				t.Errorf("altSecret chosen by %s, which the platform does not take", d.altSecret.field)
			}
			if d.secretWith != "" && !seen[d.secretWith] {
				t.Errorf("secret sent with %s, which the platform does not take", d.secretWith)
			}
			for p := range d.refusedProtocol {
				if slices.Contains(d.protocols, p) {
					t.Errorf("protocol %s both accepted and refused", p)
				}
			}
			// The defaults alone, with every required field given, normalise.
			c := Config{Type: d.typ}
			for _, f := range d.fields {
				if f.required {
					*fieldPtr(&c, f.name) = requiredExample(f)
				}
			}
			if errs := append(normalizeFields(&c, d), normalizeProtocol(&c, d)...); len(errs) > 0 {
				t.Errorf("defaults do not normalise: %v", errs)
			}
		})
	}
}

func requiredExample(f fieldSpec) string {
	switch {
	case f.url != nil && f.url.suffix != "":
		return "https://example.com" + f.url.suffix
	case f.url != nil:
		return "https://example.com"
	case f.name == FieldExperimentID:
		return "1"
	}
	return "x"
}

// MapsAttributes is true exactly for the platforms with a mapping, and a
// mapping reads the views it is given: a model call whose token count is in
// OpenInference's attribute gets something added on every mapped platform.
func TestMappingReadsTheViews(t *testing.T) {
	for _, typ := range Types() {
		td := ptrace.NewTraces()
		s := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		s.SetSpanID([8]byte{1})
		s.Attributes().PutStr("gen_ai.operation.name", "chat")
		s.Attributes().PutStr("gen_ai.request.model", "gpt-4o")
		s.Attributes().PutInt("llm.token_count.prompt", 10)
		views := llmspan.DecodeTraces(td)
		MapAttributes(typ, td, views)
		if MapsAttributes(typ) != (lookup(typ).mapping != nil) {
			t.Errorf("%s: MapsAttributes disagrees with the descriptor", typ)
		}
		if !MapsAttributes(typ) {
			if s.Attributes().Len() != 3 {
				t.Errorf("%s: not mapped, but the span changed: %v", typ, s.Attributes().AsRaw())
			}
			continue
		}
		if s.Attributes().Len() == 3 {
			t.Errorf("%s: mapped, but nothing was added: %v", typ, s.Attributes().AsRaw())
		}
	}
}
