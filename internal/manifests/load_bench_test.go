package manifests

import (
	"os"
	"testing"
)

// BenchmarkLoadCluster loads the benchmark cluster of 100,000 pods that
// `make bench` writes (internal/benchcmd), when it is there:
// go test -bench LoadCluster -benchtime 1x -cpuprofile cpu.prof.
func BenchmarkLoadCluster(b *testing.B) {
	const dir = "/tmp/netpolc-bench/cluster-100k"
	if _, err := os.Stat(dir); err != nil {
		b.Skip("no", dir, "(make bench writes it)")
	}
	b.Setenv("NETPOLC_LIMITS", "bytes=256MiB,list=100000,policies=1000000,rules=1000000,"+
		"manifest-bytes=1GiB,manifest-documents=10000000,manifest-objects=10000000")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(dir); err != nil {
			b.Fatal(err)
		}
	}
}
