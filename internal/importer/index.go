package importer

import (
	"fmt"
	"slices"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/manifests"
)

// index is the input's NetworkPolicies as atoms, with what the
// recognised templates have taken.
type index struct {
	// nps are the policies, normalised: policyTypes explicit, rules of
	// directions they do not isolate dropped, dead named ports pruned.
	nps  []manifests.NetworkPolicy
	subj []subject
	sels map[string]metav1.LabelSelector
	// iso and atoms say which policies isolate a subject or hold an atom;
	// bySubj lists each isolated subject's atoms in input order.
	iso     map[isoKey][]int
	atoms   map[atom][]int
	bySubj  map[isoKey][]atom
	used    map[atom]bool
	isoUsed map[isoKey]bool
	// workload is the workload a subject selects exactly; labels the pod
	// labels of each (namespace, workload); protos the protocols each
	// named port is declared with.
	workload map[subject]string
	labels   map[[2]string]map[string]string
	protos   map[string][]string
	// entryOf is the gateway in front of each backend recognised in the
	// namespace at hand (a #Tiers chain may start behind it).
	entryOf map[string]string
}

func newIndex(nps []manifests.NetworkPolicy, inv inventory.Inventory) *index {
	x := &index{sels: map[string]metav1.LabelSelector{}, iso: map[isoKey][]int{}, atoms: map[atom][]int{},
		bySubj: map[isoKey][]atom{}, used: map[atom]bool{}, isoUsed: map[isoKey]bool{}, protos: map[string][]string{}}
	x.workload, x.labels = workloadSubjects(inv)
	for _, ep := range inv.Endpoints {
		for _, p := range ep.Ports {
			if pr := p.Protocol.String(); !slices.Contains(x.protos[p.Name], pr) {
				x.protos[p.Name] = append(x.protos[p.Name], pr)
			}
		}
	}
	for i, np := range nps {
		x.nps = append(x.nps, np)
		s := subject{np.Namespace, x.sel(&np.Spec.PodSelector)}
		x.subj = append(x.subj, s)
		in, eg := types(np.NetworkPolicy)
		for d, on := range []bool{in, eg} {
			if !on {
				continue
			}
			k := isoKey{s, d}
			x.iso[k] = append(x.iso[k], i)
			for r := range rulesOf(np.NetworkPolicy, d) {
				peers, ports := x.ruleKeys(np.NetworkPolicy, d, r)
				for _, p := range peers {
					for _, q := range ports {
						a := atom{k, p, q}
						if len(x.atoms[a]) == 0 {
							x.bySubj[k] = append(x.bySubj[k], a)
						}
						if !slices.Contains(x.atoms[a], i) {
							x.atoms[a] = append(x.atoms[a], i)
						}
					}
				}
			}
		}
	}
	return x
}

// rulesOf is the number of rules of a policy in a direction.
func rulesOf(np networkingv1.NetworkPolicy, d int) int {
	if d == ingress {
		return len(np.Spec.Ingress)
	}
	return len(np.Spec.Egress)
}

// ruleRaw is one rule's peers and ports.
func ruleRaw(np networkingv1.NetworkPolicy, d, r int) ([]networkingv1.NetworkPolicyPeer, []networkingv1.NetworkPolicyPort) {
	if d == ingress {
		return np.Spec.Ingress[r].From, np.Spec.Ingress[r].Ports
	}
	return np.Spec.Egress[r].To, np.Spec.Egress[r].Ports
}

// ruleKeys is one rule's peer and port keys (All for none).
func (x *index) ruleKeys(np networkingv1.NetworkPolicy, d, r int) ([]peerKey, []portKey) {
	from, ports := ruleRaw(np, d, r)
	peers := []peerKey{{All: true}}
	if len(from) > 0 {
		peers = peers[:0]
		for _, p := range from {
			peers = append(peers, x.canonPeer(np.Namespace, p))
		}
	}
	pks := []portKey{{All: true}}
	if len(ports) > 0 {
		pks = pks[:0]
		for _, p := range ports {
			pks = append(pks, canonPort(p))
		}
	}
	return peers, pks
}

// unused is a subject's atoms no template has taken yet.
func (x *index) unused(k isoKey) []atom {
	var out []atom
	for _, a := range x.bySubj[k] {
		if !x.used[a] {
			out = append(out, a)
		}
	}
	return out
}

// instance is a recognised template: its `use` key, its CUE, and the
// isolation and atoms its expansion is made of.
type instance struct {
	key, cue string
	iso      []isoKey
	atoms    []atom
}

// take records a template whose expansion the input holds: every
// isolation and atom must be present (an atom may be one another
// template took already: union). It reports whether it was taken.
func (x *index) take(in instance) bool {
	for _, k := range in.iso {
		if len(x.iso[k]) == 0 {
			return false
		}
	}
	for _, a := range in.atoms {
		if len(x.atoms[a]) == 0 || len(x.iso[a.isoKey]) == 0 {
			return false
		}
	}
	for _, k := range in.iso {
		x.isoUsed[k] = true
	}
	for _, a := range in.atoms {
		x.used[a] = true
		x.isoUsed[a.isoKey] = true
	}
	return true
}

// sources is the comment naming the policies an instance came from.
func (x *index) sources(in instance) string {
	var idx []int
	for _, k := range in.iso {
		idx = append(idx, x.iso[k]...)
	}
	for _, a := range in.atoms {
		idx = append(idx, x.atoms[a]...)
	}
	slices.Sort(idx)
	var b strings.Builder
	for _, i := range slices.Compact(idx) {
		np := x.nps[i]
		fmt.Fprintf(&b, "\t// NetworkPolicy %s/%s (%s)\n", np.Namespace, np.Name, np.Source)
	}
	return b.String()
}
