package cilium

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/internal/portset"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// peer adds a rule's peer to its port group.
func (b *builder) peer(r ir.Rule, pol *policy, g *group) []error {
	p := r.Peer
	switch p.Kind {
	case ir.PeerAll:
		g.all = true
	case ir.PeerPods, ir.PeerWorkload, ir.PeerDNS:
		sel, err := endpointSelector(p)
		if err != nil {
			return []error{err}
		}
		g.endpoints[jsonKey(sel)] = sel
	case ir.PeerCIDR, ir.PeerWorld:
		return b.cidrPeer(r, g)
	case ir.PeerFQDN:
		if r.Direction != ir.Egress {
			return []error{fmt.Errorf("FQDN peer %q: %w (Cilium matches DNS names on egress only)", p.FQDN, ErrUnsupported)}
		}
		sel, err := fqdnSelector(p.FQDN)
		if err != nil {
			return []error{err}
		}
		g.fqdns[jsonKey(sel)] = sel
		pol.fqdn = append(pol.fqdn, r.Origin)
	default:
		return []error{fmt.Errorf("%w peer kind %q", ErrInvalid, p.Kind)}
	}
	return nil
}

// worldBlocks are the blocks of a world peer that lists none itself.
var worldBlocks = []ir.IPBlock{{CIDR: "0.0.0.0/0"}, {CIDR: "::/0"}}

// cidrPeer adds a CIDR or world peer: the entity "world" when the blocks
// are exactly every address, CIDR sets otherwise. Cilium never matches a
// cluster endpoint with either, so a declared pod IP inside the blocks
// makes the rule narrower than the ipBlock it stands for.
func (b *builder) cidrPeer(r ir.Rule, g *group) []error {
	blocks := r.Peer.CIDRs
	if r.Peer.Kind == ir.PeerWorld && len(blocks) == 0 {
		blocks = worldBlocks
	}
	if len(blocks) == 0 {
		return []error{fmt.Errorf("%w %s peer: no CIDR", ErrInvalid, r.Peer.Kind)}
	}
	var rules []ciliumapi.CIDRRule
	var errs []error
	for _, blk := range blocks {
		cr, err := cidrRule(blk)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rules = append(rules, cr)
	}
	if len(errs) > 0 {
		return errs
	}
	if in := b.cl.IPsIn(blocks); len(in) > 0 {
		why := fmt.Sprintf("cidr %s contains %s, a pod IP of workload %s/%s", in[0].Block.CIDR, in[0].IP, in[0].Workload.Namespace, in[0].Workload.Name)
		why += ": NetworkPolicy ipBlocks match that pod, Cilium CIDR rules never match cluster endpoints"
		if err := b.approximate(r, "the CIDR rule does not match pods", why); err != nil {
			return []error{err}
		}
	}
	if isWorld(rules) {
		g.entities[ciliumapi.EntityWorld] = true
		return nil
	}
	for _, cr := range rules {
		g.cidrs[jsonKey(cr)] = cr
	}
	return nil
}

// isWorld reports whether CIDR rules cover every address, IPv4 and IPv6.
func isWorld(rules []ciliumapi.CIDRRule) bool {
	var v4, v6 bool
	for _, r := range rules {
		if len(r.Except) > 0 {
			continue
		}
		v4 = v4 || r.CIDR == "0.0.0.0/0"
		v6 = v6 || r.CIDR == "::/0"
	}
	return v4 && v6
}

// cidrRule validates a block and returns it with sorted, deduplicated
// holes.
func cidrRule(b ir.IPBlock) (ciliumapi.CIDRRule, error) {
	cidr, err := parsePrefix("cidr", b.CIDR)
	if err != nil {
		return ciliumapi.CIDRRule{}, err
	}
	except := slices.Clone(b.Except)
	slices.Sort(except)
	except = slices.Compact(except)
	for _, s := range except {
		hole, err := parsePrefix("except", s)
		switch {
		case err != nil:
			return ciliumapi.CIDRRule{}, err
		case hole.Addr().Is4() != cidr.Addr().Is4() || hole.Bits() <= cidr.Bits() || !cidr.Contains(hole.Addr()):
			return ciliumapi.CIDRRule{}, fmt.Errorf("%w except %q: must lie strictly inside cidr %q", ErrInvalid, s, b.CIDR)
		}
	}
	if len(except) == 0 {
		except = nil
	}
	return ciliumapi.CIDRRule{CIDR: b.CIDR, Except: except}, nil
}

