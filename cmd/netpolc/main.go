// Command netpolc compiles network intents written in CUE into Kubernetes
// NetworkPolicies laid out for GitOps. All logic lives in package cli.
package main

import (
	"os"

	"github.com/netpolc/netpolc/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
