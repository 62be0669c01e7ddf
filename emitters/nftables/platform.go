package nftables

import (
	"fmt"
	"slices"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
	"github.com/netpolc/netpolc/internal/ir"
)

// The platform layer in a pod's chain, in the model's order
// (enforcer/eval.go evalDir): the admin intents' rules that select the
// pod, by priority and in order — Allow as the direction's allow verdict,
// Deny as drop, Pass as a goto to the pod's second chain holding the rest
// (so the admin rules after it are skipped) — then the teams' part: for a
// pod a team isolates its allows and drop, for any other pod the
// baseline intents' rules in order, falling off the chain (allowed) when
// none matches. A chain entered by goto from the verdict map returns to
// the base chain, so an egress allow (return) goes on to the
// destination's ingress rules from either chain.

// passChain stands for the pod's second chain in a Pass verdict until
// the chain is named (chains).
const passChain = "\x00teams"

// compileCluster compiles the cluster-wide intents, admin and baseline
// (p.Cluster is sorted by tier, priority and name: evaluation order).
func (b *builder) compileCluster(p *ir.Policy) {
	if len(p.Cluster) == 0 {
		return
	}
	if why := b.clusterRefusal(p); why != "" {
		for _, cp := range p.Cluster {
			b.errs.At(cp.Origin, kit.Hinted(fmt.Errorf("%s intent %q is cluster-wide, and %s: %w", cp.Tier, cp.Name, why, ErrUnsupported),
				"build the platform layer with the adminpolicy or calico target"))
		}
		return
	}
	for _, cp := range p.Cluster {
		nsSel, err := compileSelector(&cp.Subject.Namespaces)
		pods, perr := compileSelector(&cp.Subject.Pods)
		if err != nil || perr != nil {
			b.errs.At(cp.Origin, fmt.Errorf("%s intent %q: subject: %w", cp.Tier, cp.Name, kit.ErrInvalid))
			continue
		}
		subject := podSelector{nsSel: nsSel, pods: pods}
		for _, cr := range cp.Rules {
			r := ir.Rule{Subject: ir.Subject{Name: string(cp.Tier) + " " + cp.Name}, Direction: cr.Direction,
				Peer: cr.Peer, Ports: cr.Ports, Action: cr.Action, Origin: cr.Origin}
			what := fmt.Sprintf("%s %s rule of %s intent %q", cr.Action, kit.Lower(cr.Direction), cp.Tier, cp.Name)
			pe, errs := compilePeer("", cr.Peer)
			ports, perrs := compilePorts(cr.Ports)
			if _, ok := kit.DirIndex(cr.Direction); !ok {
				errs = append(errs, fmt.Errorf("%w direction %q", kit.ErrInvalid, cr.Direction))
			}
			if errs = append(errs, perrs...); len(errs) > 0 {
				for _, err := range errs {
					b.errs.At(cr.Origin, fmt.Errorf("%s: %w", what, err))
				}
				continue
			}
			b.name(&pe, cr.Peer)
			compiled := rule{src: r, subject: subject, peer: pe, ports: ports}
			if cp.Tier == ir.TierAdmin {
				b.admin = append(b.admin, compiled)
			} else {
				b.baseline = append(b.baseline, compiled)
			}
		}
	}
}

// warnUnlisted warns, at the first cluster-wide intent, that pods the
// inventory does not list are not covered, unless the teams' rules made
// checkPodNetworks say so already.
func (b *builder) warnUnlisted(p *ir.Policy) {
	if len(p.Cluster) == 0 || slices.ContainsFunc(b.res.Warnings, func(w kit.Warning) bool { return w.Message == noPodCIDRsWarning }) {
		return
	}
	b.res.Warnings = append(b.res.Warnings, kit.Warning{Origin: p.Cluster[0].Origin, Message: noPodCIDRsWarning})
}

// clusterRefusal says why the platform layer cannot be enforced with
// this build's inventory and intents, "" when it can: host-network pods
// and declared pod networks (whose analyses, hostnet.go and podnets.go,
// read the teams' rules only), and the IR's own deny rules (admin-layer
// denies whose order among the admin intents the IR does not give).
func (b *builder) clusterRefusal(p *ir.Policy) string {
	switch {
	case len(b.hosts) > 0:
		return "the inventory has host-network pods, whose traffic is their node's (the ruleset does not order the platform layer around them)"
	case len(p.PodCIDRs) > 0:
		return "cluster.podCIDRs is declared (the ruleset does not drop unlisted pod addresses under the platform layer)"
	}
	for _, r := range p.Rules {
		if r.Action == ir.Deny {
			return "the intents have deny rules of their own, whose order among the admin intents is not given"
		}
	}
	return ""
}

// tierRules renders the rules of a tier that select e in direction d, in
// order: Allow as allow, Deny as drop, Pass as pass.
func (b *builder) tierRules(tier []rule, e *endpoint, d ir.Direction, allow, pass nftapi.Verdict) []nftapi.Rule {
	var out []nftapi.Rule
	for i := range tier {
		r := &tier[i]
		if r.src.Direction != d || !r.subject.matches(e) {
			continue
		}
		v := allow
		switch r.src.Action {
		case ir.Deny:
			v = nftapi.Verdict{Kind: nftapi.Drop}
		case ir.Pass:
			v = pass
		}
		out = append(out, b.render(r, e, v)...)
	}
	return out
}

// podRules are the rules of pod e's chain in direction d, and of its
// second chain (the teams' part after the admin rules, when an admin
// rule passes to it); nil when the pod needs no chain.
func (b *builder) podRules(e *endpoint, d ir.Direction) (main, teams []nftapi.Rule) {
	allow := allowVerdict(d)
	rest := b.endpointRules(e, d)
	pass := nftapi.Verdict{Kind: nftapi.Return}
	if len(rest) > 0 {
		pass = nftapi.Verdict{Kind: nftapi.Goto, Chain: passChain}
	}
	admin := dedupe(b.tierRules(b.admin, e, d, allow, pass))
	if len(admin) == 0 {
		return rest, nil
	}
	if len(rest) == 0 {
		return admin, nil
	}
	return append(admin, nftapi.Rule{Verdict: pass, Comment: "on to the teams' policies and the baseline"}), rest
}

// allowVerdict is the verdict of an allow in direction d: accept on
// ingress, return on egress (on to the destination's ingress rules).
func allowVerdict(d ir.Direction) nftapi.Verdict {
	if d == ir.Egress {
		return nftapi.Verdict{Kind: nftapi.Return}
	}
	return nftapi.Verdict{Kind: nftapi.Accept}
}

// named sets the second chain's name in the Pass verdicts of rules.
func named(rules []nftapi.Rule, chain string) []nftapi.Rule {
	out := make([]nftapi.Rule, len(rules))
	for i, r := range rules {
		if r.Verdict.Kind == nftapi.Goto && r.Verdict.Chain == passChain {
			r.Verdict.Chain = chain
		}
		out[i] = r
	}
	return out
}
