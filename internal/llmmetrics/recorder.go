// Package llmmetrics records LLM spans as Prometheus metrics: the OTel GenAI
// histograms with their semantic-convention buckets, the seed's
// llm_request_duration_seconds, and counters of requests, tokens, cost,
// unpriced tokens, errors and span kinds. Label cardinality is bounded.
package llmmetrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
)

// LatencyBuckets are llm_request_duration_seconds' default boundaries:
// dense (0.5 s) between 1 and 7 s, where the seed's P95 > 5 s alert sits, so
// that histogram_quantile's linear interpolation stays within a few percent
// there (the semconv boundaries jump from 5.12 to 10.24 s and read a true
// 5.7 s P95 as 8.7 s).
var LatencyBuckets = []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7,
	8, 9, 10, 12.5, 15, 20, 30, 45, 60, 120}

// Bucket boundaries from the GenAI semantic conventions (v1.41).
var (
	DurationBuckets = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
	TokenBuckets    = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
	TTFTBuckets     = []float64{0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0}
)

// TokenTypes are the values of llm_tokens_total's type label. "input"
// includes cache_read and cache_write and "output" includes reasoning, as
// in the GenAI conventions: sum input and output, not every type.
var TokenTypes = []string{"input", "output", "cache_read", "cache_write", "reasoning"}

// Call is one model call (an llm or embedding span) with its cost.
type Call struct {
	Span *llmspan.Span
	// CostUSD is valid when Priced.
	CostUSD float64
	Priced  bool
}

// key identifies one series set, after the cardinality limit.
type key struct{ service, app, provider, model, operation string }

// series holds the resolved handles of one key, so recording a call is a
// map lookup plus atomic adds.
type series struct {
	k                     key
	opDurOK, reqDur, ttft prometheus.Observer
	tokenIn, tokenOut     prometheus.Observer
	reqOK, reqErr         prometheus.Counter
	tokens                [5]prometheus.Counter
	// cost and unpriced are created on first use, so an unpriced model has
	// no cost series (rather than a misleading 0) and a priced one no
	// unpriced series.
	costOnce, unpricedOnce  sync.Once
	cost                    prometheus.Counter
	unpricedIn, unpricedOut prometheus.Counter
	mu                      sync.Mutex
	errs                    map[string]errSeries
}

type errSeries struct {
	opDur prometheus.Observer
	count prometheus.Counter
}

// Recorder owns the LLM metrics. It is safe for concurrent use.
type Recorder struct {
	opDuration, tokenUsage, ttft, reqDuration          *prometheus.HistogramVec
	requests, tokens, cost, unpriced, errors, spanKind *prometheus.CounterVec
	limiter                                            *Limiter

	mu     sync.RWMutex
	series map[key]*series
	byRaw  map[key]*series // the same, by label values as sent (see callSeries)
	// traceLabels counts how LLM calls got their app (tracectx outcomes).
	traceLabels *prometheus.CounterVec
	audit       *prometheus.CounterVec
	outOfBounds *prometheus.CounterVec
	kinds       sync.Map // [4]string{service, app, kind, status} -> prometheus.Counter
}

// Option configures a Recorder.
type Option func(*options)

type options struct {
	latencyBuckets []float64
	noNative       bool
}

// WithoutNativeHistogram drops the native histogram of
// llm_request_duration_seconds (it costs about 100 ns per model call).
func WithoutNativeHistogram() Option { return func(o *options) { o.noNative = true } }

// WithLatencyBuckets replaces llm_request_duration_seconds' boundaries.
func WithLatencyBuckets(b []float64) Option {
	return func(o *options) {
		if len(b) > 0 {
			o.latencyBuckets = b
		}
	}
}

