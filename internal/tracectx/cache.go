// Package tracectx carries trace-level attributes (the Dify app, and the
// other identifiers Dify puts on a trace's root) to every span of the same
// trace, whatever order and whatever requests the spans arrive in.
//
// Dify names the app only on a trace's root or on one high-level span
// (message/workflow, AppGenerateService.generate, WorkflowAppRunner.run),
// never on the LLM node spans, and its Phoenix provider sends one request
// per span as each ends: children reach the exporter before their root.
// A child whose trace has no app yet is therefore held until the trace's
// app or root arrives, or until Wait has passed, then emitted; what is
// learned of a trace is remembered for TTL, for children that come after.
// Everything is bounded: traces (least recently used evicted) and held
// items (beyond the bound an item is emitted at once, without the app).
package tracectx

import (
	"container/list"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Labels are what a trace gives its spans.
type Labels struct {
	AppID, AppName string
	// WorkflowID, ConversationID, UserID and Tenant are remembered with the
	// app, for consumers that label by them.
	WorkflowID, ConversationID, UserID, Tenant string
}

// merge fills empty fields of l from o and reports whether the app became
// known.
func (l *Labels) merge(o Labels) (appLearned bool) {
	appLearned = l.AppID == "" && o.AppID != ""
	for _, f := range []struct {
		dst *string
		src string
	}{
		{&l.AppID, o.AppID}, {&l.AppName, o.AppName}, {&l.WorkflowID, o.WorkflowID},
		{&l.ConversationID, o.ConversationID}, {&l.UserID, o.UserID}, {&l.Tenant, o.Tenant},
	} {
		if *f.dst == "" {
			*f.dst = f.src
		}
	}
	return appLearned
}

// Outcomes of Resolve and Expire, for the exporter's counters.
const (
	Own       = "own"        // the span named its app itself
	Inherited = "inherited"  // the app came from another span of the trace
	NoApp     = "no_app"     // the trace's root came and named no app
	WaitedOut = "waited_out" // held for Wait; emitted without an app
	Overflow  = "overflow"   // no room to hold it; emitted without an app
)

// Released is a held item whose trace resolved (or timed out).
type Released[T any] struct {
	Item    T
	Labels  Labels
	Outcome string
}

type held[T any] struct {
	item  T
	since time.Time
}

type entry[T any] struct {
	id       pcommon.TraceID
	labels   Labels
	rootSeen bool
	held     []held[T]
	seen     time.Time
	elem     *list.Element
}

// Cache is safe for concurrent use.
type Cache[T any] struct {
	Wait, TTL          time.Duration
	MaxTraces, MaxHeld int

	mu      sync.Mutex
	traces  map[pcommon.TraceID]*entry[T]
	lru     *list.List // front: most recently seen
	nHeld   int
	orphans []Released[T] // released by eviction inside Resolve, emitted by Expire
}

// New returns a cache holding children up to wait, remembering traces for
// ttl, at most maxTraces traces and maxHeld held items.
func New[T any](wait, ttl time.Duration, maxTraces, maxHeld int) *Cache[T] {
	return &Cache[T]{Wait: wait, TTL: ttl, MaxTraces: maxTraces, MaxHeld: maxHeld,
		traces: map[pcommon.TraceID]*entry[T]{}, lru: list.New()}
}

// Held is the number of items waiting for their trace.
func (c *Cache[T]) Held() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nHeld
}

func (c *Cache[T]) get(id pcommon.TraceID, now time.Time) (*entry[T], []Released[T]) {
	e := c.traces[id]
	if e != nil {
		c.lru.MoveToFront(e.elem)
		e.seen = now
		return e, nil
	}
	var out []Released[T]
	for len(c.traces) >= c.MaxTraces && c.lru.Len() > 0 {
		out = append(out, c.evict(c.lru.Back().Value.(*entry[T]), Overflow)...)
	}
	e = &entry[T]{id: id, seen: now}
	e.elem = c.lru.PushFront(e)
	c.traces[id] = e
	return e, out
}

func (c *Cache[T]) evict(e *entry[T], outcome string) []Released[T] {
	out := c.release(e, outcome)
	c.lru.Remove(e.elem)
	delete(c.traces, e.id)
	return out
}

// release empties e's held items, labelled with what the trace knows.
func (c *Cache[T]) release(e *entry[T], outcome string) []Released[T] {
	if len(e.held) == 0 {
		return nil
	}
	out := make([]Released[T], len(e.held))
	if outcome == "" {
		outcome = Inherited
		if e.labels.AppID == "" {
			outcome = NoApp
		}
	}
	for i, h := range e.held {
		out[i] = Released[T]{Item: h.item, Labels: e.labels, Outcome: outcome}
	}
	c.nHeld -= len(e.held)
	e.held = nil
	return out
}

// Observe records what a batch tells about a trace: its labels (empty
// fields ignored) and whether its root was in the batch. Items held for the
// trace are released when its app becomes known or its root arrives. A
// trace whose spans name its app is remembered (for TTL, bounded by
// MaxTraces) even when nothing waits for it yet: Dify's Aliyun client sends
// each trace's root first, in batches of 50 spans that split traces, so the
// LLM calls of a root just seen often come in the next request. A root
// naming no app is remembered only if something was waiting for it: there
// is nothing to inherit from it, and every generic OTel trace has one.
func (c *Cache[T]) Observe(id pcommon.TraceID, l Labels, root bool, now time.Time) []Released[T] {
	if l == (Labels{}) && !root {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if root && l.AppID == "" && c.traces[id] == nil {
		return nil
	}
	e, out := c.get(id, now)
	learned := e.labels.merge(l)
	if root {
		e.rootSeen = true
	}
	if learned || root {
		out = append(out, c.release(e, "")...)
	}
	return out
}

// Resolve labels item from its trace. own are the span's own labels (a
// root span is settled by the caller, which sees the whole request); a
// span with an app, and a span whose trace's root has been seen, are
// resolved at once (ok true); any other is held (ok false) until Observe or
// Expire releases it.
func (c *Cache[T]) Resolve(id pcommon.TraceID, own Labels, item T, now time.Time) (Labels, string, bool) {
	if own.AppID != "" {
		return own, Own, true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.traces[id]
	if e != nil && e.labels.AppID != "" {
		l := own
		l.merge(e.labels)
		return l, Inherited, true
	}
	if e != nil && e.rootSeen {
		return own, NoApp, true
	}
	if c.nHeld >= c.MaxHeld {
		return own, Overflow, true
	}
	e, evicted := c.get(id, now)
	if len(evicted) > 0 {
		// Evicting an entry to make room released its items; they are
		// emitted by the next Expire, never dropped.
		c.orphans = append(c.orphans, evicted...)
	}
	e.held = append(e.held, held[T]{item: item, since: now})
	c.nHeld++
	return Labels{}, "", false
}

// Expire releases items held longer than Wait and forgets traces not seen
// for TTL; call it periodically.
func (c *Cache[T]) Expire(now time.Time) []Released[T] {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.orphans
	c.orphans = nil
	for el := c.lru.Back(); el != nil; {
		prev := el.Prev()
		e := el.Value.(*entry[T])
		if len(e.held) > 0 && now.Sub(e.held[0].since) >= c.Wait {
			out = append(out, c.release(e, WaitedOut)...)
		}
		if len(e.held) == 0 && now.Sub(e.seen) >= c.TTL {
			c.lru.Remove(el)
			delete(c.traces, e.id)
		}
		el = prev
	}
	return out
}
