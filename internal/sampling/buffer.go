package sampling

import (
	"encoding/binary"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Durable keeps buffered spans on disk. Hold must return only once the
// records are durable (the request holding them is then acknowledged);
// Delete forgets records whose spans were delivered or dropped. The
// exporter's queue store implements it, in the same file and commit groups
// as the destination queues.
type Durable interface {
	Hold(keys, values [][]byte) error
	Delete(keys [][]byte) error
}

// keySeq makes record keys unique across restarts: trace ID, then a counter
// that starts from the clock.
var keySeq atomic.Uint64

func init() { keySeq.Store(uint64(time.Now().UnixNano())) }

func recordKey(id pcommon.TraceID) []byte {
	k := make([]byte, 24)
	copy(k, id[:])
	binary.BigEndian.PutUint64(k[16:], keySeq.Add(1))
	return k
}

// appendSpan copies span, with its resource and scope, into td.
func appendSpan(td ptrace.Traces, res pcommon.Resource, ss ptrace.ScopeSpans, span ptrace.Span) {
	rs := td.ResourceSpans().AppendEmpty()
	res.CopyTo(rs.Resource())
	nss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().CopyTo(nss.Scope())
	span.CopyTo(nss.Spans().AppendEmpty())
}

// one is a single buffered span, as held on disk.
type one struct {
	id    pcommon.TraceID
	key   []byte
	value []byte
	td    ptrace.Traces // the span with its resource and scope
}

// split turns held spans (one per ResourceSpans, as Sample builds them)
// into one record each, marshalled only when there
// is a Durable store to write them to.
func (s *Sampler) split(hold ptrace.Traces) ([]one, error) {
	var out []one
	var m ptrace.ProtoMarshaler
	rss := hold.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		o := one{id: rss.At(i).ScopeSpans().At(0).Spans().At(0).TraceID(), td: ptrace.NewTraces()}
		rss.At(i).MoveTo(o.td.ResourceSpans().AppendEmpty())
		if s.Durable != nil {
			v, err := m.MarshalTraces(o.td)
			if err != nil {
				return nil, err
			}
			o.key, o.value = recordKey(o.id), v
		}
		out = append(out, o)
	}
	return out, nil
}

// hold buffers the undecided spans (one per ResourceSpans in hold), on disk
// first when durable. A trace kept by a rule in the meantime goes to ready.
func (s *Sampler) hold(hold ptrace.Traces, now time.Time) error {
	recs, err := s.split(hold)
	if err != nil {
		return err
	}
	if s.Durable != nil {
		keys, values := make([][]byte, len(recs)), make([][]byte, len(recs))
		for i, r := range recs {
			keys[i], values[i] = r.key, r.value
		}
		if err := s.Durable.Hold(keys, values); err != nil {
			return err
		}
	}
	s.mu.Lock()
	for _, r := range recs {
		if until, ok := s.kept[r.id]; ok && now.Before(until) {
			s.ready = append(s.ready, &pending{id: r.id, td: r.td, keys: keysOf(r), spans: 1})
			continue
		}
		s.add(r, now)
	}
	evicted := s.evictOverflow()
	s.setGauge()
	s.mu.Unlock()
	s.deleteDurable(evicted)
	return nil
}

func keysOf(r one) [][]byte {
	if r.key == nil {
		return nil
	}
	return [][]byte{r.key}
}

// add puts one span into its trace's pending entry. Call with mu held.
func (s *Sampler) add(r one, now time.Time) {
	p := s.pending[r.id]
	if p == nil {
		p = &pending{id: r.id, td: ptrace.NewTraces(), deadline: now.Add(s.cfg.DecisionWait)}
		p.elem = s.order.PushBack(p)
		s.pending[r.id] = p
	}
	r.td.ResourceSpans().MoveAndAppendTo(p.td.ResourceSpans())
	p.keys = append(p.keys, keysOf(r)...)
	p.spans++
	s.buffered++
}