// NewRecorder registers the LLM metrics on reg. maxLabelValues bounds the
// distinct values of each label (service, app, provider, model, operation,
// error_type); extra values are recorded as "_overflow_".
//
// llm_request_duration_seconds is also a native histogram (factor 1.1,
// about 5 % relative error, at most 160 buckets) for scrapers that
// negotiate the protobuf format; the classic buckets stay for the others.
func NewRecorder(reg prometheus.Registerer, maxLabelValues int, opts ...Option) *Recorder {
	o := options{latencyBuckets: LatencyBuckets}
	for _, opt := range opts {
		opt(&o)
	}
	nativeFactor := 1.1
	if o.noNative {
		nativeFactor = 0
	}
	base := []string{"service", "app", "gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model"}
	own := []string{"service", "app", "provider", "model", "operation"}
	r := &Recorder{
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gen_ai_client_operation_duration_seconds",
			Help: "GenAI operation duration (OTel GenAI semantic conventions, whose buckets double from 5.12 to 10.24 s: " +
				"a P95 near 5 s reads up to 12 % high; alert on llm_request_duration_seconds).", Buckets: DurationBuckets}, append(base, "error_type")),
		tokenUsage: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gen_ai_client_token_usage",
			Help: "Tokens used per GenAI operation (OTel GenAI semantic conventions).", Buckets: TokenBuckets}, append(base, "gen_ai_token_type")),
		ttft: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gen_ai_server_time_to_first_token_seconds",
			Help: "Time to first token (OTel GenAI semantic conventions).", Buckets: TTFTBuckets}, base),
		reqDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "llm_request_duration_seconds",
			Help:    "Model call latency; P95 = histogram_quantile(0.95, sum by (le) (rate(llm_request_duration_seconds_bucket[5m]))).",
			Buckets: o.latencyBuckets, NativeHistogramBucketFactor: nativeFactor, NativeHistogramMaxBucketNumber: 160,
			NativeHistogramMinResetDuration: time.Hour}, own),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llm_requests_total", Help: "Model calls by outcome."}, append(own, "status")),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llm_tokens_total",
			Help: "Tokens by type. input includes cache_read and cache_write; output includes reasoning."}, append(own, "type")),
		cost: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llm_cost_usd_total", Help: "Cost in USD of priced model calls."}, own),
		unpriced: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llm_unpriced_tokens_total",
			Help: "Tokens of models with no known price (not counted in llm_cost_usd_total)."}, append(own, "type")),
		errors:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llm_errors_total", Help: "Failed model calls by error type."}, append(own, "error_type")),
		spanKind: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llm_spans_total", Help: "Spans by LLM span kind and status."}, []string{"service", "app", "kind", "status"}),
		series:   map[key]*series{},
		byRaw:    map[key]*series{},
	}
	r.traceLabels = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llmops_exporter_trace_context_calls_total",
		Help: "LLM calls by how they got their app label: own, inherited (from another span of the trace), no_app (the root named none), " +
			"waited_out (held for trace_context.wait without the app arriving), overflow (no room to hold it)."}, []string{"outcome"})
	r.audit = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llm_audit_events_total",
		Help: "Sensitive operations marked with audit.action / audit.status (the user and the resource are never labels)."},
		[]string{"service", "action", "status"})
	r.outOfBounds = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llmops_exporter_spans_out_of_bounds_total",
		Help: "Model calls with a value no real call has, kept out of the metrics it would corrupt (the span is still delivered): " +
			"tokens (a count above 10,000,000 or negative: usage and cost not recorded), duration (above 3600 s) and reversed_time " +
			"(ends before it starts): duration not observed; ttft (negative or above 3600 s): not observed."}, []string{"reason"})
	for _, why := range []string{llmspan.OutOfBoundsTokens, llmspan.OutOfBoundsDuration, llmspan.OutOfBoundsReversed, llmspan.OutOfBoundsTTFT} {
		r.outOfBounds.WithLabelValues(why)
	}
	reg.MustRegister(r.traceLabels, r.audit, r.outOfBounds)
	r.limiter = NewLimiter(reg, maxLabelValues)
	reg.MustRegister(r.opDuration, r.tokenUsage, r.ttft, r.reqDuration, r.requests, r.tokens, r.cost, r.unpriced, r.errors, r.spanKind)
	return r
}

