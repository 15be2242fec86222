package llmmetrics

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
)

// Overflow replaces label values past the cardinality limit.
const Overflow = "_overflow_"

// Limiter bounds the distinct values each label may take. Label values come
// from untrusted spans (model names, app IDs); without a bound one noisy app
// could exhaust Prometheus.
type Limiter struct {
	max      int
	mu       sync.RWMutex
	seen     map[string]map[string]struct{}
	overflow *prometheus.CounterVec
}

// NewLimiter registers llmops_exporter_label_overflow_total on reg.
func NewLimiter(reg prometheus.Registerer, max int) *Limiter {
	l := &Limiter{max: max, seen: map[string]map[string]struct{}{},
		overflow: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llmops_exporter_label_overflow_total",
			Help: "Values replaced by " + Overflow + " because a label reached its cardinality limit."}, []string{"label"})}
	reg.MustRegister(l.overflow)
	return l
}

// Value returns v, or Overflow when label already has max other values.
// Invalid UTF-8 is replaced first: client_golang panics on it, and a label
// value comes straight from a sender's bytes.
func (l *Limiter) Value(label, v string) string {
	v = ValidLabel(v)
	if l.max <= 0 || v == "" {
		return v
	}
	l.mu.RLock()
	_, ok := l.seen[label][v]
	n := len(l.seen[label])
	l.mu.RUnlock()
	if ok {
		return v
	}
	if n >= l.max {
		l.overflow.WithLabelValues(label).Inc()
		return Overflow
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	set := l.seen[label]
	if set == nil {
		set = map[string]struct{}{}
		l.seen[label] = set
	}
	if _, ok := set[v]; !ok && len(set) >= l.max {
		l.overflow.WithLabelValues(label).Inc()
		return Overflow
	}
	set[v] = struct{}{}
	return v
}

// ValidLabel returns v with invalid UTF-8 sequences replaced by U+FFFD; a
// valid v is returned as is, without allocating.
func ValidLabel(v string) string {
	if utf8.ValidString(v) {
		return v
	}
	return strings.ToValidUTF8(v, "\uFFFD")
}
