package adminpolicy

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/internal/netset"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
)

// worldBlocks are the blocks of a world peer that lists none itself.
var worldBlocks = []ir.IPBlock{{CIDR: everyAddress4}, {CIDR: everyAddress6}}

// egress translates an egress allow rule into admin Accept rules: one for
// pods and namespaces, one for networks (the CRD forbids named ports next
// to networks, and they never match an address outside the cluster).
func (b *builder) egress(r ir.Rule) ([]rule, []error) {
	name := r.Origin.Stable()
	if len(name) > maxRuleNameLength {
		name = name[:maxRuleNameLength]
	}
	out := rule{name: name, origin: r.Origin}
	switch r.Peer.Kind {
	case ir.PeerAll:
		return b.everyone(r, out)
	case ir.PeerPods, ir.PeerWorkload, ir.PeerDNS:
		p, errs := podPeer(r.Subject.Namespace, r.Peer)
		if len(errs) > 0 {
			return nil, errs
		}
		dsts := b.cl.Selected(r.Subject.Namespace, r.Peer)
		ports, keep, errs := b.ports(r, dsts)
		if len(errs) > 0 || !keep {
			return nil, errs
		}
		if err := b.hostNetworkPeer(r, dsts, nil); err != nil {
			return nil, []error{err}
		}
		if ports, keep, errs = b.podPorts(r, ports, dsts); len(errs) > 0 || !keep {
			return nil, errs
		}
		out.peers, out.ports = []peer{p}, ports
		return []rule{out}, nil
	case ir.PeerCIDR, ir.PeerWorld:
		return b.networks(r, out)
	case ir.PeerFQDN:
		return b.domainNames(r, out)
	}
	return nil, []error{fmt.Errorf("%w peer kind %q", kit.ErrInvalid, r.Peer.Kind)}
}

// everyone translates a rule allowing every peer: every namespace (with
// the rule's ports as the CRD can hold them) and every address (without
// named ports, which never match outside the cluster).
func (b *builder) everyone(r ir.Rule, out rule) ([]rule, []error) {
	ports, keep, errs := b.ports(r, b.cl.Workloads)
	if len(errs) > 0 || !keep {
		return nil, errs
	}
	if err := b.hostNetworkPeer(r, b.cl.Workloads, ports); err != nil {
		return nil, []error{err}
	}
	nets, netsOK := withoutNames(out, ports)
	if netsOK {
		if err := b.hostNetworkAddresses(); err != nil {
			return nil, []error{err}
		}
	}
	nets.peers = []peer{{networks: []string{everyAddress4, everyAddress6}}}
	if ports, keep, errs = b.podPorts(r, ports, b.cl.Workloads); len(errs) > 0 {
		return nil, errs
	}
	pods := out
	pods.peers, pods.ports = []peer{{namespaces: &metav1.LabelSelector{}}}, ports
	var rules []rule
	if keep {
		rules = append(rules, pods)
	}
	if netsOK {
		rules = append(rules, nets)
	}
	return rules, nil
}

