//go:build tools

// Package tools pins the versions of the command-line tools the build uses,
// in a module of its own so they never enter the provider's dependency graph.
package tools

import (
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"
	_ "gotest.tools/gotestsum"
)
