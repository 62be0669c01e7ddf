// Package propose turns observed traffic into intents a person would keep:
// every namespace with workloads (but kube-system) default-deny with the
// cluster DNS allowed, and one allowance per observed connection between
// workloads or to and from addresses outside the cluster. It writes them as
// NetworkPolicies and hands those to internal/importer, which recognises
// the templates they hold (tiers, gateway, monitoring, external egress)
// and proves the intents equal to them; propose then checks that every
// observed connection is allowed, and says how much more is.
package propose

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/flows"
	"github.com/netpolc/netpolc/internal/importer"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/manifests"
	"github.com/netpolc/netpolc/internal/portset"
)

// dnsNamespace and dnsLabels are where the cluster DNS runs (the intent
// language's default cluster.dns).
const dnsNamespace = "kube-system"

var dnsLabels = map[string]string{"k8s-app": "kube-dns"}

// Result is a proposal.
type Result struct {
	// Import is the intents, as internal/importer wrote and proved them.
	Import *importer.Result
	// Observed is how many distinct connections the flows hold, and
	// Proposed how many of them the proposal allows (all, or Propose
	// fails); NotProposed lists those it cannot say (DNS names).
	Observed, Proposed int
	NotProposed        []flows.Key
	// AllowedPairs counts the (source, destination) pairs the proposal
	// allows, ObservedPairs those the flows hold: the difference is how
	// much wider than the traffic the proposal is (mostly the DNS).
	AllowedPairs, ObservedPairs int
}

// Propose writes intents (CUE package pkg) for the workloads of inv that
// allow the connections of obs.
func Propose(inv inventory.Inventory, obs *flows.Set, pkg string) (*Result, error) {
	b := newBuilder(inv)
	res := &Result{}
	for _, k := range obs.Keys() {
		res.Observed++
		if strings.HasPrefix(k.Dst, "fqdn:") {
			res.NotProposed = append(res.NotProposed, k)
			continue
		}
		b.allow(k, obs.Conns[k])
	}
	set := &manifests.Set{Inventory: inv, NetworkPolicies: b.policies()}
	imp, err := importer.Import(set, pkg)
	if err != nil {
		return nil, err
	}
	res.Import = imp
	return res, check(res, set, obs)
}

// check requires every proposed connection to be allowed, and counts the
// pairs allowed and observed.
func check(res *Result, set *manifests.Set, obs *flows.Set) error {
	nps := make([]enforcer.SourcedNetworkPolicy, len(set.NetworkPolicies))
	for i, np := range set.NetworkPolicies {
		nps[i] = enforcer.SourcedNetworkPolicy(np)
	}
	pols, err := enforcer.FromNetworkPolicies(nps)
	if err != nil {
		return err
	}
	m, err := enforcer.New(set.Inventory, pols)
	if err != nil {
		return err
	}
	pairs := map[[2]string]bool{}
	for _, k := range obs.Keys() {
		if strings.HasPrefix(k.Dst, "fqdn:") {
			continue
		}
		v, err := m.Verdict(k.Src, k.Dst, k.Protocol, k.Port)
		if err != nil {
			return err
		}
		if !v.Allowed {
			return fmt.Errorf("propose: the proposal does not allow the observed %s (a netpolc bug)", k)
		}
		res.Proposed++
		if isWorkload(k.Src) && isWorkload(k.Dst) {
			pairs[[2]string{k.Src, k.Dst}] = true
		}
	}
	res.ObservedPairs = len(pairs)
	for _, c := range m.Matrix().Connections {
		if isWorkload(c.Src) && isWorkload(c.Dst) {
			res.AllowedPairs++
		}
	}
	return nil
}

// isWorkload reports whether an endpoint name is "namespace/name".
func isWorkload(name string) bool {
	return strings.Contains(name, "/") && !strings.Contains(name, ":")
}

// builder collects the proposed NetworkPolicies.
type builder struct {
	byID     map[string]inventory.Endpoint
	isolated map[string]bool
	// rules[policy name][peer key] is the ports of one rule.
	rules map[string]map[string]*rule
}

// rule is one ingress or egress rule being built: its peer and ports.
type rule struct {
	subject inventory.Endpoint
	egress  bool
	peer    networkingv1.NetworkPolicyPeer
	ports   map[portset.Protocol][]int32
	flows   int64 // observed flows behind the rule
}

func newBuilder(inv inventory.Inventory) *builder {
	b := &builder{byID: map[string]inventory.Endpoint{}, isolated: map[string]bool{}, rules: map[string]map[string]*rule{}}
	for _, ep := range inv.Endpoints {
		b.byID[ep.ID()] = ep
		if ep.Namespace != dnsNamespace && !ep.HostNetwork {
			b.isolated[ep.Namespace] = true
		}
	}
	return b
}

// allow adds what lets connection k through: egress at its source and
// ingress at its destination, where their namespaces are isolated. The
// DNS on port 53 is allowed to every isolated namespace already.
func (b *builder) allow(k flows.Key, n int64) {
	src, srcIsPod := b.byID[k.Src]
	dst, dstIsPod := b.byID[k.Dst]
	if srcIsPod && b.isolated[src.Namespace] && !(dstIsPod && isDNS(dst) && k.Port == 53) {
		b.add(src, true, b.peer(k.Dst, dst, dstIsPod), k, n)
	}
	if dstIsPod && b.isolated[dst.Namespace] {
		b.add(dst, false, b.peer(k.Src, src, srcIsPod), k, n)
	}
}

