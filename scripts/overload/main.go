// Command overload is the scripted overload run of docs/benchmarks.md: it
// builds llmops-exporter, runs it with its default memory settings, and has
// many clients post large OTLP bodies as fast as they can while a prober
// times /health. It reports what the clients were answered, the slowest
// /health, the exporter's peak RSS, and whether it survived.
//
//	go run ./scripts/overload [-clients 64] [-body-mb 13] [-duration 60s] [-grpc]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/llmops/terraform-provider-llmops/internal/loadgen"
)

func main() {
	clients := flag.Int("clients", 64, "concurrent clients")
	bodyMB := flag.Float64("body-mb", 13, "approximate size of each request body, MB")
	duration := flag.Duration("duration", 60*time.Second, "how long the clients post")
	env := flag.String("env", "", "extra environment for the exporter, e.g. GOGC=100")
	pin := flag.Bool("pin", true, "run the exporter on core 0 and the clients on the other cores (taskset), so the load generator does not starve it")
	target := flag.String("clients-only", "", "internal: be the load clients (niced) posting to this address")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "write a 10 s CPU profile of the exporter, taken mid-run, to this file")
	flag.Parse()
	if *target != "" {
		os.Exit(post(*target, *clients, *bodyMB, *duration))
	}
	if err := run(*clients, *bodyMB, *duration, *env, *pin); err != nil {
		fmt.Fprintln(os.Stderr, "overload:", err)
		os.Exit(1)
	}
}

// body builds one OTLP/protobuf request of Dify-shaped traces of about mb MB.
func body(mb float64) ([]byte, int) {
	g := loadgen.NewGenerator(7)
	td := ptrace.NewTraces()
	for {
		g.Traces(200).ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
		b, _ := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		if float64(len(b)) >= mb*1e6 {
			return b, td.SpanCount()
		}
	}
}

func free() string {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	defer l.Close()
	return l.Addr().String()
}

var cpuProfile string

func run(clients int, mb float64, duration time.Duration, env string, pin bool) error {
	dir, err := os.MkdirTemp("", "llmops-overload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "llmops-exporter")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "./cmd/llmops-exporter")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v\n%s", err, out)
	}
	httpAddr, metricsAddr := free(), free()
	cfg := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("receivers:\n  otlp:\n    http: {endpoint: %q}\n    grpc: {endpoint: %q}\nmetrics: {endpoint: %q}\nlog: {level: warn}\n",
		httpAddr, free(), metricsAddr)), 0o600); err != nil {
		return err
	}
	exp := exec.Command(bin, "run", "-c", cfg)
	if pin {
		exp = exec.Command("taskset", "-c", "0", bin, "run", "-c", cfg)
		// This process and its clients leave core 0 to the exporter.
		if out, err := exec.Command("taskset", "-a", "-p", "-c", "1-"+strconv.Itoa(runtime.NumCPU()-1), strconv.Itoa(os.Getpid())).CombinedOutput(); err != nil {
			return fmt.Errorf("taskset (util-linux): %v\n%s", err, out)
		}
	}
	exp.Env = os.Environ()
	if cpuProfile != "" {
		exp.Env = append(exp.Env, "LLMOPS_PPROF=1")
	}
	if env != "" {
		exp.Env = append(exp.Env, strings.Fields(env)...)
	}
	exp.Stderr = os.Stderr
	if err := exp.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- exp.Wait() }()
	defer func() { _ = exp.Process.Kill() }()
	for i := 0; ; i++ {
		if resp, err := http.Get("http://" + metricsAddr + "/ready"); err == nil {
			resp.Body.Close()
			break
		}
		if i > 500 {
			return fmt.Errorf("exporter not ready")
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Printf("%d clients posting %.0f MB bodies for %s; exporter defaults (env %q)\n", clients, mb, duration, env)

	// The clients run in a niced child process, so that they cannot starve
	// this prober of CPU and make /health look slower than it is.
	self, _ := os.Executable()
	clientsCmd := exec.Command("nice", "-n", "19", self, "-clients-only", httpAddr, "-clients", strconv.Itoa(clients),
		"-body-mb", fmt.Sprint(mb), "-duration", duration.String())
	clientsCmd.Stdout, clientsCmd.Stderr = os.Stdout, os.Stderr
	if err := clientsCmd.Start(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	if cpuProfile != "" {
		go func() {
			time.Sleep(duration / 4)
			resp, err := http.Get("http://" + metricsAddr + "/debug/pprof/profile?seconds=10")
			if err != nil {
				return
			}
			defer resp.Body.Close()
			f, _ := os.Create(cpuProfile)
			_, _ = io.Copy(f, resp.Body)
			f.Close()
		}()
	}
	var health []time.Duration
	var healthFailed int
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	probe := &http.Client{Timeout: 5 * time.Second}
	maxRSS := 0
probing:
	for {
		select {
		case <-ctx.Done():
			break probing
		case err := <-exited:
			return fmt.Errorf("THE EXPORTER DIED under load: %v", err)
		case <-tick.C:
			start := time.Now()
			resp, err := probe.Get("http://" + metricsAddr + "/health")
			if err != nil || resp.StatusCode != 200 {
				healthFailed++
			} else {
				resp.Body.Close()
			}
			health = append(health, time.Since(start))
			maxRSS = max(maxRSS, kb(exp.Process.Pid, "VmRSS:"))
		}
	}
	clientsErr := clientsCmd.Wait()
	select {
	case err := <-exited:
		return fmt.Errorf("THE EXPORTER DIED under load: %v", err)
	default:
	}
	slices.Sort(health)
	p := func(q float64) time.Duration { return health[int(q*float64(len(health)-1))].Round(time.Millisecond) }
	if clientsErr != nil {
		return fmt.Errorf("clients: %w", clientsErr)
	}
	fmt.Printf("/health: %d probes, %d failed, p50 %s, p99 %s, max %s\n", len(health), healthFailed, p(0.5), p(0.99), p(1))
	fmt.Printf("exporter RSS: peak %d MB (VmHWM), highest sampled %d MB; survived: yes\n", kb(exp.Process.Pid, "VmHWM:")/1024, maxRSS/1024)
	return nil
}

// kb reads a kB field of /proc/<pid>/status.
func kb(pid int, key string) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key); ok {
			var n int
			fmt.Sscanf(strings.TrimSpace(v), "%d", &n)
			return n
		}
	}
	return 0
}

// post is the clients' process: it posts until duration ends and prints
// what it was answered.
func post(addr string, clients int, mb float64, duration time.Duration) int {
	payload, spans := body(mb)
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var ok, refused, other, failed atomic.Int64
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 60 * time.Second}
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/v1/traces", bytes.NewReader(payload))
				req.Header.Set("Content-Type", "application/x-protobuf")
				resp, err := client.Do(req)
				switch {
				case err != nil:
					if ctx.Err() == nil {
						failed.Add(1)
					}
				case resp.StatusCode == 200:
					ok.Add(1)
				case resp.StatusCode == 429:
					refused.Add(1)
				default:
					other.Add(1)
				}
				if resp != nil {
					resp.Body.Close()
				}
			}
		}()
	}
	wg.Wait()
	fmt.Printf("answers: %d OK of %.1f MB (%d spans; %.0f spans/s accepted), %d refused 429, %d other, %d failed\n", ok.Load(), float64(len(payload))/1e6, spans,
		float64(ok.Load()*int64(spans))/duration.Seconds(), refused.Load(), other.Load(), failed.Load())
	return 0
}
