// Package sampling decides which traces are exported. The head decision is a
// deterministic function of the trace ID, so every replica keeps or drops all
// spans of a trace together: platforms such as LangSmith silently drop spans
// whose parent never arrives, so sampling must never split a trace.
//
// Keep rules (errors, slow spans) override the head decision for the whole
// trace. Spans of a not-yet-kept trace wait in a bounded buffer for
// DecisionWait: if a later span of the trace matches a rule, they are
// released with it; otherwise they are dropped. The buffer is per replica,
// so rules see the spans that reach the same replica (Dify's batch exporter
// sends a trace's spans from one process).
package sampling

import (
	"container/list"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/llmops/terraform-provider-llmops/internal/spans"
)

// Config tunes the sampler.
type Config struct {
	// Rate is the fraction of traces kept by the head decision, 0 to 1.
	Rate float64
	// KeepErrors keeps every trace that has a span with status Error.
	KeepErrors bool
	// KeepAuditFailures keeps every trace with a failed audited operation
	// (audit.status failure, failed, denied or error).
	KeepAuditFailures bool
	// KeepSlowerThan keeps every trace with a span at least this long (0: off).
	KeepSlowerThan time.Duration
	// DecisionWait is how long spans of an undecided trace are buffered.
	DecisionWait time.Duration
	// MaxBufferedSpans bounds the buffer; the oldest traces go first.
	MaxBufferedSpans int
}

type pending struct {
	id       pcommon.TraceID
	td       ptrace.Traces
	keys     [][]byte // the spans' records in the Durable store
	spans    int
	deadline time.Time
	elem     *list.Element
}

// Sampler applies Config. It is safe for concurrent use.
type Sampler struct {
	cfg       Config
	threshold uint64
	rules     bool
	// Durable, when set, holds buffered spans on disk, so that a span
	// acknowledged to its sender while it waits for a decision survives a
	// crash and a refused release (see Durable).
	Durable Durable

	mu       sync.Mutex
	kept     map[pcommon.TraceID]time.Time // kept by a rule, until the time
	pending  map[pcommon.TraceID]*pending
	order    *list.List // of *pending, oldest first
	buffered int
	// ready are buffered traces kept by a rule whose release the sink
	// refused: they go out with the next Sample or Flush.
	ready []*pending

	decisions *prometheus.CounterVec
	bufGauge  prometheus.Gauge
}

// New builds a sampler and registers its metrics on reg.
func New(cfg Config, reg prometheus.Registerer) *Sampler {
	s := &Sampler{cfg: cfg, rules: cfg.KeepErrors || cfg.KeepAuditFailures || cfg.KeepSlowerThan > 0,
		kept: map[pcommon.TraceID]time.Time{}, pending: map[pcommon.TraceID]*pending{}, order: list.New(),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llmops_exporter_sampling_spans_total",
			Help: "Spans by sampling outcome: kept (head or rule), dropped (sampled out), overflow (buffer full)."}, []string{"decision"}),
		bufGauge: prometheus.NewGauge(prometheus.GaugeOpts{Name: "llmops_exporter_sampling_buffered_spans",
			Help: "Spans waiting for a keep-rule decision."}),
	}
	switch {
	case cfg.Rate >= 1:
		s.threshold = ^uint64(0)
	case cfg.Rate > 0:
		s.threshold = uint64(cfg.Rate * float64(1<<63) * 2)
	}
	reg.MustRegister(s.decisions, s.bufGauge)
	return s
}

// KeepsAll reports whether every span is kept (rate 1): sampling then
// needs no span, only their number (see KeptAll).
func (s *Sampler) KeepsAll() bool { return s.cfg.Rate >= 1 }

// KeptAll counts n spans kept, as Sample does at rate 1.
func (s *Sampler) KeptAll(n int) { s.decisions.WithLabelValues("kept").Add(float64(n)) }

// HeadOnly reports whether the trace ID alone decides (no keep rule): a
// span is then kept exactly when HeadKeep says so, and nothing is ever
// buffered, so a request can be sampled from its bytes (see Decided).
func (s *Sampler) HeadOnly() bool { return !s.rules }

// Decided counts spans a caller sampled with HeadKeep under HeadOnly, as
// Sample counts its own.
func (s *Sampler) Decided(kept, dropped int) {
	s.decisions.WithLabelValues("kept").Add(float64(kept))
	s.decisions.WithLabelValues("dropped").Add(float64(dropped))
}

// HeadKeep is the head decision for a trace: the same answer on every
// replica, for any process that uses the same rate.
func (s *Sampler) HeadKeep(id pcommon.TraceID) bool {
	if s.cfg.Rate >= 1 {
		return true
	}
	return hash(id) < s.threshold
}

