package difyqueue

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/llmops/terraform-provider-llmops/internal/resp/redistest"
)

func TestQueueLengthsFollowRedis(t *testing.T) {
	r := redistest.Start(t, "", "s3cret")
	url := "redis://:s3cret@127.0.0.1:" + r.Port // no db: Dify's broker db 1
	reg := prometheus.NewPedanticRegistry()
	m, err := New(Config{URL: url, Queues: []string{"dataset", "workflow", "mail"}, Interval: time.Second}, reg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer m.client.Close()
	c := r.Client("s3cret", 1)
	ctx := context.Background()
	// What kombu writes: the queue list, a priority list, the unacked hash.
	for i := range 1200 {
		redistest.Do(t, c, "LPUSH", "dataset", fmt.Sprintf(`{"body":"task %d"}`, i))
	}
	redistest.Do(t, c, "LPUSH", "dataset\x06\x166", "prio-1", "prio-2")
	redistest.Do(t, c, "LPUSH", "workflow", "w")
	redistest.Do(t, c, "HSET", "unacked", "tag-1", "x", "tag-2", "y")
	redistest.Do(t, c, "LPUSH", "other-db-noise", "z")
	if err := m.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP dify_celery_queue_length Messages waiting in a Dify Celery queue (LLEN of the queue and its priority lists).
# TYPE dify_celery_queue_length gauge
dify_celery_queue_length{queue="dataset"} 1202
dify_celery_queue_length{queue="mail"} 0
dify_celery_queue_length{queue="workflow"} 1
# HELP dify_celery_unacked_messages Messages delivered to a Dify worker and not yet acknowledged (HLEN unacked).
# TYPE dify_celery_unacked_messages gauge
dify_celery_unacked_messages 2
# HELP dify_queue_monitor_up 1 when the last poll of Dify's Redis broker succeeded, else 0 (and no queue length is exposed: none would be current).
# TYPE dify_queue_monitor_up gauge
dify_queue_monitor_up 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "dify_celery_queue_length", "dify_celery_unacked_messages", "dify_queue_monitor_up"); err != nil {
		t.Fatal(err)
	}
	redistest.Do(t, c, "RPOP", "dataset")
	redistest.Do(t, c, "RPOP", "dataset\x06\x166")
	_ = m.Poll(ctx)
	if got := testutil.ToFloat64(m.length.WithLabelValues("dataset")); got != 1200 {
		t.Fatalf("after two pops: %v", got)
	}

	lastOK := testutil.ToFloat64(m.lastSuccess)
	if lastOK < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Fatalf("last success %v", lastOK)
	}

	// Redis dies: up is 0, nothing crashes, and no length is left behind
	// for an alert to act on as if it were current.
	r.Stop()
	if err := m.Poll(ctx); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("poll of a dead broker: %v", err)
	}
	if testutil.ToFloat64(m.up) != 0 {
		t.Fatal("up still 1 with Redis down")
	}
	if n := testutil.CollectAndCount(m.length) + testutil.CollectAndCount(m.unacked); n != 0 {
		t.Fatalf("%d stale length series exposed with Redis down", n)
	}
	if testutil.ToFloat64(m.lastSuccess) != lastOK {
		t.Fatal("last success moved with Redis down")
	}
	// Redis comes back on the same port (empty, as after a restart).
	r2 := redistest.Start(t, r.Port, "s3cret")
	redistest.Do(t, r2.Client("s3cret", 1), "LPUSH", "mail", "m")
	var perr error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if perr = m.Poll(ctx); perr == nil {
			break
		}
	}
	if perr != nil || testutil.ToFloat64(m.up) != 1 || testutil.ToFloat64(m.length.WithLabelValues("mail")) != 1 {
		t.Fatalf("after restart: %v up=%v", perr, testutil.ToFloat64(m.up))
	}
}

func TestOptionsAndRedaction(t *testing.T) {
	o, err := Options(Config{URL: "rediss://:pw@redis.internal:6380/3", Password: "fromfile"})
	if err != nil || o.DB != 3 || o.Password != "fromfile" || o.TLS == nil {
		t.Fatalf("%+v %v", o, err)
	}
	for _, bad := range []string{"http://x", "redis://:topsecret@", "redis://:topsecret@host:6379/notadb", "redis://:topsecret@host?dial_timeout=1s"} {
		_, err := Options(Config{URL: bad})
		if err == nil || strings.Contains(err.Error(), "topsecret") || !strings.Contains(err.Error(), "dify.redis_url") {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if got := Redacted("redis://:topsecret@h:1/1"); got != "redis://:%2A%2A%2A@h:1/1" && got != "redis://:***@h:1/1" {
		t.Errorf("redacted %q", got)
	}
}

// One key of the wrong type (a string where kombu keeps a list) fails its
// queue alone: the others are read, the broker is up, and the bad queue has
// no length (not a stale one) until it is a list again.
func TestWrongTypeFailsOnlyItsQueue(t *testing.T) {
	r := redistest.Start(t, "", "s3cret")
	reg := prometheus.NewPedanticRegistry()
	m, err := New(Config{URL: "redis://:s3cret@127.0.0.1:" + r.Port, Queues: []string{"dataset", "workflow"}, Interval: time.Second}, reg,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer m.client.Close()
	c := r.Client("s3cret", 1)
	ctx := context.Background()
	redistest.Do(t, c, "LPUSH", "dataset", "a", "b")
	redistest.Do(t, c, "LPUSH", "workflow", "w")
	if err := m.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	redistest.Do(t, c, "DEL", "workflow")
	redistest.Do(t, c, "SET", "workflow", "not a list")
	if err := m.Poll(ctx); err != nil {
		t.Fatalf("a WRONGTYPE key failed the whole poll: %v", err)
	}
	if testutil.ToFloat64(m.up) != 1 || testutil.ToFloat64(m.length.WithLabelValues("dataset")) != 2 {
		t.Fatal("the sound queue was not read")
	}
	m.length.DeleteLabelValues("dataset")
	if n := testutil.CollectAndCount(m.length); n != 0 {
		t.Fatal("the WRONGTYPE queue still has a length")
	}
	if testutil.ToFloat64(m.keyErrors.WithLabelValues("workflow")) != 1 {
		t.Fatal("the key error was not counted")
	}
}

// An unreachable broker is one JSON warning naming the cause, once per
// change of state (not once per poll), and never the password.
func TestUnreachableBrokerLogsOnceAsJSON(t *testing.T) {
	var buf syncBuffer
	m, err := New(Config{URL: "redis://:topsecret@127.0.0.1:1", Queues: []string{"dataset"}, Interval: time.Second}, prometheus.NewRegistry(),
		slog.New(slog.NewJSONHandler(&buf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer m.client.Close()
	for range 3 {
		if err := m.Poll(context.Background()); err == nil {
			t.Fatal("poll of a closed port succeeded")
		}
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d lines for three failed polls, want one:\n%s", len(lines), buf.String())
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &v); err != nil {
		t.Fatalf("not JSON: %q", lines[0])
	}
	if v["level"] != "WARN" || !strings.Contains(fmt.Sprint(v["err"]), "connection refused") || strings.Contains(lines[0], "topsecret") {
		t.Fatalf("line %q: want a warning naming the refused connection, without the password", lines[0])
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
