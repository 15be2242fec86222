// Command loadtest is the scripted load run behind docs/benchmarks.md: it
// builds llmops-exporter, runs it pinned to one core (taskset, GOMAXPROCS=1),
// drives it with `llmops-exporter loadgen` pinned to the other core, and
// reports the spans/s the exporter accepted (its own counter), its CPU use
// and peak RSS, plus binary size and start-up time.
//
//	go run ./scripts/loadtest [-duration 20s] [-rate 0] [-protocol http/protobuf]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	duration := flag.Duration("duration", 20*time.Second, "load duration")
	rate := flag.Int("rate", 0, "target spans/s (0: as fast as the sender can)")
	protocol := flag.String("protocol", "http/protobuf", "http/protobuf or grpc")
	concurrency := flag.Int("concurrency", 4, "loadgen senders")
	batch := flag.Int("batch", 50, "traces per request (5 spans each)")
	dests := flag.Int("destinations", 0, "deliver to this many in-process OTLP sinks through durable queues")
	outage := flag.Duration("outage", 0, "with -destinations: after the run, take sink0 down for this long under load at -outage-rate, then measure the drain")
	outageRate := flag.Int("outage-rate", 20000, "spans/s sent during the outage")
	native := flag.Bool("native-histograms", true, "expose llm_request_duration_seconds as a native histogram too (metrics.native_histograms)")
	promptBytes := flag.Int("prompt-bytes", 0, "give each LLM call a prompt of 1/8 to all of this many bytes (e.g. 8192: 1-8 KB), a completion a quarter of it")
	target := flag.String("target", "exporter", "what receives the load: exporter, or a reference server that only reads bodies (read) or reads and pdata-unmarshals them (unmarshal)")
	if len(os.Args) == 4 && os.Args[1] == "reference" {
		serveReference(os.Args[2], os.Args[3])
		return
	}
	if len(os.Args) == 3 && os.Args[1] == "sink" { // the destinations' sink, alone (compare-otelcol-durable.sh)
		serveSink(os.Args[2])
		return
	}
	flag.Parse()
	if *dests > 0 && os.Getenv("LOADTEST_PINNED") == "" {
		os.Exit(pinToLoadCore())
	}
	opts := options{destinations: *dests, outage: *outage, outageRate: *outageRate, native: *native, promptBytes: *promptBytes, target: *target}
	if err := run(*duration, *rate, *protocol, *concurrency, *batch, opts); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

type options struct {
	destinations int
	outage       time.Duration
	outageRate   int
	native       bool
	promptBytes  int
	target       string
}