// hash mixes the trace ID so that IDs that are not random (Dify derives some
// from UUIDs or SHA-256 prefixes, tests use counters) still spread evenly.
func hash(id pcommon.TraceID) uint64 {
	var h uint64 = 0x9e3779b97f4a7c15
	for _, b := range id {
		h ^= uint64(b)
		h *= 0x100000001b3
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// Decision is what Sample made of one request: the spans to deliver now,
// the buffered spans among them, and the undecided spans to buffer.
type Decision struct {
	Kept     ptrace.Traces
	released []*pending
	hold     ptrace.Traces
	now      time.Time
}

// Sample filters td in place to the spans sampled in and appends buffered
// spans that a rule released. The undecided spans are set aside in the
// Decision. The caller hands Kept on, then settles the Decision with Done,
// and, when the hand-over succeeded, buffers the undecided spans with Hold
// before acknowledging the request: a refused request then holds nothing
// (its sender retries all of it), and an acknowledged one has every span
// either queued or held on disk.
func (s *Sampler) Sample(td ptrace.Traces, now time.Time) Decision {
	if s.cfg.Rate >= 1 {
		s.decisions.WithLabelValues("kept").Add(float64(td.SpanCount()))
		return Decision{Kept: td}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	keep := s.decide(td, now)
	var keptN, droppedN int
	hold := ptrace.NewTraces()
	rss := td.ResourceSpans()
	rss.RemoveIf(func(rs ptrace.ResourceSpans) bool {
		rs.ScopeSpans().RemoveIf(func(ss ptrace.ScopeSpans) bool {
			ss.Spans().RemoveIf(func(span ptrace.Span) bool {
				if keep[span.TraceID()] {
					keptN++
					return false
				}
				if s.rules {
					appendSpan(hold, rs.Resource(), ss, span)
				} else {
					droppedN++
				}
				return true
			})
			return ss.Spans().Len() == 0
		})
		return rs.ScopeSpans().Len() == 0
	})
	var released []*pending
	for id, k := range keep {
		if p := s.pending[id]; k && p != nil {
			s.forget(p)
			released = append(released, p)
			keptN += p.spans
			p.copyTo(rss)
		}
	}
	s.decisions.WithLabelValues("kept").Add(float64(keptN))
	s.decisions.WithLabelValues("dropped").Add(float64(droppedN))
	s.setGauge()
	return Decision{Kept: td, released: released, hold: hold, now: now}
}

// Hold buffers the Decision's undecided spans, on disk first when Durable
// is set; only then may the request be acknowledged.
func (s *Sampler) Hold(d Decision) error {
	if d.hold == (ptrace.Traces{}) || d.hold.ResourceSpans().Len() == 0 {
		return nil
	}
	return s.hold(d.hold, d.now)
}

// Done settles a Decision. delivered says the kept spans were handed on
// (durably queued): the released buffered spans are then forgotten, on
// disk too. Otherwise they stay buffered, ready to leave with the next
// Flush, so that a refused request never loses spans acknowledged earlier.
func (s *Sampler) Done(d Decision, delivered bool) {
	if len(d.released) == 0 {
		return
	}
	if delivered {
		s.deleteDurable(d.released)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ready = append(s.ready, d.released...)
	s.setGauge()
}

// decide returns, per trace in td, whether its spans are kept.
func (s *Sampler) decide(td ptrace.Traces, now time.Time) map[pcommon.TraceID]bool {
	keep := map[pcommon.TraceID]bool{}
	spans.Each(td, func(_ pcommon.Resource, span ptrace.Span) {
		id := span.TraceID()
		if keep[id] {
			return
		}
		until, byRule := s.kept[id]
		switch {
		case s.HeadKeep(id), byRule && now.Before(until):
			keep[id] = true
		case s.matchesRule(span):
			keep[id] = true
			s.kept[id] = now.Add(s.ruleMemory())
		default:
			keep[id] = false
		}
	})
	return keep
}

func (s *Sampler) matchesRule(span ptrace.Span) bool {
	if s.cfg.KeepErrors && span.Status().Code() == ptrace.StatusCodeError {
		return true
	}
	if s.cfg.KeepAuditFailures {
		if v, ok := span.Attributes().Get("audit.status"); ok && AuditFailed(v.AsString()) {
			return true
		}
	}
	if s.cfg.KeepSlowerThan > 0 && span.EndTimestamp() > span.StartTimestamp() &&
		time.Duration(span.EndTimestamp()-span.StartTimestamp()) >= s.cfg.KeepSlowerThan {
		return true
	}
	return false
}

// AuditFailed reports whether an audit.status value means the operation
// failed or was refused.
func AuditFailed(status string) bool {
	switch strings.ToLower(status) {
	case "failure", "failed", "fail", "denied", "error", "forbidden", "rejected":
		return true
	}
	return false
}

// ruleMemory is how long a rule-kept trace stays kept for late spans.
func (s *Sampler) ruleMemory() time.Duration { return max(2*s.cfg.DecisionWait, time.Minute) }
