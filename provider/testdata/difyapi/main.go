// Command difyapi stands in for Dify's API container in the replica set's
// acceptance tests: built FROM scratch, it answers GET /health on :5001
// exactly as Dify's api does ({"pid":...,"status":"ok","version":"..."},
// headers X-Version and X-Env, from DEPLOY_ENV as Dify's), and shuts down
// gracefully on SIGTERM as gunicorn does. Two more modes serve the tests:
//
//	difyapi check URL   healthcheck: exit 0 when URL answers 200
//	difyapi poll URL    request URL every 20 ms until SIGTERM, then print
//	                    "ok=N failed=M retried=R versions=v1,v2" and the
//	                    failures and retries
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"
)

// version is set at build time (-ldflags "-X main.version=1.10.1").
var version = "0.0.0"

func main() {
	if len(os.Args) == 3 && os.Args[1] == "check" {
		os.Exit(check(os.Args[2]))
	}
	if len(os.Args) == 3 && os.Args[1] == "poll" {
		poll(os.Args[2])
		return
	}
	serve()
}

func serve() {
	env := os.Getenv("DEPLOY_ENV")
	if env == "" {
		env = "PRODUCTION" // Dify's default
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"pid": os.Getpid(), "status": "ok", "version": version})
	})
	srv := &http.Server{Addr: ":5001", ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Version", version)
		w.Header().Set("X-Env", env)
		mux.ServeHTTP(w, r)
	})}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func check(url string) int {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}

// poll is a client that resolves the name anew for every request (no
// keep-alive), as nginx re-resolving the alias would, and behaves as
// nginx's default proxy_next_upstream (error, timeout): a request whose
// connection fails before any answer is sent once more, on a fresh
// connection (Go's dialer already tries every address the name has). It
// counts those retries, and as failures only what still fails: an error
// after the retry, or any answer but 200.
func poll(url string) {
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	ok, failed, retried := 0, 0, 0
	versions := map[string]bool{}
	var failures []string
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			vs := make([]string, 0, len(versions))
			for v := range versions {
				vs = append(vs, v)
			}
			sort.Strings(vs)
			fmt.Printf("ok=%d failed=%d retried=%d versions=%s\n", ok, failed, retried, strings.Join(vs, ","))
			for _, f := range failures {
				fmt.Println(f)
			}
			return
		case <-tick.C:
		}
		resp, err := c.Get(url)
		if err != nil {
			retried++
			failures = append(failures, time.Now().Format(time.RFC3339Nano)+" retried: "+err.Error())
			resp, err = c.Get(url)
		}
		switch {
		case err != nil:
			failed++
			failures = append(failures, time.Now().Format(time.RFC3339Nano)+" "+err.Error())
		case resp.StatusCode != http.StatusOK:
			failed++
			failures = append(failures, time.Now().Format(time.RFC3339Nano)+" status "+resp.Status)
			resp.Body.Close()
		default:
			ok++
			versions[resp.Header.Get("X-Version")] = true
			resp.Body.Close()
		}
	}
}
