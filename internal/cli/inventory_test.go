package cli

import (
	"os"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/testkit/gittest"
)

// TestInventoryFromConfigAndSnapshot: `inventory:` in netpolc.yaml is the
// --inventory of build and verify, and verify reads it from the snapshot
// it checks: an unstaged edit of the inventory or its deletion from the
// work tree changes nothing, a staged edit that moves a pod IP is drift.
func TestInventoryFromConfigAndSnapshot(t *testing.T) {
	shop, err := os.ReadFile("../../examples/shop/shop.cue")
	if err != nil {
		t.Fatal(err)
	}
	cluster, err := os.ReadFile("../../examples/shop/cluster.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := gittest.New(t)
	r.Write("netpolc.yaml", "intents: intents\noutput: deploy/netpol\ntargets: [nftables]\ninventory: cluster/shop.yaml\n")
	r.Write("intents/shop.cue", string(shop))
	r.Write("cluster/shop.yaml", string(cluster))
	r.Chdir()
	mustRun(t, 0, "build")
	r.Commit("shop")
	mustRun(t, 0, "verify")

	moved := strings.Replace(string(cluster), "10.244.1.", "10.244.9.", -1)
	if moved == string(cluster) {
		t.Fatal("the shop's cluster.yaml no longer has 10.244.1.x pod IPs")
	}
	r.Write("cluster/shop.yaml", moved)
	mustRun(t, 0, "verify") // unstaged: not what the commit holds
	r.Remove("cluster/shop.yaml")
	mustRun(t, 0, "verify")

	r.Write("cluster/shop.yaml", moved)
	r.Git("add", "cluster/shop.yaml")
	out, _ := mustRun(t, 1, "verify")
	matches(t, "a staged pod IP move", `changed  deploy/netpol/nftables/netpolc\.nft`, out)
	mustRun(t, 0, "build")
	r.Git("add", "-A")
	mustRun(t, 0, "verify")
}
