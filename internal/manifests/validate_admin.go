package manifests

import (
	"fmt"

	"sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
)

// The CRD markers these checks apply, as in sigs.k8s.io/network-policy-api
// v0.2.0 (apis/v1alpha1/adminnetworkpolicy_types.go,
// baselineadminnetworkpolicy_types.go, shared_types.go and
// apis/v1alpha2/clusternetworkpolicy_types.go).
const (
	rulePriority  = "CRD: priority +kubebuilder:validation:Minimum=0, Maximum=1000"
	ruleBANPName  = `CRD: XValidation self.metadata.name == 'default'`
	rulePeers1    = "CRD: from/to +kubebuilder:validation:MinItems=1 (required)"
	rulePorts1    = "CRD: ports +kubebuilder:validation:MinItems=1"
	ruleProtos1   = "CRD: protocols +kubebuilder:validation:MinItems=1"
	ruleOneOf     = "CRD: +kubebuilder:validation:MinProperties=1, MaxProperties=1"
	ruleMinProps  = "CRD: +kubebuilder:validation:MinProperties=1"
	ruleNamedPeer = "CRD: XValidation networks/nodes/domainNames peer cannot be set with namedPorts"
	ruleRange     = `CRD: XValidation self.start < self.end`
	ruleTier      = `CRD: tier +kubebuilder:validation:Enum={"Admin", "Baseline"}`
)

// count is how many of the flags are set.
func count(set ...bool) int {
	n := 0
	for _, s := range set {
		if s {
			n++
		}
	}
	return n
}

func (c *checker) priority(p int32) {
	if p < 0 || p > 1000 {
		c.bad("spec.priority", rulePriority, "priority %d is outside 0-1000", p)
	}
}

func (c *checker) peers(field, name string, n int) {
	if n == 0 {
		c.bad(field, rulePeers1, "the rule%s needs at least one peer; a missing or empty list is rejected (write a peer that selects everything if that is meant)", ruleName(name))
	}
}

func (c *checker) onePeer(field string, n int) {
	if n != 1 {
		c.bad(field, ruleOneOf, "a peer sets exactly one field, this one sets %d", n)
	}
}

// checkAdminNetworkPolicy applies the v1alpha1 CRD rules.
func (b *builder) checkAdminNetworkPolicy(o *object, p *v1alpha1.AdminNetworkPolicy) bool {
	c := b.checker(o)
	c.priority(p.Spec.Priority)
	c.v1alpha1Subject(p.Spec.Subject)
	for i, r := range p.Spec.Ingress {
		f := fmt.Sprintf("spec.ingress[%d]", i)
		c.v1alpha1Ingress(f, r.Name, r.From, r.Ports)
	}
	for i, r := range p.Spec.Egress {
		f := fmt.Sprintf("spec.egress[%d]", i)
		c.v1alpha1Egress(f, r.Name, r.To, r.Ports)
	}
	return c.ok
}

// checkBaselineAdminNetworkPolicy applies the v1alpha1 CRD rules.
func (b *builder) checkBaselineAdminNetworkPolicy(o *object, p *v1alpha1.BaselineAdminNetworkPolicy) bool {
	c := b.checker(o)
	if p.Name != "default" {
		c.bad("metadata.name", ruleBANPName, "a BaselineAdminNetworkPolicy must be named default (there is one per cluster), not %q", p.Name)
	}
	c.v1alpha1Subject(p.Spec.Subject)
	for i, r := range p.Spec.Ingress {
		c.v1alpha1Ingress(fmt.Sprintf("spec.ingress[%d]", i), r.Name, r.From, r.Ports)
	}
	for i, r := range p.Spec.Egress {
		to := make([]v1alpha1.AdminNetworkPolicyEgressPeer, len(r.To))
		for j, t := range r.To {
			to[j] = v1alpha1.AdminNetworkPolicyEgressPeer{Namespaces: t.Namespaces, Pods: t.Pods, Nodes: t.Nodes, Networks: t.Networks}
		}
		c.v1alpha1Egress(fmt.Sprintf("spec.egress[%d]", i), r.Name, to, r.Ports)
	}
	return c.ok
}

func (c *checker) v1alpha1Subject(s v1alpha1.AdminNetworkPolicySubject) {
	if n := count(s.Namespaces != nil, s.Pods != nil); n != 1 {
		c.bad("spec.subject", ruleOneOf, "the subject sets exactly one of namespaces and pods, this one sets %d", n)
	}
}

func (c *checker) v1alpha1Ingress(f, name string, from []v1alpha1.AdminNetworkPolicyIngressPeer, ports *[]v1alpha1.AdminNetworkPolicyPort) {
	c.peers(f+".from", name, len(from))
	for j, p := range from {
		c.onePeer(fmt.Sprintf("%s.from[%d]", f, j), count(p.Namespaces != nil, p.Pods != nil))
	}
	c.v1alpha1Ports(f, name, ports)
}

