package cilium

import (
	"fmt"
	"net/netip"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/netset"
	"github.com/netpolc/netpolc/internal/portset"
)

// The admin tier's order against Cilium's, decided flow by flow over the
// proof's domain: every pod (one of each class of pods that every rule
// treats alike), and on egress every external address range the rules'
// blocks cut the address space into, and a DNS name when the teams name
// one. For each flow and port, the model decides in the tier's order
// (enforcer/eval.go evalDir): the first admin rule that matches decides
// (Allow, Deny), a Pass hands it to the teams' policies (their allows
// where a team isolates the pod), then to the baseline (denied where a
// baseline isolation selects the pod), else it is allowed. Cilium decides
// as the emitted policies say (pkg/policy/api/rule.go: EgressDeny and
// IngressDeny are "denied regardless of the allowed" rules; a policy's
// enableDefaultDeny puts an endpoint into default deny when any policy
// selecting it requests it; pkg/policy/repository.go adds the allows of
// every policy selecting the endpoint): denied when an emitted Deny
// matches, else, for a pod in default deny (a team's isolation or a
// baseline isolation), allowed when an admin Allow or a team's allow
// matches, else allowed. A rule is refused only where the two differ for
// some flow: a Deny when an earlier Allow or Pass decides one of its
// flows first and the model allows it, an Allow when an earlier Pass
// hands one of its flows on and the model denies it, each naming the
// other rule and the flow.

// podSel selects pods: by namespace selector, or in namespace own.
type podSel struct {
	ns   labels.Selector // nil: namespace own only
	own  string
	pods labels.Selector
}

func (s *podSel) matches(cl *kit.Cluster, w *ir.Workload) bool {
	if s.ns == nil && w.Namespace != s.own || s.ns != nil && !s.ns.Matches(cl.NamespaceLabels(w.Namespace)) {
		return false
	}
	return s.pods.Matches(labels.Set(w.Labels))
}

// tierPeer is a rule's other end: every endpoint, pods by selector (less
// except, the peers of earlier rules of the intent that the emitted Deny
// leaves out: denyExcept), addresses in blocks, or a DNS name. The model
// and Cilium read blocks differently: the model's ipBlock also matches a
// pod whose IP is known, a Cilium CIDR rule never matches a cluster
// endpoint (an emitted one over a pod IP is refused, podcidr.go; a Pass
// is not emitted at all). The model's reading of a Deny does not need its
// except: the rules excepted decide every port of their flows before it.
type tierPeer struct {
	all    bool
	pods   *podSel
	except []*podSel
	blocks netset.Set
	fqdn   bool
}

// end is the other end of a flow: a pod, an external range, or a DNS name.
type end struct {
	w     *ir.Workload
	atom  *netset.Range
	fqdn  bool
	other *ir.Workload // another pod of w's class, nil when w is alone
}

func (e end) String() string {
	switch {
	case e.w != nil:
		return e.w.Namespace + "/" + e.w.Name
	case e.atom != nil:
		return e.atom.String()
	}
	return "a DNS name the teams allow"
}

// matches reports whether the peer matches e, as the model reads it or
// as Cilium does.
func (p *tierPeer) matches(cl *kit.Cluster, e end, model bool) bool {
	switch {
	case p.all:
		return true
	case e.w != nil && p.pods != nil:
		if !p.pods.matches(cl, e.w) {
			return false
		}
		for _, x := range p.except {
			if x.matches(cl, e.w) {
				return false
			}
		}
		return true
	case e.w != nil:
		return model && slices.ContainsFunc(e.w.IPs, func(s string) bool {
			ip, err := netip.ParseAddr(s)
			return err == nil && p.blocks.Contains(ip.Unmap())
		})
	case e.atom != nil:
		return p.blocks.Contains(e.atom.First)
	}
	// A DNS name: only a rule towards every address reaches it (the
	// model's reading of FQDN endpoints, ARCHITECTURE.md §3).
	return p.fqdn || everyAddress(p.blocks)
}

