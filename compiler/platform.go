package compiler

import (
	"fmt"
	"slices"
	"strings"

	"cuelang.org/go/cue"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// The platform layer (schema #Platform): cluster-wide intents in the admin
// and baseline tiers, compiled into ir.ClusterPolicy. The meaning of the
// tiers is the admin network policy API's (network-policy-api
// apis/v1alpha2/clusternetworkpolicy_types.go: Admin before NetworkPolicy,
// Baseline after it; within a tier, lower priority first; within a
// policy, the first matching rule decides).

var (
	platformFields       = fieldSet("admin", "baseline")
	clusterIntentFields  = fieldSet("priority", "subject", "ingress", "egress", "caveat")
	clusterSubjectFields = fieldSet("namespaces", "namespaceSelector", "podSelector")
	clusterIngressFields = fieldSet("action", "from", "ports")
	clusterEgressFields  = fieldSet("action", "to", "ports")
)

// maxPriority is the admin API's highest priority (v1alpha2 and v1alpha1:
// 0–1000).
const maxPriority = 1000

// platform compiles a `platform` struct: the user's, or a template's
// output (via set).
func (c *compiler) platform(v *node, via ir.Origin) {
	m, ok := c.members(v, platformFields, via)
	if !ok {
		return
	}
	for _, tier := range []ir.Tier{ir.TierAdmin, ir.TierBaseline} {
		tv, has := m[string(tier)]
		if !has {
			continue
		}
		fields(tv, func(name string, iv *node) { c.clusterIntent(tier, name, iv, via) })
	}
}

// clusterIntent compiles one cluster-wide intent.
func (c *compiler) clusterIntent(tier ir.Tier, name string, v *node, via ir.Origin) {
	if !c.countPolicy(v, via) {
		return
	}
	m, ok := c.members(v, clusterIntentFields, via)
	if !ok {
		return
	}
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		c.errorAt(v, via, nameHint, "invalid %s intent name %q: %s", tier, name, strings.Join(errs, "; "))
		return
	}
	pol := ir.ClusterPolicy{Tier: tier, Name: name, Origin: c.origin(v, via)}
	if via.File != "" {
		// The intent's own line is inside the template; its path names it.
		pol.Origin.Path = intent.PathString(v.Path().String())
	}
	pv, has := m["priority"]
	if !has {
		c.errorAt(v, via, "set priority: 0 (first) to 1000 (last)", "a cluster-wide intent needs a priority")
		return
	}
	prio, ok := c.priority(pv, via)
	if !ok {
		return
	}
	pol.Priority = prio
	if sv, has := m["subject"]; has {
		if pol.Subject, ok = c.clusterSubject(sv, via); !ok {
			return
		}
	}
	pol.Caveat, _ = strOf(m["caveat"])
	for _, d := range []struct {
		dir        ir.Direction
		field, end string
		allowed    map[string]bool
	}{{ir.Ingress, "ingress", "from", clusterIngressFields}, {ir.Egress, "egress", "to", clusterEgressFields}} {
		rules, has := m[d.field]
		if !has {
			continue
		}
		c.elems(rules, func(_ int, rv *node) {
			pol.Rules = append(pol.Rules, c.clusterRule(tier, d.dir, d.end, d.allowed, rv, via)...)
		})
	}
	if prev, dup := c.clusterNames[string(tier)+"/"+name]; dup {
		c.errorAt(v, via, "rename one of them", "%s intent %q is also written at %s", tier, name, prev)
		return
	}
	c.clusterNames[string(tier)+"/"+name] = pol.Origin
	if pol.Caveat != "" {
		c.diags.Warn(pol.Origin.Pos, pol.Origin.Path, "", "%s intent %q: %s", tier, name, pol.Caveat)
	}
	c.out.Cluster = append(c.out.Cluster, pol)
}

// priority reads an intent's priority, 0 to 1000.
func (c *compiler) priority(v *node, via ir.Origin) (int32, bool) {
	v, _ = v.Default()
	n, err := v.Int64()
	switch {
	case err != nil || n < 0 || n > maxPriority:
		c.errorAt(v, via, "priorities run from 0 (decided first) to 1000 (last), as in the admin network policy API",
			"priority %v is out of range", v.val())
		return 0, false
	}
	return int32(n), true
}

// clusterSubject reads a subject: namespaces by name or selector (neither:
// all), and pods within them.
func (c *compiler) clusterSubject(v *node, via ir.Origin) (ir.ClusterSubject, bool) {
	var s ir.ClusterSubject
	m, ok := c.members(v, clusterSubjectFields, via)
	if !ok {
		return s, false
	}
	names, hasNames := m["namespaces"]
	sel, hasSel := m["namespaceSelector"]
	switch {
	case hasNames && hasSel:
		c.errorAt(sel, via, "keep one of them", "a subject selects namespaces by namespaces or namespaceSelector, not both")
		return s, false
	case hasNames:
		if s.NamespaceNames, ok = c.namespaceNames(names, via); !ok {
			return s, false
		}
		s.Namespaces = metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
			Key: inventory.MetadataNameLabel, Operator: metav1.LabelSelectorOpIn, Values: s.NamespaceNames}}}
	case hasSel:
		ns, ok := c.selector(sel, via)
		if !ok {
			return s, false
		}
		s.Namespaces = *ns
	}
	if pv, ok := m["podSelector"]; ok {
		pods, ok := c.selector(pv, via)
		if !ok {
			return s, false
		}
		s.Pods = *pods
	}
	return s, true
}

