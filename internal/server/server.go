// Package server assembles llmops-exporter from its configuration: the OTLP
// receivers, the processing pipeline, and the metrics endpoint with /metrics,
// /health (liveness) and /ready (readiness). It owns start-up and graceful
// shutdown: on shutdown it stops accepting, answers in-flight requests, then
// stops.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"

	"github.com/llmops/terraform-provider-llmops/internal/delivery"
	"github.com/llmops/terraform-provider-llmops/internal/difyqueue"
	"github.com/llmops/terraform-provider-llmops/internal/exporterconfig"
	"github.com/llmops/terraform-provider-llmops/internal/llmmetrics"
	"github.com/llmops/terraform-provider-llmops/internal/memlimit"
	"github.com/llmops/terraform-provider-llmops/internal/pipeline"
	"github.com/llmops/terraform-provider-llmops/internal/pricing"
	"github.com/llmops/terraform-provider-llmops/internal/receiver"
	"github.com/llmops/terraform-provider-llmops/internal/sampling"
	"github.com/llmops/terraform-provider-llmops/internal/tracectx"
)

// Server is a configured exporter.
type Server struct {
	cfg      *exporterconfig.Config
	log      *slog.Logger
	version  string
	Pipeline *pipeline.Pipeline
	sampler  *sampling.Sampler
	reg      *prometheus.Registry
	ready    atomic.Bool

	token      string
	adminToken string // "" = admin endpoints off
	admission  *receiver.Admission

	fanout                    *delivery.Fanout
	httpSrv, metricsSrv       *http.Server
	grpcSrv                   *grpc.Server
	httpLis, grpcLis, metrLis net.Listener
	stopExpiry, expireDone    chan struct{}
	queues                    *difyqueue.Monitor
	stopQueues                context.CancelFunc
	wg                        sync.WaitGroup
}

