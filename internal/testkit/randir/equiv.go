package randir

import (
	"bytes"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/netpolc/netpolc/emitters/networkpolicy"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
	"github.com/netpolc/netpolc/internal/render"
)

// Seeds is the number of random policies a property test checks:
// NETPOLC_FUZZ_SEEDS overrides it (make fuzz), -short lowers it.
func Seeds(t testing.TB) int64 {
	if s := os.Getenv("NETPOLC_FUZZ_SEEDS"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("NETPOLC_FUZZ_SEEDS=%q: %v", s, err)
		}
		return n
	}
	if testing.Short() {
		return 60
	}
	return 300
}

// Reference is the NetworkPolicy target's meaning of p: the emitted
// NetworkPolicies where that target builds, else the IR itself (deny
// rules, which NetworkPolicy cannot express).
func Reference(t testing.TB, p *ir.Policy) enforcer.Policies {
	t.Helper()
	if nps, err := networkpolicy.Build(p); err == nil {
		pols, err := enforcer.FromNetworkPolicies(enforcer.WithoutSource(nps))
		if err != nil {
			t.Fatal(err)
		}
		return pols
	}
	pols, err := enforcer.FromIR(p)
	if err != nil {
		t.Fatal(err)
	}
	return pols
}

// Diff is proof.Compare's delta as text, "" when the sets agree.
func Diff(inv inventory.Inventory, want, got enforcer.Policies) (string, error) {
	d, err := proof.Compare(inv, want, got)
	if err != nil || d.Empty() {
		return "", err
	}
	var buf bytes.Buffer
	if err := render.WriteDiff(&buf, d); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// EgressOnly returns p without its ingress isolations and rules.
func EgressOnly(p *ir.Policy) *ir.Policy {
	q := *p
	q.Isolations, q.Rules = nil, nil
	for _, iso := range p.Isolations {
		if iso.Direction == ir.Egress {
			q.Isolations = append(q.Isolations, iso)
		}
	}
	for _, r := range p.Rules {
		if r.Direction == ir.Egress {
			q.Rules = append(q.Rules, r)
		}
	}
	return &q
}

// WithIPs gives every endpoint without a known IP one (and a third of them
// an IPv6 one too), from ranges the generator's blocks partly cover.
func WithIPs(inv inventory.Inventory) inventory.Inventory {
	inv.Endpoints = slices.Clone(inv.Endpoints)
	for i := range inv.Endpoints {
		ep := &inv.Endpoints[i]
		if len(ep.IPs) > 0 {
			continue
		}
		ep.IPs = []netip.Addr{netip.AddrFrom4([4]byte{10, 250, byte(i / 250), byte(1 + i%250)})}
		if i%3 == 0 {
			ep.IPs = append(ep.IPs, netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0xfa, 14: byte(i >> 8), 15: byte(i)}))
		}
	}
	return inv
}

// fqdnNames are the DNS names WithFQDN adds: an exact name, a one-label
// wildcard, and a name the wildcard matches.
var fqdnNames = []string{"api.example.com", "*.cdn.example.net", "img.cdn.example.net"}

// WithFQDN adds FQDN egress to p: for every third egress isolation (and at
// least the first), rules towards the DNS names, on TCP/443 or on every
// port, and the cluster DNS on port 53 (which Cilium needs to learn the
// names' addresses; left out for some subjects, so that the emitters'
// refusal of FQDN rules without DNS is exercised too).
func WithFQDN(p *ir.Policy) *ir.Policy {
	q := *p
	q.Rules = slices.Clone(p.Rules)
	n := 0
	for i, iso := range p.Isolations {
		if iso.Direction != ir.Egress || (n > 0 && i%3 != 0) {
			continue
		}
		origin := iso.Origin
		origin.Pos.Line += 1000 + n
		for j, name := range fqdnNames[:1+n%3] {
			r := ir.Rule{Subject: iso.Subject, Direction: ir.Egress, Action: ir.Allow, Origin: origin,
				Peer: ir.Peer{Kind: ir.PeerFQDN, FQDN: name}}
			r.Origin.Pos.Col = 1 + j
			if j%2 == 0 {
				r.Ports = []ir.Port{{Protocol: portset.TCP, Number: 443}}
			}
			q.Rules = append(q.Rules, r)
		}
		if n%4 != 3 && p.DNS.Kind != "" {
			dns := ir.Rule{Subject: iso.Subject, Direction: ir.Egress, Action: ir.Allow, Origin: origin, Peer: p.DNS,
				Ports: []ir.Port{{Protocol: portset.UDP, Number: 53}, {Protocol: portset.TCP, Number: 53}}}
			dns.Origin.Pos.Col = 10
			q.Rules = append(q.Rules, dns)
		}
		n++
	}
	return &q
}
