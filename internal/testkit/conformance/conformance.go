// Package conformance is the evaluation model's conformance suite as data:
// a fixed cluster and, per case, a policy set with its full reachability
// table written by hand from the documented semantics (never produced by
// the model). It follows Kubernetes' e2e network policy tests.
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
package conformance

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/netpolc/netpolc/internal/portset"

	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// Namespaces and Pods of the conformance cluster, in table order.
var (
	Namespaces = []string{"x", "y", "z"}
	Pods       = []string{"a", "b", "c"}
)

// Case is one conformance case.
type Case struct {
	Name  string
	NPs   []networkingv1.NetworkPolicy
	CNPs  []v1alpha2.ClusterNetworkPolicy
	ANPs  []v1alpha1.AdminNetworkPolicy
	BANPs []v1alpha1.BaselineAdminNetworkPolicy
	Inv   func(*inventory.Inventory) // optional tweak
	Probe string                     // "PROTO/PORT"; TCP/80 when empty
	Want  string                     // the reachability table
	Extra []extraProbe               // probes involving external addresses
}

// extraProbe checks one connection outside the 9×9 table.
type extraProbe struct {
	Src, Dst string
	Allowed  bool
}

// NetworkPolicyOnly reports whether the case has no admin-layer policies.
func (c Case) NetworkPolicyOnly() bool {
	return len(c.CNPs) == 0 && len(c.ANPs) == 0 && len(c.BANPs) == 0
}

// ProbeOrDefault is the case's probe, TCP/80 when unset.
func (c Case) ProbeOrDefault() string {
	if c.Probe == "" {
		return "TCP/80"
	}
	return c.Probe
}

// Inventory returns the case's cluster: the base cluster with its tweak.
func (c Case) Inventory() inventory.Inventory {
	inv := Inventory()
	if c.Inv != nil {
		c.Inv(&inv)
	}
	return inv
}

// Cases returns every conformance case, in a fixed order.
func Cases() []Case {
	var all []Case
	for _, cs := range [][]Case{netpolCases, selectorCases, portCases, ipBlockCases, adminCases, v1alpha1Cases} {
		all = append(all, cs...)
	}
	return all
}

// Inventory returns the conformance cluster.
func Inventory() inventory.Inventory {
	var inv inventory.Inventory
	for n, ns := range Namespaces {
		inv.Namespaces = append(inv.Namespaces, inventory.Namespace{
			Name: ns, Labels: map[string]string{"ns": ns, inventory.MetadataNameLabel: ns}})
		for p, pod := range Pods {
			ep := inventory.Endpoint{
				Namespace: ns, Name: pod, Kind: "Pod", Labels: map[string]string{"pod": pod},
				IPs: []netip.Addr{netip.AddrFrom4([4]byte{10, byte(n + 1), 0, byte(p + 1)})},
			}
			for _, proto := range []portset.Protocol{portset.TCP, portset.UDP, portset.SCTP} {
				for _, port := range []int32{80, 81} {
					name := fmt.Sprintf("serve-%d-%s", port, strings.ToLower(proto.String()))
					ep.Ports = append(ep.Ports, ir.NamedPort{Name: name, Port: port, Protocol: proto})
				}
			}
			inv.Endpoints = append(inv.Endpoints, ep)
		}
	}
	return inv
}

// Table is a reachability table: Table[src][dst], indexes in table order.
type Table [9][9]bool

// ParseTable reads a hand-written table.
func ParseTable(table string) (Table, error) {
	var want Table
	row := 0
	for line := range strings.SplitSeq(table, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] == "x" {
			continue // blank or header
		}
		cells := strings.Join(fields[1:], "")
		if row >= 9 || len(cells) != 9 || fields[0] != Name(row) {
			return want, fmt.Errorf("bad table row %q (want row %s with 9 cells)", line, Name(min(row, 8)))
		}
		for col, ch := range cells {
			want[row][col] = ch == '.'
		}
		row++
	}
	if row != 9 {
		return want, fmt.Errorf("table has %d rows, want 9", row)
	}
	return want, nil
}

// Name is the short name of pod i ("xa"), ID its endpoint ID ("x/a").
func Name(i int) string { return Namespaces[i/3] + Pods[i%3] }

// ID is the endpoint ID of pod i ("x/a").
func ID(i int) string { return Namespaces[i/3] + "/" + Pods[i%3] }

// String renders the table in the hand-written format.
func (cells Table) String() string {
	var b strings.Builder
	b.WriteString("    x   y   z\n")
	for r := range 9 {
		b.WriteString(Name(r))
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
