package nftables

import (
	"fmt"
	"slices"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
	"github.com/netpolc/netpolc/internal/ir"
)

// The platform layer in a pod's chain, in the model's order
// (enforcer/eval.go evalDir): the admin part — the IR's deny rules and the
// admin intents' rules that select the pod, in the order of
// orderAdmin, Allow as the direction's allow verdict, Deny as drop, Pass
// as a goto to the pod's second chain holding the rest (so the admin
// rules after it are skipped) — then the teams' part: for a pod a team
// isolates its allows and drop, for any other pod the baseline intents'
// rules in order, falling off the chain (allowed) when none matches. A
// chain entered by goto from the verdict map returns to the base chain,
// so an egress allow (return) goes on to the destination's ingress rules
// from either chain.
//
// Host-network pods (hostnet.go) and pods the ruleset does not list
// (podnets.go) are treated as for the teams' rules, with every tier's
// rules in their analyses.

// passChain stands for the pod's second chain in a Pass verdict until
// the chain is named (chains).
const passChain = "\x00teams"

// compileCluster compiles the cluster-wide intents, admin and baseline
// (p.Cluster is sorted by tier, priority and name: evaluation order),
// and orders the admin part.
func (b *builder) compileCluster(p *ir.Policy) {
	var admin []adminPolicy
	for _, cp := range p.Cluster {
		rules, ok := b.clusterRules(cp)
		switch {
		case !ok:
		case cp.Tier == ir.TierAdmin:
			admin = append(admin, adminPolicy{priority: cp.Priority, rules: rules})
		default:
			b.baseline = append(b.baseline, rules...)
		}
	}
	b.admin = orderAdmin(admin, b.rules)
}

// adminPolicy is the compiled rules of one admin intent.
type adminPolicy struct {
	priority int32
	rules    []rule
}

// orderAdmin lists the admin part in the model's order. The model reads
// an IR deny rule as an admin-tier policy of priority 0 of the rule's
// namespace (enforcer/fromir.go irRule) and orders the admin tier by
// priority, then namespace and name (enforcer/model.go comparePolicies);
// an admin intent has no namespace. So the IR's deny rules, all drops
// and so in any order among themselves, come after the admin intents of
// priority 0 and before the others. (An IR rule without a namespace
// selects no pod, so its place does not matter.)
func orderAdmin(admin []adminPolicy, irRules []rule) []rule {
	var out []rule
	i := 0
	for ; i < len(admin) && admin[i].priority <= 0; i++ {
		out = append(out, admin[i].rules...)
	}
	for _, r := range irRules {
		if r.src.Action == ir.Deny {
			out = append(out, r)
		}
	}
	for ; i < len(admin); i++ {
		out = append(out, admin[i].rules...)
	}
	return out
}

// clusterRules compiles the rules of one cluster-wide intent; false when
// its subject is invalid.
func (b *builder) clusterRules(cp ir.ClusterPolicy) ([]rule, bool) {
	nsSel, err := compileSelector(&cp.Subject.Namespaces)
	pods, perr := compileSelector(&cp.Subject.Pods)
	if err != nil || perr != nil {
		b.errs.At(cp.Origin, fmt.Errorf("%s intent %q: subject: %w", cp.Tier, cp.Name, kit.ErrInvalid))
		return nil, false
	}
	subject := podSelector{nsSel: nsSel, pods: pods}
	var out []rule
	for _, cr := range cp.Rules {
		r := ir.Rule{Subject: ir.Subject{Name: string(cp.Tier) + " " + cp.Name}, Direction: cr.Direction,
			Peer: cr.Peer, Ports: cr.Ports, Action: cr.Action, Origin: cr.Origin}
		compiled := rule{src: r, subject: subject, tier: cp.Tier, intent: cp.Name}
		pe, errs := compilePeer("", cr.Peer)
		ports, perrs := compilePorts(cr.Ports)
		if _, ok := kit.DirIndex(cr.Direction); !ok {
			errs = append(errs, fmt.Errorf("%w direction %q", kit.ErrInvalid, cr.Direction))
		}
		if errs = append(errs, perrs...); len(errs) > 0 {
			for _, err := range errs {
				b.fail(&compiled, err)
			}
			continue
		}
		b.name(&pe, cr.Peer)
		compiled.peer, compiled.ports = pe, ports
		out = append(out, compiled)
	}
	return out, true
}