// parsePrefix parses a CIDR in canonical form.
func parsePrefix(what, s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return p, fmt.Errorf("%w %s %q: %w", ErrInvalid, what, s, err)
	}
	if p.Masked() != p || p.Addr().Is4In6() {
		return p, fmt.Errorf("%w %s %q: not in canonical form (did you mean %q?)", ErrInvalid, what, s, p.Masked())
	}
	return p, nil
}

// fqdnSelector matches a DNS name; a leading "*." becomes Cilium's
// one-label wildcard pattern.
func fqdnSelector(name string) (ciliumapi.FQDNSelector, error) {
	base, wild := strings.CutPrefix(name, "*.")
	if msgs := validation.IsDNS1123Subdomain(base); len(msgs) > 0 {
		return ciliumapi.FQDNSelector{}, fmt.Errorf("%w FQDN %q: %s", ErrInvalid, name, strings.Join(msgs, "; "))
	}
	if wild {
		return ciliumapi.FQDNSelector{MatchPattern: name}, nil
	}
	return ciliumapi.FQDNSelector{MatchName: name}, nil
}

// endpointSelector translates a pod peer. Without a namespace selector
// Cilium limits the peer to the policy's namespace, as NetworkPolicy does.
// With one, its metadata-name terms select the pod's namespace label and
// its other terms the namespace labels Cilium copies onto every pod; an
// explicit "namespace label exists" term keeps Cilium from limiting the
// peer to the policy's namespace.
func endpointSelector(p ir.Peer) (metav1.LabelSelector, error) {
	pods := canonicalSelector(p.Pods)
	if pods == nil {
		pods = &metav1.LabelSelector{}
	}
	if err := checkSelector("peer.podSelector", pods); err != nil {
		return metav1.LabelSelector{}, err
	}
	if p.Namespaces == nil {
		return *pods, nil
	}
	ns := canonicalSelector(p.Namespaces)
	if err := checkSelector("peer.namespaceSelector", ns); err != nil {
		return metav1.LabelSelector{}, err
	}
	out := *pods
	out.MatchLabels = clone(pods.MatchLabels)
	byName := false
	for k, v := range ns.MatchLabels {
		key := namespaceKey(k)
		byName = byName || key == ciliumapi.NamespaceLabel
		if out.MatchLabels == nil {
			out.MatchLabels = map[string]string{}
		}
		out.MatchLabels[key] = v
	}
	out.MatchExpressions = slices.Clone(pods.MatchExpressions)
	for _, e := range ns.MatchExpressions {
		e.Key = namespaceKey(e.Key)
		byName = byName || e.Key == ciliumapi.NamespaceLabel
		out.MatchExpressions = append(out.MatchExpressions, e)
	}
	if !byName {
		out.MatchExpressions = append(out.MatchExpressions,
			metav1.LabelSelectorRequirement{Key: ciliumapi.NamespaceLabel, Operator: metav1.LabelSelectorOpExists})
	}
	sortRequirements(out.MatchExpressions)
	return out, nil
}

// namespaceKey is the pod label Cilium matches for a namespace label key.
func namespaceKey(k string) string {
	if k == inventory.MetadataNameLabel {
		return ciliumapi.NamespaceLabel
	}
	return ciliumapi.NamespaceLabelsPrefix + k
}

// subjectSelector validates a subject and returns its selector in
// canonical form.
func subjectSelector(s ir.Subject) (*metav1.LabelSelector, error) {
	if msgs := validation.IsDNS1123Label(s.Namespace); len(msgs) > 0 {
		return nil, fmt.Errorf("%w namespace %q: %s", ErrInvalid, s.Namespace, strings.Join(msgs, "; "))
	}
	sel := canonicalSelector(&s.Pods)
	return sel, checkSelector("endpointSelector", sel)
}

// canonicalSelector returns a copy of sel with its expressions and their
// values sorted and deduplicated, so that equal selectors print (and
// compare) equal. A nil selector stays nil.
func canonicalSelector(sel *metav1.LabelSelector) *metav1.LabelSelector {
	if sel == nil {
		return nil
	}
	out := &metav1.LabelSelector{MatchLabels: clone(sel.MatchLabels)}
	for _, e := range sel.MatchExpressions {
		e.Values = slices.Clone(e.Values)
		slices.Sort(e.Values)
		e.Values = slices.Compact(e.Values)
		if len(e.Values) == 0 {
			e.Values = nil
		}
		out.MatchExpressions = append(out.MatchExpressions, e)
	}
	sortRequirements(out.MatchExpressions)
	out.MatchExpressions = slices.CompactFunc(out.MatchExpressions, func(a, b metav1.LabelSelectorRequirement) bool {
		return a.Key == b.Key && a.Operator == b.Operator && slices.Equal(a.Values, b.Values)
	})
	return out
}

