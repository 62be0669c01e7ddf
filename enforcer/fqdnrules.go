package enforcer

import (
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/ir"
)

// FQDNEgress is an egress allow rule towards DNS names, for readers of
// targets with name rules (Cilium's toFQDNs): a NetworkPolicy-tier rule
// that isolates nothing itself (the policy it belongs to does, as a
// NetworkPolicy of the same name).
type FQDNEgress struct {
	// Namespace and Name name the policy in explanations.
	Namespace, Name string
	// Origin is the intents behind it (the origins annotation).
	Origin string
	Source diag.Pos
	// Index is the rule's position among its policy's egress rules.
	Index int
	// Subject selects the pods of Namespace the rule applies to.
	Subject metav1.LabelSelector
	// Names are DNS names and patterns in the model's syntax (ParseFQDN).
	Names []string
	// Ports are NetworkPolicy ports; none means every port and protocol.
	Ports []networkingv1.NetworkPolicyPort
}

// FromFQDNEgress normalises FQDN egress rules. Invalid names and ports are
// reported, as diagnostics at the rule's policy.
func FromFQDNEgress(rules []FQDNEgress) (Policies, error) {
	var out Policies
	var e errs
	for _, r := range rules {
		ref := PolicyRef{Kind: KindNetworkPolicy, Namespace: r.Namespace, Name: r.Name,
			Layer: LayerNetworkPolicy, Source: r.Source, Origin: r.Origin}
		subject, err := inNamespace(r.Namespace, &r.Subject)
		if err != nil {
			e.add(ref, "subject", err)
			continue
		}
		field := fmt.Sprintf("spec.egress[%d]", r.Index)
		nr := &rule{
			ref:   RuleRef{Policy: ref, Direction: ir.Egress, Index: r.Index, Action: ir.Allow, Origin: r.Origin},
			ports: npPorts(ref, field, r.Ports, &e),
		}
		for i, n := range r.Names {
			f, err := parseFQDN(n)
			if err != nil {
				e.add(ref, fmt.Sprintf("%s.names[%d]", field, i), err)
				continue
			}
			nr.peers = append(nr.peers, peer{kind: peerFQDN, fqdn: f})
		}
		pol := &policy{ref: ref, subject: subject}
		pol.rules[dEgress] = []*rule{nr}
		out.list = append(out.list, pol)
	}
	return out, e.err()
}
