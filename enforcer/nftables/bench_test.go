package nftables_test

import (
	"testing"

	emit "github.com/netpolc/netpolc/emitters/nftables"
	"github.com/netpolc/netpolc/enforcer/nftables"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// BenchmarkBuildInterpret emits and interprets the ruleset of a random
// cluster of about 300 workloads and 600 rules.
func BenchmarkBuildInterpret(b *testing.B) {
	p, inv := randir.Generate(1, 300)
	inv = randir.WithIPs(inv)
	for b.Loop() {
		rs, err := emit.Build(p, inv)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := nftables.Interpret(rs, inv); err != nil {
			b.Fatal(err)
		}
	}
}