// what names a rule in messages: an IR rule by its direction (kit.Errors
// adds the subject), a cluster-wide intent's rule by its action,
// direction, tier and intent.
func (r *rule) what() string {
	if r.tier == "" {
		return kit.Lower(r.src.Direction) + " rule"
	}
	return fmt.Sprintf("%s %s rule of %s intent %q", r.src.Action, kit.Lower(r.src.Direction), r.tier, r.intent)
}

// label is what plus the subject of an IR rule, for warnings.
func (r *rule) label() string {
	if r.tier == "" {
		return fmt.Sprintf("%s of %s/%s", r.what(), r.src.Subject.Namespace, r.src.Subject.Name)
	}
	return r.what()
}

// fail records err at rule r's line.
func (b *builder) fail(r *rule, err error) {
	if r.tier == "" {
		b.errs.Fail(r.src.Origin, r.what(), r.src.Subject, err)
		return
	}
	b.errs.At(r.src.Origin, fmt.Errorf("%s: %w", r.what(), err))
}

// narrow records that rule r is enforced more narrowly, at its line.
func (b *builder) narrow(r *rule, msg string) {
	b.res.Narrowed = append(b.res.Narrowed, kit.Warning{Origin: r.src.Origin, Message: r.label() + ": " + msg})
}

// clusterRulesAll are the cluster-wide intents' rules, admin then
// baseline (the IR's own rules are b.rules).
func (b *builder) clusterRulesAll() []*rule {
	var out []*rule
	for i := range b.admin {
		if b.admin[i].tier != "" {
			out = append(out, &b.admin[i])
		}
	}
	for i := range b.baseline {
		out = append(out, &b.baseline[i])
	}
	return out
}

// allRules are the IR's rules and the cluster-wide intents' rules.
func (b *builder) allRules() []*rule {
	out := make([]*rule, 0, len(b.rules)+len(b.admin)+len(b.baseline))
	for i := range b.rules {
		out = append(out, &b.rules[i])
	}
	return append(out, b.clusterRulesAll()...)
}

// warnUnlisted warns, at the first cluster-wide intent, that pods the
// inventory does not list are not covered, unless pod networks are
// declared (podnets.go then drops them where anything is restricted) or
// checkPodNetworks said so already.
func (b *builder) warnUnlisted(p *ir.Policy) {
	if len(p.Cluster) == 0 || len(b.podNets) > 0 ||
		slices.ContainsFunc(b.res.Warnings, func(w kit.Warning) bool { return w.Message == noPodCIDRsWarning }) {
		return
	}
	b.res.Warnings = append(b.res.Warnings, kit.Warning{Origin: p.Cluster[0].Origin, Message: noPodCIDRsWarning})
}

// tierRules renders the rules of a tier that select e in direction d, in
// order: Allow as allow, Deny as drop, Pass as pass. cluster tells
// whether a cluster-wide intent's rule is among them.
func (b *builder) tierRules(tier []rule, e *endpoint, d ir.Direction, allow, pass nftapi.Verdict) (out []nftapi.Rule, cluster bool) {
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
		rendered := b.render(r, e, v)
		cluster = cluster || (r.tier != "" && len(rendered) > 0)
		out = append(out, rendered...)
	}
	return out, cluster
}

// podRules are the rules of pod e's chain in direction d, and of its
// second chain (the teams' part after the admin rules, when an admin
// intent's rule selects the pod); nil when the pod needs no chain.
// Without admin intents' rules, the IR's deny rules simply come first.
func (b *builder) podRules(e *endpoint, d ir.Direction) (main, teams []nftapi.Rule) {
	allow := allowVerdict(d)
	rest := b.endpointRules(e, d)
	pass := nftapi.Verdict{Kind: nftapi.Return}
	if len(rest) > 0 {
		pass = nftapi.Verdict{Kind: nftapi.Goto, Chain: passChain}
	}
	admin, cluster := b.tierRules(b.admin, e, d, allow, pass)
	admin = dedupe(admin)
	switch {
	case !cluster:
		return append(admin, rest...), nil
	case len(rest) == 0:
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
