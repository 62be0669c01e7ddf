package enforcer

import (
	"fmt"

	"github.com/netpolc/netpolc/internal/ir"
)

// irClusterPolicy normalises one cluster-wide policy of the platform layer
// into the admin or baseline tier, the layers the admin API objects are
// read into (admin_v1alpha2.go): its subject across namespaces, its rules
// in order, each with its own action and origin. Nothing else differs, so
// one evaluator decides both (eval.go: the first matching rule of the
// tier decides, Pass hands the connection to the NetworkPolicy tier).
func irClusterPolicy(i int, cp ir.ClusterPolicy, e *errs) *policy {
	ref := PolicyRef{
		Kind: KindPlatformIntent, Name: cp.Name, Priority: cp.Priority,
		Source: cp.Origin.Pos, Origin: cp.Origin.String(),
	}
	field := fmt.Sprintf("cluster[%d]", i)
	switch cp.Tier {
	case ir.TierAdmin:
		ref.Layer = LayerAdmin
	case ir.TierBaseline:
		ref.Layer = LayerBaseline
	default:
		e.add(ref, field+".tier", fmt.Errorf("%w: unknown tier %q", ErrInvalid, cp.Tier))
		return nil
	}
	subject, err := acrossNamespaces(&cp.Subject.Namespaces, &cp.Subject.Pods)
	if err != nil {
		e.add(ref, field+".subject", err)
		return nil
	}
	pol := &policy{ref: ref, subject: subject}
	for j, r := range cp.Rules {
		if rr := irClusterRule(ref, r, len(pol.rules[dirOf(r.Direction)]), fmt.Sprintf("%s.rules[%d]", field, j), e); rr != nil {
			d := dirOf(r.Direction)
			pol.rules[d] = append(pol.rules[d], rr)
		}
	}
	return pol
}

// irClusterRule normalises one rule; index is its place among the
// policy's rules of its direction.
func irClusterRule(ref PolicyRef, r ir.ClusterRule, index int, field string, e *errs) *rule {
	if !tierAction(ref, r.Action, field, e) {
		return nil
	}
	switch {
	case r.Peer.Namespaces == nil && (r.Peer.Kind == ir.PeerPods || r.Peer.Kind == ir.PeerWorkload || r.Peer.Kind == ir.PeerDNS):
		e.add(ref, field+".peer", fmt.Errorf("%w: a cluster-wide pod peer without a namespace selector", ErrInvalid))
		return nil
	case r.Peer.Kind == ir.PeerFQDN && r.Direction != ir.Egress:
		e.add(ref, field+".peer", fmt.Errorf("%w: FQDN peer %q on ingress (a DNS name is a destination only)", ErrInvalid, r.Peer.FQDN))
		return nil
	}
	pe, ports, ok := irPeerPorts("", r.Peer, r.Ports, ref, field, e)
	if !ok {
		return nil
	}
	rr := RuleRef{Policy: ref, Direction: r.Direction, Index: index, Action: r.Action, Origin: r.Origin.String()}
	return &rule{ref: rr, peers: []peer{pe}, ports: ports}
}

// tierAction reports whether action may stand in ref's tier (Allow, Deny,
// or Pass in the admin tier: a baseline Pass has no tier after it to pass
// to), recording the problem at field when not.
func tierAction(ref PolicyRef, action ir.Action, field string, e *errs) bool {
	switch {
	case action != ir.Allow && action != ir.Deny && action != ir.Pass:
		e.add(ref, field+".action", fmt.Errorf("%w: action %q", ErrInvalid, action))
		return false
	case action == ir.Pass && ref.Layer == LayerBaseline:
		e.add(ref, field+".action", fmt.Errorf("%w: Pass in the baseline tier", ErrInvalid))
		return false
	}
	return true
}
