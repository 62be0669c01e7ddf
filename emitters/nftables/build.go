package nftables

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// Errors wrapped by Build, for errors.Is.
var (
	// ErrUnsupported marks an IR element nftables cannot enforce exactly,
	// such as an FQDN peer or a Pass rule.
	ErrUnsupported = kit.Unsupported("cannot be expressed as an nftables ruleset")
	// ErrNoPodIPs marks endpoints whose pod IPs are unknown: nftables
	// matches addresses, so it cannot enforce anything for them.
	ErrNoPodIPs = kit.Unsupported("pod IPs unknown")
)

// endpoint is an inventory endpoint prepared for matching.
type endpoint struct {
	inventory.Endpoint
	nsLabels labels.Set
	ips      []netip.Addr // unmapped, sorted, distinct
}

// rule is a compiled IR rule.
type rule struct {
	src     ir.Rule
	subject podSelector
	peer    peer
	ports   portSpec
	named   [][]nftapi.Match // egress named-port matches, once computed
}

// isolation is a compiled IR isolation.
type isolation struct {
	src     ir.Isolation
	subject podSelector
}

// builder holds the state of one Build.
type builder struct {
	eps   []*endpoint // sorted by ID
	rules []rule
	isos  []isolation
	sets  map[string]*nftapi.Set // by name
	owner map[string]string      // pod set name → selector key, to keep names unique
	cache map[string]string      // see memo
	errs  *kit.Errors
}

// Build compiles p into a ruleset enforcing it on the endpoints of inv.
// Every endpoint needs a known IP. All errors found are returned as one
// diag.List, each at the position of the intent that caused it (problems
// of the inventory have none, and stop the build before the intents are
// read); on error no ruleset is returned.
func Build(p *ir.Policy, inv inventory.Inventory) (*nftapi.Ruleset, error) {
	b := &builder{sets: map[string]*nftapi.Set{}, owner: map[string]string{}, cache: map[string]string{},
		errs: kit.NewErrors(Name)}
	if b.endpoints(inv); b.errs.Len() > 0 {
		return nil, b.errs.Err()
	}
	if p == nil {
		p = &ir.Policy{}
	}
	b.compile(p)
	if err := b.errs.Err(); err != nil {
		return nil, err
	}
	rs := &nftapi.Ruleset{Table: TableName, Comment: "netpolc: NetworkPolicy intents enforced per pod"}
	egress, ingress := b.chains(ir.Egress), b.chains(ir.Ingress)
	rs.Chains = append(baseChains(), append(egress.chains, ingress.chains...)...)
	slices.SortStableFunc(rs.Chains[len(baseChains()):], func(a, b nftapi.Chain) int { return cmp.Compare(a.Name, b.Name) })
	rs.Maps = []nftapi.Map{egress.dispatch, ingress.dispatch}
	for _, s := range kit.SortedValues(b.sets) {
		rs.Sets = append(rs.Sets, *s)
	}
	return rs, nil
}

// endpoints prepares the inventory: every endpoint needs an IP, and no IP
// may belong to two endpoints.
func (b *builder) endpoints(inv inventory.Inventory) {
	var missing []string
	owner := map[netip.Addr]string{}
	var dups []string
	for _, ep := range inv.Endpoints {
		e := &endpoint{Endpoint: ep, nsLabels: labels.Set(inv.Namespace(ep.Namespace).Labels)}
		for _, ip := range ep.IPs {
			e.ips = append(e.ips, ip.Unmap())
		}
		slices.SortFunc(e.ips, netip.Addr.Compare)
		e.ips = slices.Compact(e.ips)
		if len(e.ips) == 0 {
			missing = append(missing, ep.ID())
		}
		for _, ip := range e.ips {
			if other, taken := owner[ip]; taken && other != ep.ID() {
				dups = append(dups, fmt.Sprintf("%s is both %s and %s", ip, other, ep.ID()))
			}
			owner[ip] = ep.ID()
		}
		b.eps = append(b.eps, e)
	}
	slices.SortFunc(b.eps, func(x, y *endpoint) int { return strings.Compare(x.ID(), y.ID()) })
	if len(missing) > 0 {
		slices.Sort(missing)
		b.errs.Add(kit.Hinted(fmt.Errorf("%w for %s: the ruleset matches pod addresses, so every pod needs one",
			ErrNoPodIPs, strings.Join(missing, ", ")), noPodIPsHint))
	}
	if len(dups) > 0 {
		slices.Sort(dups)
		b.errs.Add(fmt.Errorf("%w inventory: %s", kit.ErrInvalid, strings.Join(dups, "; ")))
	}
}