func run(duration time.Duration, rate int, protocol string, concurrency, batch int, opts options) error {
	dir, err := os.MkdirTemp("", "llmops-loadtest")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "llmops-exporter")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./cmd/llmops-exporter")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v\n%s", err, out)
	}
	st, _ := os.Stat(bin)
	fmt.Printf("binary: %.1f MB (static, CGO off, -s -w)\n", float64(st.Size())/1e6)

	if opts.target != "exporter" {
		return runReference(bin, duration, rate, concurrency, batch, opts)
	}
	startup, err := startupTime(bin, dir)
	if err != nil {
		return err
	}
	fmt.Printf("start-up to /ready: median of 10 = %s\n", startup)

	httpAddr, grpcAddr, metricsAddr := free(), free(), free()
	cfg := filepath.Join(dir, "c.yaml")
	var sinks []*sink
	extra := ""
	for i := 0; i < opts.destinations; i++ {
		s, err := startSink("127.0.0.1:0")
		if err != nil {
			return err
		}
		sinks = append(sinks, s)
	}
	if len(sinks) > 0 {
		extra = destinationsYAML(filepath.Join(dir, "queue"), sinks)
	}
	os.WriteFile(cfg, []byte(fmt.Sprintf("receivers:\n  otlp:\n    http: {endpoint: %q}\n    grpc: {endpoint: %q}\nmetrics: {endpoint: %q, native_histograms: %v}\nlog: {level: warn}\n%s", httpAddr, grpcAddr, metricsAddr, opts.native, extra)), 0o600)
	exp := exec.Command("taskset", "-c", "0", bin, "run", "-c", cfg)
	exp.Env = append(os.Environ(), "GOMAXPROCS=1")
	if prof := os.Getenv("LOADTEST_CPUPROFILE"); prof != "" {
		exp.Env = append(exp.Env, "LLMOPS_PPROF=1")
		go func() {
			time.Sleep(3 * time.Second)
			resp, err := http.Get("http://" + metricsAddr + "/debug/pprof/profile?seconds=10")
			if err != nil {
				return
			}
			defer resp.Body.Close()
			f, _ := os.Create(prof)
			io.Copy(f, resp.Body)
			f.Close()
		}()
	}
	exp.Stderr = os.Stderr
	if err := exp.Start(); err != nil {
		return fmt.Errorf("start exporter (needs taskset from util-linux): %w", err)
	}
	defer func() { _ = exp.Process.Kill(); _ = exp.Wait() }()
	if err := waitReady(metricsAddr, 10*time.Second); err != nil {
		return err
	}
	pid := exp.Process.Pid
	cpu0 := cpuSeconds(pid)
	recv0 := received(metricsAddr)
	target := "http://" + httpAddr
	if protocol == "grpc" {
		target = grpcAddr
	}
	lg := loadgenCmd(bin, target, protocol, rate, duration, concurrency, batch, 42, opts.promptBytes)
	backlog := watchBacklog(metricsAddr, pid, len(sinks) > 0)
	start := time.Now()
	out, err := lg.CombinedOutput()
	elapsed := time.Since(start)
	maxBacklog, maxRSS := backlog()
	if err != nil {
		return fmt.Errorf("loadgen: %v\n%s", err, out)
	}
	cpu := cpuSeconds(pid) - cpu0
	recv := received(metricsAddr) - recv0
	fmt.Printf("loadgen: %s", out)
	fmt.Printf("exporter accepted: %.0f spans in %s = %.0f spans/s (protocol %s, target rate %d)\n", recv, elapsed.Round(time.Millisecond), recv/elapsed.Seconds(), protocol, rate)
	fmt.Printf("exporter CPU: %.2f s over %.2f s = %.0f%% of one core; %.2f µs CPU per span\n", cpu, elapsed.Seconds(), 100*cpu/elapsed.Seconds(), 1e6*cpu/recv)
	fmt.Printf("per exporter core: %.0f spans/s (accepted spans per CPU-second)\n", perCore(recv, cpu))
	fmt.Printf("bound: %s\n", bound(rate, cpu/elapsed.Seconds(), processCPU(lg)/elapsed.Seconds()))
	fmt.Printf("exporter peak RSS (VmHWM): %s; now: anonymous %s, file-backed %s (the queue's memory-mapped file)\n",
		procStatus(pid, "VmHWM"), procStatus(pid, "RssAnon"), procStatus(pid, "RssFile"))
	if len(sinks) == 0 {
		return nil
	}
	fmt.Printf("during the run: largest backlog %.0f spans (all queues), largest RSS %s (file-backed included)\n", maxBacklog, maxRSS)
	return deliveryReport(bin, target, protocol, metricsAddr, sinks, recv, func() float64 { return cpuSeconds(pid) - cpu0 }, opts)
}

// deliveryReport waits for the workers to deliver what the run queued and
// reports the CPU of the whole job: what the run left queued is delivered
// after it, on CPU the run's own figure does not count.
func deliveryReport(bin, target, protocol, metricsAddr string, sinks []*sink, recv float64, cpu func() float64, opts options) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) && metric(metricsAddr, "llmops_exporter_destination_queue_spans", "") > 0 {
		time.Sleep(250 * time.Millisecond) // each poll scrapes /metrics on the exporter's core
	}
	total := cpu()
	fmt.Printf("exporter CPU until every queue was empty: %.2f s; %.2f µs per span for ingest and delivery to %d destinations (one core: %.0f spans/s)\n",
		total, 1e6*total/recv, len(sinks), recv/total)
	for i, s := range sinks {
		fmt.Printf("sink%d delivered: %d spans (%.1f%% of accepted)\n", i, s.spans.Load(), 100*float64(s.spans.Load())/recv)
	}
	if opts.outage == 0 {
		return nil
	}
	sinks[0].outage.Store(true)
	before := sinks[1%len(sinks)].spans.Load()
	lg := loadgenCmd(bin, target, protocol, opts.outageRate, opts.outage, 4, 50, 7, 0)
	if out, err := lg.CombinedOutput(); err != nil {
		return fmt.Errorf("loadgen during outage: %v\n%s", err, out)
	}
	if len(sinks) > 1 {
		fmt.Printf("during a %s outage of sink0 at %d spans/s: sink1 kept receiving (%d spans)\n", opts.outage, opts.outageRate, sinks[1].spans.Load()-before)
	}
	backlog, took, err := drain(metricsAddr, "sink0", sinks[0], 5*time.Minute)
	if err != nil {
		return err
	}
	fmt.Printf("recovery: sink0 drained a backlog of %.0f spans in %s = %.0f spans/s\n", backlog, took.Round(time.Millisecond), backlog/took.Seconds())
	return nil
}

