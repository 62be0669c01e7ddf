// Command status prints whether the real-kernel tests ran in this
// environment or why they were skipped; `make test` runs it after the
// unit tests, since go test shows no skip reason for a passing package.
package main

import (
	"fmt"
	"os"

	"github.com/netpolc/netpolc/internal/testkit/kerneltest"
)

func main() {
	if err := kerneltest.Status(); err != nil {
		fmt.Fprintf(os.Stderr, "*** real-kernel tests (nftables, network namespaces) were SKIPPED: %v ***\n", err)
		return
	}
	fmt.Println("real-kernel tests (nftables, network namespaces): ran")
}