// noPodIPsHint names the two places pod IPs come from: the build's
// --inventory (Pods' status.podIPs) or, without it, the workloads' ips in
// the intents.
const noPodIPsHint = "pass the cluster's Pods (with status.podIPs) via --inventory (or inventory: in netpolc.yaml), or give the workloads ips in the intents"

// compile validates and compiles the isolations and rules. Every ipBlock
// becomes a set right away, whether or not a pod's chain ends up using it,
// so the ruleset's networks split the address space as the intents' do.
func (b *builder) compile(p *ir.Policy) {
	for _, iso := range p.Isolations {
		what := kit.Lower(iso.Direction) + " isolation"
		if _, ok := kit.DirIndex(iso.Direction); !ok {
			b.errs.Fail(iso.Origin, what, iso.Subject, fmt.Errorf("%w direction %q", kit.ErrInvalid, iso.Direction))
			continue
		}
		sel, err := subjectSelector(iso.Subject)
		if err != nil {
			b.errs.Fail(iso.Origin, what, iso.Subject, err)
			continue
		}
		b.isos = append(b.isos, isolation{src: iso, subject: sel})
	}
	// Rules in the order of their intents, ties (rules at one position,
	// as a template expands them) by their canonical JSON, so output does
	// not depend on the order of the IR.
	rules := slices.Clone(p.Rules)
	slices.SortStableFunc(rules, func(x, y ir.Rule) int {
		return cmp.Or(kit.CompareOrigins(x.Origin, y.Origin), strings.Compare(kit.JSONKey(x), kit.JSONKey(y)))
	})
	for _, r := range rules {
		b.compileRule(r)
	}
}

func (b *builder) compileRule(r ir.Rule) {
	what := kit.Lower(r.Direction) + " rule"
	var errs []error
	if _, ok := kit.DirIndex(r.Direction); !ok {
		errs = append(errs, fmt.Errorf("%w direction %q", kit.ErrInvalid, r.Direction))
	}
	switch r.Action {
	case ir.Allow, ir.Deny, "":
	default:
		errs = append(errs, fmt.Errorf("action %q: %w (the IR has no tiers to pass between)", r.Action, ErrUnsupported))
	}
	subject, err := subjectSelector(r.Subject)
	if err != nil {
		errs = append(errs, err)
	}
	pe, perrs := compilePeer(r.Subject.Namespace, r.Peer)
	ports, porterrs := compilePorts(r.Ports)
	if errs = append(append(errs, perrs...), porterrs...); len(errs) > 0 {
		b.errs.Fail(r.Origin, what, r.Subject, errs...)
		return
	}
	b.name(&pe, r.Peer)
	b.rules = append(b.rules, rule{src: r, subject: subject, peer: pe, ports: ports})
}

// baseChains hook the forward path (pod to pod, pod to and from the
// outside) and the input path (pod to node) into enforce.
func baseChains() []nftapi.Chain {
	jump := []nftapi.Rule{{Verdict: nftapi.Verdict{Kind: nftapi.Jump, Chain: enforceChain}}}
	return []nftapi.Chain{
		{Name: "forward", Base: &nftapi.BaseChain{Type: "filter", Hook: nftapi.HookForward, Policy: nftapi.Accept}, Rules: jump},
		{Name: "input", Base: &nftapi.BaseChain{Type: "filter", Hook: nftapi.HookInput, Policy: nftapi.Accept}, Rules: jump},
		{Name: enforceChain, Rules: []nftapi.Rule{
			{Matches: []nftapi.Match{nftapi.CtState{States: []string{"established", "related"}}}, Verdict: nftapi.Verdict{Kind: nftapi.Accept},
				Comment: "replies and ICMP errors of allowed connections"},
			{Matches: []nftapi.Match{nftapi.ICMPv6Type{Types: []string{"nd-router-solicit", "nd-router-advert",
				"nd-neighbor-solicit", "nd-neighbor-advert"}}}, Verdict: nftapi.Verdict{Kind: nftapi.Accept},
				Comment: "IPv6 neighbour discovery"},
			{Verdict: nftapi.Verdict{Kind: nftapi.VMap, Map: "egress", Key: nftapi.SAddr}, Comment: "the source pod's egress rules"},
			{Verdict: nftapi.Verdict{Kind: nftapi.VMap, Map: "ingress", Key: nftapi.DAddr}, Comment: "the destination pod's ingress rules"},
		}},
	}
}

const enforceChain = "enforce"
