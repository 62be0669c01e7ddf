package enforcer

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/compiler/ir"
	"github.com/netpolc/netpolc/enforcer/portset"
	"github.com/netpolc/netpolc/inventory"
)

// The conformance suite follows Kubernetes' e2e network policy tests: a
// fixed cluster and, per case, a policy set with its full reachability
// table written by hand from the documented semantics (never produced by
// the model).
//
// The cluster: namespaces x, y, z, labelled ns=<name> (and
// kubernetes.io/metadata.name=<name>), each with bare pods a, b, c labelled
// pod=<name>. Every pod has the container ports serve-80-tcp, serve-81-tcp,
// serve-80-udp, serve-81-udp, serve-80-sctp and serve-81-sctp on port 80 or
// 81 of that protocol, and a known IP 10.N.0.M (N = 1, 2, 3 for x, y, z;
// M = 1, 2, 3 for a, b, c), so ipBlocks can match pods. Cases may tweak the
// inventory (different port numbers, extra labels, unknown IPs).
//
// A table has one row per source and one column per destination, both in
// the order xa xb xc ya yb yc za zb zc; '.' is reachable and 'X' blocked.
// The diagonal (a pod to itself) is part of the table: the model is
// policy-level, so it is evaluated like any pair; the matrix omits it.

var confNamespaces = []string{"x", "y", "z"}
var confPods = []string{"a", "b", "c"}

// confCase is one conformance case.
type confCase struct {
	name  string
	nps   []networkingv1.NetworkPolicy
	cnps  []v1alpha2.ClusterNetworkPolicy
	anps  []v1alpha1.AdminNetworkPolicy
	banps []v1alpha1.BaselineAdminNetworkPolicy
	inv   func(*inventory.Inventory) // optional tweak
	probe string                     // "PROTO/PORT"; TCP/80 when empty
	want  string                     // the reachability table
	extra []extraProbe               // probes involving external addresses
}

// extraProbe checks one connection outside the 9×9 table.
type extraProbe struct {
	src, dst string
	allowed  bool
}

func confInventory() inventory.Inventory {
	var inv inventory.Inventory
	for n, ns := range confNamespaces {
		inv.Namespaces = append(inv.Namespaces, inventory.Namespace{
			Name: ns, Labels: map[string]string{"ns": ns, inventory.MetadataNameLabel: ns}})
		for p, pod := range confPods {
			ep := inventory.Endpoint{
				Namespace: ns, Name: pod, Kind: "Pod", Labels: map[string]string{"pod": pod},
				IPs: []netip.Addr{netip.AddrFrom4([4]byte{10, byte(n + 1), 0, byte(p + 1)})},
			}
			for _, proto := range []ir.Protocol{ir.TCP, ir.UDP, ir.SCTP} {
				for _, port := range []int32{80, 81} {
					name := fmt.Sprintf("serve-%d-%s", port, strings.ToLower(string(proto)))
					ep.Ports = append(ep.Ports, ir.NamedPort{Name: name, Port: port, Protocol: proto})
				}
			}
			inv.Endpoints = append(inv.Endpoints, ep)
		}
	}
	return inv
}

// confPolicies normalises a case's objects with the public adapters.
func confPolicies(t testing.TB, c confCase) Policies {
	t.Helper()
	var nps []SourcedNetworkPolicy
	for _, np := range c.nps {
		nps = append(nps, SourcedNetworkPolicy{NetworkPolicy: np})
	}
	var cnps []SourcedClusterNetworkPolicy
	for _, p := range c.cnps {
		cnps = append(cnps, SourcedClusterNetworkPolicy{ClusterNetworkPolicy: p})
	}
	var anps []SourcedAdminNetworkPolicy
	for _, p := range c.anps {
		anps = append(anps, SourcedAdminNetworkPolicy{AdminNetworkPolicy: p})
	}
	var banps []SourcedBaselineAdminNetworkPolicy
	for _, p := range c.banps {
		banps = append(banps, SourcedBaselineAdminNetworkPolicy{BaselineAdminNetworkPolicy: p})
	}
	p1, err1 := FromNetworkPolicies(nps)
	p2, err2 := FromClusterNetworkPolicies(cnps)
	p3, err3 := FromAdminNetworkPolicies(anps)
	p4, err4 := FromBaselineAdminNetworkPolicies(banps)
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return Join(p1, p2, p3, p4)
}