// loadgenCmd runs the exporter's load generator on core 1, the process
// under test having core 0.
func loadgenCmd(bin, target, protocol string, rate int, duration time.Duration, concurrency, batch, seed, promptBytes int) *exec.Cmd {
	return exec.Command("taskset", "-c", "1", bin, "loadgen", "-endpoint", target, "-protocol", protocol,
		"-rate", strconv.Itoa(rate), "-duration", duration.String(), "-concurrency", strconv.Itoa(concurrency),
		"-batch", strconv.Itoa(batch), "-seed", strconv.Itoa(seed), "-prompt-bytes", strconv.Itoa(promptBytes))
}

func free() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func startupTime(bin, dir string) (time.Duration, error) {
	var times []time.Duration
	for i := 0; i < 10; i++ {
		m := free()
		cfg := filepath.Join(dir, "s.yaml")
		os.WriteFile(cfg, []byte(fmt.Sprintf("receivers:\n  otlp:\n    http: {endpoint: %q}\n    grpc: {endpoint: %q}\nmetrics: {endpoint: %q}\n", free(), free(), m)), 0o600)
		start := time.Now()
		c := exec.Command(bin, "run", "-c", cfg)
		if err := c.Start(); err != nil {
			return 0, err
		}
		err := waitReady(m, 5*time.Second)
		times = append(times, time.Since(start))
		_ = c.Process.Kill()
		_ = c.Wait()
		if err != nil {
			return 0, err
		}
	}
	for i := range times { // insertion sort; ten values
		for j := i; j > 0 && times[j] < times[j-1]; j-- {
			times[j], times[j-1] = times[j-1], times[j]
		}
	}
	return times[len(times)/2].Round(time.Millisecond), nil
}

func waitReady(addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + addr + "/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	return fmt.Errorf("exporter not ready at %s after %s", addr, limit)
}

func received(addr string) float64 {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var sum float64
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "llmops_exporter_spans_received_total{") {
			v, _ := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			sum += v
		}
	}
	return sum
}

// processCPU is the user+system time of a finished command.
func processCPU(cmd *exec.Cmd) float64 {
	if cmd.ProcessState == nil {
		return 0
	}
	return (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
}

// cpuSeconds reads utime+stime of pid from /proc (clock ticks of 1/100 s).
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseFloat(fields[11], 64)
	st, _ := strconv.ParseFloat(fields[12], 64)
	return (ut + st) / 100
}

func procStatus(pid int, key string) string {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), key+":") {
			return strings.TrimSpace(strings.TrimPrefix(sc.Text(), key+":"))
		}
	}
	return "?"
}

// pinToLoadCore runs this script again on core 1: its in-process sinks
// stand in for remote platforms, and must not take the exporter's core.
func pinToLoadCore() int {
	cmd := exec.Command("taskset", append([]string{"-c", "1", os.Args[0]}, os.Args[1:]...)...)
	cmd.Env = append(os.Environ(), "LOADTEST_PINNED=1")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "loadtest: taskset (util-linux):", err)
		return 1
	}
	return 0
}

// watchBacklog samples, until the returned function is called, the spans
// queued for all destinations and the exporter's RSS every second (each
// sample scrapes /metrics, on the exporter's core), and
// returns the largest of each.
func watchBacklog(metricsAddr string, pid int, queues bool) func() (float64, string) {
	stop, done := make(chan struct{}), make(chan struct{})
	var maxBacklog float64
	var maxRSS int64
	go func() {
		defer close(done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			if queues {
				maxBacklog = max(maxBacklog, metric(metricsAddr, "llmops_exporter_destination_queue_spans", ""))
			}
			var kb int64
			fmt.Sscanf(procStatus(pid, "VmRSS"), "%d", &kb)
			maxRSS = max(maxRSS, kb)
		}
	}()
	return func() (float64, string) {
		close(stop)
		<-done
		return maxBacklog, fmt.Sprintf("%d kB", maxRSS)
	}
}
