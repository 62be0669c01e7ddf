package pipeline

import (
	"errors"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/nftables"
	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/manifests"
	"github.com/netpolc/netpolc/internal/target"
)

// TestNFTablesTarget renders the shop for the pod IPs of its cluster
// inventory (the build proves the ruleset equivalent on the way) and
// refuses, naming the workloads, when the IPs are unknown.
func TestNFTablesTarget(t *testing.T) {
	set, err := intent.Load("../../examples/shop")
	if err != nil {
		t.Fatal(err)
	}
	cluster, err := manifests.Load("../../examples/shop/cluster.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out, err := compileGenerate(set, Options{Targets: target.MustParse("nftables", "networkpolicy"), Inventory: &cluster.Inventory})
	if err != nil {
		t.Fatal(err)
	}
	var ruleset string
	for _, f := range out.Files {
		if strings.HasPrefix(f.Path, "nftables/") {
			ruleset = string(f.Data)
		}
		if f.Path == "kustomization.yaml" && strings.Contains(string(f.Data), "nftables") {
			t.Errorf("the root kustomization lists nftables, which holds no Kubernetes objects:\n%s", f.Data)
		}
	}
	for _, want := range []string{"table inet netpolc", "10.244.3.13", "ct state established,related accept"} {
		if !strings.Contains(ruleset, want) {
			t.Errorf("ruleset lacks %q", want)
		}
	}

	_, err = compileGenerate(set, Options{Targets: target.MustParse("nftables")})
	if !errors.Is(err, nftables.ErrNoPodIPs) {
		t.Fatalf("without pod IPs: %v, want ErrNoPodIPs", err)
	}
	if !strings.Contains(err.Error(), "shop/web") {
		t.Errorf("the error does not name the workloads without IPs: %v", err)
	}
}
