package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/llmops/terraform-provider-llmops/internal/delivery"
	"github.com/llmops/terraform-provider-llmops/internal/exporterconfig"
	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"github.com/llmops/terraform-provider-llmops/internal/queue"
)

// cmdVerify checks every destination's credentials with the platform's
// check and prints one line each: ok, unreachable, wrong URL or path, or
// credentials rejected. It exits 1 when any check fails.
func cmdVerify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("c", "", "configuration file (YAML), required")
	timeout := fs.Duration("timeout", 15*time.Second, "per-destination timeout")
	if fs.Parse(args) != nil {
		return 2
	}
	if *cfgPath == "" {
		fmt.Fprintln(stderr, "verify: -c FILE is required")
		return 2
	}
	cfg, err := exporterconfig.Load(*cfgPath, os.Getenv)
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 1
	}
	failed := 0
	for _, d := range cfg.Destinations {
		line := verifyOne(d, *timeout)
		if !strings.HasPrefix(line, "ok") {
			failed++
		}
		fmt.Fprintf(stdout, "%s: %s\n", d.Name, line)
	}
	if len(cfg.Destinations) == 0 {
		fmt.Fprintln(stdout, "no destinations configured")
	}
	if failed > 0 {
		return 1
	}
	return 0
}

func verifyOne(d exporterconfig.Destination, timeout time.Duration) string {
	if d.Type == exporterconfig.Console {
		return "ok (console: nothing to check)"
	}
	norm, err := platform.Normalize(d.Config)
	if err != nil {
		return "invalid: " + err.Error()
	}
	sec, err := d.Secrets(os.Getenv)
	if err != nil {
		return "invalid: " + err.Error()
	}
	err = platform.Check(context.Background(), norm, sec, platform.CheckOptions{Timeout: timeout})
	var ce *platform.CheckError
	switch {
	case err == nil:
		return "ok (" + platform.ExportFor(norm, platform.Secrets{}).DisplayURL + ")"
	case errors.As(err, &ce):
		return string(ce.Problem) + ": " + ce.Error()
	}
	return "error: " + err.Error()
}

// cmdDeadletter lists or replays dead letters: directly from the queue file
// when the exporter is stopped, else through the running exporter's metrics
// port (which holds the file).
func cmdDeadletter(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "list" && args[0] != "replay") {
		fmt.Fprintln(stderr, "usage: llmops-exporter deadletter list|replay -c config.yaml [-destination NAME]")
		return 2
	}
	action := args[0]
	fs := flag.NewFlagSet("deadletter", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("c", "", "configuration file (YAML)")
	dest := fs.String("destination", "", "only this destination (required for replay)")
	if fs.Parse(args[1:]) != nil {
		return 2
	}
	if action == "replay" && *dest == "" {
		fmt.Fprintln(stderr, "deadletter replay: -destination is required")
		return 2
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 1
	}
	path := filepath.Join(cfg.Queue.Directory, delivery.QueueFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stdout, "no dead letters (no queue at %s yet)\n", path)
		return 0
	}
	store, err := queue.Open(path, true, 500*time.Millisecond)
	if err != nil {
		if !strings.Contains(err.Error(), "locked by a running exporter") {
			fmt.Fprintf(stderr, "deadletter: %v\n", err)
			return 1
		}
		return deadletterRemote(cfg, action, *dest, stdout, stderr)
	}
	defer store.Close()
	if action == "replay" {
		n, err := store.Replay(*dest)
		if err != nil {
			fmt.Fprintf(stderr, "deadletter replay: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "replayed %d batches of %s; they are delivered when the exporter runs\n", n, *dest)
		return 0
	}
	dls, err := store.DeadLetters(*dest)
	if err != nil {
		fmt.Fprintf(stderr, "deadletter list: %v\n", err)
		return 1
	}
	printDeadLetters(stdout, dls)
	return 0
}

func printDeadLetters(w io.Writer, dls []queue.DeadLetter) {
	if len(dls) == 0 {
		fmt.Fprintln(w, "no dead letters")
	}
	for _, d := range dls {
		fmt.Fprintf(w, "%s\t#%d\t%d spans\tqueued %s\t%s\n", d.Destination, d.Seq, d.Spans, d.Enqueued.UTC().Format(time.RFC3339), d.Reason)
	}
}

func deadletterRemote(cfg *exporterconfig.Config, action, dest string, stdout, stderr io.Writer) int {
	_, port, _ := net.SplitHostPort(cfg.Metrics.Endpoint)
	base := "http://127.0.0.1:" + port + "/deadletters"
	client := &http.Client{Timeout: 10 * time.Second}
	token, err := cfg.AdminToken(os.Getenv)
	if err != nil {
		fmt.Fprintf(stderr, "deadletter: %v\n", err)
		return 1
	}
	if token == "" {
		fmt.Fprintln(stderr, "deadletter: the queue is locked by a running exporter whose admin endpoints are off (no admin.token_file "+
			"nor receivers.otlp.auth): set one and restart it, or stop it and run this command again")
		return 1
	}
	req, err := http.NewRequest(http.MethodGet, base+"?destination="+url.QueryEscape(dest), nil)
	if action == "replay" {
		req, err = http.NewRequest(http.MethodPost, base+"/replay?destination="+url.QueryEscape(dest), nil)
	}
	if err != nil {
		fmt.Fprintf(stderr, "deadletter: %v\n", err)
		return 1
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "deadletter: the queue is locked and the running exporter did not answer: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "deadletter: %s\n", strings.TrimSpace(string(body)))
		return 1
	}
	if action == "replay" {
		fmt.Fprintf(stdout, "replayed: %s", body)
		return 0
	}
	var dls []queue.DeadLetter
	if err := json.Unmarshal(body, &dls); err != nil {
		fmt.Fprintf(stderr, "deadletter: %v\n", err)
		return 1
	}
	printDeadLetters(stdout, dls)
	return 0
}
