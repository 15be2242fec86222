package main

import (
	"context"
	"net"
	"os/exec"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestE2EDifyQueueBacklogMetric runs the exporter with dify.redis_url
// pointing at a real redis-server holding Dify-shaped Celery queues.
func TestE2EDifyQueueBacklogMetric(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("SKIPPED LOUDLY: redis-server not found; .ci/run installs it (apt-get install redis-server)")
	}
	port := freePort(t)
	_, p, _ := net.SplitHostPort(port)
	rs := exec.Command(bin, "--bind", "127.0.0.1", "--port", p, "--dir", t.TempDir(), "--save", "", "--appendonly", "no", "--requirepass", "broker-pw")
	if err := rs.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rs.Process.Kill(); _ = rs.Wait() })
	c := redis.NewClient(&redis.Options{Addr: port, Password: "broker-pw", DB: 1})
	defer c.Close()
	waitUntil(t, "redis-server", func() bool { return c.Ping(context.Background()).Err() == nil })
	for range 1500 {
		c.LPush(context.Background(), "dataset", "task")
	}
	t.Setenv("E2E_DIFY_REDIS_PASSWORD", "broker-pw")
	exp := startExporter(t, "dify: {redis_url: \"redis://"+port+"\", password_env: E2E_DIFY_REDIS_PASSWORD, interval: 1s, queues: [dataset, mail]}\n")
	var m map[string]float64
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		m = exp.scrape(t)
		if m[`dify_celery_queue_length{queue="dataset"}`] == 1500 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if m[`dify_celery_queue_length{queue="dataset"}`] != 1500 || m["dify_queue_monitor_up"] != 1 || m[`dify_celery_queue_length{queue="mail"}`] != 0 {
		t.Fatalf("queue metrics: dataset=%v mail=%v up=%v\nlogs:\n%s", m[`dify_celery_queue_length{queue="dataset"}`],
			m[`dify_celery_queue_length{queue="mail"}`], m["dify_queue_monitor_up"], exp.logs)
	}
}
