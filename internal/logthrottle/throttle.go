// Package logthrottle keeps a failure that repeats per request (a full
// disk, a destination that is down) from flooding the log: the first
// occurrence is logged as it is, later ones with the same key are counted,
// and one summary line per interval says how many there were.
package logthrottle

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Throttle is safe for concurrent use.
type Throttle struct {
	Interval time.Duration
	Now      func() time.Time

	mu   sync.Mutex
	seen map[string]*state
}

type state struct {
	since      time.Time // start of the current interval
	suppressed int
}

// New returns a Throttle with the given interval.
func New(interval time.Duration) *Throttle {
	return &Throttle{Interval: interval, Now: time.Now, seen: map[string]*state{}}
}

// Log logs msg at level unless key was logged less than Interval ago; then
// it only counts. The first call after an interval with suppressed
// occurrences logs msg with "repeated" (how many were not logged) and
// "over" (the interval) added.
func (t *Throttle) Log(log *slog.Logger, level slog.Level, key, msg string, args ...any) {
	now := t.Now()
	t.mu.Lock()
	st := t.seen[key]
	switch {
	case st == nil:
		t.seen[key] = &state{since: now}
	case now.Sub(st.since) < t.Interval:
		st.suppressed++
		t.mu.Unlock()
		return
	default:
		if st.suppressed > 0 {
			args = append(args, "repeated", st.suppressed, "over", now.Sub(st.since).Round(time.Second).String())
		}
		st.since, st.suppressed = now, 0
	}
	t.mu.Unlock()
	log.Log(context.Background(), level, msg, args...)
}