// parseTable reads a hand-written table into want[src][dst].
func parseTable(t *testing.T, table string) [9][9]bool {
	t.Helper()
	var want [9][9]bool
	row := 0
	for line := range strings.SplitSeq(table, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] == "x" {
			continue // blank or header
		}
		cells := strings.Join(fields[1:], "")
		if row >= 9 || len(cells) != 9 || fields[0] != confName(row) {
			t.Fatalf("bad table row %q (want row %s with 9 cells)", line, confName(row))
		}
		for col, ch := range cells {
			want[row][col] = ch == '.'
		}
		row++
	}
	if row != 9 {
		t.Fatalf("table has %d rows, want 9", row)
	}
	return want
}

// confName is the short name of pod i ("xa"), confID its endpoint ID.
func confName(i int) string { return confNamespaces[i/3] + confPods[i%3] }
func confID(i int) string   { return confNamespaces[i/3] + "/" + confPods[i%3] }

func formatTable(cells [9][9]bool) string {
	var b strings.Builder
	b.WriteString("    x   y   z\n")
	for r := range 9 {
		b.WriteString(confName(r))
		for c := range 9 {
			if c%3 == 0 {
				b.WriteByte(' ')
			}
			b.WriteByte(map[bool]byte{true: '.', false: 'X'}[cells[r][c]])
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func allConfCases() []confCase {
	var all []confCase
	for _, cs := range [][]confCase{netpolCases, selectorCases, portCases, ipBlockCases, adminCases, v1alpha1Cases} {
		all = append(all, cs...)
	}
	return all
}

func TestConformance(t *testing.T) {
	cases := allConfCases()
	if len(cases) < 60 {
		t.Errorf("only %d conformance cases", len(cases))
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Errorf("duplicate case name %q", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) { runConfCase(t, c) })
	}
}

func runConfCase(t *testing.T, c confCase) {
	inv := confInventory()
	if c.inv != nil {
		c.inv(&inv)
	}
	m, err := New(inv, confPolicies(t, c))
	if err != nil {
		t.Fatal(err)
	}
	probe := cmpOr(c.probe, "TCP/80")
	pset, err := portset.Parse(probe)
	if err != nil {
		t.Fatal(err)
	}
	proto, port := confProbe(pset)
	want := parseTable(t, c.want)
	matrix := m.Matrix()
	var got [9][9]bool
	for s := range 9 {
		for d := range 9 {
			v, err := m.Verdict(confID(s), confID(d), proto, port)
			if err != nil {
				t.Fatal(err)
			}
			got[s][d] = v.Allowed
			if s != d && matrix.Ports(confID(s), confID(d)).Contains(proto, port) != v.Allowed {
				t.Errorf("%s -> %s: matrix says %v, verdict says %v", confID(s), confID(d), !v.Allowed, v.Allowed)
			}
		}
	}
	if got != want {
		t.Errorf("reachability on %s:\ngot:\n%swant:\n%s", probe, formatTable(got), formatTable(want))
	}
	for _, e := range c.extra {
		v, err := m.Verdict(e.src, e.dst, proto, port)
		if err != nil {
			t.Fatal(err)
		}
		if v.Allowed != e.allowed {
			t.Errorf("%s -> %s on %s: allowed=%v, want %v", e.src, e.dst, probe, v.Allowed, e.allowed)
		}
	}
}

// confProbe takes the single port out of a one-port set.
func confProbe(s portset.Set) (portset.Protocol, int32) {
	for _, p := range portset.Protocols {
		if rs := s.Ranges(p); len(rs) > 0 {
			return p, int32(rs[0].First)
		}
	}
	return portset.TCP, 0
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
