package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// serveReference is a reference OTLP/HTTP traces server: "read" only reads
// each body (the floor any receiver pays), "unmarshal" also decodes it with
// pdata (what a receiver that builds the full data model pays). Both answer
// as an OTLP server does: 200 with an empty ExportTraceServiceResponse.
func serveReference(mode, addr string) {
	pool := sync.Pool{New: func() any { return new(bytes.Buffer) }}
	http.HandleFunc("POST /v1/traces", func(w http.ResponseWriter, r *http.Request) {
		buf := pool.Get().(*bytes.Buffer)
		defer pool.Put(buf)
		buf.Reset()
		if _, err := io.Copy(buf, r.Body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if mode == "unmarshal" {
			req := ptraceotlp.NewExportRequest()
			if err := req.UnmarshalProto(buf.Bytes()); err != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	})
	if err := http.ListenAndServe(addr, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

var sentSpans = regexp.MustCompile(`sent (\d+) spans`)

// runReference measures a reference server under the same load and pinning
// as the exporter: the server on core 0 with GOMAXPROCS=1, loadgen on core 1.
func runReference(bin string, duration time.Duration, rate, concurrency, batch int, opts options) error {
	if opts.target != "read" && opts.target != "unmarshal" {
		return fmt.Errorf("-target %q: want exporter, read or unmarshal", opts.target)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	addr := free()
	srv := exec.Command("taskset", "-c", "0", self, "reference", opts.target, addr)
	srv.Env = append(os.Environ(), "GOMAXPROCS=1")
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		return fmt.Errorf("start reference server (needs taskset from util-linux): %w", err)
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	for i := 0; i < 500; i++ {
		if resp, err := http.Post("http://"+addr+"/v1/traces", "application/x-protobuf", nil); err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	pid := srv.Process.Pid
	cpu0 := cpuSeconds(pid)
	lg := loadgenCmd(bin, "http://"+addr, "http/protobuf", rate, duration, concurrency, batch, 42, opts.promptBytes)
	start := time.Now()
	out, err := lg.CombinedOutput()
	elapsed := time.Since(start)
	if err != nil {
		return fmt.Errorf("loadgen: %v\n%s", err, out)
	}
	cpu := cpuSeconds(pid) - cpu0
	m := sentSpans.FindSubmatch(out)
	if m == nil {
		return fmt.Errorf("loadgen printed no span count: %s", out)
	}
	spans, _ := strconv.ParseFloat(string(m[1]), 64)
	fmt.Printf("loadgen: %s", out)
	fmt.Printf("reference server (%s) accepted: %.0f spans in %s = %.0f spans/s\n", opts.target, spans, elapsed.Round(time.Millisecond), spans/elapsed.Seconds())
	fmt.Printf("reference server CPU: %.2f s over %.2f s = %.0f%% of one core; %.2f µs CPU per span\n", cpu, elapsed.Seconds(), 100*cpu/elapsed.Seconds(), 1e6*cpu/spans)
	fmt.Printf("reference server peak RSS (VmHWM): %s\n", procStatus(pid, "VmHWM"))
	return nil
}
