// Command release builds the provider for every platform and lays out what
// the Terraform Registry and a packed filesystem mirror accept (see
// internal/release). `make release VERSION=x.y.z [DIST=dist]` runs it.
//
//	go run ./scripts/release -version 1.2.3 [-dist dist] [-targets linux_amd64,...] [-gpg-key KEYID]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/llmops/terraform-provider-llmops/internal/release"
)

func main() {
	version := flag.String("version", "", "release version, x.y.z")
	dist := flag.String("dist", "dist", "output directory")
	targets := flag.String("targets", "", "os_arch list (default: linux, darwin, windows on amd64 and arm64)")
	hosts := flag.String("mirror-hosts", "registry.terraform.io,registry.opentofu.org", "registry hostnames the packed mirror serves the provider under")
	key := flag.String("gpg-key", os.Getenv("GPG_KEY_ID"), "sign SHA256SUMS with this GPG key (default $GPG_KEY_ID; unsigned when empty)")
	parallel := flag.Int("parallel", 2, "builds at once")
	flag.Parse()
	if err := run(*version, *dist, *targets, *hosts, *key, *parallel); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(version, dist, targetList, hosts, key string, parallel int) error {
	ts, err := release.ParseTargets(targetList)
	if err != nil {
		return err
	}
	module, err := os.Getwd()
	if err != nil {
		return err
	}
	if !filepath.IsAbs(dist) {
		dist = filepath.Join(module, dist)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	res, err := release.Release(ctx, release.Options{
		Version: version, Dist: dist, Targets: ts, Module: module,
		MirrorHosts: strings.Split(hosts, ","), GPGKey: key, Parallel: parallel, Log: os.Stderr,
	})
	if err != nil {
		return err
	}
	for _, z := range res.Zips {
		fmt.Println(filepath.Join(dist, z))
	}
	fmt.Println(filepath.Join(dist, res.Manifest))
	fmt.Println(filepath.Join(dist, res.Sums))
	if res.Signature != "" {
		fmt.Println(filepath.Join(dist, res.Signature))
	} else {
		fmt.Fprintln(os.Stderr, "unsigned: set GPG_KEY_ID (or -gpg-key) to write", release.Files{Version: version}.Signature())
	}
	fmt.Printf("%s/ (packed filesystem mirror)\n", filepath.Join(dist, res.Mirror))
	fmt.Fprintf(os.Stderr, "release %s: %d platform(s) in %s\n", version, len(res.Zips), time.Since(start).Round(time.Second))
	return nil
}