// OutOfBounds counts a model call's values taken out by llmspan.Bound.
func (r *Recorder) OutOfBounds(reasons []string) {
	for _, why := range reasons {
		r.outOfBounds.WithLabelValues(why).Inc()
	}
}

// TraceContext counts one LLM call's tracectx outcome.
func (r *Recorder) TraceContext(outcome string) { r.traceLabels.WithLabelValues(outcome).Inc() }

// Span counts any span by kind and status, and audit events.
func (r *Recorder) Span(s *llmspan.Span) {
	var t SpanTally
	r.Tally(&t, s)
	r.Flush(&t)
}

// SpanTally counts a request's spans by service, app, kind and status, so
// that the counters are looked up once per distinct set of labels (a
// request holds few) rather than once per span.
type SpanTally struct {
	keys   []tallyKey
	counts []int
	audits []auditEvent
}

type auditEvent struct{ service, action, status string }

type tallyKey struct {
	service, app string
	kind         llmspan.Kind
	isError      bool
}

// Tally counts s in t (its labels must outlive t: see llmspan.Span.Own).
// Nothing reaches the metrics before Flush, so a request refused after
// some of its spans were tallied counts nothing.
func (r *Recorder) Tally(t *SpanTally, s *llmspan.Span) {
	if s.AuditAction != "" {
		t.audits = append(t.audits, auditEvent{s.Service, s.AuditAction, s.AuditStatus})
	}
	k := tallyKey{s.Service, s.AppID, s.Kind, s.IsError}
	for i := len(t.keys) - 1; i >= 0; i-- { // the last key is the likeliest
		if t.keys[i] == k {
			t.counts[i]++
			return
		}
	}
	t.keys, t.counts = append(t.keys, k), append(t.counts, 1)
}

// Flush adds t's counts to llm_spans_total and its audit events to
// llm_audit_events_total, and empties t.
func (r *Recorder) Flush(t *SpanTally) {
	for _, a := range t.audits {
		r.audit.WithLabelValues(r.limiter.Value("service", orUnknown(a.service, "unknown_service")),
			r.limiter.Value("audit_action", a.action), r.limiter.Value("audit_status", orUnknown(a.status, "unknown"))).Inc()
	}
	t.audits = t.audits[:0]
	for i, tk := range t.keys {
		status := "ok"
		if tk.isError {
			status = "error"
		}
		service, app := r.limiter.Value("service", orUnknown(tk.service, "unknown_service")), r.limiter.Value("app", tk.app)
		k := [4]string{service, app, tk.kind.String(), status}
		c, ok := r.kinds.Load(k)
		if !ok {
			c = r.spanKind.WithLabelValues(k[:]...)
			r.kinds.Store(k, c)
		}
		c.(prometheus.Counter).Add(float64(t.counts[i]))
	}
	t.keys, t.counts = t.keys[:0], t.counts[:0]
}

// Call records one model call.
func (r *Recorder) Call(c Call) {
	s := c.Span
	se := r.callSeries(s)
	if !s.NoDuration {
		se.reqDur.Observe(s.Seconds)
	}
	if s.IsError {
		se.reqErr.Inc()
		es := r.errSeriesFor(se, s)
		if !s.NoDuration {
			es.opDur.Observe(s.Seconds)
		}
		es.count.Inc()
	} else {
		se.reqOK.Inc()
		if !s.NoDuration {
			se.opDurOK.Observe(s.Seconds)
		}
	}
	if s.TTFT > 0 {
		se.ttft.Observe(s.TTFT)
	}
	u := s.Usage
	if u.Input > 0 {
		se.tokenIn.Observe(float64(u.Input))
	}
	if u.Output > 0 {
		se.tokenOut.Observe(float64(u.Output))
	}
	for i, n := range [5]int64{u.Input, u.Output, u.CacheRead, u.CacheWrite, u.Reasoning} {
		if n > 0 {
			se.tokens[i].Add(float64(n))
		}
	}
	switch {
	case c.Priced:
		se.costOnce.Do(func() { se.cost = r.cost.WithLabelValues(se.k.own()...) })
		se.cost.Add(c.CostUSD)
	case u.Any():
		se.unpricedOnce.Do(func() {
			own := se.k.own()
			se.unpricedIn = r.unpriced.WithLabelValues(append(own, "input")...)
			se.unpricedOut = r.unpriced.WithLabelValues(append(own, "output")...)
		})
		se.unpricedIn.Add(float64(u.Input))
		se.unpricedOut.Add(float64(u.Output))
	}
}

