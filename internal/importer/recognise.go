package importer

import (
	"fmt"
	"slices"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// recogniseAll finds the templates the input's policies hold, namespace
// by namespace (except those in off, whose recognition the proof
// rejected), in an order that lets the specific ones take their rules
// first: #DefaultDeny, #NamespaceIsolation, #AllowDNS, #Monitoring,
// #ExternalEgress, #Gateway, #Tiers. A template is recognised only when
// every isolation and atom its expansion makes is in the input.
func (x *index) recogniseAll(off map[string]bool) []instance {
	var nss []string
	for _, s := range x.subj {
		if !slices.Contains(nss, s.ns) && !off[s.ns] {
			nss = append(nss, s.ns)
		}
	}
	slices.Sort(nss)
	var out []instance
	keys := map[string]bool{}
	for _, ns := range nss {
		x.entryOf = map[string]string{}
		for _, find := range recognisers {
			for _, in := range find(x, ns) {
				if !x.take(in) {
					continue
				}
				base := in.key
				for n := 2; keys[in.key]; n++ {
					in.key = fmt.Sprintf("%s-%d", base, n)
				}
				keys[in.key] = true
				out = append(out, in)
			}
		}
	}
	return out
}

// recognisers are the namespace templates' finders, in order.
var recognisers = []func(*index, string) []instance{(*index).defaultDeny, (*index).namespaceIsolation,
	(*index).allowDNS, (*index).monitoring, (*index).externalEgress, (*index).gateways, (*index).tiers}

// subjects are the isolated subjects of ns in direction d that are every
// pod or one workload, every pod first, then by workload name.
func (x *index) subjects(ns string, d int) []isoKey {
	var out []isoKey
	for k := range x.iso {
		if k.ns == ns && k.dir == d && (k.sel == "" || x.workload[k.subject] != "") {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b isoKey) int { return strings.Compare(x.workload[a.subject], x.workload[b.subject]) })
	return out
}

// workloadField is `, workload: "w"` for a workload subject.
func (x *index) workloadField(k isoKey) string {
	if w := x.workload[k.subject]; w != "" {
		return ", workload: " + str(w)
	}
	return ""
}

// keyOf is a `use` key: namespace, workload when there is one, template.
func (x *index) keyOf(k isoKey, name string) string {
	if w := x.workload[k.subject]; w != "" {
		return k.ns + "/" + w + "/" + name
	}
	return k.ns + "/" + name
}

func (x *index) defaultDeny(ns string) []instance {
	in, eg := isoKey{subject{ns, ""}, ingress}, isoKey{subject{ns, ""}, egress}
	base := "templates.#DefaultDeny & {namespace: " + str(ns)
	switch hasIn, hasEg := len(x.iso[in]) > 0, len(x.iso[eg]) > 0; {
	case hasIn && hasEg:
		return []instance{{key: ns + "/default-deny", cue: base + "}", iso: []isoKey{in, eg}}}
	case hasIn:
		return []instance{{key: ns + "/default-deny", cue: base + `, direction: "ingress"}`, iso: []isoKey{in}}}
	case hasEg:
		return []instance{{key: ns + "/default-deny", cue: base + `, direction: "egress"}`, iso: []isoKey{eg}}}
	}
	return nil
}

// dnsAtoms are the two atoms of the cluster DNS rule (#AllowDNS).
func (x *index) dnsAtoms(k isoKey) []atom {
	p := x.canonPeer(k.ns, networkingv1.NetworkPolicyPeer{
		NamespaceSelector: labelSelector(map[string]string{"kubernetes.io/metadata.name": "kube-system"}),
		PodSelector:       labelSelector(map[string]string{"k8s-app": "kube-dns"})})
	return []atom{{k, p, portKey{Proto: "TCP", Port: 53}}, {k, p, portKey{Proto: "UDP", Port: 53}}}
}

func labelSelector(m map[string]string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: m}
}

// free reports whether every atom is in the input and untaken.
func (x *index) free(atoms []atom) bool {
	for _, a := range atoms {
		if len(x.atoms[a]) == 0 || x.used[a] {
			return false
		}
	}
	return true
}

func (x *index) allowDNS(ns string) []instance {
	var out []instance
	for _, k := range x.subjects(ns, egress) {
		if as := x.dnsAtoms(k); x.free(as) {
			out = append(out, instance{key: x.keyOf(k, "allow-dns"), atoms: as,
				cue: "templates.#AllowDNS & {namespace: " + str(ns) + x.workloadField(k) + "}"})
		}
	}
	return out
}

// namespaceIsolation: every pod's ingress from its own namespace and
// others by name, on every port; with egress, the same namespaces and the
// cluster DNS.
func (x *index) namespaceIsolation(ns string) []instance {
	all := isoKey{subject{ns, ""}, ingress}
	var others []string
	self := false
	for _, a := range x.unused(all) {
		switch {
		case !a.port.All || a.peer.Pod != "":
		case a.peer.Own:
			self = true
		case a.peer.NSName != "":
			others = append(others, a.peer.NSName)
		}
	}
	if !self {
		return nil
	}
	slices.Sort(others)
	others = slices.Compact(others)
	peers := []peerKey{{Own: true}}
	names := make([]string, len(others))
	for i, n := range others {
		peers = append(peers, peerKey{NSName: n})
		names[i] = str(n)
	}
	in := instance{key: ns + "/namespace-isolation"}
	for _, p := range peers {
		in.atoms = append(in.atoms, atom{all, p, portKey{All: true}})
	}
	eg := isoKey{subject{ns, ""}, egress}
	var out []atom
	for _, p := range peers {
		out = append(out, atom{eg, p, portKey{All: true}})
	}
	out = append(out, x.dnsAtoms(eg)...)
	in.cue = "templates.#NamespaceIsolation & {namespace: " + str(ns) + ", allowFrom: [" + strings.Join(names, ", ") + "]"
	if x.free(out) {
		in.atoms = append(in.atoms, out...)
		in.cue += ", egress: true"
	}
	in.cue += "}"
	return []instance{in}
}
