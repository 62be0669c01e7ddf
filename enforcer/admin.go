package enforcer

import (
	"fmt"
	"strings"

	"github.com/netpolc/netpolc/internal/netset"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/ir"
)

// banpPriority orders the (priority-less) BaselineAdminNetworkPolicy after
// every Baseline-tier ClusterNetworkPolicy, whose priorities stop at 1000.
const banpPriority = 1001

// adminSubject normalises an admin subject: exactly one of namespaces or
// pods (namespace AND pod selector).
func adminSubject(namespaces *metav1.LabelSelector, pods *metav1.LabelSelector,
	podNamespaces *metav1.LabelSelector) (podSelector, error) {
	switch {
	case namespaces != nil && podNamespaces != nil:
		return podSelector{}, fmt.Errorf("%w: subject sets both namespaces and pods", ErrInvalid)
	case namespaces != nil:
		return acrossNamespaces(namespaces, nil)
	case podNamespaces != nil:
		return acrossNamespaces(podNamespaces, pods)
	}
	return podSelector{}, fmt.Errorf("%w: subject sets neither namespaces nor pods", ErrInvalid)
}

// adminPeerFields is the union of the fields of every admin peer type.
type adminPeerFields struct {
	namespaces    *metav1.LabelSelector
	pods          *metav1.LabelSelector
	podNamespaces *metav1.LabelSelector // set when the pods field is set
	nodes         *metav1.LabelSelector
	networks      []string
	domainNames   []string
}

// adminPeer normalises one peer. ok is false when the peer can match
// nothing the model knows (nodes, which the inventory does not hold).
// A peer with no field set is reported as empty=true so the caller can
// fail closed as the API asks.
func adminPeer(f adminPeerFields) (p peer, ok, empty bool, err error) {
	n := 0
	for _, set := range []bool{f.namespaces != nil, f.podNamespaces != nil, f.nodes != nil,
		len(f.networks) > 0, len(f.domainNames) > 0} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return peer{}, false, true, nil
	case n > 1:
		return peer{}, false, false, fmt.Errorf("%w: peer sets more than one field", ErrInvalid)
	case f.nodes != nil:
		return peer{}, false, false, nil
	case len(f.networks) > 0:
		var set netset.Set
		for _, cidr := range f.networks {
			r, err := parseCIDR(cidr)
			if err != nil {
				return peer{}, false, false, err
			}
			set = set.Union(r)
		}
		return peer{kind: peerBlock, block: set}, true, false, nil
	}
	sel, err := acrossNamespaces(f.namespaces, f.pods)
	if f.podNamespaces != nil {
		sel, err = acrossNamespaces(f.podNamespaces, f.pods)
	}
	return peer{kind: peerPods, pods: sel}, err == nil, false, err
}

// adminRule assembles one admin rule from its peers. A peer with no field
// set fails closed: an Allow rule ignores it, a Deny or Pass rule becomes
// "deny everything", as the API documents.
func adminRule(ref RuleRef, peers []adminPeerFields, ports portSpec, field string, e *errs) *rule {
	r := &rule{ref: ref, ports: ports}
	for j, f := range peers {
		if names, ok := domainPeers(f); ok {
			if len(f.domainNames) > 0 && ref.Action != ir.Allow {
				e.add(ref.Policy, fmt.Sprintf("%s[%d].domainNames", field, j), fmt.Errorf("%w: domainNames only in Accept rules", ErrInvalid))
				continue
			}
			ps, err := names()
			if err != nil {
				e.add(ref.Policy, fmt.Sprintf("%s[%d].domainNames", field, j), err)
			}
			r.peers = append(r.peers, ps...)
			continue
		}
		p, ok, empty, err := adminPeer(f)
		switch {
		case err != nil:
			e.add(ref.Policy, fmt.Sprintf("%s[%d]", field, j), err)
		case empty && ref.Action != ir.Allow:
			r.ref.Action = ir.Deny
			return &rule{ref: r.ref, peers: []peer{{kind: peerAll}}, ports: allPorts()}
		case ok:
			r.peers = append(r.peers, p)
		}
	}
	return r
}

// domainPeers reads a peer of only domainNames (ok false otherwise), with
// the admin API's meaning (network-policy-api apis/v1alpha2
// clusternetworkpolicy_types.go, DomainName): a name matches itself only,
// and a leading "*." matches one or more whole labels, so "*.x.io" is the
// model's "**.x.io".
func domainPeers(f adminPeerFields) (func() ([]peer, error), bool) {
	if len(f.domainNames) == 0 || f.namespaces != nil || f.podNamespaces != nil || f.nodes != nil || len(f.networks) > 0 {
		return nil, false
	}
	return func() ([]peer, error) {
		var out []peer
		for _, n := range f.domainNames {
			if rest, ok := strings.CutPrefix(n, "*."); ok {
				n = "**." + rest
			}
			pt, err := parseFQDN(n)
			if err != nil {
				return out, err
			}
			out = append(out, peer{kind: peerFQDN, fqdn: pt})
		}
		return out, nil
	}, true
}
