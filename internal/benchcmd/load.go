package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/netpolc/netpolc/internal/manifests"
)

// loadDir is the -load child mode: the manifests load alone, without the
// compile and output a netpolc command adds, so that its CPU time and
// peak RSS (under /usr/bin/time) are the reader's.
var loadDir = flag.String("load", "", "internal: load the manifests at DIR, print the seconds it took and what was read")

// loadOnce loads the manifests at dir and prints the elapsed seconds.
func loadOnce(dir string) error {
	start := time.Now()
	set, err := manifests.Load(dir)
	if err != nil {
		return err
	}
	fmt.Printf("%.3f s: %d endpoints, %d namespaces, %d network policies\n", time.Since(start).Seconds(),
		len(set.Inventory.Endpoints), len(set.Inventory.Namespaces), len(set.NetworkPolicies))
	return nil
}