// networks translates a CIDR or world peer: each block minus its holes as
// the fewest prefixes. A named port of an ipBlock matches pods with known
// IPs inside it; networks take none, so that is only exact when no such
// declared pod has the name.
func (b *builder) networks(r ir.Rule, out rule) ([]rule, []error) {
	blocks := r.Peer.CIDRs
	if r.Peer.Kind == ir.PeerWorld && len(blocks) == 0 {
		blocks = worldBlocks
	}
	if len(blocks) == 0 {
		return nil, []error{fmt.Errorf("%w %s peer: no CIDR", kit.ErrInvalid, r.Peer.Kind)}
	}
	if err := b.hostNetworkAddresses(); err != nil {
		return nil, []error{err}
	}
	all, err := blockPrefixes(blocks)
	if err != nil {
		return nil, []error{err}
	}
	if all, err = b.podNetworks(r, all); err != nil {
		return nil, []error{err}
	}
	if len(all) == 0 {
		return nil, nil // narrowed to nothing
	}
	var nets []string
	for _, p := range all {
		nets = append(nets, p.String())
	}
	inside := b.knownInside(all)
	ports, keep, errs := b.ports(r, nil)
	if len(errs) > 0 || !keep {
		return nil, errs
	}
	for _, p := range ports {
		if p.name == "" {
			continue
		}
		for _, w := range inside {
			if declaresName(w, p.name) {
				why := fmt.Sprintf("named port %q towards networks: workload %s/%s has a known IP inside them and declares the port, which an ipBlock matches and admin networks rules cannot name",
					p.name, w.Namespace, w.Name)
				if err := b.approximate(r, fmt.Sprintf("port %s/%s left out", p.proto, p.name), why, ""); err != nil {
					return nil, []error{err}
				}
				break
			}
		}
	}
	out, ok := withoutNames(out, ports)
	if !ok {
		return nil, nil
	}
	for chunk := range slices.Chunk(nets, maxNetworks) {
		out.peers = append(out.peers, peer{networks: chunk})
	}
	return []rule{out}, nil
}

func declaresName(w ir.Workload, name string) bool {
	return slices.ContainsFunc(w.Ports, func(p ir.NamedPort) bool { return p.Name == name })
}

// withoutNames returns r with ports minus named ports; ok is false when
// only named ports were given (the rule then matches nothing outside the
// cluster).
func withoutNames(r rule, ports []port) (rule, bool) {
	if ports == nil {
		return r, true
	}
	r.ports = slices.DeleteFunc(slices.Clone(ports), func(p port) bool { return p.name != "" })
	return r, len(r.ports) > 0
}

// podPeer translates a pod peer; no namespace selector is the subject's
// own namespace (by name), and a peer selecting every pod of its
// namespaces is a namespaces peer.
func podPeer(ns string, p ir.Peer) (peer, []error) {
	nsSel := kit.CanonicalSelector(p.Namespaces)
	if nsSel == nil {
		nsSel = &metav1.LabelSelector{MatchLabels: map[string]string{metadataNameLabel: ns}}
	}
	pods := kit.CanonicalSelector(p.Pods)
	var errs []error
	if err := kit.CheckSelector("peer.namespaceSelector", nsSel); err != nil {
		errs = append(errs, err)
	}
	if err := kit.CheckSelector("peer.podSelector", pods); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return peer{}, errs
	}
	if pods == nil || kit.IsEmpty(pods) {
		return peer{namespaces: nsSel}, nil
	}
	return peer{pods: &[2]metav1.LabelSelector{*nsSel, *pods}}, nil
}

// ports validates a rule's ports. Named ports match a destination's
// container port of any protocol in the admin API; a named port that one
// of dsts declares with another protocol is inexact. keep is false when
// approximation dropped every port of a rule that had some (the rule then
// allows nothing; no port would mean every port).
func (b *builder) ports(r ir.Rule, dsts []ir.Workload) (out []port, keep bool, errs []error) {
	for _, p := range r.Ports {
		if err := kit.CheckPort(p); err != nil {
			errs = append(errs, err)
			continue
		}
		if p.Name != "" {
			if w, bad := otherProtocol(dsts, p.Name, p.Protocol); bad {
				why := fmt.Sprintf("named port %s/%s: workload %s/%s declares %q with another protocol, and admin named ports match any protocol",
					p.Protocol, p.Name, w.Namespace, w.Name, p.Name)
				if err := b.approximate(r, fmt.Sprintf("port %s/%s left out", p.Protocol, p.Name), why, ""); err != nil {
					errs = append(errs, err)
				}
				continue
			}
			out = append(out, port{proto: p.Protocol, name: p.Name})
			continue
		}
		first, last := p.Number, max(p.End, p.Number)
		if first == 0 {
			first, last = 1, 65535 // protocol-only: every port
		}
		out = append(out, port{proto: p.Protocol, first: first, last: last})
	}
	if len(errs) > 0 {
		return nil, false, errs
	}
	slices.SortFunc(out, func(a, b port) int {
		return cmp.Or(cmp.Compare(a.proto, b.proto), cmp.Compare(a.first, b.first), cmp.Compare(a.last, b.last), cmp.Compare(a.name, b.name))
	})
	out = slices.Compact(out)
	return out, len(r.Ports) == 0 || len(out) > 0, nil
}

