package delivery

import (
	"math/rand/v2"
	"time"
)

// maxWait caps one wait between attempts, whatever the backoff or the
// platform's Retry-After says (Langfuse's suspended ingestion is retried
// at this pace).
const maxWait = 5 * time.Minute

// RetryPolicy is how a destination retries a batch whose failure may pass:
// exponential backoff from Initial to Max with ±20% jitter, at least the
// platform's Retry-After, and, when MaxElapsed is set, not longer than
// that after the batch's first attempt (the batch is then dead-lettered).
type RetryPolicy struct {
	Initial, Max, MaxElapsed time.Duration
}

// retry is one batch's progress through its policy.
type retry struct {
	policy  RetryPolicy
	backoff time.Duration
	first   time.Time
}

func (p RetryPolicy) start(now time.Time) *retry {
	return &retry{policy: p, backoff: p.Initial, first: now}
}

// next is the wait before the next attempt, or false when waiting it
// would take the batch past MaxElapsed: give up now rather than sleep
// towards a deadline that ends in a dead letter anyway.
func (r *retry) next(now time.Time, retryAfter time.Duration) (time.Duration, bool) {
	wait := min(max(jitter(r.backoff), retryAfter), maxWait)
	if r.policy.MaxElapsed > 0 && now.Add(wait).Sub(r.first) > r.policy.MaxElapsed {
		return 0, false
	}
	r.backoff = min(2*r.backoff, r.policy.Max)
	return wait, true
}

// elapsed is how long the batch has been retried.
func (r *retry) elapsed(now time.Time) time.Duration { return now.Sub(r.first) }

// jitter spreads retries by ±20% so replicas do not retry in lock-step.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}
