package output_test

import (
	"slices"
	"testing"

	"github.com/netpolc/netpolc/internal/portset"

	"github.com/netpolc/netpolc/internal/diag"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/emitters/kustomize"
	"github.com/netpolc/netpolc/emitters/networkpolicy"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/output"
)

// e2ePolicy is a small two-namespace intent set: default deny in shop,
// web reachable from anywhere, db only from web, egress to DNS and a CIDR.
func e2ePolicy() *ir.Policy {
	at := func(line int) ir.Origin {
		return ir.Origin{Pos: diag.Pos{File: "intents/shop.cue", Line: line, Col: 2}}
	}
	sub := func(ns, name string, labels map[string]string) ir.Subject {
		return ir.Subject{Namespace: ns, Name: name, Pods: metav1.LabelSelector{MatchLabels: labels}}
	}
	allShop, web, db := sub("shop", "all-pods", nil), sub("shop", "web", map[string]string{"app": "web"}),
		sub("shop", "db", map[string]string{"app": "db"})
	batch := sub("batch", "all-pods", nil)
	dns := ir.Peer{Kind: ir.PeerDNS,
		Namespaces: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "kube-system"}},
		Pods:       &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}}}
	return &ir.Policy{
		Isolations: []ir.Isolation{
			{Subject: allShop, Direction: ir.Ingress, Origin: at(1)},
			{Subject: allShop, Direction: ir.Egress, Origin: at(1)},
			{Subject: web, Direction: ir.Ingress, Origin: at(5)},
			{Subject: db, Direction: ir.Ingress, Origin: at(9)},
			{Subject: batch, Direction: ir.Egress, Origin: at(20)},
		},
		Rules: []ir.Rule{
			{Subject: allShop, Direction: ir.Egress, Peer: dns, Action: ir.Allow, Origin: at(2),
				Ports: []ir.Port{{Protocol: portset.UDP, Number: 53}, {Protocol: portset.TCP, Number: 53}}},
			{Subject: web, Direction: ir.Ingress, Peer: ir.Peer{Kind: ir.PeerAll}, Action: ir.Allow, Origin: at(6),
				Ports: []ir.Port{{Protocol: portset.TCP, Name: "http"}}},
			{Subject: db, Direction: ir.Ingress, Action: ir.Allow, Origin: at(10),
				Peer:  ir.Peer{Kind: ir.PeerWorkload, Pods: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}, Ref: "shop/web"},
				Ports: []ir.Port{{Protocol: portset.TCP, Number: 5432}}},
			{Subject: batch, Direction: ir.Egress, Action: ir.Allow, Origin: at(21),
				Peer: ir.Peer{Kind: ir.PeerCIDR, CIDRs: []ir.IPBlock{{CIDR: "10.0.0.0/8", Except: []string{"10.1.0.0/16"}}}}},
		},
	}
}

// TestKustomizeBuild writes a networkpolicy and kustomize output and runs
// kustomize (krusty) over it: every policy must come out, unchanged.
func TestKustomizeBuild(t *testing.T) {
	pols, err := networkpolicy.Build(e2ePolicy())
	if err != nil {
		t.Fatal(err)
	}
	npFiles, err := networkpolicy.Files(pols)
	if err != nil {
		t.Fatal(err)
	}
	files, err := kustomize.Files(map[string][]kit.File{
		networkpolicy.Name: npFiles,
		"nftables":         {{Path: "nftables/node.nft", Data: []byte("table inet netpolc {}\n")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := output.Write(dir, files); err != nil {
		t.Fatal(err)
	}
	resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build: %v", err)
	}
	want := map[string]networkingv1.NetworkPolicy{}
	for _, p := range pols {
		want[p.Namespace+"/"+p.Name] = p
	}
	var got []string
	for _, res := range resources.Resources() {
		if res.GetKind() != "NetworkPolicy" || res.GetApiVersion() != "networking.k8s.io/v1" {
			t.Errorf("unexpected resource %s %s", res.GetApiVersion(), res.GetKind())
			continue
		}
		id := res.GetNamespace() + "/" + res.GetName()
		got = append(got, id)
		y, err := res.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		var back networkingv1.NetworkPolicy
		if err := yaml.UnmarshalStrict(y, &back); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if w, ok := want[id]; !ok || !equality.Semantic.DeepEqual(back, w) {
			t.Errorf("%s came out as\n%s", id, y)
		}
	}
	slices.Sort(got)
	wantIDs := []string{"batch/batch-egress-all-pods", "shop/shop-egress-all-pods", "shop/shop-ingress-all-pods",
		"shop/shop-ingress-db", "shop/shop-ingress-web"}
	if !slices.Equal(got, wantIDs) {
		t.Errorf("kustomize build gave %q, want %q", got, wantIDs)
	}
}
