package delivery

import (
	"log/slog"

	"github.com/llmops/terraform-provider-llmops/internal/queue"
)

// dropCorrupt dead-letters the items whose stored record failed its
// checksum (reason "corrupt: ..."), so that damaged bytes never reach a
// platform, and reports whether there were any.
func (w *Worker) dropCorrupt(items []queue.Item) bool {
	var bad []queue.Item
	for _, it := range items {
		if it.Corrupt != "" {
			bad = append(bad, it)
		}
	}
	if len(bad) == 0 {
		return false
	}
	w.deadLetter(bad, "corrupt: "+bad[0].Corrupt)
	return true
}

// deadLetter moves a batch to the destination's dead-letter store with the
// reason (`deadletter list` shows it, `deadletter replay` sends it again).
func (w *Worker) deadLetter(items []queue.Item, reason string) {
	n := 0
	for _, it := range items {
		n += it.Spans
	}
	if err := w.Queue.DeadLetter(items, reason); err != nil {
		w.Log.Error("moving spans to the dead-letter store failed", "destination", w.Name, "err", err)
		return
	}
	w.Metrics.deadLettered(w.Name, n)
	w.throttle.Log(w.Log, slog.LevelError, "dead-letter", "spans moved to the dead-letter store", "destination", w.Name, "spans", n, "reason", reason)
}