// blockPrefixes returns the prefixes of every block, sorted, without
// duplicates.
func blockPrefixes(blocks []ir.IPBlock) ([]netip.Prefix, error) {
	var all []netip.Prefix
	for _, blk := range blocks {
		ps, err := prefixes(blk)
		if err != nil {
			return nil, err
		}
		all = append(all, ps...)
	}
	slices.SortFunc(all, func(a, b netip.Prefix) int {
		return cmp.Or(a.Addr().Compare(b.Addr()), cmp.Compare(a.Bits(), b.Bits()))
	})
	return slices.Compact(all), nil
}

// prefixes returns a block minus its holes as the fewest prefixes,
// ascending.
func prefixes(b ir.IPBlock) ([]netip.Prefix, error) {
	cidr, err := kit.ParsePrefix("cidr", b.CIDR)
	if err != nil {
		return nil, err
	}
	set := netset.Set{netset.PrefixRange(cidr)}
	for _, s := range b.Except {
		hole, err := kit.ParsePrefix("except", s)
		if err != nil {
			return nil, err
		}
		if hole.Addr().Is4() != cidr.Addr().Is4() || hole.Bits() <= cidr.Bits() || !cidr.Contains(hole.Addr()) {
			return nil, fmt.Errorf("%w except %q: must lie strictly inside cidr %q", kit.ErrInvalid, s, b.CIDR)
		}
		set = set.Subtract(netset.PrefixRange(hole))
	}
	return set.Prefixes(), nil
}

// domainNames translates an FQDN peer into a domainNames peer, where the
// chosen API has the field (supportsDomainNames). The API's "*." matches
// one or more labels (network-policy-api apis/v1alpha2
// clusternetworkpolicy_types.go, DomainName) where the intent's matches
// exactly one (Cilium's matchPattern), so only exact names are exact;
// a wildcard is refused, or left out under AllowApproximate.
func (b *builder) domainNames(r ir.Rule, out rule) ([]rule, []error) {
	base, wild := strings.CutPrefix(r.Peer.FQDN, "*.")
	if msgs := validation.IsDNS1123Subdomain(base); len(msgs) > 0 {
		return nil, []error{fmt.Errorf("%w FQDN %q: %s", kit.ErrInvalid, r.Peer.FQDN, strings.Join(msgs, "; "))}
	}
	why, fix := "", ""
	switch {
	case !supportsDomainNames(string(b.opts.API.Version), string(b.opts.API.Channel)):
		why = fmt.Sprintf("FQDN peer %q: domainNames is an experimental-channel field of the admin API (the standard-channel CRD prunes it); the cilium target expresses it", r.Peer.FQDN)
		fix = "--" + adminapi.SettingChannel + "=" + string(adminapi.Experimental) + " if the cluster serves the experimental CRDs, or the cilium target"
	case wild:
		why = fmt.Sprintf("FQDN peer %q: the admin API's domainNames \"*.\" matches any number of labels, the intent's exactly one; the cilium target expresses it", r.Peer.FQDN)
	}
	if why != "" {
		if err := b.approximate(r, "the rule left out", why, fix); err != nil {
			return nil, []error{err}
		}
		return nil, nil
	}
	ports, keep, errs := b.ports(r, nil)
	if len(errs) > 0 || !keep {
		return nil, errs
	}
	dn, ok := withoutNames(out, ports)
	if !ok {
		return nil, nil
	}
	dn.peers = []peer{{domains: []string{r.Peer.FQDN}}}
	return []rule{dn}, nil
}