func (s *Sampler) forget(p *pending) {
	s.order.Remove(p.elem)
	delete(s.pending, p.id)
	s.buffered -= p.spans
}

// setGauge publishes the spans waiting for a decision, ready ones included.
// Call with mu held.
func (s *Sampler) setGauge() { s.bufGauge.Set(float64(s.buffered + spansOf(s.ready))) }

// copyTo appends a copy of p's spans to dst; p keeps them, so that a release
// the sink refuses can be given back (Done).
func (p *pending) copyTo(dst ptrace.ResourceSpansSlice) {
	for i := 0; i < p.td.ResourceSpans().Len(); i++ {
		p.td.ResourceSpans().At(i).CopyTo(dst.AppendEmpty())
	}
}

func spansOf(ps []*pending) int {
	n := 0
	for _, p := range ps {
		n += p.spans
	}
	return n
}

// deleteDurable forgets the records of ps on disk. A failure leaves records
// that are reloaded at the next start and expire there: a possible
// duplicate, never a loss.
func (s *Sampler) deleteDurable(ps []*pending) {
	if s.Durable == nil || len(ps) == 0 {
		return
	}
	var keys [][]byte
	for _, p := range ps {
		keys = append(keys, p.keys...)
	}
	if len(keys) > 0 {
		_ = s.Durable.Delete(keys)
	}
}

// evictOverflow drops the oldest buffered traces beyond the bound, counted
// as "overflow", and returns them. Call with mu held.
func (s *Sampler) evictOverflow() []*pending {
	var out []*pending
	for s.buffered > s.cfg.MaxBufferedSpans && s.order.Len() > 0 {
		p := s.order.Front().Value.(*pending)
		s.forget(p)
		out = append(out, p)
	}
	if n := spansOf(out); n > 0 {
		s.decisions.WithLabelValues("overflow").Add(float64(n))
	}
	return out
}

// Expire drops buffered traces whose decision wait is over, and forgets
// old rule decisions. Call it periodically.
func (s *Sampler) Expire(now time.Time) {
	s.mu.Lock()
	var expired []*pending
	for s.order.Len() > 0 {
		p := s.order.Front().Value.(*pending)
		if now.Before(p.deadline) {
			break
		}
		s.forget(p)
		expired = append(expired, p)
	}
	for id, until := range s.kept {
		if !now.Before(until) {
			delete(s.kept, id)
		}
	}
	s.decisions.WithLabelValues("dropped").Add(float64(spansOf(expired)))
	s.setGauge()
	s.mu.Unlock()
	s.deleteDurable(expired)
}

// Flush returns the buffered spans whose trace a rule kept but whose
// release was refused, so that they leave without waiting for another
// request. Settle it with Done.
func (s *Sampler) Flush() Decision {
	s.mu.Lock()
	ready := s.ready
	s.ready = nil
	s.mu.Unlock()
	d := Decision{Kept: ptrace.NewTraces(), released: ready}
	for _, p := range ready {
		p.copyTo(d.Kept.ResourceSpans())
	}
	return d
}

// Restore reloads spans held on disk by an earlier run (after a crash):
// each waits DecisionWait again from now. Records that do not decode are
// deleted.
func (s *Sampler) Restore(keys, values [][]byte, now time.Time) {
	var u ptrace.ProtoUnmarshaler
	var bad [][]byte
	s.mu.Lock()
	for i := range keys {
		td, err := u.UnmarshalTraces(values[i])
		if err != nil || td.SpanCount() != 1 || len(keys[i]) != 24 {
			bad = append(bad, keys[i])
			continue
		}
		var id pcommon.TraceID
		copy(id[:], keys[i])
		s.add(one{id: id, key: keys[i], td: td}, now)
	}
	evicted := s.evictOverflow()
	s.setGauge()
	s.mu.Unlock()
	s.deleteDurable(evicted)
	if len(bad) > 0 && s.Durable != nil {
		_ = s.Durable.Delete(bad)
	}
}