func sortRequirements(reqs []metav1.LabelSelectorRequirement) {
	slices.SortFunc(reqs, func(a, b metav1.LabelSelectorRequirement) int {
		return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Operator, b.Operator), slices.Compare(a.Values, b.Values))
	})
}

func clone(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// checkSelector validates a label selector the way the API server does.
func checkSelector(name string, sel *metav1.LabelSelector) error {
	errs := metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, field.NewPath(name))
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("%w selector: %s", ErrInvalid, strings.Join(msgs, "; "))
}

// jsonKey is the canonical form of v used to deduplicate and order peers.
func jsonKey(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("cilium: marshal %T: %v", v, err))
	}
	return string(b)
}

// dnsVisibility adds, to a policy with FQDN egress rules, the DNS rule
// Cilium needs to learn the names' addresses: the cluster DNS on port 53
// with rules.dns matchPattern "*". It only uses DNS traffic the IR already
// allows the subject (a DNS rule of the subject itself or of every pod of
// its namespace), so it never widens the policy.
func (b *builder) dnsVisibility(pol *policy) {
	if len(pol.fqdn) == 0 {
		return
	}
	protos := b.dnsProtocols(pol.subject)
	o := slices.MinFunc(pol.fqdn, compareOrigins)
	if len(protos) == 0 {
		why := "FQDN egress needs DNS: Cilium learns the addresses of toFQDNs names from the DNS answers its proxy sees, and the IR allows this subject no DNS traffic on port 53 (allow DNS for it, as templates.allowDNS does)"
		r := ir.Rule{Subject: pol.subject, Direction: ir.Egress, Origin: o}
		if err := b.approximate(r, "the toFQDNs rule matches no address", why); err != nil {
			b.fail(o, "egress rule", pol.subject, err)
		}
		return
	}
	sel, err := endpointSelector(b.dns)
	if err != nil {
		b.fail(o, "egress rule", pol.subject, fmt.Errorf("cluster DNS peer: %w", err))
		return
	}
	pr := ciliumapi.PortRule{Rules: &ciliumapi.L7Rules{DNS: []ciliumapi.FQDNSelector{{MatchPattern: "*"}}}}
	for _, proto := range protos {
		pr.Ports = append(pr.Ports, ciliumapi.PortProtocol{Port: "53", Protocol: proto.String()})
	}
	pol.dns = &ciliumapi.EgressRule{ToEndpoints: []metav1.LabelSelector{sel}, ToPorts: []ciliumapi.PortRule{pr}}
}

// dnsProtocols lists the protocols (UDP, TCP) on which the IR allows a
// subject's pods to reach the cluster DNS on port 53.
func (b *builder) dnsProtocols(s ir.Subject) []portset.Protocol {
	found := map[portset.Protocol]bool{}
	for _, pol := range b.pols {
		applies := pol.subject.Namespace == s.Namespace &&
			(jsonKey(pol.subject.Pods) == jsonKey(s.Pods) || isEmpty(&pol.subject.Pods))
		if !applies {
			continue
		}
		for _, g := range pol.groups[1] {
			if len(g.endpoints) == 0 && !g.all {
				continue
			}
			if _, ok := g.endpoints[jsonKeyOf(b.dns)]; !ok && !g.all {
				continue
			}
			for _, proto := range []portset.Protocol{portset.UDP, portset.TCP} {
				if covers53(g.ports, proto) {
					found[proto] = true
				}
			}
		}
	}
	var out []portset.Protocol
	for _, p := range []portset.Protocol{portset.UDP, portset.TCP} {
		if found[p] {
			out = append(out, p)
		}
	}
	return out
}

// jsonKeyOf is the key of a pod peer's endpoint selector ("" if invalid).
func jsonKeyOf(p ir.Peer) string {
	sel, err := endpointSelector(p)
	if err != nil {
		return ""
	}
	return jsonKey(sel)
}

// covers53 reports whether a port list allows port 53 of proto.
func covers53(ports []ciliumapi.PortProtocol, proto portset.Protocol) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		if p.Protocol != proto.String() {
			continue
		}
		var n int
		if _, err := fmt.Sscan(p.Port, &n); err != nil {
			continue // a named port
		}
		if n == 0 || n == 53 || (n < 53 && int(p.EndPort) >= 53) {
			return true
		}
	}
	return false
}

func isEmpty(sel *metav1.LabelSelector) bool {
	return len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0
}
