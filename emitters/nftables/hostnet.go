package nftables

import (
	"fmt"
	"strings"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// ErrHostNetwork marks intents a ruleset cannot enforce because of the
// inventory's host-network pods (spec.hostNetwork): their traffic is their
// node's. It wraps kit.ErrUnsupported.
var ErrHostNetwork = kit.Unsupported("host-network pods are their node's traffic")

// Host-network pods are treated as their node, as kube-network-policies
// treats them (pkg/podinfo/podinfo.go and ipresolver.go never resolve an
// address to a host-network pod; pkg/networkpolicy/networkpolicy.go skips
// them as subjects) and as the Kubernetes documentation describes the most
// common implementation (network-policies.md, "NetworkPolicy and hostNetwork
// pods": ignored by pod and namespace selectors, their traffic that of the
// node's address). NetworkPolicy leaves them to the implementation; the
// ruleset fails closed:
//
//   - their addresses, the node's, are in no verdict map and no pod set:
//     a node address in a pod chain would hold all of the node's traffic
//     to the pod's policy (or read the node's traffic as the pod's);
//   - a subject that selects one is refused: nothing could enforce it;
//   - a pod peer that selects one is refused (narrowed with
//     --allow-approximate): the ruleset cannot admit it by selector;
//   - a pod restricted for ingress must admit them on every port: the
//     node's own traffic to its pods is never filtered (NetworkPolicy
//     requires it), so on its node a host-network pod reaches every pod.

// checkHosts refuses what host-network pods leave the ruleset unable to
// enforce.
func (b *builder) checkHosts() {
	if len(b.hosts) == 0 {
		return
	}
	for _, iso := range b.isos {
		if hs := b.hostsWhere(iso.subject.matches); hs != "" {
			b.errs.Fail(iso.src.Origin, kit.Lower(iso.src.Direction)+" isolation", iso.src.Subject, subjectHostsErr(hs))
		}
	}
	for i := range b.rules {
		r := &b.rules[i]
		what := kit.Lower(r.src.Direction) + " rule"
		if hs := b.hostsWhere(r.subject.matches); hs != "" {
			b.errs.Fail(r.src.Origin, what, r.src.Subject, subjectHostsErr(hs))
			continue
		}
		if r.peer.kind != peerPods {
			continue
		}
		if hs := b.hostsWhere(r.peer.pods.matches); hs != "" {
			b.peerHosts(r, what, hs)
		}
	}
	b.checkNodeReach()
}

// hostsWhere names the host-network pods f holds for, "" when none.
func (b *builder) hostsWhere(f func(*endpoint) bool) string {
	var ids []string
	for _, h := range b.hosts {
		if f(h) {
			ids = append(ids, h.ID())
		}
	}
	return strings.Join(ids, ", ")
}

func subjectHostsErr(hosts string) error {
	return kit.Hinted(fmt.Errorf("%w: the subject selects host-network pod(s) %s, whose traffic is their node's; "+
		"a ruleset cannot enforce their policy without enforcing it on all of the node's traffic", ErrHostNetwork, hosts),
		"leave host-network pods out of the subject (they need the node's own firewall), or run them without hostNetwork")
}

// peerHosts refuses, or narrows, a rule whose pod peer selects
// host-network pods.
func (b *builder) peerHosts(r *rule, what, hosts string) {
	effect := "it never admits them: the node's address is no pod's"
	if r.src.Direction == ir.Ingress {
		effect = "they reach its pods from their own node only"
	}
	if b.approx {
		b.res.Narrowed = append(b.res.Narrowed, kit.Warning{Origin: r.src.Origin, Message: fmt.Sprintf(
			"%s of %s/%s: the peer selects host-network pod(s) %s, whose traffic is their node's: %s",
			what, r.src.Subject.Namespace, r.src.Subject.Name, hosts, effect)})
		return
	}
	b.errs.Fail(r.src.Origin, what, r.src.Subject, kit.Hinted(fmt.Errorf(
		"%w: the peer selects host-network pod(s) %s, whose traffic is their node's, so the ruleset cannot match them by selector (%s)",
		ErrHostNetwork, hosts, effect),
		"name the nodes' addresses with an ipBlock, or keep host-network pods out of the selector; --allow-approximate leaves them out of the rule"))
}

// checkNodeReach refuses a pod restricted for ingress that the intents do
// not open to every host-network pod on every port: on the pod's node, a
// host-network pod's traffic is the node's, which reaches it on every
// port.
func (b *builder) checkNodeReach() {
	for _, p := range b.pods {
		origin, restricted := b.ingressRestriction(p)
		if !restricted {
			continue
		}
		var short []string
		for _, h := range b.hosts {
			if got := b.intentsReach(h, p); !got.Equal(portset.All()) {
				allowed := "nothing"
				if !got.IsEmpty() {
					allowed = "only " + got.String()
				}
				short = append(short, h.ID()+" ("+allowed+")")
			}
		}
		if len(short) == 0 {
			continue
		}
		b.errs.At(origin, kit.Hinted(fmt.Errorf(
			"%s: %w: host-network pod(s) %s reach %s from its node on every port, but the intents allow them less: "+
				"a host-network pod's traffic is its node's, and the ruleset never filters a node's traffic to its own pods, "+
				"as NetworkPolicy requires (kubelet probes)", name, ErrHostNetwork, strings.Join(short, ", "), p.ID()),
			"allow the nodes' addresses (an ipBlock) to "+p.ID()+" on every port, or run those pods without hostNetwork"))
	}
}

// ingressRestriction tells whether the ruleset restricts traffic to pod p
// (an ingress isolation or deny rule selects it) and where the first
// intent doing so is.
func (b *builder) ingressRestriction(p *endpoint) (ir.Origin, bool) {
	for _, iso := range b.isos {
		if iso.src.Direction == ir.Ingress && iso.subject.matches(p) {
			return iso.src.Origin, true
		}
	}
	for _, r := range b.rules {
		if r.src.Direction == ir.Ingress && r.src.Action == ir.Deny && r.subject.matches(p) {
			return r.src.Origin, true
		}
	}
	return ir.Origin{}, false
}

// intentsReach is what the intents let host-network pod h open to pod p,
// read as NetworkPolicy reads a pod (selectors match it, ipBlocks match
// its addresses): every port unless p is isolated for ingress, else what
// p's rules admit from h; less what deny rules deny. h itself is never
// restricted (a subject selecting it is refused).
func (b *builder) intentsReach(h, p *endpoint) portset.Set {
	isolated := false
	for _, iso := range b.isos {
		isolated = isolated || (iso.src.Direction == ir.Ingress && iso.subject.matches(p))
	}
	allowed := portset.All()
	if isolated {
		allowed = portset.Set{}
	}
	var denied portset.Set
	for i := range b.rules {
		r := &b.rules[i]
		if r.src.Direction != ir.Ingress || !r.subject.matches(p) || !r.peer.matches(h) {
			continue
		}
		if r.src.Action == ir.Deny {
			denied = denied.Union(r.portsOn(p))
		} else {
			allowed = allowed.Union(r.portsOn(p))
		}
	}
	return allowed.Subtract(denied)
}

// portsOn are the ports a rule names, resolved on destination e.
func (r *rule) portsOn(e *endpoint) portset.Set {
	if r.ports.any {
		return portset.All()
	}
	return r.ports.fixed.Union(resolve(r.ports.named, e.Ports))
}