// maxRawKeys bounds callSeries' memo of label values as sent.
const maxRawKeys = 4096

// callSeries is the series of a model call's labels: from a memo of the
// labels as sent, or through the limiter (five lookups) and seriesFor. A
// call with a label past its limit is never memoised, so that each one
// still counts in llmops_exporter_label_overflow_total; nor is anything
// once the memo is full (labels as sent are unbounded).
func (r *Recorder) callSeries(s *llmspan.Span) *series {
	raw := key{service: s.Service, app: s.AppID, provider: s.Provider, model: s.Model, operation: s.Operation}
	r.mu.RLock()
	se := r.byRaw[raw]
	r.mu.RUnlock()
	if se != nil {
		return se
	}
	k := key{
		service:   r.limiter.Value("service", orUnknown(s.Service, "unknown_service")),
		app:       r.limiter.Value("app", s.AppID),
		provider:  r.limiter.Value("provider", orUnknown(s.Provider, "unknown")),
		model:     r.limiter.Value("model", orUnknown(s.Model, "unknown")),
		operation: r.limiter.Value("operation", orUnknown(s.Operation, "unknown")),
	}
	se = r.seriesFor(k)
	if k.service != Overflow && k.app != Overflow && k.provider != Overflow && k.model != Overflow && k.operation != Overflow {
		r.mu.Lock()
		if len(r.byRaw) < maxRawKeys {
			r.byRaw[raw] = se
		}
		r.mu.Unlock()
	}
	return se
}

func (r *Recorder) seriesFor(k key) *series {
	r.mu.RLock()
	se := r.series[k]
	r.mu.RUnlock()
	if se != nil {
		return se
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if se = r.series[k]; se != nil {
		return se
	}
	base := []string{k.service, k.app, k.operation, k.provider, k.model}
	own := k.own()
	with := func(labels []string, extra string) []string { return append(append([]string{}, labels...), extra) }
	se = &series{
		k:        k,
		opDurOK:  r.opDuration.WithLabelValues(with(base, "")...),
		tokenIn:  r.tokenUsage.WithLabelValues(with(base, "input")...),
		tokenOut: r.tokenUsage.WithLabelValues(with(base, "output")...),
		ttft:     r.ttft.WithLabelValues(base...),
		reqDur:   r.reqDuration.WithLabelValues(own...),
		reqOK:    r.requests.WithLabelValues(with(own, "ok")...),
		reqErr:   r.requests.WithLabelValues(with(own, "error")...),
		errs:     map[string]errSeries{},
	}
	for i, t := range TokenTypes {
		se.tokens[i] = r.tokens.WithLabelValues(with(own, t)...)
	}
	r.series[k] = se
	return se
}

// own is the label values of the llm_* metrics, in their order.
func (k key) own() []string { return []string{k.service, k.app, k.provider, k.model, k.operation} }

func (r *Recorder) errSeriesFor(se *series, s *llmspan.Span) errSeries {
	et := r.limiter.Value("error_type", orUnknown(s.ErrorType, "error"))
	se.mu.Lock()
	defer se.mu.Unlock()
	if es, ok := se.errs[et]; ok {
		return es
	}
	k := se.k
	es := errSeries{
		opDur: r.opDuration.WithLabelValues(k.service, k.app, k.operation, k.provider, k.model, et),
		count: r.errors.WithLabelValues(k.service, k.app, k.provider, k.model, k.operation, et),
	}
	se.errs[et] = es
	return es
}

func orUnknown(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
