package enforcer

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
	"github.com/netpolc/netpolc/internal/testkit/conformance"
)

// The matrix takes shortcuts (equivalence classes, sparse rows); these
// tests compare it with a naive evaluation of every pair, and with Verdict,
// over random inventories and policy sets.

func TestMatrixMatchesNaiveEvaluation(t *testing.T) {
	for seed := range uint64(150) {
		r := rand.New(rand.NewPCG(seed, 7))
		inv := randomInventory(r)
		m, err := New(inv, randomPolicies(t, r))
		if err != nil {
			t.Fatal(err)
		}
		got := m.Matrix()
		want := naiveMatrix(m)
		if d := Diff(want, got); !d.Empty() {
			t.Fatalf("seed %d: matrix differs from naive evaluation: %+v", seed, d)
		}
		checkVerdicts(t, m, got, r)
	}
}

// naiveMatrix evaluates every ordered pair directly.
func naiveMatrix(m *Model) *Connectivity {
	nodes, out := m.matrixNodes()
	for s, gs := range nodes {
		for d, gd := range nodes {
			src, dst := m.groups[gs], m.groups[gd]
			if s == d || (src.external && dst.external) {
				continue
			}
			e, i := portset.All(), portset.All()
			if !src.external {
				q := dirQuery{subj: src.subj[dEgress], peer: dst.peerBits[dEgress], dstPorts: dst.ports}
				e = m.evalDir(dEgress, &q, portset.All(), nil)
			}
			if !dst.external {
				q := dirQuery{subj: dst.subj[dIngress], peer: src.peerBits[dIngress], dstPorts: dst.ports}
				i = m.evalDir(dIngress, &q, portset.All(), nil)
			}
			if p := e.Intersect(i); !p.IsEmpty() {
				out.Connections = append(out.Connections, Connection{out.Endpoints[s].Name, out.Endpoints[d].Name, p})
			}
		}
	}
	return out
}

// checkVerdicts compares single-port verdicts with the matrix on a sample
// of pairs and ports.
func checkVerdicts(t *testing.T, m *Model, c *Connectivity, r *rand.Rand) {
	t.Helper()
	probes := []struct {
		p    portset.Protocol
		port int32
	}{{portset.TCP, 80}, {portset.TCP, 81}, {portset.UDP, 53}, {portset.SCTP, 80}, {portset.TCP, 8080}}
	for range 200 {
		src, dst := c.Endpoints[r.IntN(len(c.Endpoints))], c.Endpoints[r.IntN(len(c.Endpoints))]
		if src.Name == dst.Name || (src.Kind == KindExternal && dst.Kind == KindExternal) {
			continue
		}
		pr := probes[r.IntN(len(probes))]
		v, err := m.Verdict(src.Name, dst.Name, pr.p, pr.port)
		if err != nil {
			t.Fatal(err)
		}
		if in := c.Ports(src.Name, dst.Name).Contains(pr.p, pr.port); in != v.Allowed {
			t.Fatalf("%s -> %s %v/%d: matrix %v, verdict %+v", src.Name, dst.Name, pr.p, pr.port, in, v)
		}
	}
}

func randomInventory(r *rand.Rand) inventory.Inventory {
	var inv inventory.Inventory
	for n := range 2 + r.IntN(3) {
		ns := fmt.Sprintf("ns%d", n)
		inv.Namespaces = append(inv.Namespaces, inventory.Namespace{Name: ns,
			Labels: map[string]string{inventory.MetadataNameLabel: ns, "env": pick(r, "prod", "dev")}})
		for p := range 1 + r.IntN(5) {
			ep := inventory.Endpoint{Namespace: ns, Name: fmt.Sprintf("w%d", p), Kind: "Deployment",
				Labels: map[string]string{"app": pick(r, "a", "b", "c"), "tier": pick(r, "web", "db")}}
			if r.IntN(2) == 0 {
				ep.IPs = []netip.Addr{netip.AddrFrom4([4]byte{10, byte(n), 0, byte(p + 1)})}
			}
			ep.Ports = []ir.NamedPort{{Name: "http", Port: int32(80 + r.IntN(2)*8000), Protocol: portset.TCP},
				{Name: "dns", Port: 53, Protocol: portset.ProtocolNamed(pick(r, "UDP", "TCP"))}}
			inv.Endpoints = append(inv.Endpoints, ep)
		}
	}
	return inv
}

func pick(r *rand.Rand, options ...string) string { return options[r.IntN(len(options))] }

