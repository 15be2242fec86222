package llmspan

// Bounds of one model call. A sender that claims more (a bug, a unit
// mix-up, hostile input) would otherwise poison counters for ever: counters
// never come down, so one span claiming 9.2e18 tokens leaves the cost total
// at 2.3e13 USD, and one from 1970 to 2540 adds 1.8e10 s to the latency
// sum. The largest context windows are a few million tokens; no model call
// answers after an hour.
const (
	// MaxCallTokens bounds each token count of one call, and their sum.
	MaxCallTokens = 10_000_000
	// MaxCallSeconds bounds one call's duration and time to first token.
	MaxCallSeconds = 3600
)

// Reasons a value is out of bounds (the reason label of
// llmops_exporter_spans_out_of_bounds_total).
const (
	OutOfBoundsTokens   = "tokens"        // a count above MaxCallTokens, or negative
	OutOfBoundsDuration = "duration"      // longer than MaxCallSeconds
	OutOfBoundsReversed = "reversed_time" // ends before it starts
	OutOfBoundsTTFT     = "ttft"          // negative, or past MaxCallSeconds
)

// Bound takes out of s what no real model call has, so that it stays out of
// the metrics it would corrupt (the span itself is delivered unchanged),
// and returns why (nil: all in bounds). Usage out of bounds is dropped
// whole (tokens and cost), a duration out of bounds is not observed
// (NoDuration), the call is still counted.
func (s *Span) Bound() []string {
	var why []string
	if u := s.Usage; !usageInBounds(u) {
		s.Usage = Usage{}
		why = append(why, OutOfBoundsTokens)
	}
	switch {
	case s.reversed:
		s.NoDuration = true
		why = append(why, OutOfBoundsReversed)
	case s.Seconds > MaxCallSeconds:
		s.NoDuration = true
		why = append(why, OutOfBoundsDuration)
	}
	// Not checked against Seconds: Dify's spans take their times from its
	// records, which need not contain the first token's.
	if s.TTFT < 0 || s.TTFT > MaxCallSeconds {
		s.TTFT = 0
		why = append(why, OutOfBoundsTTFT)
	}
	return why
}

func usageInBounds(u Usage) bool {
	var sum int64
	for _, n := range [...]int64{u.Input, u.Output, u.CacheRead, u.CacheWrite, u.Reasoning, u.Total} {
		if n < 0 || n > MaxCallTokens {
			return false
		}
		sum += n
	}
	return sum <= 3*MaxCallTokens // Input includes the cache counts, Output reasoning
}
