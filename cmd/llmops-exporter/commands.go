package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/llmops/terraform-provider-llmops/internal/loadgen"
	"github.com/llmops/terraform-provider-llmops/internal/pricing"
)

// cmdHealthcheck is the container healthcheck of a FROM-scratch image,
// which has no curl: it exits 0 only when /health answers 200.
func cmdHealthcheck(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("c", "", "configuration file, to find the metrics endpoint")
	addr := fs.String("addr", "", "metrics address (default: from -c or LLMOPS_METRICS_ENDPOINT, else 127.0.0.1:9464)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait")
	if fs.Parse(args) != nil {
		return 2
	}
	target := *addr
	if target == "" {
		cfg, err := loadConfig(*cfgPath)
		if err != nil {
			fmt.Fprintf(stderr, "healthcheck: %v\n", err)
			return 1
		}
		target = cfg.Metrics.Endpoint
	}
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		fmt.Fprintf(stderr, "healthcheck: %q is not host:port\n", target)
		return 2
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	client := &http.Client{Timeout: *timeout}
	resp, err := client.Get("http://" + net.JoinHostPort(host, port) + "/health")
	if err != nil {
		fmt.Fprintf(stderr, "healthcheck: %v\n", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "healthcheck: /health answered %d\n", resp.StatusCode)
		return 1
	}
	return 0
}

// cmdPrices shows how model names resolve, or the whole table.
func cmdPrices(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("prices", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("c", "", "configuration file with prices.overrides")
	if fs.Parse(args) != nil {
		return 2
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "prices: %v\n", err)
		return 1
	}
	tab, err := pricing.New(cfg.Prices.Overrides)
	if err != nil {
		fmt.Fprintf(stderr, "prices: %v\n", err)
		return 1
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: llmops-exporter prices [-c config.yaml] MODEL...")
		return 2
	}
	unpriced := 0
	for _, model := range fs.Args() {
		r, ok := tab.Lookup(model)
		if !ok {
			unpriced++
			fmt.Fprintf(stdout, "%s: unpriced (its tokens count in llm_unpriced_tokens_total, not as $0; add a prices.overrides entry)\n", model)
			continue
		}
		fmt.Fprintf(stdout, "%s: %s [%s] provider=%s USD per 1M tokens: input=%g output=%g cache_read=%g cache_write=%g reasoning=%g\n",
			model, r.Name, r.Source, orDash(r.Provider), r.Input, r.Output, val(r.CacheRead, r.Input), val(r.CacheWrite, r.Input), val(r.Reasoning, r.Output))
	}
	if unpriced > 0 {
		return 3
	}
	return 0
}

func val(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func cmdLoadgen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	proto := os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	if proto == "" {
		proto = "http/protobuf"
	}
	var cfg loadgen.Config
	fs.StringVar(&cfg.Endpoint, "endpoint", "http://127.0.0.1:4318", "OTLP endpoint (http://host:port, or host:port for grpc)")
	fs.StringVar(&cfg.Protocol, "protocol", proto, "http/protobuf or grpc (default from OTEL_EXPORTER_OTLP_PROTOCOL)")
	fs.IntVar(&cfg.SpansPerSecond, "rate", 1000, "target spans per second (0: as fast as possible)")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long to send")
	fs.IntVar(&cfg.Concurrency, "concurrency", 4, "parallel senders")
	fs.IntVar(&cfg.TracesPerRequest, "batch", 20, fmt.Sprintf("traces per request (%d spans each)", loadgen.SpansPerTrace))
	fs.StringVar(&cfg.Token, "token", os.Getenv("OTLP_API_KEY"), "bearer token (default OTLP_API_KEY)")
	fs.BoolVar(&cfg.FirstAddress, "first-address", false, "dial only the first address the host resolves to, on a new connection per request, never retrying (measures a rollout as a naive client sees it)")
	fs.IntVar(&cfg.PromptBytes, "prompt-bytes", 0, "give each LLM call a prompt of 1/8 to all of this many bytes, and a completion a quarter of it (0: no content)")
	seed := fs.Uint64("seed", uint64(time.Now().UnixNano()), "random seed")
	if fs.Parse(args) != nil {
		return 2
	}
	cfg.Seed = *seed
	// SIGINT or SIGTERM (docker stop) ends the run early, with its result.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := loadgen.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "loadgen: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, res.String())
	if res.Failures > 0 && res.Spans == 0 {
		fmt.Fprintln(stderr, "loadgen: every request failed: "+strings.TrimSpace(res.FirstError))
		return 1
	}
	return 0
}
