// Package difyqueue watches the backlog of Dify's Celery queues in Redis,
// the seed's "queue backlog > 1000" KPI, as Prometheus metrics.
//
// Kombu (Celery's Redis transport) keeps each queue as a Redis list named
// after the queue, with priority 3, 6 and 9 messages in `<q>\x06\x163`,
// `\x06\x166` and `\x06\x169`; messages delivered but not yet acknowledged
// sit in the hash `unacked`. Dify sets no priorities or key prefix, so the
// backlog of a queue is the sum of those list lengths (Dify's own monitor
// does `llen("dataset")`).
package difyqueue

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/llmops/terraform-provider-llmops/internal/logthrottle"
	"github.com/llmops/terraform-provider-llmops/internal/resp"
)

// DefaultQueues are the queues a self-hosted Dify worker consumes when
// CELERY_QUEUES is unset (api/docker/entrypoint.sh).
var DefaultQueues = []string{"dataset", "priority_dataset", "priority_pipeline", "pipeline", "mail", "ops_trace",
	"app_deletion", "plugin", "workflow_storage", "conversation", "workflow", "schedule_poller", "schedule_executor",
	"triggered_workflow_dispatcher", "trigger_refresh_executor", "retention"}

// prioritySuffixes are kombu's priority list suffixes (sep "\x06\x16").
var prioritySuffixes = []string{"\x06\x163", "\x06\x166", "\x06\x169"}

// Config says where Dify's broker is.
type Config struct {
	// URL is Dify's CELERY_BROKER_URL: redis://[:password@]host:port[/db]
	// or rediss:// for TLS; db defaults to 1, Dify's broker database.
	URL string
	// Password, when set, replaces the URL's (read from a file or the
	// environment by the caller, so it is never in the config file).
	Password string
	Queues   []string
	Interval time.Duration
}

// Options parses cfg into the client's options: db 1 (Dify's broker
// database) when the URL names none, 3 s timeouts. Errors never repeat the
// password.
func Options(cfg Config) (resp.Options, error) {
	opts, err := resp.ParseURL(cfg.URL, 1)
	if err != nil {
		return resp.Options{}, fmt.Errorf("dify.redis_url %q: %s; want redis://[:password@]host:port[/db] or rediss://... (Dify's CELERY_BROKER_URL)",
			Redacted(cfg.URL), err)
	}
	if cfg.Password != "" {
		opts.Password = cfg.Password
	}
	return opts, nil
}

// Redacted is the URL with its password replaced.
func Redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if i := strings.LastIndex(raw, "@"); i > 0 {
			return "redis://***@" + raw[i+1:]
		}
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "***")
	}
	return u.String()
}

// Monitor polls the queues and exposes their lengths.
type Monitor struct {
	client   *resp.Client
	queues   []string
	interval time.Duration
	log      *slog.Logger

	length      *prometheus.GaugeVec
	unacked     *prometheus.GaugeVec // no labels: a Vec so that it can be removed
	up          prometheus.Gauge
	lastSuccess prometheus.Gauge
	keyErrors   *prometheus.CounterVec
	throttle    *logthrottle.Throttle

	mu     sync.Mutex
	wasUp  *bool // last reported state, for one log line per change
	target string
}

// New builds a monitor and registers its metrics on reg.
func New(cfg Config, reg prometheus.Registerer, log *slog.Logger) (*Monitor, error) {
	opts, err := Options(cfg)
	if err != nil {
		return nil, err
	}
	queues := cfg.Queues
	if len(queues) == 0 {
		queues = DefaultQueues
	}
	interval := cfg.Interval
	if interval <= 0 {
		interval = 15 * time.Second
	}
	m := &Monitor{client: resp.New(opts), queues: queues, interval: interval, log: log, target: Redacted(cfg.URL),
		length: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "dify_celery_queue_length",
			Help: "Messages waiting in a Dify Celery queue (LLEN of the queue and its priority lists)."}, []string{"queue"}),
		unacked: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "dify_celery_unacked_messages",
			Help: "Messages delivered to a Dify worker and not yet acknowledged (HLEN unacked)."}, nil),
		up: prometheus.NewGauge(prometheus.GaugeOpts{Name: "dify_queue_monitor_up",
			Help: "1 when the last poll of Dify's Redis broker succeeded, else 0 (and no queue length is exposed: none would be current)."}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{Name: "dify_queue_monitor_last_success_timestamp_seconds",
			Help: "When the last poll of Dify's Redis broker succeeded (Unix seconds; 0: never)."}),
		keyErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dify_queue_monitor_key_errors_total",
			Help: "Polls in which one queue's key could not be read (e.g. WRONGTYPE: not a list); that queue's length is not exposed meanwhile."},
			[]string{"queue"}),
		throttle: logthrottle.New(time.Minute),
	}
	reg.MustRegister(m.length, m.unacked, m.up, m.lastSuccess, m.keyErrors)
	return m, nil
}

