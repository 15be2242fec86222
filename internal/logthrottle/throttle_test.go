package logthrottle

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestFirstThenOneSummaryPerInterval(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	now := time.Unix(0, 0)
	th := New(10 * time.Second)
	th.Now = func() time.Time { return now }
	for i := 0; i < 1000; i++ {
		th.Log(log, slog.LevelError, "disk", "enqueue failed", "err", "no space left on device")
		now = now.Add(40 * time.Millisecond) // 1000 requests over 40 s
	}
	th.Log(log, slog.LevelError, "other", "another failure")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// 40 s: the first line, then one summary per 10 s (at 10, 20, 30 s), and
	// the other key's own first line.
	if len(lines) != 5 {
		t.Fatalf("%d lines:\n%s", len(lines), buf.String())
	}
	if strings.Contains(lines[0], "repeated") || !strings.Contains(lines[1], "repeated=249") || !strings.Contains(lines[1], "over=10s") {
		t.Fatalf("first/summary lines:\n%s\n%s", lines[0], lines[1])
	}
	if !strings.Contains(lines[4], "another failure") {
		t.Fatalf("an unrelated failure was suppressed: %s", lines[4])
	}
}
