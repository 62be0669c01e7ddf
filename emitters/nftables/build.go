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
	"github.com/netpolc/netpolc/internal/netset"
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

// rule is a compiled IR rule, or a rule of a cluster-wide intent (tier
// set, intent its name; platform.go).
type rule struct {
	src     ir.Rule
	subject podSelector
	peer    peer
	ports   portSpec
	named   [][]nftapi.Match // egress named-port matches, once computed
	tier    ir.Tier
	intent  string
}

// isolation is a compiled IR isolation.
type isolation struct {
	src     ir.Isolation
	subject podSelector
}

// builder holds the state of one Build.
type builder struct {
	eps   []*endpoint // sorted by ID
	pods  []*endpoint // eps without the host-network ones
	hosts []*endpoint // the host-network ones
	rules []rule
	isos  []isolation
	// admin are the rules decided before the teams' policies, in the
	// model's order: the IR's deny rules and the admin intents' rules;
	// baseline are the baseline intents' rules (platform.go).
	admin, baseline []rule
	sets            map[string]*nftapi.Set // by name
	owner           map[string]string      // pod set name → selector key, to keep names unique
	cache           map[string]string      // see memo
	errs            *kit.Errors
	approx          bool
	res             *Result
	// podNets are the declared pod networks (nil when none are), and
	// unlisted tells per direction (kit.DirIndex) whether the ruleset
	// drops addresses in them that no pod has: in each direction some
	// pod is restricted in.
	podNets  netset.Set
	unlisted [2]bool
}

// Result is a built ruleset and what the build has to say about it.
type Result struct {
	Ruleset *nftapi.Ruleset
	// Narrowed are the rules the ruleset enforces more narrowly than the
	// intents (only when approximation is allowed).
	Narrowed []kit.Warning
	// Warnings are what the ruleset assumes of the cluster and the build
	// cannot check.
	Warnings []kit.Warning
}

// Build compiles p into a ruleset enforcing it on the endpoints of inv,
// exactly: BuildResult without approximation.
func Build(p *ir.Policy, inv inventory.Inventory) (*nftapi.Ruleset, error) {
	res, err := BuildResult(p, inv, false)
	if err != nil {
		return nil, err
	}
	return res.Ruleset, nil
}

// BuildResult compiles p into a ruleset enforcing it on the endpoints of
// inv. Every endpoint needs a known IP. All errors found are returned as
// one diag.List, each at the position of the intent that caused it
// (problems of the inventory have none, and stop the build before the
// intents are read); on error no ruleset is returned. With
// allowApproximate, what the ruleset can only enforce more narrowly (a
// pod peer selecting host-network pods, an ipBlock holding only unlisted
// pod addresses) is narrowed with a warning instead of refused.
func BuildResult(p *ir.Policy, inv inventory.Inventory, allowApproximate bool) (*Result, error) {
	b := &builder{sets: map[string]*nftapi.Set{}, owner: map[string]string{}, cache: map[string]string{},
		errs: kit.NewErrors(name), approx: allowApproximate, res: &Result{}}
	if b.endpoints(inv); b.errs.Len() > 0 {
		return nil, b.errs.Err()
	}
	if p == nil {
		p = &ir.Policy{}
	}
	b.compile(p)
	b.compileCluster(p)
	if b.errs.Len() == 0 {
		b.checkHosts()
		b.checkPodNetworks(p)
		b.warnUnlisted(p)
	}
	if err := b.errs.Err(); err != nil {
		return nil, err
	}
	egress, ingress := b.chains(ir.Egress), b.chains(ir.Ingress)
	rs := &nftapi.Ruleset{Table: tableName, Comment: "netpolc: NetworkPolicy intents enforced per pod"}
	base := b.baseChains()
	rs.Chains = append(base, append(egress.chains, ingress.chains...)...)
	slices.SortStableFunc(rs.Chains[len(base):], func(a, b nftapi.Chain) int { return cmp.Compare(a.Name, b.Name) })
	rs.Maps = []nftapi.Map{egress.dispatch, ingress.dispatch}
	for _, s := range kit.SortedValues(b.sets) {
		rs.Sets = append(rs.Sets, *s)
	}
	b.res.Ruleset = rs
	return b.res, nil
}

// endpoints prepares the inventory: every endpoint needs an IP, and no IP
// may belong to two endpoints, except host-network ones: pods on one node
// share its addresses.
func (b *builder) endpoints(inv inventory.Inventory) {
	var missing []string
	owner := map[netip.Addr]*endpoint{}
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
			if other, taken := owner[ip]; taken && other.ID() != ep.ID() && !(other.HostNetwork && ep.HostNetwork) {
				dups = append(dups, fmt.Sprintf("%s is both %s and %s", ip, other.ID(), ep.ID()))
			}
			owner[ip] = e
		}
		b.eps = append(b.eps, e)
	}
	slices.SortFunc(b.eps, func(x, y *endpoint) int { return strings.Compare(x.ID(), y.ID()) })
	for _, e := range b.eps {
		if e.HostNetwork {
			b.hosts = append(b.hosts, e)
		} else {
			b.pods = append(b.pods, e)
		}
	}
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
	if r.Peer.Kind == ir.PeerFQDN && b.approx {
		// Never an address guess: the rule is left out (narrower).
		b.res.Narrowed = append(b.res.Narrowed, kit.Warning{Origin: r.Origin, Message: fmt.Sprintf(
			"%s of %s/%s: FQDN peer %q: %v: left out (narrower)", what, r.Subject.Namespace, r.Subject.Name, r.Peer.FQDN, ErrUnsupported)})
		return
	}
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