// namespaceNames reads a non-empty list of namespace names, sorted and
// without duplicates. They need not be declared: a platform intent may
// name namespaces the teams do not (kube-system, monitoring).
func (c *compiler) namespaceNames(v *node, via ir.Origin) ([]string, bool) {
	var out []string
	ok := true
	c.elems(v, func(_ int, nv *node) {
		s, _ := nv.String()
		if errs := validation.IsDNS1123Label(s); len(errs) > 0 {
			c.errorAt(nv, via, nameHint, "invalid namespace name %q: %s", s, strings.Join(errs, "; "))
			ok = false
		}
		out = append(out, s)
	})
	if ok && len(out) == 0 {
		c.errorAt(v, via, "omit namespaces to select every namespace", "an empty `namespaces` list selects nothing")
		return nil, false
	}
	slices.Sort(out)
	return slices.Compact(out), ok
}

// clusterRule compiles one rule of a cluster-wide intent into one IR rule
// per peer, in order (consecutive rules with one action and port set
// decide exactly as one rule with several peers).
func (c *compiler) clusterRule(tier ir.Tier, dir ir.Direction, end string, allowed map[string]bool, v *node, via ir.Origin) []ir.ClusterRule {
	m, ok := c.members(v, allowed, via)
	if !ok {
		return nil
	}
	av, hasAction := m["action"]
	if !hasAction {
		c.errorAt(v, via, `set action: "Allow", "Deny" or "Pass"`, "a cluster-wide rule needs an action")
		return nil
	}
	action, ok := c.action(tier, av, via)
	if !ok {
		return nil
	}
	pv, hasPeers := m[end]
	if !hasPeers {
		c.errorAt(v, via, "list the peers, e.g. [{namespace: \"monitoring\"}]", "a cluster-wide rule needs `%s`", end)
		return nil
	}
	pv, _ = pv.Default()
	if n := pv.length(); pv.IncompleteKind() != cue.ListKind || n == 0 {
		c.errorAt(pv, via, "list the peers, e.g. [{namespace: \"monitoring\"}]; write [{all: true}] for every peer",
			"`%s` must be a non-empty list of peers", end)
		return nil
	}
	var ports []ir.Port
	if portsV, has := m["ports"]; has {
		if n := portsV.length(); n == 0 {
			c.errorAt(portsV, via, "omit `ports` for every port", "an empty `ports` list is ambiguous")
			return nil
		}
		if ports, ok = c.ports(portsV, via); !ok {
			return nil
		}
	}
	var out []ir.ClusterRule
	c.elems(pv, func(_ int, peerV *node) {
		if !c.countRule(peerV, via) {
			return
		}
		peer, ok := c.clusterPeer(dir, peerV, via)
		if !ok {
			return
		}
		if peer.Kind == ir.PeerWorkload && dir == ir.Egress {
			w, _ := c.declaredWorkload(peer.Ref)
			c.checkNamedPorts(ports, w, peerV, via)
		}
		c.clusterRules++
		out = append(out, ir.ClusterRule{Direction: dir, Action: action, Peer: peer, Ports: ports, Origin: c.origin(peerV, via)})
	})
	return out
}

// action reads a rule's action; the baseline tier has no Pass (nothing
// comes after it to pass to).
func (c *compiler) action(tier ir.Tier, v *node, via ir.Origin) (ir.Action, bool) {
	s, _ := strOf(v)
	a := ir.Action(s)
	switch {
	case a == ir.Pass && tier == ir.TierBaseline:
		c.errorAt(v, via, "a baseline rule decides: use Allow or Deny (Pass belongs to the admin tier, where it hands the connection to the teams' policies)",
			"action Pass in the baseline tier")
		return "", false
	case a != ir.Allow && a != ir.Deny && a != ir.Pass:
		c.errorAt(v, via, `write "Allow", "Deny" or "Pass"`, "unknown action %q", s)
		return "", false
	}
	return a, true
}

// clusterPeer compiles a peer of a cluster-wide rule: today's peers,
// except those relative to a policy's own namespace, which a cluster-wide
// subject does not have.
func (c *compiler) clusterPeer(dir ir.Direction, v *node, via ir.Origin) (ir.Peer, bool) {
	m, ok := c.members(v, peerFieldSet, via)
	if !ok {
		return ir.Peer{}, false
	}
	_, hasPods := m["podSelector"]
	_, hasNS := m["namespace"]
	_, hasNSSel := m["namespaceSelector"]
	if hasPods && !hasNS && !hasNSSel {
		c.errorAt(v, via, "add namespace: \"NAME\" or namespaceSelector: {} (every namespace)",
			"a podSelector alone means the policy's own namespace, which a cluster-wide rule does not have")
		return ir.Peer{}, false
	}
	if w, has := m["workload"]; has {
		if ref, _ := strOf(w); !strings.Contains(ref, "/") {
			c.errorAt(w, via, fmt.Sprintf("write the namespace too: {workload: \"NAMESPACE/%s\"}", ref),
				"a cluster-wide rule has no namespace of its own, so workload %q needs one", ref)
			return ir.Peer{}, false
		}
	}
	peer, ok := c.peer("", v, via)
	if !ok {
		return ir.Peer{}, false
	}
	if peer.Kind == ir.PeerFQDN && dir == ir.Ingress {
		c.errorAt(v, via, "a DNS name can only be an egress destination", "fqdn peer %q in an ingress rule", peer.FQDN)
		return ir.Peer{}, false
	}
	return peer, true
}
