package target

import (
	"slices"
	"testing"

	"github.com/netpolc/netpolc/emitters/cilium"
	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// TestPlatformCiliumProofBites: the cilium proof of the platform examples
// it builds is not vacuous: each wrong emission of a
// CiliumClusterwideNetworkPolicy (a deny emitted as an allow, an allow as
// a deny, a rule dropped) fails it, and the correct one is proven.
func TestPlatformCiliumProofBites(t *testing.T) {
	ex, err := randir.PlatformExamples()
	if err != nil {
		t.Fatal(err)
	}
	tg, ok := lookup((cilium.Emitter{}).Name())
	if !ok {
		t.Fatal("no cilium target")
	}
	type mutation func(*ciliumapi.Rule) bool
	mutations := map[string]mutation{
		"egressDeny emitted as egress": func(r *ciliumapi.Rule) bool {
			n := len(r.EgressDeny)
			r.Egress, r.EgressDeny = append(r.Egress[:len(r.Egress):len(r.Egress)], r.EgressDeny...), nil
			return n > 0
		},
		"egressDeny dropped": func(r *ciliumapi.Rule) bool {
			n := len(r.EgressDeny)
			r.EgressDeny = nil
			return n > 0
		},
		"ingress allow emitted as ingressDeny": func(r *ciliumapi.Rule) bool {
			n := len(r.Ingress)
			r.IngressDeny, r.Ingress = append(r.IngressDeny[:len(r.IngressDeny):len(r.IngressDeny)], r.Ingress...), nil
			return n > 0
		},
		"egress allow dropped": func(r *ciliumapi.Rule) bool {
			n := len(r.Egress)
			r.Egress = nil
			return n > 0
		},
	}
	applied := map[string]bool{}
	for _, name := range []string{"deny-cloud-metadata", "cluster-allow-dns", "cluster-monitoring"} {
		p := ex[name]
		if p == nil {
			t.Fatalf("no example %s", name)
		}
		inv := enforcer.InventoryFromIR(p)
		ref, err := proof.NewReference(p, inv)
		if err != nil {
			t.Fatal(err)
		}
		prove := func(objs []ciliumapi.CiliumNetworkPolicy) error {
			got, err := tg.Interpret(objs, enforcer.InterpretInput{Inventory: inv, ExternalPeers: ref.Model.ExternalPeers(), PodCIDRs: p.PodCIDRs})
			if err == nil {
				_, err = ref.ProveReading(tg.Name(), got, false)
			}
			return err
		}
		out, err := tg.Emit(kit.Input{Policy: p, Inventory: inv})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := prove(out.Objects.([]ciliumapi.CiliumNetworkPolicy)); err != nil {
			t.Fatalf("%s: the emitted policies are not proven: %v", name, err)
		}
		for what, mutate := range mutations {
			objs := append([]ciliumapi.CiliumNetworkPolicy(nil), out.Objects.([]ciliumapi.CiliumNetworkPolicy)...)
			changed := false
			for i := range objs {
				if objs[i].Namespace == "" && objs[i].Kind == ciliumapi.KindClusterwide && mutate(&objs[i].Spec) {
					changed = true
				}
			}
			if !changed {
				continue
			}
			applied[what] = true
			if err := prove(objs); err == nil {
				t.Errorf("%s: %s: proven", name, what)
			}
		}
	}
	for what := range mutations {
		if !applied[what] {
			t.Errorf("%s: applies to no example", what)
		}
	}
}

// TestPlatformCiliumBaselineIsolation: a baseline intent that denies all
// egress (#ClusterDefaultDeny's egress rule, over the platform example's
// teams) is a proven isolation; dropping it, or isolating ingress
// instead, fails the proof.
func TestPlatformCiliumBaselineIsolation(t *testing.T) {
	ex, err := randir.PlatformExamples()
	if err != nil {
		t.Fatal(err)
	}
	tg, ok := lookup((cilium.Emitter{}).Name())
	if !ok {
		t.Fatal("no cilium target")
	}
	for _, name := range []string{"cluster-default-deny", "platform"} {
		p := *ex[name]
		p.Cluster = nil
		for _, cp := range ex[name].Cluster {
			if cp.Tier != ir.TierBaseline {
				continue
			}
			cp.Rules = slices.DeleteFunc(slices.Clone(cp.Rules), func(r ir.ClusterRule) bool { return r.Direction == ir.Ingress })
			p.Cluster = append(p.Cluster, cp)
		}
		if len(p.Cluster) == 0 {
			t.Fatalf("%s: no baseline intent", name)
		}
		inv := enforcer.InventoryFromIR(&p)
		ref, err := proof.NewReference(&p, inv)
		if err != nil {
			t.Fatal(err)
		}
		prove := func(objs []ciliumapi.CiliumNetworkPolicy) error {
			got, err := tg.Interpret(objs, enforcer.InterpretInput{Inventory: inv, ExternalPeers: ref.Model.ExternalPeers(), PodCIDRs: p.PodCIDRs})
			if err == nil {
				_, err = ref.ProveReading(tg.Name(), got, false)
			}
			return err
		}
		out, err := tg.Emit(kit.Input{Policy: &p, Inventory: inv})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		objs := out.Objects.([]ciliumapi.CiliumNetworkPolicy)
		if err := prove(objs); err != nil {
			t.Fatalf("%s: not proven: %v", name, err)
		}
		var kept, flipped []ciliumapi.CiliumNetworkPolicy
		found := false
		for _, o := range objs {
			if o.Namespace != "" || len(o.Spec.Egress) == 0 {
				kept = append(kept, o)
				flipped = append(flipped, o)
				continue
			}
			found = true
			on, off := true, false
			o.Spec.Egress, o.Spec.Ingress = nil, []ciliumapi.IngressRule{{}}
			o.Spec.EnableDefaultDeny = &ciliumapi.DefaultDenyConfig{Ingress: &on, Egress: &off}
			flipped = append(flipped, o)
		}
		if !found {
			t.Fatalf("%s: no clusterwide isolation emitted", name)
		}
		if prove(kept) == nil {
			t.Errorf("%s: proven without the isolation", name)
		}
		if prove(flipped) == nil {
			t.Errorf("%s: proven with ingress isolated instead", name)
		}
	}
}
