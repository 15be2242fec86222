// Package destination prepares a copy of the sampled traces for one tracing
// platform: it filters spans by kind (never dropping an ancestor of a kept
// span), maps attributes to what the platform reads (the platform's
// descriptor says how), and drops content when the destination asks for
// metrics-relevant fields only. It never decodes a span's LLM view itself:
// the caller decodes each request once (llmspan.DecodeTraces) and every
// destination reads those views.
package destination

import (
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"github.com/llmops/terraform-provider-llmops/internal/redact"
	"github.com/llmops/terraform-provider-llmops/internal/spans"
)

// Preparer prepares traces for one destination. It is safe for concurrent use.
type Preparer struct {
	Type               platform.Type
	ResourceAttributes map[string]string
	// DefaultService is set as service.name on resources that have none
	// (or an SDK's unknown_service default): Dify's Phoenix provider sends
	// none, and a generic back end then shows missing-service-name.
	DefaultService   string
	include, exclude map[llmspan.Kind]bool
	dropContent      bool
	ancestors        *memory
}

// NewPreparer builds a Preparer. include and exclude are kind names; empty
// include means every kind.
func NewPreparer(t platform.Type, resourceAttrs map[string]string, include, exclude []string, dropContent bool) *Preparer {
	p := &Preparer{Type: t, ResourceAttributes: resourceAttrs, dropContent: dropContent, ancestors: newMemory(100000, 10*time.Minute)}
	toSet := func(names []string) map[llmspan.Kind]bool {
		if len(names) == 0 {
			return nil
		}
		m := map[llmspan.Kind]bool{}
		for _, n := range names {
			for _, k := range llmspan.Kinds() {
				if k.String() == n {
					m[k] = true
				}
			}
		}
		return m
	}
	p.include, p.exclude = toSet(include), toSet(exclude)
	return p
}

// Untouched reports whether Prepare returns every request as it is: no
// filter, no content dropped, no resource attribute added, and a platform
// whose attributes are not mapped (OTLP, console). The request's bytes can
// then be forwarded as received.
func (p *Preparer) Untouched() bool {
	if p.include != nil || p.exclude != nil || p.dropContent || len(p.ResourceAttributes) > 0 || p.DefaultService != "" {
		return false
	}
	return !platform.MapsAttributes(p.Type)
}

// NeedsViews reports whether Prepare reads the request's decoded views:
// false for a destination that neither filters by kind nor maps attributes,
// so a request bound only to such destinations is never decoded.
func (p *Preparer) NeedsViews() bool {
	return p.include != nil || p.exclude != nil || platform.MapsAttributes(p.Type)
}

// Prepare returns the destination's copy of td and its span count. td is not
// modified. views are td's decoded spans (llmspan.DecodeTraces); they may
// be nil when NeedsViews is false.
func (p *Preparer) Prepare(td ptrace.Traces, views llmspan.Views, now time.Time) (ptrace.Traces, int) {
	out := ptrace.NewTraces()
	td.CopyTo(out)
	p.filter(out, views, now)
	platform.MapAttributes(p.Type, out, views)
	if p.dropContent {
		redact.DropContent(out)
	}
	for i := 0; i < out.ResourceSpans().Len(); i++ {
		attrs := out.ResourceSpans().At(i).Resource().Attributes()
		for k, v := range p.ResourceAttributes {
			attrs.PutStr(k, v)
		}
		if p.DefaultService != "" {
			if v, ok := attrs.Get("service.name"); !ok || v.Str() == "" || strings.HasPrefix(v.Str(), "unknown_service") {
				attrs.PutStr("service.name", p.DefaultService)
			}
		}
	}
	return out, out.SpanCount()
}

// filter removes spans the destination does not want, keeping every
// ancestor of a kept span: in this batch by walking parents, and across
// batches (children usually end, and arrive, before their parents) by
// remembering the parent IDs still to come.
func (p *Preparer) filter(td ptrace.Traces, views llmspan.Views, now time.Time) {
	if p.include == nil && p.exclude == nil {
		return
	}
	parents := map[pcommon.SpanID]pcommon.SpanID{}
	keep := map[pcommon.SpanID]bool{}
	spans.Each(td, func(_ pcommon.Resource, span ptrace.Span) {
		id := span.SpanID()
		parents[id] = span.ParentSpanID()
		if p.wants(views.Kind(id)) || p.ancestors.take(id) {
			keep[id] = true
		}
	})
	for id := range keep {
		for parent := parents[id]; !parent.IsEmpty(); parent = parents[parent] {
			if _, inBatch := parents[parent]; !inBatch {
				p.ancestors.add(parent, now)
				break
			}
			if keep[parent] {
				break
			}
			keep[parent] = true
		}
	}
	spans.RemoveIf(td, func(span ptrace.Span) bool { return !keep[span.SpanID()] })
}

func (p *Preparer) wants(k llmspan.Kind) bool {
	if p.include != nil && !p.include[k] {
		return false
	}
	return !p.exclude[k]
}

// memory remembers span IDs for a while, bounded in size.
type memory struct {
	mu  sync.Mutex
	ids map[pcommon.SpanID]time.Time
	max int
	ttl time.Duration
}

func newMemory(max int, ttl time.Duration) *memory {
	return &memory{ids: map[pcommon.SpanID]time.Time{}, max: max, ttl: ttl}
}

func (m *memory) add(id pcommon.SpanID, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.ids) >= m.max {
		for k, t := range m.ids {
			if now.Sub(t) > m.ttl {
				delete(m.ids, k)
			}
		}
		if len(m.ids) >= m.max {
			m.ids = map[pcommon.SpanID]time.Time{} // bounded: forget rather than grow
		}
	}
	m.ids[id] = now
}

// take reports whether id was remembered, and forgets it.
func (m *memory) take(id pcommon.SpanID) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.ids[id]; ok {
		delete(m.ids, id)
		return true
	}
	return false
}
