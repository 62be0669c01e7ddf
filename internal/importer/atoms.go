package importer

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netpolc/netpolc/internal/inventory"
)

// Template recognition works on rule atoms, not on whole policies: the
// networkpolicy emitter (and many people) merge every rule of one subject
// and direction into one NetworkPolicy, so a template's rules are spread
// over several objects and share them with others. An atom is one (peer,
// port entry) pair of one rule; NetworkPolicy adds policies and rules up,
// so a set of policies allows exactly the union of its atoms, and any
// split of the atoms into templates and leftover policies allows exactly
// what the input does.

const (
	ingress = 0
	egress  = 1
)

// subject is the pods a policy selects: a namespace and a selector key
// ("" for every pod of the namespace).
type subject struct{ ns, sel string }

// isoKey is a subject isolated in one direction.
type isoKey struct {
	subject
	dir int
}

// peerKey is a peer in a canonical form, relative to the policy's
// namespace: peers that select the same pods have the same key.
type peerKey struct {
	// All is a rule without peers: every source or destination.
	All bool
	// Own is the policy's own namespace (no namespaceSelector, or one
	// naming the namespace); NSName another namespace by name; NSSel any
	// other namespace selector ("{}" for every namespace).
	Own    bool
	NSName string
	NSSel  string
	// Pod is the pod selector key ("" for every pod of the namespaces).
	Pod string
	// CIDR and Except are an ipBlock.
	CIDR, Except string
}

// portKey is one port entry: All for a rule without ports, else the
// protocol and a number, a range (End), a name, or the whole protocol.
type portKey struct {
	All   bool
	Proto string
	Port  int32
	End   int32
	Name  string
}

// atom is one (peer, port) of a rule of an isolated subject.
type atom struct {
	isoKey
	peer peerKey
	port portKey
}

// selKey is a selector's canonical key: sorted labels and expressions.
// nil and {} are both "".
func selKey(s *metav1.LabelSelector) string {
	if s == nil || len(s.MatchLabels)+len(s.MatchExpressions) == 0 {
		return ""
	}
	type expr struct {
		K, O string
		V    []string
	}
	var exprs []expr
	for _, e := range s.MatchExpressions {
		v := slices.Clone(e.Values)
		slices.Sort(v)
		exprs = append(exprs, expr{e.Key, string(e.Operator), v})
	}
	slices.SortFunc(exprs, func(a, b expr) int {
		return strings.Compare(a.K+"\x00"+a.O+"\x00"+strings.Join(a.V, "\x00"), b.K+"\x00"+b.O+"\x00"+strings.Join(b.V, "\x00"))
	})
	b, _ := json.Marshal(struct {
		L map[string]string `json:",omitempty"`
		E []expr            `json:",omitempty"`
	}{s.MatchLabels, exprs})
	return string(b)
}

// nameOf is the namespace a selector names exactly ({metadata.name: X}).
func nameOf(s *metav1.LabelSelector) (string, bool) {
	if s == nil || len(s.MatchExpressions) > 0 || len(s.MatchLabels) != 1 {
		return "", false
	}
	n, ok := s.MatchLabels[inventory.MetadataNameLabel]
	return n, ok
}

// canonPeer is the key of a NetworkPolicy peer of a policy in ns.
func (x *index) canonPeer(ns string, p networkingv1.NetworkPolicyPeer) peerKey {
	if p.IPBlock != nil {
		ex := slices.Clone(p.IPBlock.Except)
		slices.Sort(ex)
		return peerKey{CIDR: p.IPBlock.CIDR, Except: strings.Join(ex, ",")}
	}
	k := peerKey{Pod: x.sel(p.PodSelector)}
	switch n, ok := nameOf(p.NamespaceSelector); {
	case p.NamespaceSelector == nil || ok && n == ns:
		k.Own = true
	case ok:
		k.NSName = n
	default:
		k.NSSel = "{}" + x.sel(p.NamespaceSelector)
	}
	return k
}

// sel keys a selector and remembers it for writing it back.
func (x *index) sel(s *metav1.LabelSelector) string {
	k := selKey(s)
	if k != "" {
		if _, ok := x.sels[k]; !ok {
			x.sels[k] = *s.DeepCopy()
		}
	}
	return k
}

// canonPort is the key of a NetworkPolicy port entry.
func canonPort(p networkingv1.NetworkPolicyPort) portKey {
	proto := corev1.ProtocolTCP
	if p.Protocol != nil {
		proto = *p.Protocol
	}
	k := portKey{Proto: string(proto)}
	switch {
	case p.Port == nil:
	case p.Port.Type == intstr.String:
		k.Name = p.Port.StrVal
	default:
		k.Port = p.Port.IntVal
		if p.EndPort != nil && *p.EndPort != p.Port.IntVal {
			k.End = *p.EndPort
		}
	}
	return k
}

// workloads maps each namespace's workload subjects (a selector of
// exactly the pod labels of one workload of the input) to the workload.
func workloadSubjects(inv inventory.Inventory) (bySubject map[subject]string, labels map[[2]string]map[string]string) {
	bySubject = map[subject]string{}
	labels = map[[2]string]map[string]string{}
	seen := map[subject]int{}
	for _, ep := range inv.Endpoints {
		if len(ep.Labels) == 0 || !dnsName.MatchString(ep.Name) {
			continue
		}
		s := subject{ep.Namespace, selKey(&metav1.LabelSelector{MatchLabels: ep.Labels})}
		seen[s]++
		bySubject[s] = ep.Name
		labels[[2]string{ep.Namespace, ep.Name}] = maps.Clone(ep.Labels)
	}
	for s, n := range seen {
		if n > 1 { // two workloads with one label set: neither is the subject
			delete(bySubject, s)
		}
	}
	return bySubject, labels
}
