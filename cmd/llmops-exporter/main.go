// Command llmops-exporter is the runtime trace exporter the provider deploys.
// This first version only reports its version; ingest and delivery follow.
package main

import (
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "version" || args[0] == "--version" {
		fmt.Fprintf(stdout, "llmops-exporter %s\n", version)
		return 0
	}
	fmt.Fprintf(stderr, "llmops-exporter: unknown command %q (this version only has: version)\n", args[0])
	return 2
}