// everyAddress reports whether blocks hold every IPv4 and IPv6 address.
func everyAddress(blocks netset.Set) bool {
	v4, v6 := false, false
	for _, r := range blocks.Merge() {
		v4 = v4 || r == netset.PrefixRange(netip.MustParsePrefix("0.0.0.0/0"))
		v6 = v6 || r == netset.PrefixRange(netip.MustParsePrefix("::/0"))
	}
	return v4 && v6
}

// Indexes of kit.DirIndex.
const (
	ingressIndex = 0
	egressIndex  = 1
)

// tierRule is an admin intent's rule or a team's allow, compiled.
type tierRule struct {
	ref   ruleRef // admin rules only
	d     int
	subj  podSel
	peer  tierPeer
	ports []ir.Port
}

// portsOn are the rule's ports on destination dst (nil: an external end,
// where names match nothing). anyProtocol resolves a port name whatever
// the protocol its container port has: how the proof reads the named
// ports of a CiliumClusterwideNetworkPolicy (enforcer/cilium reads them
// as the admin API's destinationNamedPort).
func (r *tierRule) portsOn(dst *ir.Workload, anyProtocol bool) portset.Set {
	if len(r.ports) == 0 {
		return portset.All()
	}
	var out portset.Set
	for _, p := range r.ports {
		switch {
		case p.Name != "":
			if dst == nil {
				continue
			}
			for _, np := range dst.Ports {
				if np.Name == p.Name && (anyProtocol || np.Protocol == p.Protocol) {
					out = out.Union(portset.Port(np.Protocol, np.Port))
				}
			}
		case p.Number == 0:
			out = out.Union(portset.AllPorts(p.Protocol))
		case p.End > p.Number:
			out = out.Union(portset.PortRange(p.Protocol, p.Number, p.End))
		default:
			out = out.Union(portset.Port(p.Protocol, p.Number))
		}
	}
	return out
}

// verdicts is what one flow's rules decide, per port.
type verdicts struct {
	model, cilium portset.Set
}

// decide evaluates the flow from subject s to other end e in direction d
// both ways; teams overrides the teams' allows (a DNS name, which the
// check does not resolve: both extremes are tried).
func (t *tierCheck) decide(s *ir.Workload, e end, d int, teams *portset.Set) verdicts {
	dst := s
	if d == egressIndex {
		dst = e.w
	}
	undecided := portset.All()
	var allowed, passed, denied, allows portset.Set
	for i := range t.admin {
		r := &t.admin[i]
		if r.d != d || !r.subj.matches(t.cl, s) {
			continue
		}
		ports := r.portsOn(dst, false)
		if r.peer.matches(t.cl, e, true) {
			hit := ports.Intersect(undecided)
			undecided = undecided.Subtract(hit)
			switch r.ref.r.Action {
			case ir.Allow:
				allowed = allowed.Union(hit)
			case ir.Pass:
				passed = passed.Union(hit)
			}
		}
		if ports = r.portsOn(dst, true); r.peer.matches(t.cl, e, false) {
			switch r.ref.r.Action {
			case ir.Allow:
				allows = allows.Union(ports)
			case ir.Deny:
				denied = denied.Union(ports)
			}
		}
	}
	isolated, base := t.isolated(t.isos[d], s), t.isolated(t.base[d], s)
	teamModel, teamCilium := t.teamAllows(s, e, d, dst, true), t.teamAllows(s, e, d, dst, false)
	if teams != nil {
		teamModel, teamCilium = *teams, *teams
	}
	after := portset.All()
	if isolated {
		after = teamModel
	} else if base {
		after = portset.Set{}
	}
	v := verdicts{model: allowed.Union(undecided.Union(passed).Intersect(after)), cilium: portset.All().Subtract(denied)}
	if isolated || base {
		v.cilium = v.cilium.Intersect(allows.Union(teamCilium))
	}
	return v
}

// teamAllows is what the teams' allows of subject s allow towards e, as
// the model or Cilium reads their peers.
func (t *tierCheck) teamAllows(s *ir.Workload, e end, d int, dst *ir.Workload, model bool) portset.Set {
	var out portset.Set
	for i := range t.teams {
		r := &t.teams[i]
		if r.d == d && r.subj.matches(t.cl, s) && r.peer.matches(t.cl, e, model) {
			out = out.Union(r.portsOn(dst, false))
		}
	}
	return out
}