// New builds a server. Sampled traces go to sink when given, else to the
// configured destinations (durably queued), else nowhere.
func New(cfg *exporterconfig.Config, version string, log *slog.Logger, sink pipeline.Sink) (*Server, error) {
	prices, err := pricing.New(cfg.Prices.Overrides)
	if err != nil {
		return nil, err
	}
	token, err := cfg.BearerToken(os.Getenv)
	if err != nil {
		return nil, err
	}
	adminToken, err := cfg.AdminToken(os.Getenv)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "llmops_exporter_build_info", Help: "Build information; always 1."}, []string{"version", "goversion"})
	build.WithLabelValues(version, runtime.Version()).Set(1)
	reg.MustRegister(build)
	s := &Server{cfg: cfg, log: log, version: version, reg: reg, stopExpiry: make(chan struct{})}
	if sink == nil && len(cfg.Destinations) > 0 {
		if s.fanout, err = delivery.New(cfg, os.Getenv, log, reg); err != nil {
			return nil, err
		}
		registerDiskMetrics(reg, s.fanout.Store())
		sink = s.fanout
	} else if sink == nil {
		sink = pipeline.Discard{}
	}
	s.sampler = sampling.New(sampling.Config{
		Rate: *cfg.Sampling.Rate, KeepErrors: *cfg.Sampling.KeepErrors, KeepAuditFailures: *cfg.Sampling.KeepAuditFailures,
		KeepSlowerThan: time.Duration(cfg.Sampling.KeepSlowerThan),
		DecisionWait:   time.Duration(cfg.Sampling.DecisionWait), MaxBufferedSpans: cfg.Sampling.MaxBufferedSpans,
	}, reg)
	if s.fanout != nil {
		// Spans held for a keep-rule decision were acknowledged: they live
		// in the queue file too, and an earlier run's come back.
		store := s.fanout.Store()
		s.sampler.Durable = store
		keys, values, err := store.Held()
		if err != nil {
			return nil, fmt.Errorf("reading the spans held for sampling decisions: %w", err)
		}
		if len(keys) > 0 {
			s.sampler.Restore(keys, values, time.Now())
			log.Info("restored spans held for a sampling decision", "spans", len(keys))
		}
	}
	s.Pipeline = &pipeline.Pipeline{
		Prices: prices, Metrics: llmmetrics.NewRecorder(reg, cfg.Metrics.MaxLabelValues, recorderOptions(cfg.Metrics)...),
		OTLP: llmmetrics.NewOTLPStore(reg, cfg.Metrics.MaxOTLPSeries), Sampler: s.sampler, Sink: sink, Now: time.Now,
		Traces: tracectx.New[pipeline.HeldCall](time.Duration(cfg.TraceContext.Wait), time.Duration(cfg.TraceContext.TTL),
			cfg.TraceContext.MaxTraces, cfg.TraceContext.MaxHeldCalls),
	}
	if d := cfg.Dify; d.RedisURL != "" {
		pw, err := difyqueue.PasswordFrom(d.PasswordFile, d.PasswordEnv)
		if err != nil {
			return nil, err
		}
		if s.queues, err = difyqueue.New(difyqueue.Config{URL: d.RedisURL, Password: pw, Queues: d.Queues,
			Interval: time.Duration(d.Interval)}, reg, log); err != nil {
			return nil, err
		}
	}
	o := cfg.Receivers.OTLP
	inFlight := o.MaxInFlightBytes
	if inFlight == 0 {
		inFlight = memlimit.DefaultInFlightWithoutLimit
	}
	s.token, s.adminToken = token, adminToken
	s.admission = receiver.NewAdmission(inFlight)
	opts := receiver.Options{Token: token, MaxBytes: o.MaxRequestBytes, Admission: s.admission, Logger: log, Metrics: receiver.NewMetrics(reg),
		MaxConcurrentStreams: o.MaxConcurrentStreams, IdleTimeout: time.Duration(o.IdleTimeout), HandshakeTimeout: time.Duration(o.ReadTimeout)}
	if lf := o.Langfuse; lf.Enabled {
		opts.Langfuse = &receiver.Langfuse{PublicKey: lf.PublicKey, ProjectID: lf.ProjectID, ProjectName: lf.ProjectName, ServiceName: lf.ServiceName}
	}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "llmops_exporter_in_flight_request_bytes",
		Help: "Request bytes held in memory now, against receivers.otlp.max_in_flight_bytes."}, func() float64 { return float64(s.admission.InFlight()) }))
	if o.HTTP.On() {
		s.httpSrv = &http.Server{Handler: receiver.NewHTTPHandler(s.Pipeline, opts), ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout: time.Duration(o.ReadTimeout), WriteTimeout: time.Duration(o.WriteTimeout), IdleTimeout: time.Duration(o.IdleTimeout),
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
	}
	if o.GRPC.On() {
		s.grpcSrv = receiver.NewGRPCServer(s.Pipeline, opts)
	}
	s.metricsSrv = &http.Server{Handler: receiver.Recover(s.metricsMux(), "metrics", log, opts.Metrics), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	return s, nil
}

// Registry exposes the metrics registry (for tests and embedding).
func (s *Server) Registry() *prometheus.Registry { return s.reg }

func (s *Server) metricsMux() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{EnableOpenMetrics: false}))
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "ok", "version": s.version})
	})
	if os.Getenv("LLMOPS_PPROF") == "1" {
		// Opt-in profiling for operators chasing CPU or memory; off by default.
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/heap", pprof.Index)
	}
	mux.HandleFunc("GET /deadletters", s.admin(s.listDeadLetters))
	mux.HandleFunc("POST /deadletters/replay", s.admin(s.replayDeadLetters))
	mux.HandleFunc("/ready", s.readyz)
	return mux
}

