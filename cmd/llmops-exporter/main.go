// Command llmops-exporter receives OTLP traces from LLM applications (Dify,
// any OTel GenAI-instrumented app), turns them into Prometheus metrics
// (latency, tokens, cost, errors), samples and redacts them, and delivers
// them durably to every configured tracing platform.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/llmops/terraform-provider-llmops/internal/exporterconfig"
	"github.com/llmops/terraform-provider-llmops/internal/memlimit"
	"github.com/llmops/terraform-provider-llmops/internal/server"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `usage: llmops-exporter <command> [flags]

commands:
  run          run the exporter (-c config.yaml; all settings have defaults)
  validate     check a configuration file (-c config.yaml)
  healthcheck  exit 0 when the running exporter's /health answers (container healthcheck)
  prices       show the price a model name resolves to (prices [-c config.yaml] MODEL...)
  verify       check every destination's credentials (-c config.yaml)
  deadletter   list or replay spans a destination refused (deadletter list|replay -c config.yaml)
  loadgen      send Dify-shaped traces at a fixed rate (see loadgen -h)
  version      print the version
`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "llmops-exporter %s\n", version)
		return 0
	case "run":
		return cmdRun(rest, stderr)
	case "validate":
		return cmdValidate(rest, stdout, stderr)
	case "healthcheck":
		return cmdHealthcheck(rest, stderr)
	case "prices":
		return cmdPrices(rest, stdout, stderr)
	case "loadgen":
		return cmdLoadgen(rest, stdout, stderr)
	case "verify":
		return cmdVerify(rest, stdout, stderr)
	case "deadletter":
		return cmdDeadletter(rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "llmops-exporter: unknown command %q\n\n%s", cmd, usage)
	return 2
}

// loadConfig reads -c FILE, or the defaults when no file is given; the
// environment overrides either way.
func loadConfig(path string) (*exporterconfig.Config, error) {
	if path == "" {
		c := exporterconfig.Defaults()
		if err := c.ApplyEnv(os.Getenv); err != nil {
			return nil, err
		}
		return c, c.Validate()
	}
	return exporterconfig.Load(path, os.Getenv)
}

func newLogger(c *exporterconfig.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Log.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func cmdRun(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("c", "", "configuration file (YAML)")
	grace := fs.Duration("shutdown-timeout", 15*time.Second, "how long in-flight requests get on SIGTERM")
	if fs.Parse(args) != nil {
		return 2
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "llmops-exporter: invalid configuration:\n%v\n", err)
		return 1
	}
	log := newLogger(cfg, stderr)
	applyMemoryPlan(cfg, log)
	srv, err := server.New(cfg, version, log, nil)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := srv.Start(); err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	<-ctx.Done()
	log.Info("shutting down", "timeout", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.Canceled) {
		log.Error("shutdown", "err", err)
		return 1
	}
	return 0
}

// applyMemoryPlan sizes the request budget, the soft heap limit and GOGC
// from the container's memory limit (memlimit.Derive says why); GOGC and
// GOMEMLIMIT in the environment win.
func applyMemoryPlan(cfg *exporterconfig.Config, log *slog.Logger) {
	limit, _ := memlimit.Cgroup("/")
	plan := memlimit.Derive(limit, cfg.Receivers.OTLP.MaxInFlightBytes, os.Getenv("GOGC") != "", os.Getenv("GOMEMLIMIT") != "")
	cfg.Receivers.OTLP.MaxInFlightBytes = plan.InFlightBytes
	if plan.MemoryLimit > 0 {
		debug.SetMemoryLimit(plan.MemoryLimit)
	}
	if plan.GCPercent > 0 {
		debug.SetGCPercent(plan.GCPercent)
	}
	log.Info("memory plan", "container_limit_bytes", limit, "max_in_flight_bytes", plan.InFlightBytes,
		"go_memory_limit_bytes", debug.SetMemoryLimit(-1), "gogc", plan.GCPercent)
}

func cmdValidate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("c", "", "configuration file (YAML), required")
	if fs.Parse(args) != nil {
		return 2
	}
	if *cfgPath == "" {
		fmt.Fprintln(stderr, "validate: -c FILE is required")
		return 2
	}
	if _, err := exporterconfig.Load(*cfgPath, os.Getenv); err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: valid\n", *cfgPath)
	return 0
}