func (t *tierCheck) isolated(sels []podSel, s *ir.Workload) bool {
	for i := range sels {
		if sels[i].matches(t.cl, s) {
			return true
		}
	}
	return false
}

// blame names the rules behind a flow the two decide differently, and
// records the refusal at the rule Cilium gets wrong: a Deny that an
// earlier Allow or Pass precedes, an Allow that an earlier Pass precedes.
func (t *tierCheck) blame(s *ir.Workload, e end, d int, v verdicts) {
	closed, opened := v.model.Subtract(v.cilium), v.cilium.Subtract(v.model)
	wrong, port := ir.Deny, closed
	if closed.IsEmpty() {
		wrong, port = ir.Allow, opened
	}
	port = onePort(port)
	dst := s
	if d == egressIndex {
		dst = e.w
	}
	// The model's first rule decides; the culprit is the first rule of the
	// wrong action Cilium applies there.
	var first, culprit *tierRule
	for i := range t.admin {
		r := &t.admin[i]
		if r.d != d || !r.subj.matches(t.cl, s) {
			continue
		}
		if first == nil && r.peer.matches(t.cl, e, true) && r.portsOn(dst, false).Overlaps(port) {
			first = r
		}
		if culprit == nil && r.ref.r.Action == wrong && r.peer.matches(t.cl, e, false) && r.portsOn(dst, true).Overlaps(port) {
			culprit = r
		}
	}
	if culprit == nil || t.errs[culprit.ref.r] != nil {
		return
	}
	flow := fmt.Sprintf("%s → %s on %s", s.Namespace+"/"+s.Name, e, port)
	if d == ingressIndex {
		flow = fmt.Sprintf("%s → %s on %s", e, s.Namespace+"/"+s.Name, port)
	}
	t.errs[culprit.ref.r] = kit.Unsupported(blameMessage(culprit, first, wrong, flow))
}

// blameMessage says why Cilium gets the flow wrong with rule culprit,
// naming the rule the model decides it by (first, nil when none does).
func blameMessage(culprit, first *tierRule, wrong ir.Action, flow string) string {
	if first == nil || first == culprit {
		verdict := map[ir.Action]string{ir.Deny: "deny", ir.Allow: "allow"}[wrong]
		return fmt.Sprintf("admin %s of %q: Cilium would %s %s, which the tier's order decides otherwise (a named port Cilium resolves on another protocol)",
			wrong, culprit.ref.cp.Name, verdict, flow)
	}
	at := fmt.Sprintf("%s:%d", first.ref.r.Origin.File, first.ref.r.Origin.Line)
	switch {
	case wrong == ir.Deny && first.ref.r.Action == ir.Allow:
		return fmt.Sprintf("admin Deny of %q: the earlier Allow of %q (%s) allows %s first, and a Cilium deny wins over every allow",
			culprit.ref.cp.Name, first.ref.cp.Name, at, flow)
	case wrong == ir.Deny:
		return fmt.Sprintf("admin Deny of %q: the earlier Pass of %q (%s) hands %s to the teams' policies and the baseline, which allow it, and a Cilium deny wins over every allow",
			culprit.ref.cp.Name, first.ref.cp.Name, at, flow)
	}
	return fmt.Sprintf("admin Allow of %q: the earlier Pass of %q (%s) hands %s to the teams' policies and the baseline, which deny it, and their isolation cannot take back a Cilium allow",
		culprit.ref.cp.Name, first.ref.cp.Name, at, flow)
}

// onePort is the first port of a non-empty set, as a set.
func onePort(s portset.Set) portset.Set {
	for _, proto := range portset.Protocols {
		if rs := s.Ranges(proto); len(rs) > 0 {
			return portset.Port(proto, int32(rs[0].First))
		}
	}
	return s
}

// selectorOf compiles a selector; nil selects everything.
func selectorOf(sel *metav1.LabelSelector) (labels.Selector, error) {
	if sel == nil {
		return labels.Everything(), nil
	}
	return metav1.LabelSelectorAsSelector(sel)
}
