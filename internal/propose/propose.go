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
	"maps"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

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
	// Seen is when the connections were seen, all together, and Flows
	// how many flows they stand for.
	Seen  flows.Span
	Flows int64
}

// Propose writes intents (CUE package pkg) for the workloads of inv that
// allow the connections of obs.
func Propose(inv inventory.Inventory, obs *flows.Set, pkg string) (*Result, error) {
	b := newBuilder(inv)
	res := &Result{}
	for _, k := range obs.Keys() {
		res.Observed++
		sp := seenOf(obs, k)
		res.Seen.Merge(sp)
		res.Flows += obs.Conns[k]
		if strings.HasPrefix(k.Dst, "fqdn:") {
			res.NotProposed = append(res.NotProposed, k)
			continue
		}
		b.allow(k, obs.Conns[k], sp)
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
	seen    flows.Span
	// peerName names the peer in the rule's policy (peerName).
	peerName string
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

// seenOf is when a connection was seen (untimed when the set has no
// record of it).
func seenOf(obs *flows.Set, k flows.Key) flows.Span {
	if sp := obs.Seen[k]; sp != nil {
		return *sp
	}
	return flows.Span{Untimed: obs.Conns[k]}
}

// allow adds what lets connection k through: egress at its source and
// ingress at its destination, where their namespaces are isolated. The
// DNS on port 53 is allowed to every isolated namespace already.
func (b *builder) allow(k flows.Key, n int64, sp flows.Span) {
	src, srcIsPod := b.byID[k.Src]
	dst, dstIsPod := b.byID[k.Dst]
	if srcIsPod && b.isolated[src.Namespace] && !(dstIsPod && isDNS(dst) && k.Port == 53) {
		b.add(src, true, b.peer(k.Dst, dst, dstIsPod), k, n, sp)
	}
	if dstIsPod && b.isolated[dst.Namespace] {
		b.add(dst, false, b.peer(k.Src, src, srcIsPod), k, n, sp)
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
func (b *builder) add(subject inventory.Endpoint, egress bool, peer networkingv1.NetworkPolicyPeer, k flows.Key, n int64, sp flows.Span) {
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
		end := k.Src
		if egress {
			end = k.Dst
		}
		r = &rule{subject: subject, egress: egress, peer: peer, ports: map[portset.Protocol][]int32{}, peerName: peerName(subject, egress, end)}
		b.rules[name][key] = r
	}
	r.flows += n
	r.seen.Merge(sp)
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
		out = append(out, allowances(n, b.rules[n])...)
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

// allowances are the policies of one subject and direction: one per
// peer, so that each part of the proposal names the flows it stands for
// and when they were seen.
func allowances(name string, rules map[string]*rule) []manifests.NetworkPolicy {
	var out []manifests.NetworkPolicy
	ns, objName, _ := strings.Cut(name, "/")
	for _, k := range slices.Sorted(maps.Keys(rules)) {
		r := rules[k]
		np := networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "observed-" + objName + "-" + r.peerName}}
		np.Spec.PodSelector = metav1.LabelSelector{MatchLabels: r.subject.Labels}
		if r.egress {
			np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
			np.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{r.peer}, Ports: r.npPorts()}}
		} else {
			np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
			np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{r.peer}, Ports: r.npPorts()}}
		}
		out = append(out, manifests.NetworkPolicy{NetworkPolicy: np, Source: diag.Pos{File: "observed: " + SeenText(r.flows, r.seen)}})
	}
	return out
}

// peerName names a rule's peer in its policy's name: the workload (with
// its namespace when another), or the address.
func peerName(subject inventory.Endpoint, egress bool, peer string) string {
	dir := "from-"
	if egress {
		dir = "to-"
	}
	if ns, name, ok := strings.Cut(peer, "/"); ok {
		if ns == subject.Namespace {
			return dir + name
		}
		return dir + ns + "." + name
	}
	return dir + strings.ReplaceAll(peer, ":", "-")
}

// SeenText says how many flows were seen and when: "300 flow(s), first
// seen 2026-11-30T10:00:00Z, last seen 2026-11-30T12:00:00Z", saying so
// where the records had no times (CSV records never do).
func SeenText(n int64, sp flows.Span) string {
	s := fmt.Sprintf("%d flow(s)", n)
	switch {
	case sp.First.IsZero():
		return s + ", first/last seen not known: the records carry no times (CSV never does)"
	case sp.Untimed > 0:
		s += fmt.Sprintf(" (%d without times)", sp.Untimed)
	}
	return s + ", first seen " + sp.First.UTC().Format(time.RFC3339) + ", last seen " + sp.Last.UTC().Format(time.RFC3339)
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
