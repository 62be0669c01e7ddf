package cilium

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// peer adds the peer of rule b.rules[i] to its port group.
func (b *builder) peer(i int, pol *policy, g *group) []error {
	r := b.rules[i]
	p := r.Peer
	switch p.Kind {
	case ir.PeerAll:
		g.all = true
	case ir.PeerPods, ir.PeerWorkload, ir.PeerDNS:
		sel, err := endpointSelector(p)
		if err == nil {
			err = b.identityLabels("peer", sel)
		}
		if err == nil {
			err = b.hostNetworkPeer(i)
		}
		if err != nil {
			return []error{err}
		}
		g.endpoints[kit.JSONKey(sel)] = sel
	case ir.PeerCIDR, ir.PeerWorld:
		return b.cidrPeer(i, g)
	case ir.PeerFQDN:
		if r.Direction != ir.Egress {
			return []error{fmt.Errorf("FQDN peer %q: %w (Cilium matches DNS names on egress only)", p.FQDN, errUnsupported)}
		}
		sel, err := fqdnSelector(p.FQDN)
		if err != nil {
			return []error{err}
		}
		g.fqdns[kit.JSONKey(sel)] = sel
		pol.fqdn = append(pol.fqdn, i)
	default:
		return []error{fmt.Errorf("%w peer kind %q", kit.ErrInvalid, p.Kind)}
	}
	return nil
}

// worldBlocks are the blocks of a world peer that lists none itself.
var worldBlocks = []ir.IPBlock{{CIDR: "0.0.0.0/0"}, {CIDR: "::/0"}}

// cidrPeer adds the CIDR or world peer of rule b.rules[i]: the entity
// "world" when the blocks are exactly every address, CIDR sets otherwise.
// Cilium never matches a cluster endpoint with either ("Layer 3
// Policies": CIDR rules apply to addresses outside the cluster), so a pod
// IP inside the blocks makes the rule narrower than the ipBlock it stands
// for.
func (b *builder) cidrPeer(i int, g *group) []error {
	peer := b.rules[i].Peer
	blocks := peer.CIDRs
	if peer.Kind == ir.PeerWorld && len(blocks) == 0 {
		blocks = worldBlocks
	}
	if len(blocks) == 0 {
		return []error{fmt.Errorf("%w %s peer: no CIDR", kit.ErrInvalid, peer.Kind)}
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
		if err := b.approximate(i, "the CIDR rule does not match pods", why, ""); err != nil {
			return []error{err}
		}
	}
	if err := b.podNetwork(i, blocks); err != nil {
		return []error{err}
	}
	if isWorld(rules) {
		g.entities[ciliumapi.EntityWorld] = true
		return nil
	}
	for _, cr := range rules {
		g.cidrs[kit.JSONKey(cr)] = cr
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
	cidr, err := kit.ParsePrefix("cidr", b.CIDR)
	if err != nil {
		return ciliumapi.CIDRRule{}, err
	}
	except := slices.Compact(slices.Sorted(slices.Values(b.Except)))
	for _, s := range except {
		hole, err := kit.ParsePrefix("except", s)
		switch {
		case err != nil:
			return ciliumapi.CIDRRule{}, err
		case hole.Addr().Is4() != cidr.Addr().Is4() || hole.Bits() <= cidr.Bits() || !cidr.Contains(hole.Addr()):
			return ciliumapi.CIDRRule{}, fmt.Errorf("%w except %q: must lie strictly inside cidr %q", kit.ErrInvalid, s, b.CIDR)
		}
	}
	if len(except) == 0 {
		except = nil
	}
	return ciliumapi.CIDRRule{CIDR: b.CIDR, Except: except}, nil
}

// fqdnSelector matches a DNS name; a leading "*." becomes Cilium's
// one-label wildcard pattern.
func fqdnSelector(name string) (ciliumapi.FQDNSelector, error) {
	base, wild := strings.CutPrefix(name, "*.")
	if msgs := validation.IsDNS1123Subdomain(base); len(msgs) > 0 {
		return ciliumapi.FQDNSelector{}, fmt.Errorf("%w FQDN %q: %s", kit.ErrInvalid, name, strings.Join(msgs, "; "))
	}
	if wild {
		return ciliumapi.FQDNSelector{MatchPattern: name}, nil
	}
	return ciliumapi.FQDNSelector{MatchName: name}, nil
}

// endpointSelector translates a pod peer. Without a namespace selector
// Cilium limits the peer to the policy's namespace, as NetworkPolicy does.
// With one, its metadata-name terms select the pod's namespace label and
// its other terms the namespace labels Cilium copies onto every pod.
//
// Unless a term requires the pod's namespace label to be present (a
// matchLabels, In or Exists on it), the selector gets an explicit
// "namespace label exists" term. Without it a selector of only NotIn and
// DoesNotExist terms would also select Cilium's reserved identities (the
// world, the node, ...), which have no such label: cilium
// pkg/policy/api/selector.go matches requirements on an identity's
// labels, and pkg/k8s/apis/cilium.io/utils/utils.go (getEndpointSelector)
// adds the policy's namespace only when the selector names neither the
// namespace nor a namespace label. Only pods carry the namespace label,
// so the term keeps the peer to pods.
func endpointSelector(p ir.Peer) (metav1.LabelSelector, error) {
	pods := kit.CanonicalSelector(p.Pods)
	if pods == nil {
		pods = &metav1.LabelSelector{}
	}
	if err := kit.CheckSelector("peer.podSelector", pods); err != nil {
		return metav1.LabelSelector{}, err
	}
	if p.Namespaces == nil {
		return *pods, nil
	}
	ns := kit.CanonicalSelector(p.Namespaces)
	if err := kit.CheckSelector("peer.namespaceSelector", ns); err != nil {
		return metav1.LabelSelector{}, err
	}
	out := *pods
	out.MatchLabels = maps.Clone(pods.MatchLabels)
	hasNamespace := false // a term requires the namespace label
	for k, v := range ns.MatchLabels {
		key := namespaceKey(k)
		hasNamespace = hasNamespace || key == ciliumapi.NamespaceLabel
		if out.MatchLabels == nil {
			out.MatchLabels = map[string]string{}
		}
		out.MatchLabels[key] = v
	}
	out.MatchExpressions = slices.Clone(pods.MatchExpressions)
	for _, e := range ns.MatchExpressions {
		e.Key = namespaceKey(e.Key)
		positive := e.Operator == metav1.LabelSelectorOpIn || e.Operator == metav1.LabelSelectorOpExists
		hasNamespace = hasNamespace || (e.Key == ciliumapi.NamespaceLabel && positive)
		out.MatchExpressions = append(out.MatchExpressions, e)
	}
	if !hasNamespace {
		out.MatchExpressions = append(out.MatchExpressions,
			metav1.LabelSelectorRequirement{Key: ciliumapi.NamespaceLabel, Operator: metav1.LabelSelectorOpExists})
	}
	kit.SortRequirements(out.MatchExpressions)
	return out, nil
}

// namespaceKey is the pod label Cilium matches for a namespace label key.
func namespaceKey(k string) string {
	if k == inventory.MetadataNameLabel {
		return ciliumapi.NamespaceLabel
	}
	return ciliumapi.NamespaceLabelsPrefix + k
}
