package randir

import (
	"bytes"
	"net/netip"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/evaluate"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/render"
)

// Compare is evaluate.Compare, kept here for the property tests.
func Compare(inv inventory.Inventory, want, got enforcer.Policies) (*enforcer.Delta, error) {
	return evaluate.Compare(inv, want, got)
}

// CompareAcross is evaluate.CompareAcross.
func CompareAcross(wantInv inventory.Inventory, want enforcer.Policies, gotInv inventory.Inventory, got enforcer.Policies) (*enforcer.Delta, error) {
	return evaluate.CompareAcross(wantInv, want, gotInv, got)
}

// Wider is evaluate.Wider.
func Wider(d *enforcer.Delta) bool { return evaluate.Wider(d) }

// RangePrefixes is evaluate.RangePrefixes.
func RangePrefixes(first, last netip.Addr) []netip.Prefix { return evaluate.RangePrefixes(first, last) }

// Diff is Compare's delta as text, "" when the sets agree.
func Diff(inv inventory.Inventory, want, got enforcer.Policies) (string, error) {
	d, err := Compare(inv, want, got)
	if err != nil || d.Empty() {
		return "", err
	}
	var buf bytes.Buffer
	if err := render.WriteDiff(&buf, d); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// NetworkPolicies is enforcer.WithoutSource, kept here for the property
// tests.
func NetworkPolicies(pols []networkingv1.NetworkPolicy) []enforcer.SourcedNetworkPolicy {
	return enforcer.WithoutSource(pols)
}