func isDNS(ep inventory.Endpoint) bool {
	if ep.Namespace != dnsNamespace {
		return false
	}
	for k, v := range dnsLabels {
		if ep.Labels[k] != v {
			return false
		}
	}
	return true
}

// peer is the NetworkPolicy peer of an end: a workload by its namespace
// and pod labels, an address as a one-address ipBlock.
func (b *builder) peer(name string, ep inventory.Endpoint, isPod bool) networkingv1.NetworkPolicyPeer {
	if isPod {
		return networkingv1.NetworkPolicyPeer{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{inventory.MetadataNameLabel: ep.Namespace}},
			PodSelector:       &metav1.LabelSelector{MatchLabels: ep.Labels},
		}
	}
	a := netip.MustParseAddr(name)
	return networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: netip.PrefixFrom(a, a.BitLen()).String()}}
}

// add records one port of the rule of subject towards peer.
func (b *builder) add(subject inventory.Endpoint, egress bool, peer networkingv1.NetworkPolicyPeer, k flows.Key, n int64) {
	dir := "ingress"
	if egress {
		dir = "egress"
	}
	name := subject.Namespace + "/" + subject.Name + "-" + dir
	if b.rules[name] == nil {
		b.rules[name] = map[string]*rule{}
	}
	key := peerKey(peer)
	r := b.rules[name][key]
	if r == nil {
		r = &rule{subject: subject, egress: egress, peer: peer, ports: map[portset.Protocol][]int32{}}
		b.rules[name][key] = r
	}
	r.flows += n
	if !slices.Contains(r.ports[k.Protocol], k.Port) {
		r.ports[k.Protocol] = append(r.ports[k.Protocol], k.Port)
	}
}

func peerKey(p networkingv1.NetworkPolicyPeer) string {
	if p.IPBlock != nil {
		return "ip " + p.IPBlock.CIDR
	}
	return fmt.Sprint(p.NamespaceSelector.MatchLabels, p.PodSelector.MatchLabels)
}

// policies renders the default denies and the allowances, sorted.
func (b *builder) policies() []manifests.NetworkPolicy {
	var out []manifests.NetworkPolicy
	namespaces := make([]string, 0, len(b.isolated))
	for ns := range b.isolated {
		namespaces = append(namespaces, ns)
	}
	sort.Strings(namespaces)
	for _, ns := range namespaces {
		out = append(out, defaultDeny(ns))
	}
	names := make([]string, 0, len(b.rules))
	for n := range b.rules {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		out = append(out, allowance(n, b.rules[n]))
	}
	return out
}

// defaultDeny isolates every pod of ns in both directions and lets them
// reach the cluster DNS: what #DefaultDeny and #AllowDNS write.
func defaultDeny(ns string) manifests.NetworkPolicy {
	udp, tcp := corev1.ProtocolUDP, corev1.ProtocolTCP
	port := intstr.FromInt32(53)
	np := networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "default-deny"},
		Spec: networkingv1.NetworkPolicySpec{
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				To: []networkingv1.NetworkPolicyPeer{{
					NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{inventory.MetadataNameLabel: dnsNamespace}},
					PodSelector:       &metav1.LabelSelector{MatchLabels: dnsLabels},
				}},
				Ports: []networkingv1.NetworkPolicyPort{{Protocol: &udp, Port: &port}, {Protocol: &tcp, Port: &port}},
			}},
		},
	}
	// The import names each part's object and position: here, what it is.
	return manifests.NetworkPolicy{NetworkPolicy: np, Source: diag.Pos{File: "proposed: default deny, the cluster DNS"}}
}

// allowance is the policy of one subject and direction: a rule per peer.
func allowance(name string, rules map[string]*rule) manifests.NetworkPolicy {
	keys := make([]string, 0, len(rules))
	for k := range rules {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	first := rules[keys[0]]
	ns, objName, _ := strings.Cut(name, "/")
	np := networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "observed-" + objName}}
	np.Spec.PodSelector = metav1.LabelSelector{MatchLabels: first.subject.Labels}
	var total int64
	for _, k := range keys {
		r := rules[k]
		total += r.flows
		ports := r.npPorts()
		if r.egress {
			np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
			np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{To: []networkingv1.NetworkPolicyPeer{r.peer}, Ports: ports})
		} else {
			np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
			np.Spec.Ingress = append(np.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{From: []networkingv1.NetworkPolicyPeer{r.peer}, Ports: ports})
		}
	}
	return manifests.NetworkPolicy{NetworkPolicy: np, Source: diag.Pos{File: fmt.Sprintf("observed: %d flow(s)", total)}}
}

// npPorts lists the rule's ports, sorted.
func (r *rule) npPorts() []networkingv1.NetworkPolicyPort {
	var out []networkingv1.NetworkPolicyPort
	for _, proto := range []portset.Protocol{portset.TCP, portset.UDP, portset.SCTP} {
		ports := slices.Clone(r.ports[proto])
		slices.Sort(ports)
		for _, p := range ports {
			pr := corev1.Protocol(proto.String())
			port := intstr.FromInt32(p)
			out = append(out, networkingv1.NetworkPolicyPort{Protocol: &pr, Port: &port})
		}
	}
	return out
}
