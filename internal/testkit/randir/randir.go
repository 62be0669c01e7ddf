// Package randir generates random but valid IR policies, with the inventory
// of their declared namespaces and workloads, for property tests: every
// emitter's output, interpreted, must give the same connectivity as the
// NetworkPolicy target over that inventory.
//
// The generator draws from small vocabularies of labels, port names,
// address blocks and selectors so that peers and subjects overlap often:
// selectors that match nothing, or CIDRs far from every pod IP, would test
// little. Everything is deterministic by seed.
//
// The package also holds what the target emitters' tests share: the IR of
// every example (Examples), hand-written corner cases (Cases), and the
// comparison of two policy sets' connectivity on a common set of external
// peers (Compare, Diff, Wider). The emitters' schema tests validate what
// they build from these with internal/crdcheck (the API server's CRD code).
package randir

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/internal/portset"

	"github.com/netpolc/netpolc/internal/diag"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// file is the Origin.File of every generated isolation and rule.
const file = "randir.cue"

// nameLabel is the label the API server puts on every namespace.
const nameLabel = inventory.MetadataNameLabel

// Generate returns a random, valid IR policy and the inventory of its
// declared namespaces and workloads (enforcer.InventoryFromIR), both
// determined by seed. size scales the policy: about size workloads and
// 2*size rules; sizes below 1 count as 1.
//
// The policy uses every peer kind but FQDN (workload, pods with namespace
// and pod selectors including matchExpressions, the cluster DNS, CIDRs with
// except, the world, everything) and every port form (numbers, ranges,
// named ports, protocol-only, none). Every rule's subject and direction is
// isolated, as the emitters require.
func Generate(seed int64, size int) (*ir.Policy, inventory.Inventory) {
	size = max(size, 1)
	g := &gen{r: rand.New(rand.NewPCG(uint64(seed), 0x6e6574706f6c63)), p: &ir.Policy{}}
	g.namespaces(size)
	g.workloads(size)
	g.p.DNS = ir.Peer{Kind: ir.PeerDNS, Namespaces: nameSel("kube-system"),
		Pods: &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}}}
	g.policy(size)
	return g.p, enforcer.InventoryFromIR(g.p)
}

// gen holds the generator's state.
type gen struct {
	r    *rand.Rand
	p    *ir.Policy
	line int
}

// origin returns the next origin, one line per generated element.
func (g *gen) origin() ir.Origin {
	g.line++
	return ir.Origin{Pos: diag.Pos{File: file, Line: g.line, Col: 3}}
}

// pick returns a random element of xs.
func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// chance reports true with probability pct percent.
func (g *gen) chance(pct int) bool { return g.r.IntN(100) < pct }

var (
	teams = []string{"red", "blue"}
	envs  = []string{"prod", "dev"}
	tiers = []string{"a", "b", "c"}
	kinds = []string{"Deployment", "StatefulSet", "DaemonSet", "Pod"}
)

// namespaces declares kube-system and 1 to 1+size/3 team namespaces.
func (g *gen) namespaces(size int) {
	g.p.Namespaces = append(g.p.Namespaces, ir.Namespace{Name: "kube-system",
		Labels: map[string]string{nameLabel: "kube-system"}, Origin: g.origin()})
	n := 1 + g.r.IntN(1+min(size/3, 5))
	for i := range n {
		name := fmt.Sprintf("n%d", i)
		labels := map[string]string{nameLabel: name}
		if g.chance(60) {
			labels["team"] = pick(g.r, teams)
		}
		if g.chance(50) {
			labels["env"] = pick(g.r, envs)
		}
		g.p.Namespaces = append(g.p.Namespaces, ir.Namespace{Name: name, Labels: labels, Origin: g.origin()})
	}
}

// portVocab is the named ports workloads declare. "svc" has a different
// protocol from workload to workload, so named-port protocol matching
// matters.
var portVocab = []ir.NamedPort{
	{Name: "http", Port: 80, Protocol: portset.TCP},
	{Name: "http", Port: 8080, Protocol: portset.TCP},
	{Name: "grpc", Port: 9090, Protocol: portset.TCP},
	{Name: "dns", Port: 53, Protocol: portset.UDP},
	{Name: "metrics", Port: 9100, Protocol: portset.TCP},
	{Name: "metrics", Port: 9102, Protocol: portset.TCP},
	{Name: "stream", Port: 7000, Protocol: portset.SCTP},
	{Name: "svc", Port: 8443, Protocol: portset.TCP},
	{Name: "svc", Port: 5000, Protocol: portset.UDP},
}

// workloads declares the cluster DNS and about size workloads spread over
// the team namespaces.
func (g *gen) workloads(size int) {
	g.p.Workloads = append(g.p.Workloads, ir.Workload{
		Namespace: "kube-system", Name: "coredns", Kind: "Deployment",
		Labels: map[string]string{"k8s-app": "kube-dns"},
		Ports: []ir.NamedPort{{Name: "dns", Port: 53, Protocol: portset.UDP},
			{Name: "dns-tcp", Port: 53, Protocol: portset.TCP}, {Name: "metrics", Port: 9153, Protocol: portset.TCP}},
		Origin: g.origin(),
	})
	teamNS := g.p.Namespaces[1:]
	for i := range size {
		ns := teamNS[g.r.IntN(len(teamNS))]
		w := ir.Workload{Namespace: ns.Name, Name: fmt.Sprintf("w%d", i), Kind: pick(g.r, kinds), Origin: g.origin()}
		w.Labels = map[string]string{"app": w.Name}
		if g.chance(70) {
			w.Labels["tier"] = pick(g.r, tiers)
		}
		if g.chance(40) {
			w.Labels["team"] = pick(g.r, teams)
		}
		w.Ports = g.namedPorts()
		if g.chance(35) {
			w.IPs = g.ips(i)
		}
		g.p.Workloads = append(g.p.Workloads, w)
	}
	slices.SortFunc(g.p.Workloads, func(a, b ir.Workload) int {
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
}

// namedPorts draws up to three ports with distinct names, sorted by name.
func (g *gen) namedPorts() []ir.NamedPort {
	var out []ir.NamedPort
	for range g.r.IntN(4) {
		p := pick(g.r, portVocab)
		if !slices.ContainsFunc(out, func(q ir.NamedPort) bool { return q.Name == p.Name }) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b ir.NamedPort) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// ips gives workload i one or two pod IPs, inside the blocks rules use.
func (g *gen) ips(i int) []string {
	out := []string{fmt.Sprintf("10.%d.%d.%d", g.r.IntN(3), i%4, 1+i)}
	if g.chance(30) {
		out = append(out, fmt.Sprintf("2001:db8:0:%x::%x", g.r.IntN(3), 1+i))
	}
	if g.chance(15) {
		out = append(out, fmt.Sprintf("192.168.%d.%d", i%4, 1+i))
	}
	return out
}

// nameSel selects the namespace called name.
func nameSel(name string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{nameLabel: name}}
}