// Start binds every listener (failing fast on a busy port) and serves.
func (s *Server) Start() error {
	var err error
	if s.metrLis, err = net.Listen("tcp", s.cfg.Metrics.Endpoint); err != nil {
		return fmt.Errorf("metrics.endpoint: %w", err)
	}
	if s.httpSrv != nil {
		if s.httpLis, err = net.Listen("tcp", s.cfg.Receivers.OTLP.HTTP.Endpoint); err != nil {
			s.metrLis.Close()
			return fmt.Errorf("receivers.otlp.http.endpoint: %w", err)
		}
	}
	if s.grpcSrv != nil {
		if s.grpcLis, err = net.Listen("tcp", s.cfg.Receivers.OTLP.GRPC.Endpoint); err != nil {
			s.metrLis.Close()
			if s.httpLis != nil {
				s.httpLis.Close()
			}
			return fmt.Errorf("receivers.otlp.grpc.endpoint: %w", err)
		}
	}
	s.serve("metrics", func() error { return s.metricsSrv.Serve(s.metrLis) })
	if s.httpSrv != nil {
		s.serve("otlp/http", func() error { return s.httpSrv.Serve(s.httpLis) })
	}
	if s.grpcSrv != nil {
		s.serve("otlp/grpc", func() error { return s.grpcSrv.Serve(s.grpcLis) })
	}
	s.expireDone = make(chan struct{})
	go s.expireLoop()
	if s.queues != nil {
		ctx, cancel := context.WithCancel(context.Background())
		s.stopQueues = cancel
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.queues.Run(ctx) }()
	}
	if s.fanout != nil {
		s.fanout.Start()
	}
	s.ready.Store(true)
	s.warnIfOpen()
	s.log.Info("llmops-exporter started", "version", s.version, "otlp_http", s.HTTPAddr(), "otlp_grpc", s.GRPCAddr(), "metrics", s.MetricsAddr())
	return nil
}

func (s *Server) serve(name string, fn func() error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := fn(); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, grpc.ErrServerStopped) {
			s.log.Error("listener stopped", "listener", name, "err", err)
		}
	}()
}

func (s *Server) expireLoop() {
	defer close(s.expireDone)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case now := <-t.C:
			if err := s.Pipeline.Tick(context.Background(), now); err != nil {
				s.log.Debug("releasing rule-kept spans failed; retrying next tick", "err", err)
			}
		case <-s.stopExpiry:
			return
		}
	}
}

// Shutdown stops accepting, answers in-flight requests within ctx, and stops.
func (s *Server) Shutdown(ctx context.Context) error {
	s.ready.Store(false)
	var errs []error
	if s.httpSrv != nil {
		errs = append(errs, s.httpSrv.Shutdown(ctx))
	}
	if s.grpcSrv != nil {
		done := make(chan struct{})
		go func() { s.grpcSrv.GracefulStop(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			s.grpcSrv.Stop()
		}
	}
	close(s.stopExpiry)
	if s.stopQueues != nil {
		s.stopQueues()
	}
	if s.expireDone != nil {
		<-s.expireDone // its last tick may still be handing spans to the fanout
	}
	if s.fanout != nil {
		// After the receivers: every acknowledged span is queued by now.
		errs = append(errs, s.fanout.Stop())
	}
	errs = append(errs, s.metricsSrv.Shutdown(ctx))
	s.wg.Wait()
	s.log.Info("llmops-exporter stopped")
	return errors.Join(errs...)
}

// HTTPAddr is the bound OTLP/HTTP address ("" when disabled).
func (s *Server) HTTPAddr() string { return addr(s.httpLis) }

// GRPCAddr is the bound OTLP/gRPC address ("" when disabled).
func (s *Server) GRPCAddr() string { return addr(s.grpcLis) }

// MetricsAddr is the bound metrics address.
func (s *Server) MetricsAddr() string { return addr(s.metrLis) }

func addr(l net.Listener) string {
	if l == nil {
		return ""
	}
	return l.Addr().String()
}

func recorderOptions(m exporterconfig.Metrics) []llmmetrics.Option {
	opts := []llmmetrics.Option{llmmetrics.WithLatencyBuckets(m.LatencyBuckets)}
	if m.NativeHistograms != nil && !*m.NativeHistograms {
		opts = append(opts, llmmetrics.WithoutNativeHistogram())
	}
	return opts
}
