package cilium

import (
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// dnsVisibility adds, to a policy with FQDN egress rules, the DNS rule
// Cilium needs to learn the names' addresses (docs.cilium.io "DNS based"
// policies: toFQDNs match the IPs the DNS proxy saw resolved): the cluster
// DNS on port 53 with rules.dns matchPattern "*". It only uses DNS traffic
// the IR already allows the subject (a DNS rule of the subject itself or
// of every pod of its namespace), so it never widens the policy. Without
// such traffic every FQDN rule of the policy matches no address: each is
// refused, or narrowed with its own warning.
func (b *builder) dnsVisibility(pol *policy) {
	if len(pol.fqdn) == 0 {
		return
	}
	protos := b.dnsProtocols(pol.subject)
	if len(protos) == 0 {
		why := "FQDN egress needs DNS: Cilium learns the addresses of toFQDNs names from the DNS answers its proxy sees, and the IR allows this subject no DNS traffic on port 53 (allow DNS for it, as templates.allowDNS does)"
		for _, i := range pol.fqdn {
			if err := b.approximate(i, "the toFQDNs rule matches no address", why, ""); err != nil {
				b.errs.Fail(b.rules[i].Origin, "egress rule", b.rules[i].Subject, err)
			}
		}
		return
	}
	sel, err := endpointSelector(b.dns)
	if err == nil {
		err = b.identityLabels("cluster DNS", sel)
	}
	if err != nil {
		first := slices.MinFunc(pol.fqdn, func(x, y int) int { return kit.CompareOrigins(b.rules[x].Origin, b.rules[y].Origin) })
		b.errs.Fail(b.rules[first].Origin, "egress rule", b.rules[first].Subject, fmt.Errorf("cluster DNS peer: %w", err))
		return
	}
	pr := ciliumapi.PortRule{Rules: &ciliumapi.L7Rules{DNS: []ciliumapi.FQDNSelector{{MatchPattern: "*"}}}}
	for _, proto := range protos {
		pr.Ports = append(pr.Ports, ciliumapi.PortProtocol{Port: "53", Protocol: proto.String()})
	}
	pol.dns = &ciliumapi.EgressRule{ToEndpoints: []metav1.LabelSelector{sel}, ToPorts: []ciliumapi.PortRule{pr}}
}

// dnsProtocols lists the protocols (UDP, TCP) on which the IR allows a
// subject's pods to reach the cluster DNS on port 53.
func (b *builder) dnsProtocols(s ir.Subject) []portset.Protocol {
	found := map[portset.Protocol]bool{}
	dnsKey := jsonKeyOf(b.dns)
	for _, pol := range b.pols {
		applies := pol.subject.Namespace == s.Namespace &&
			(kit.JSONKey(pol.subject.Pods) == kit.JSONKey(s.Pods) || kit.IsEmpty(&pol.subject.Pods))
		if !applies {
			continue
		}
		for _, g := range pol.groups[1] {
			if _, ok := g.endpoints[dnsKey]; !ok && !g.all {
				continue
			}
			for _, proto := range []portset.Protocol{portset.UDP, portset.TCP} {
				if covers53(g.ports, proto) {
					found[proto] = true
				}
			}
		}
	}
	var out []portset.Protocol
	for _, p := range []portset.Protocol{portset.UDP, portset.TCP} {
		if found[p] {
			out = append(out, p)
		}
	}
	return out
}

// jsonKeyOf is the key of a pod peer's endpoint selector ("" if invalid).
func jsonKeyOf(p ir.Peer) string {
	sel, err := endpointSelector(p)
	if err != nil {
		return ""
	}
	return kit.JSONKey(sel)
}

// covers53 reports whether a port list allows port 53 of proto.
func covers53(ports []ciliumapi.PortProtocol, proto portset.Protocol) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		if p.Protocol != proto.String() {
			continue
		}
		var n int
		if _, err := fmt.Sscan(p.Port, &n); err != nil {
			continue // a named port
		}
		if n == 0 || n == 53 || (n < 53 && int(p.EndPort) >= 53) {
			return true
		}
	}
	return false
}
