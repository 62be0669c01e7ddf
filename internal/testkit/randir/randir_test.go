package randir

import (
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"testing"

	"github.com/netpolc/netpolc/internal/netset"

	"github.com/netpolc/netpolc/emitters/networkpolicy"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/ir"
)

func TestDeterministic(t *testing.T) {
	for seed := range int64(20) {
		p1, inv1 := Generate(seed, 8)
		p2, inv2 := Generate(seed, 8)
		if !reflect.DeepEqual(p1, p2) || !reflect.DeepEqual(inv1, inv2) {
			t.Fatalf("seed %d: two runs differ", seed)
		}
	}
	a, _ := Generate(1, 8)
	b, _ := Generate(2, 8)
	if reflect.DeepEqual(a, b) {
		t.Fatal("seeds 1 and 2 give the same policy")
	}
}

// TestValid checks the promises the emitters rely on, and that the
// generated IR is valid NetworkPolicy input whose meaning (FromIR) is the
// NetworkPolicy target's.
func TestValid(t *testing.T) {
	kinds := map[ir.PeerKind]int{}
	built := 0
	for seed := range int64(200) {
		p, inv := Generate(seed, 1+int(seed%12))
		isolated := map[string]bool{}
		for _, iso := range p.Isolations {
			isolated[iso.Subject.Namespace+"/"+iso.Subject.Name+"/"+string(iso.Direction)] = true
		}
		for _, r := range p.Rules {
			kinds[r.Peer.Kind]++
			if !isolated[r.Subject.Namespace+"/"+r.Subject.Name+"/"+string(r.Direction)] {
				t.Fatalf("seed %d: rule at %s has no isolation", seed, r.Origin)
			}
		}
		want, err := enforcer.FromIR(p)
		if err != nil {
			t.Fatalf("seed %d: FromIR: %v", seed, err)
		}
		pols, err := networkpolicy.Build(p)
		if err != nil {
			// The NetworkPolicy emitter does not take protocol-only ports
			// yet; nothing else may fail.
			if !protocolOnly(p) || !errors.Is(err, networkpolicy.ErrInvalid) {
				t.Fatalf("seed %d: networkpolicy.Build: %v", seed, err)
			}
			continue
		}
		built++
		got, err := enforcer.FromNetworkPolicies(enforcer.WithoutSource(pols))
		if err != nil {
			t.Fatal(err)
		}
		d, err := Diff(inv, want, got)
		if err != nil {
			t.Fatal(err)
		}
		if d != "" {
			t.Fatalf("seed %d: NetworkPolicy target differs from the IR:\n%s", seed, d)
		}
	}
	for _, k := range []ir.PeerKind{ir.PeerAll, ir.PeerPods, ir.PeerWorkload, ir.PeerDNS, ir.PeerCIDR, ir.PeerWorld} {
		if kinds[k] == 0 {
			t.Errorf("no rule with a %s peer", k)
		}
	}
	if built < 50 {
		t.Errorf("only %d of 200 policies built as NetworkPolicies", built)
	}
}

func protocolOnly(p *ir.Policy) bool {
	for _, r := range p.Rules {
		for _, port := range r.Ports {
			if port.Number == 0 && port.Name == "" {
				return true
			}
		}
	}
	return false
}

func TestExamples(t *testing.T) {
	ex, err := Examples()
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range ex {
		if len(p.Isolations) == 0 {
			t.Errorf("example %s: no isolation", name)
		}
	}
	if len(ex) < 9 {
		t.Errorf("only %d examples", len(ex))
	}
}

func TestRangePrefixes(t *testing.T) {
	tests := []struct{ first, last, want string }{
		{"10.0.0.0", "10.255.255.255", "[10.0.0.0/8]"},
		{"10.0.0.1", "10.0.0.6", "[10.0.0.1/32 10.0.0.2/31 10.0.0.4/31 10.0.0.6/32]"},
		{"0.0.0.0", "255.255.255.255", "[0.0.0.0/0]"},
		{"::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "[::/0]"},
		{"2001:db8::", "2001:db8::1", "[2001:db8::/127]"},
	}
	for _, tt := range tests {
		got := fmt.Sprint(netset.Range{First: netip.MustParseAddr(tt.first), Last: netip.MustParseAddr(tt.last)}.Prefixes())
		if got != tt.want {
			t.Errorf("Prefixes(%s-%s) = %s, want %s", tt.first, tt.last, got, tt.want)
		}
	}
}
