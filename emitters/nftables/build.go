package nftables

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/emitters/nftables/nftapi"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// Errors wrapped by Build, for errors.Is.
var (
	// ErrUnsupported marks an IR element nftables cannot enforce exactly,
	// such as an FQDN peer or a Pass rule.
	ErrUnsupported = kit.Unsupported("cannot be expressed as an nftables ruleset")
	// ErrInvalid marks a malformed IR element or inventory.
	ErrInvalid = kit.ErrInvalid
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
	errs  []located
}

// located is an error about the IR element at an origin.
type located struct {
	origin ir.Origin
	err    error
}

// Build compiles p into a ruleset enforcing it on the endpoints of inv.
// Every endpoint needs a known IP. All errors found are returned, joined
// and sorted, each prefixed by the origin of the intent that caused it; on
// error no ruleset is returned.
func Build(p *ir.Policy, inv inventory.Inventory) (*nftapi.Ruleset, error) {
	b := &builder{sets: map[string]*nftapi.Set{}, owner: map[string]string{}, cache: map[string]string{}}
	if err := b.endpoints(inv); err != nil {
		return nil, err
	}
	if p == nil {
		p = &ir.Policy{}
	}
	b.compile(p)
	if len(b.errs) > 0 {
		return nil, joinSorted(b.errs)
	}
	rs := &nftapi.Ruleset{Table: TableName, Comment: "netpolc: NetworkPolicy intents enforced per pod"}
	egress, ingress := b.chains(ir.Egress), b.chains(ir.Ingress)
	rs.Chains = append(baseChains(), append(egress.chains, ingress.chains...)...)
	slices.SortStableFunc(rs.Chains[len(baseChains()):], func(a, b nftapi.Chain) int { return cmp.Compare(a.Name, b.Name) })
	rs.Maps = []nftapi.Map{egress.dispatch, ingress.dispatch}
	for _, name := range sortedKeys(b.sets) {
		rs.Sets = append(rs.Sets, *b.sets[name])
	}
	return rs, nil
}

// endpoints prepares the inventory: every endpoint needs an IP, and no IP
// may belong to two endpoints.
func (b *builder) endpoints(inv inventory.Inventory) error {
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
	var errs []error
	if len(missing) > 0 {
		slices.Sort(missing)
		errs = append(errs, fmt.Errorf("%w for %s: nftables matches pod addresses, so every pod needs one "+
			"(give Pods with status.podIPs via --manifests, or an inventory file with IPs)",
			ErrNoPodIPs, strings.Join(missing, ", ")))
	}
	if len(dups) > 0 {
		slices.Sort(dups)
		errs = append(errs, fmt.Errorf("%w inventory: %s", ErrInvalid, strings.Join(dups, "; ")))
	}
	return errors.Join(errs...)
}

// compile validates and compiles the isolations and rules. Every ipBlock
// becomes a set right away, whether or not a pod's chain ends up using it,
// so the ruleset's networks split the address space as the intents' do.
func (b *builder) compile(p *ir.Policy) {
	for _, iso := range p.Isolations {
		what := strings.ToLower(string(iso.Direction)) + " isolation"
		if err := checkDirection(iso.Direction); err != nil {
			b.fail(iso.Origin, what, iso.Subject, err)
			continue
		}
		sel, err := subjectSelector(iso.Subject)
		if err != nil {
			b.fail(iso.Origin, what, iso.Subject, err)
			continue
		}
		b.isos = append(b.isos, isolation{src: iso, subject: sel})
	}
	// Rules in the order of their intents, so output does not depend on
	// the order of the IR.
	rules := slices.Clone(p.Rules)
	slices.SortStableFunc(rules, func(x, y ir.Rule) int {
		return cmp.Or(cmp.Compare(x.Origin.File, y.Origin.File), cmp.Compare(x.Origin.Line, y.Origin.Line),
			cmp.Compare(x.Origin.Col, y.Origin.Col), cmp.Compare(x.Origin.Via, y.Origin.Via),
			strings.Compare(ruleKey(x), ruleKey(y)))
	})
	for _, r := range rules {
		b.compileRule(r)
	}
}

// ruleKey is a canonical form of an IR rule (JSON sorts map keys and
// follows pointers).
func ruleKey(r ir.Rule) string {
	data, err := json.Marshal(r)
	if err != nil {
		panic(fmt.Sprintf("nftables: marshal IR rule: %v", err)) // plain data always marshals
	}
	return string(data)
}

func (b *builder) compileRule(r ir.Rule) {
	what := strings.ToLower(string(r.Direction)) + " rule"
	var errs []error
	if err := checkDirection(r.Direction); err != nil {
		errs = append(errs, err)
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
		b.fail(r.Origin, what, r.Subject, errs...)
		return
	}
	b.name(&pe, r.Peer)
	b.rules = append(b.rules, rule{src: r, subject: subject, peer: pe, ports: ports})
}

// fail records the problems of an IR element, each prefixed with the
// position of the intent.
func (b *builder) fail(o ir.Origin, what string, s ir.Subject, errs ...error) {
	for _, err := range errs {
		b.errs = append(b.errs, located{o, fmt.Errorf("%s: %s of %s/%s: %w", o, what, s.Namespace, s.Name, err)})
	}
}

func checkDirection(d ir.Direction) error {
	if d != ir.Ingress && d != ir.Egress {
		return fmt.Errorf("%w direction %q", ErrInvalid, d)
	}
	return nil
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

// joinSorted joins errors sorted by origin, then message, dropping
// repeats.
func joinSorted(errs []located) error {
	slices.SortStableFunc(errs, func(a, b located) int {
		return cmp.Or(cmp.Compare(a.origin.File, b.origin.File), cmp.Compare(a.origin.Line, b.origin.Line),
			cmp.Compare(a.origin.Col, b.origin.Col), strings.Compare(a.err.Error(), b.err.Error()))
	})
	var out []error
	for i, e := range errs {
		if i == 0 || e.err.Error() != errs[i-1].err.Error() {
			out = append(out, e.err)
		}
	}
	return errors.Join(out...)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