func randomSelector(r *rand.Rand) *metav1.LabelSelector {
	switch r.IntN(4) {
	case 0:
		return conformance.Sel()
	case 1:
		return conformance.Sel("app", pick(r, "a", "b", "c"))
	case 2:
		return conformance.Expr("tier", metav1.LabelSelectorOpNotIn, "db")
	}
	return conformance.Sel("env", pick(r, "prod", "dev"))
}

func randomPorts(r *rand.Rand) []networkingv1.NetworkPolicyPort {
	var out []networkingv1.NetworkPolicyPort
	for range r.IntN(3) {
		switch r.IntN(4) {
		case 0:
			out = append(out, conformance.Port(corev1.Protocol(pick(r, "TCP", "UDP", "SCTP")), 80+r.IntN(2)))
		case 1:
			out = append(out, conformance.Named(corev1.Protocol(pick(r, "TCP", "UDP")), pick(r, "http", "dns")))
		case 2:
			out = append(out, conformance.PortRange(conformance.TCP, 79, 81+r.IntN(8100)))
		default:
			out = append(out, conformance.ProtoOnly(corev1.Protocol(pick(r, "UDP", "SCTP"))))
		}
	}
	return out
}

func randomPeers(r *rand.Rand) []networkingv1.NetworkPolicyPeer {
	var out []networkingv1.NetworkPolicyPeer
	for range r.IntN(3) {
		switch r.IntN(4) {
		case 0:
			out = append(out, conformance.PodPeer(randomSelector(r)))
		case 1:
			out = append(out, conformance.NsPeer(conformance.Sel("env", pick(r, "prod", "dev"))))
		case 2:
			out = append(out, conformance.NsPodPeer(conformance.Sel(), randomSelector(r)))
		default:
			out = append(out, conformance.IpPeer(pick(r, "10.0.0.0/8", "10.1.0.0/16", "0.0.0.0/0"), pick(r, "10.1.0.0/24", "10.0.0.1/32")))
		}
	}
	return out
}

func randomNetpol(r *rand.Rand, i int) networkingv1.NetworkPolicy {
	tweaks := []conformance.NpTweak{conformance.Selecting(randomSelector(r))}
	switch r.IntN(3) {
	case 0:
		tweaks = append(tweaks, conformance.Types(conformance.TIngress, conformance.TEgress))
	case 1:
		tweaks = append(tweaks, conformance.Types(conformance.TEgress))
	}
	for range r.IntN(3) {
		tweaks = append(tweaks, conformance.Ingress(conformance.From(randomPeers(r), randomPorts(r)...)))
	}
	for range r.IntN(3) {
		tweaks = append(tweaks, conformance.Egress(conformance.To(randomPeers(r), randomPorts(r)...)))
	}
	return conformance.Netpol(fmt.Sprintf("ns%d", r.IntN(4)), fmt.Sprintf("np%d", i), tweaks...)
}

func randomCNP(r *rand.Rand, i int) v1alpha2.ClusterNetworkPolicy {
	actions := []v1alpha2.ClusterNetworkPolicyRuleAction{conformance.Accept, conformance.Deny, conformance.Pass}
	tier := []v1alpha2.Tier{conformance.Admin, conformance.Base}[r.IntN(2)]
	tweaks := []conformance.CnpTweak{conformance.CnpSubjectNS(conformance.Sel("env", pick(r, "prod", "dev")))}
	for range 1 + r.IntN(3) {
		var protos []v1alpha2.ClusterNetworkPolicyProtocol
		if r.IntN(2) == 0 {
			protos = append(protos, conformance.CnpTCP(int32(80+r.IntN(2))), conformance.CnpNamed("dns"))
		}
		if r.IntN(2) == 0 {
			tweaks = append(tweaks, conformance.CnpIn(actions[r.IntN(3)], conformance.CnpFromPods(conformance.Sel(), randomSelector(r)), protos...))
		} else if r.IntN(2) == 0 {
			tweaks = append(tweaks, conformance.CnpOut(actions[r.IntN(3)], conformance.CnpToNets(v1alpha2.CIDR(pick(r, "10.0.0.0/8", "10.1.0.0/24"))), protos...))
		} else {
			tweaks = append(tweaks, conformance.CnpOut(actions[r.IntN(3)], conformance.CnpToNS(conformance.Sel("env", pick(r, "prod", "dev"))), protos...))
		}
	}
	return conformance.Cnp(fmt.Sprintf("cnp%d", i), tier, int32(r.IntN(5)), tweaks...)
}

func randomPolicies(t *testing.T, r *rand.Rand) Policies {
	c := conformance.Case{}
	for i := range r.IntN(6) {
		c.NPs = append(c.NPs, randomNetpol(r, i))
	}
	for i := range r.IntN(3) {
		c.CNPs = append(c.CNPs, randomCNP(r, i))
	}
	return confPolicies(t, c)
}
