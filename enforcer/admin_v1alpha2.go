package enforcer

import (
	"fmt"

	"github.com/netpolc/netpolc/internal/diag"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// SourcedClusterNetworkPolicy is a v1alpha2 ClusterNetworkPolicy with the
// place it was read from.
type SourcedClusterNetworkPolicy struct {
	v1alpha2.ClusterNetworkPolicy
	Source diag.Pos
}

// FromClusterNetworkPolicies normalises v1alpha2 ClusterNetworkPolicies
// into the Admin or Baseline tier by spec.tier. Nodes peers match nothing
// (the inventory has no nodes); domainNames peers match DNS-name endpoints (admin.go).
func FromClusterNetworkPolicies(cnps []SourcedClusterNetworkPolicy) (Policies, error) {
	var out Policies
	var e errs
	for i := range cnps {
		if p := fromCNP(&cnps[i], &e); p != nil {
			out.list = append(out.list, p)
		}
	}
	return out, e.err()
}

func fromCNP(c *SourcedClusterNetworkPolicy, e *errs) *policy {
	ref := PolicyRef{
		Kind: KindClusterNetworkPolicy, Name: c.Name, Priority: c.Spec.Priority,
		Source: c.Source, Origin: c.Annotations[OriginsAnnotation],
	}
	switch c.Spec.Tier {
	case v1alpha2.AdminTier:
		ref.Layer = LayerAdmin
	case v1alpha2.BaselineTier:
		ref.Layer = LayerBaseline
	default:
		e.addf(ref, "spec.tier", "unknown tier %q", c.Spec.Tier)
		return nil
	}
	subj := c.Spec.Subject
	pods, podNS := podsOf2(subj.Pods)
	subject, err := adminSubject(subj.Namespaces, pods, podNS)
	if err != nil {
		e.add(ref, "spec.subject", err)
		return nil
	}
	p := &policy{ref: ref, subject: subject}
	for i, r := range c.Spec.Ingress {
		field := fmt.Sprintf("spec.ingress[%d]", i)
		peers := make([]adminPeerFields, len(r.From))
		for j, f := range r.From {
			peers[j].namespaces = f.Namespaces
			peers[j].pods, peers[j].podNamespaces = podsOf2(f.Pods)
		}
		rr := cnpRuleRef(ref, dIngress, i, r.Name, r.Action, field, e)
		p.rules[dIngress] = append(p.rules[dIngress],
			adminRule(rr, peers, cnpPorts(ref, field, r.Protocols, e), field+".from", e))
	}
	for i, r := range c.Spec.Egress {
		field := fmt.Sprintf("spec.egress[%d]", i)
		peers := make([]adminPeerFields, len(r.To))
		for j, t := range r.To {
			peers[j] = adminPeerFields{namespaces: t.Namespaces, nodes: t.Nodes}
			for _, n := range t.DomainNames {
				peers[j].domainNames = append(peers[j].domainNames, string(n))
			}
			peers[j].pods, peers[j].podNamespaces = podsOf2(t.Pods)
			for _, n := range t.Networks {
				peers[j].networks = append(peers[j].networks, string(n))
			}
		}
		rr := cnpRuleRef(ref, dEgress, i, r.Name, r.Action, field, e)
		p.rules[dEgress] = append(p.rules[dEgress],
			adminRule(rr, peers, cnpPorts(ref, field, r.Protocols, e), field+".to", e))
	}
	return p
}

func podsOf2(p *v1alpha2.NamespacedPod) (pods, namespaces *metav1.LabelSelector) {
	if p == nil {
		return nil, nil
	}
	return &p.PodSelector, &p.NamespaceSelector
}

func cnpRuleRef(ref PolicyRef, d dir, i int, name string, a v1alpha2.ClusterNetworkPolicyRuleAction,
	field string, e *errs) RuleRef {
	rr := RuleRef{Policy: ref, Direction: d.ir(), Index: i, Name: name, Origin: ref.Origin}
	switch a {
	case v1alpha2.ClusterNetworkPolicyRuleActionAccept:
		rr.Action = ir.Allow
	case v1alpha2.ClusterNetworkPolicyRuleActionDeny:
		rr.Action = ir.Deny
	case v1alpha2.ClusterNetworkPolicyRuleActionPass:
		rr.Action = ir.Pass
	default:
		// An unknown action fails closed.
		e.addf(ref, field+".action", "unknown action %q", a)
		rr.Action = ir.Deny
	}
	return rr
}

// cnpPorts normalises a v1alpha2 protocols list; none means every port and
// protocol.
func cnpPorts(ref PolicyRef, field string, protos []v1alpha2.ClusterNetworkPolicyProtocol, e *errs) portSpec {
	if protos == nil {
		return allPorts()
	}
	if len(protos) == 0 { // invalid (MinItems=1): never read as every port
		e.addf(ref, field+".protocols", "protocols: [] is invalid (the CRD requires at least one entry); omit protocols for every port")
		return portSpec{}
	}
	var spec portSpec
	for i, p := range protos {
		f := fmt.Sprintf("%s.protocols[%d]", field, i)
		switch {
		case p.TCP != nil:
			spec.fixed = spec.fixed.Union(cnpPort(ref, f+".tcp", portset.TCP, p.TCP.DestinationPort, e))
		case p.UDP != nil:
			spec.fixed = spec.fixed.Union(cnpPort(ref, f+".udp", portset.UDP, p.UDP.DestinationPort, e))
		case p.SCTP != nil:
			spec.fixed = spec.fixed.Union(cnpPort(ref, f+".sctp", portset.SCTP, p.SCTP.DestinationPort, e))
		case p.DestinationNamedPort != "":
			spec.named = append(spec.named, namedRef{name: p.DestinationNamedPort, anyProto: true})
		default:
			e.addf(ref, f, "protocol entry sets no field")
		}
	}
	return spec
}

func cnpPort(ref PolicyRef, field string, proto portset.Protocol, p *v1alpha2.Port, e *errs) portset.Set {
	switch {
	case p == nil:
		return portset.AllPorts(proto)
	case p.Range != nil:
		if !validRange(p.Range.Start, p.Range.End) {
			e.addf(ref, field+".destinationPort.range", "bad port range %d-%d", p.Range.Start, p.Range.End)
			return portset.Empty()
		}
		return portset.PortRange(proto, p.Range.Start, p.Range.End)
	case !validRange(p.Number, p.Number):
		e.addf(ref, field+".destinationPort.number", "bad port %d", p.Number)
		return portset.Empty()
	}
	return portset.Port(proto, p.Number)
}