// Run polls every interval until ctx ends, then closes the client.
func (m *Monitor) Run(ctx context.Context) {
	defer m.client.Close()
	t := time.NewTicker(m.interval)
	defer t.Stop()
	for {
		_ = m.Poll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Poll reads every queue's length in one pipelined round trip and updates
// the metrics. When the broker cannot be read it sets dify_queue_monitor_up
// to 0 and removes every length: an alert must not act on the last values
// as if they were current. A key of the wrong type fails its queue alone.
func (m *Monitor) Poll(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, m.interval)
	defer cancel()
	per := 1 + len(prioritySuffixes)
	cmds := make([][]string, 0, len(m.queues)*per+1)
	for _, q := range m.queues {
		cmds = append(cmds, []string{"LLEN", q})
		for _, sfx := range prioritySuffixes {
			cmds = append(cmds, []string{"LLEN", q + sfx})
		}
	}
	cmds = append(cmds, []string{"HLEN", "unacked"})
	replies, err := m.client.Pipeline(ctx, cmds...)
	if err != nil {
		m.length.Reset()
		m.unacked.Reset()
		m.report(false, err)
		return fmt.Errorf("poll %s: %w", m.target, err)
	}
	// The broker answered; a command refused (WRONGTYPE...) fails its key.
	for i, q := range m.queues {
		if n, err := sum(cmds[i*per:(i+1)*per], replies[i*per:(i+1)*per]); err != nil {
			m.keyFailed(q, err)
		} else {
			m.length.WithLabelValues(q).Set(float64(n))
		}
	}
	if n, err := replies[len(replies)-1].Integer(); err != nil {
		m.keyFailed("unacked", err)
		m.unacked.Reset()
	} else {
		m.unacked.WithLabelValues().Set(float64(n))
	}
	m.lastSuccess.SetToCurrentTime()
	m.report(true, nil)
	return nil
}

// sum adds up a queue's list lengths (LLEN of a missing key is 0).
func sum(cmds [][]string, replies []resp.Reply) (int64, error) {
	var total int64
	for i, r := range replies {
		n, err := r.Integer()
		if err != nil {
			return 0, fmt.Errorf("%q: %w", cmds[i][1], err)
		}
		total += n
	}
	return total, nil
}

// keyFailed removes a queue's length (it would be stale) and says why.
func (m *Monitor) keyFailed(queue string, err error) {
	m.length.DeleteLabelValues(queue)
	m.keyErrors.WithLabelValues(queue).Inc()
	m.throttle.Log(m.log, slog.LevelWarn, "key:"+queue, "dify queue monitor: a queue's key cannot be read; its length is not exposed",
		"queue", queue, "redis", m.target, "err", err)
}

// report sets up and logs once per change of state.
func (m *Monitor) report(ok bool, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ok {
		m.up.Set(1)
	} else {
		m.up.Set(0)
	}
	if m.wasUp != nil && *m.wasUp == ok {
		return
	}
	m.wasUp = &ok
	if ok {
		m.log.Info("dify queue monitor: broker reachable", "redis", m.target, "queues", len(m.queues))
	} else {
		m.log.Warn("dify queue monitor: broker unreachable; dify_queue_monitor_up is 0 until it answers", "redis", m.target, "err", err)
	}
}

// PasswordFrom reads a password from a file (trailing newline trimmed) or
// an environment variable; both empty means none.
func PasswordFrom(file, env string) (string, error) {
	switch {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("dify.password_file: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	case env != "":
		v, ok := os.LookupEnv(env)
		if !ok {
			return "", fmt.Errorf("dify.password_env: %s is not set", env)
		}
		return v, nil
	}
	return "", nil
}
