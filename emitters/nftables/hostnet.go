package nftables

import (
	"fmt"
	"slices"
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
//   - a subject that selects one is refused: nothing could enforce it —
//     except an Allow or Pass rule of a cluster-wide intent: the model
//     denies a host-network pod nothing unless a Deny selects it (no
//     team's policy may), and the ruleset lets all of its traffic
//     through, so only such a Deny is refused;
//   - a pod peer that selects one is refused: the ruleset cannot match it
//     by selector — an allow rule is narrowed with --allow-approximate
//     (not matching an allow only ever decides less traffic as allowed),
//     a Deny or Pass never is (not matching them decides more);
//   - a pod restricted for ingress must admit them on every port: the
//     node's own traffic to its pods is never filtered (NetworkPolicy
//     requires it), so on its node a host-network pod reaches every pod;
//     what the intents admit is decided in the model's order, every tier
//     included (nodeReach).

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
	for _, r := range b.allRules() {
		if r.tier == "" || r.src.Action == ir.Deny {
			if hs := b.hostsWhere(r.subject.matches); hs != "" {
				b.fail(r, b.subjectErr(r, hs))
				continue
			}
		}
		if r.peer.kind != peerPods {
			continue
		}
		if hs := b.hostsWhere(r.peer.pods.matches); hs != "" {
			b.peerHosts(r, hs)
		}
	}
	b.checkNodeReach()
}

// subjectErr is the refusal of a rule whose subject selects host-network
// pods.
func (b *builder) subjectErr(r *rule, hosts string) error {
	if r.tier == "" {
		return subjectHostsErr(hosts)
	}
	return kit.Hinted(fmt.Errorf("%w: the subject selects host-network pod(s) %s, whose traffic is their node's: "+
		"the ruleset never filters a node's own traffic (nor traffic to the node), so it cannot deny theirs", ErrHostNetwork, hosts),
		"leave host-network pods out of the subject (a namespace or pod selector that does not select them; "+
			"their traffic needs the node's own firewall)")
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
// host-network pods. Only an allow is narrowed: a Deny or Pass that does
// not match them leaves their traffic to later rules, which may allow it.
func (b *builder) peerHosts(r *rule, hosts string) {
	effect := "it never admits them: the node's address is no pod's"
	if r.src.Direction == ir.Ingress {
		effect = "they reach its pods from their own node only"
	}
	deciding := r.src.Action == ir.Deny || r.src.Action == ir.Pass
	if deciding {
		effect = "missing them, it leaves their traffic to the rules after it, which may allow what it decides otherwise"
	}
	if b.approx && !deciding {
		b.narrow(r, fmt.Sprintf("the peer selects host-network pod(s) %s, whose traffic is their node's: %s", hosts, effect))
		return
	}
	hint := "name the nodes' addresses with an ipBlock, or keep host-network pods out of the selector; --allow-approximate leaves them out of the rule"
	if deciding {
		hint = "name the nodes' addresses with an ipBlock, or keep host-network pods out of the selector " +
			"(--allow-approximate does not apply: the ruleset would allow more)"
	}
	b.fail(r, kit.Hinted(fmt.Errorf(
		"%w: the peer selects host-network pod(s) %s, whose traffic is their node's, so the ruleset cannot match them by selector (%s)",
		ErrHostNetwork, hosts, effect), hint))
}

// checkNodeReach refuses a pod the intents do not open to every
// host-network pod on every port: on the pod's node, a host-network pod's
// traffic is the node's, which reaches it on every port.
func (b *builder) checkNodeReach() {
	for _, p := range b.pods {
		var short []string
		for _, h := range b.hosts {
			if got := b.nodeReach(h, p); !got.Equal(portset.All()) {
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
		b.errs.At(b.ingressRestriction(p), kit.Hinted(fmt.Errorf(
			"%s: %w: host-network pod(s) %s reach %s from its node on every port, but the intents allow them less: "+
				"a host-network pod's traffic is its node's, and the ruleset never filters a node's traffic to its own pods, "+
				"as NetworkPolicy requires (kubelet probes)", name, ErrHostNetwork, strings.Join(short, ", "), p.ID()),
			"allow the nodes' addresses (an ipBlock) to "+p.ID()+" on every port (with a cluster-wide intent, an admin Allow before its other rules), "+
				"or run those pods without hostNetwork"))
	}
}

// ingressRestriction is where the first intent restricting traffic to pod
// p is: an ingress isolation selecting it, else a deny rule of any tier.
func (b *builder) ingressRestriction(p *endpoint) ir.Origin {
	for _, iso := range b.isos {
		if iso.src.Direction == ir.Ingress && iso.subject.matches(p) {
			return iso.src.Origin
		}
	}
	for _, r := range append(slices.Clone(b.admin), b.baseline...) {
		if r.src.Direction == ir.Ingress && r.src.Action == ir.Deny && r.subject.matches(p) {
			return r.src.Origin
		}
	}
	return ir.Origin{}
}

// nodeReach is what the intents let host-network pod h open to pod p,
// read as the model reads a pod (selectors match it, ipBlocks match its
// addresses) and decided in its order (enforcer/eval.go evalDir): the
// admin part first rule first, then, for what it passes or leaves
// undecided, p's teams' allows when a team isolates p, else the baseline,
// and what is still undecided is allowed. h itself is never restricted
// (a subject selecting it is refused where it matters).
func (b *builder) nodeReach(h, p *endpoint) portset.Set {
	st := b.ordered(b.admin, h, p, portset.All())
	rest := st.undecided.Union(st.passed)
	isolated := slices.ContainsFunc(b.isos, func(iso isolation) bool {
		return iso.src.Direction == ir.Ingress && iso.subject.matches(p)
	})
	if isolated {
		var teams portset.Set
		for i := range b.rules {
			r := &b.rules[i]
			if r.src.Direction == ir.Ingress && r.src.Action != ir.Deny && r.subject.matches(p) && r.peer.matches(h) {
				teams = teams.Union(r.portsOn(p))
			}
		}
		return st.allowed.Union(teams.Intersect(rest))
	}
	bst := b.ordered(b.baseline, h, p, rest)
	return st.allowed.Union(bst.allowed).Union(bst.undecided).Union(bst.passed)
}

// decided tracks a first-match tier: the ports still undecided, and those
// allowed or passed on so far.
type decided struct{ undecided, allowed, passed portset.Set }

// ordered decides, rule after rule, the ports of query that the ingress
// rules of tier selecting p match for the peer h.
func (b *builder) ordered(tier []rule, h, p *endpoint, query portset.Set) decided {
	st := decided{undecided: query}
	for i := range tier {
		r := &tier[i]
		if r.src.Direction != ir.Ingress || !r.subject.matches(p) || !r.peer.matches(h) {
			continue
		}
		hit := r.portsOn(p).Intersect(st.undecided)
		st.undecided = st.undecided.Subtract(hit)
		switch r.src.Action {
		case ir.Allow, "":
			st.allowed = st.allowed.Union(hit)
		case ir.Pass:
			st.passed = st.passed.Union(hit)
		}
	}
	return st
}

// portsOn are the ports a rule names, resolved on destination e.
func (r *rule) portsOn(e *endpoint) portset.Set {
	if r.ports.any {
		return portset.All()
	}
	return r.ports.fixed.Union(resolve(r.ports.named, e.Ports))
}
