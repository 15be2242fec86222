package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"github.com/llmops/terraform-provider-llmops/internal/platform/platformtest"
	"github.com/llmops/terraform-provider-llmops/internal/testvolume"
)

// attrRequest is request n: 10 spans with about 400 bytes of attributes
// each (above the queue's inline record size, so its data goes to a
// segment).
func attrRequest(n uint32) []byte {
	body, _ := spansWithPrompt(n, strings.Repeat("what is in the queue? ", 18))
	return body
}

// loadClients post attrRequests from 4 clients, each every 40 ms, and
// count the answers by status.
type loadClients struct {
	url   string
	stop  chan struct{}
	wg    sync.WaitGroup
	n     atomic.Uint32
	mu    sync.Mutex
	codes map[int]int
}

func startLoad(url string) *loadClients {
	l := &loadClients{url: url, stop: make(chan struct{}), codes: map[int]int{}}
	for range 4 {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			client := &http.Client{Timeout: 5 * time.Second}
			tick := time.NewTicker(40 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-l.stop:
					return
				case <-tick.C:
				}
				req, _ := http.NewRequest(http.MethodPost, l.url, bytes.NewReader(attrRequest(l.n.Add(1))))
				req.Header.Set("Content-Type", "application/x-protobuf")
				req.Header.Set("Authorization", "Bearer e2e-token")
				code := 0
				if resp, err := client.Do(req); err == nil {
					resp.Body.Close()
					code = resp.StatusCode
				}
				l.mu.Lock()
				l.codes[code]++
				l.mu.Unlock()
			}
		}()
	}
	return l
}

// take returns the answers counted since the last take.
func (l *loadClients) take() map[int]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.codes
	l.codes = map[int]int{}
	return out
}

func (l *loadClients) halt() { close(l.stop); l.wg.Wait() }

// ready is /ready's status and reason.
func (p *exporterProc) ready(t *testing.T) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + p.metricsAddr + "/ready")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Reason string }
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &body)
	return resp.StatusCode, body.Reason
}

// TestE2EFullQueueVolume runs the built exporter with its queue on an 8 MiB
// tmpfs. With a healthy destination, a minute of steady load (4 clients,
// 10 spans of ~400 bytes per request: about 40 MB through the volume) is
// all accepted and /ready stays 200. With the destination down the volume
// fills: requests are answered 503, and /ready is 503 with the reason
// exactly while they are; when the destination is back, the backlog is
// delivered, /ready turns 200 and requests are accepted again.
func TestE2EFullQueueVolume(t *testing.T) {
	dir := testvolume.Tmpfs(t, 8<<20)
	fake := platformtest.New(t, platform.OTLP, platform.Config{}, platform.Secrets{})
	p := startExporter(t, fmt.Sprintf(`queue: {directory: %q, fsync: true}
destinations:
  - name: sink
    type: otlp
    endpoint: %q
    retry: {initial: 50ms, max: 200ms}
`, dir, fake.URL))
	load := startLoad("http://" + p.httpAddr + "/v1/traces")
	defer load.halt()

	// Healthy destination: a minute, every answer 200, /ready 200 throughout.
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		if code, why := p.ready(t); code != http.StatusOK {
			t.Fatalf("/ready %d (%s) under a steady load with a healthy destination; logs:\n%s", code, why, p.logs)
		}
	}
	codes := load.take()
	if len(codes) != 1 || codes[http.StatusOK] < 1000 {
		t.Fatalf("answers over a minute with a healthy destination: %v, want only 200s (1000 at least); logs:\n%s", codes, p.logs)
	}
	t.Logf("a minute of steady load through an 8 MiB volume: %d requests accepted", codes[http.StatusOK])

	// The destination goes down: the volume fills, requests are refused,
	// and /ready says so, with the reason, for as long as that lasts.
	fake.Outage(http.StatusServiceUnavailable, 0)
	waitUntil(t, "/ready to turn 503 as the volume fills", func() bool { code, _ := p.ready(t); return code != http.StatusOK })
	// The refusal that turned it is counted once its answer reaches the
	// client: /ready never turned before a request was refused.
	refused := 0
	for deadline := time.Now().Add(5 * time.Second); refused == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		refused += load.take()[http.StatusServiceUnavailable]
	}
	if refused == 0 {
		t.Fatal("/ready turned 503 with no request refused")
	}
	for range 10 {
		code, why := p.ready(t)
		if code != http.StatusServiceUnavailable || !strings.Contains(why, "volume is full") {
			t.Fatalf("/ready %d (%q) while requests are refused for disk", code, why)
		}
		if m := p.scrape(t); m["llmops_exporter_queue_disk_full"] != 1 || m[`llmops_exporter_requests_refused_total{reason="queue_disk_full",transport="http"}`] < 1 {
			t.Fatalf("metrics while refusing: disk_full %v, refused %v", m["llmops_exporter_queue_disk_full"],
				m[`llmops_exporter_requests_refused_total{reason="queue_disk_full",transport="http"}`])
		}
		time.Sleep(100 * time.Millisecond)
	}
	if c := load.take(); c[http.StatusOK] > c[http.StatusServiceUnavailable] {
		t.Fatalf("answers with the volume full: %v", c)
	}

	// The destination is back: the backlog drains, and /ready turns 200
	// when requests are accepted again.
	fake.Recover()
	waitUntil(t, "/ready 200 once the backlog is delivered", func() bool { code, _ := p.ready(t); return code == http.StatusOK })
	load.take()
	time.Sleep(2 * time.Second)
	if c := load.take(); c[http.StatusServiceUnavailable] > 0 || c[http.StatusOK] == 0 {
		t.Fatalf("answers after the backlog was delivered: %v; logs:\n%s", c, p.logs)
	}
}