func (c *checker) v1alpha1Egress(f, name string, to []v1alpha1.AdminNetworkPolicyEgressPeer, ports *[]v1alpha1.AdminNetworkPolicyPort) {
	c.peers(f+".to", name, len(to))
	noNamed := false
	for j, p := range to {
		c.onePeer(fmt.Sprintf("%s.to[%d]", f, j),
			count(p.Namespaces != nil, p.Pods != nil, p.Nodes != nil, p.Networks != nil, p.DomainNames != nil))
		noNamed = noNamed || p.Nodes != nil || p.Networks != nil || p.DomainNames != nil
	}
	c.v1alpha1Ports(f, name, ports)
	if ports == nil || !noNamed {
		return
	}
	for j, p := range *ports {
		if p.NamedPort != nil {
			c.bad(fmt.Sprintf("%s.ports[%d].namedPort", f, j), ruleNamedPeer,
				"the rule%s has a networks, nodes or domainNames peer, which have no named ports", ruleName(name))
		}
	}
}

func (c *checker) v1alpha1Ports(f, name string, ports *[]v1alpha1.AdminNetworkPolicyPort) {
	if ports == nil {
		return
	}
	if len(*ports) == 0 {
		c.bad(f+".ports", rulePorts1, "ports: [] in rule%s is rejected; omit ports to match every port", ruleName(name))
	}
	for j, p := range *ports {
		if n := count(p.PortNumber != nil, p.PortRange != nil, p.NamedPort != nil); n != 1 {
			c.bad(fmt.Sprintf("%s.ports[%d]", f, j), ruleOneOf,
				"a port entry of rule%s sets exactly one of portNumber, portRange and namedPort, this one sets %d", ruleName(name), n)
		}
	}
}

// checkClusterNetworkPolicy applies the v1alpha2 CRD rules.
func (b *builder) checkClusterNetworkPolicy(o *object, p *v1alpha2.ClusterNetworkPolicy) bool {
	c := b.checker(o)
	c.priority(p.Spec.Priority)
	if p.Spec.Tier != v1alpha2.AdminTier && p.Spec.Tier != v1alpha2.BaselineTier {
		c.bad("spec.tier", ruleTier, "tier %q is neither Admin nor Baseline", p.Spec.Tier)
	}
	if n := count(p.Spec.Subject.Namespaces != nil, p.Spec.Subject.Pods != nil); n != 1 {
		c.bad("spec.subject", ruleOneOf, "the subject sets exactly one of namespaces and pods, this one sets %d", n)
	}
	for i, r := range p.Spec.Ingress {
		f := fmt.Sprintf("spec.ingress[%d]", i)
		c.peers(f+".from", r.Name, len(r.From))
		for j, pe := range r.From {
			c.onePeer(fmt.Sprintf("%s.from[%d]", f, j), count(pe.Namespaces != nil, pe.Pods != nil))
		}
		c.cnpProtocols(f, r.Name, r.Protocols, false)
	}
	for i, r := range p.Spec.Egress {
		f := fmt.Sprintf("spec.egress[%d]", i)
		c.peers(f+".to", r.Name, len(r.To))
		noNamed := false
		for j, t := range r.To {
			c.onePeer(fmt.Sprintf("%s.to[%d]", f, j),
				count(t.Namespaces != nil, t.Pods != nil, t.Nodes != nil, t.Networks != nil, t.DomainNames != nil))
			noNamed = noNamed || t.Nodes != nil || t.Networks != nil || t.DomainNames != nil
		}
		c.cnpProtocols(f, r.Name, r.Protocols, noNamed)
	}
	return c.ok
}

func (c *checker) cnpProtocols(f, name string, protos []v1alpha2.ClusterNetworkPolicyProtocol, noNamed bool) {
	if protos != nil && len(protos) == 0 {
		c.bad(f+".protocols", ruleProtos1, "protocols: [] in rule%s is rejected; omit protocols to match every port", ruleName(name))
	}
	for j, p := range protos {
		pf := fmt.Sprintf("%s.protocols[%d]", f, j)
		if n := count(p.TCP != nil, p.UDP != nil, p.SCTP != nil, p.DestinationNamedPort != ""); n != 1 {
			c.bad(pf, ruleOneOf, "a protocol entry of rule%s sets exactly one of tcp, udp, sctp and destinationNamedPort, this one sets %d", ruleName(name), n)
			continue
		}
		if p.DestinationNamedPort != "" && noNamed {
			c.bad(pf+".destinationNamedPort", ruleNamedPeer,
				"the rule%s has a networks, nodes or domainNames peer, which have no named ports", ruleName(name))
		}
		switch {
		case p.TCP != nil:
			c.cnpPort(pf+".tcp", name, p.TCP.DestinationPort)
		case p.UDP != nil:
			c.cnpPort(pf+".udp", name, p.UDP.DestinationPort)
		case p.SCTP != nil:
			c.cnpPort(pf+".sctp", name, p.SCTP.DestinationPort)
		}
	}
}

// cnpPort checks a tcp/udp/sctp entry: it needs its destinationPort (the
// reader would otherwise take `tcp: {}` for every TCP port), which sets
// one of number and range, a range that starts below its end.
func (c *checker) cnpPort(f, name string, p *v1alpha2.Port) {
	switch {
	case p == nil:
		c.bad(f, ruleMinProps, "the entry of rule%s needs destinationPort", ruleName(name))
	case count(p.Number != 0, p.Range != nil) != 1:
		c.bad(f+".destinationPort", ruleOneOf, "destinationPort of rule%s sets exactly one of number and range", ruleName(name))
	case p.Range != nil && p.Range.Start >= p.Range.End:
		c.bad(f+".destinationPort.range", ruleRange, "the range %d-%d of rule%s does not start below its end", p.Range.Start, p.Range.End, ruleName(name))
	}
}
