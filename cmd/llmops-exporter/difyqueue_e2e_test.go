package main

import (
	"testing"
	"time"

	"github.com/llmops/terraform-provider-llmops/internal/resp/redistest"
)

// TestE2EDifyQueueBacklogMetric runs the exporter with dify.redis_url
// pointing at a real redis-server holding Dify-shaped Celery queues.
func TestE2EDifyQueueBacklogMetric(t *testing.T) {
	rs := redistest.Start(t, "", "broker-pw")
	c := rs.Client("broker-pw", 1)
	for range 1500 {
		redistest.Do(t, c, "LPUSH", "dataset", "task")
	}
	port := "127.0.0.1:" + rs.Port
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
