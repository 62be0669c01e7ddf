// Package gen generates synthetic clusters, deterministically from a seed,
// for benchmarks and property tests: namespaces with team and env labels,
// tiered workloads with named ports and (optionally) pod IPs, and a mix of
// the NetworkPolicy patterns real clusters use, edge cases included.
//
// YAML renders a generated (or any) manifests.Set as multi-document YAML
// that manifests.Parse reads back to the same Set.
package gen

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"

	"github.com/netpolc/netpolc/internal/portset"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/manifests"
)

// Config sizes a generated cluster. The counts are exact.
type Config struct {
	// Seed makes the output: the same Config always gives the same Set.
	Seed int64
	// Namespaces counts all namespaces, kube-system (holding the cluster
	// DNS) and, from three on, monitoring included. It is taken as 1 when
	// there are workloads or policies to place.
	Namespaces int
	// Workloads counts all endpoints, the kube-dns Deployment (and, with
	// a monitoring namespace, prometheus) included.
	Workloads int
	// Policies counts the NetworkPolicies.
	Policies int
	// ClusterPolicies counts the ClusterNetworkPolicies (v1alpha2, Admin
	// and Baseline tiers).
	ClusterPolicies int
	// PodIPs gives every workload one to three pods with known IPs from
	// 10.0.0.0/8, and some of them IPv6 addresses from fd00::/8 as well.
	PodIPs bool
}

// Generate builds the cluster cfg describes, sorted as manifests.Load
// returns it.
func Generate(cfg Config) *manifests.Set {
	g := &generator{
		cfg:  cfg,
		rng:  rand.New(rand.NewPCG(uint64(cfg.Seed), 0x6e6574706f6c63)),
		next: 1 << 8, // the first pod IP is 10.0.1.0
	}
	if cfg.Namespaces < 1 && cfg.Workloads+cfg.Policies > 0 {
		g.cfg.Namespaces = 1
	}
	g.namespaces()
	g.workloads()
	g.policies()
	g.clusterPolicies()
	g.set.Sort()
	return &g.set
}

type generator struct {
	cfg  Config
	rng  *rand.Rand
	set  manifests.Set
	next uint32 // the next pod IP, as an offset in 10.0.0.0/8
	// apps are the namespaces applications and their policies go in.
	apps []*appNamespace
}

// appNamespace is a namespace with the workloads placed in it so far.
type appNamespace struct {
	Name, Team, Env string
	Tiers           map[string]int    // tier → workloads of it
	Names           map[string]bool   // policy names used
	Peers           []*appNamespace   // namespaces of the same team
	Labels          map[string]string // namespace labels
}

var (
	teams = []string{"shop", "payments", "search", "identity", "analytics", "media", "mail", "ads", "data", "billing"}
	envs  = []string{"prod", "staging", "dev"}
)

func (g *generator) namespaces() {
	used := map[string]int{}
	for i := range g.cfg.Namespaces {
		ns := inventory.Namespace{Labels: map[string]string{}}
		switch {
		case i == 0:
			ns.Name = "kube-system"
		case i == 1 && g.cfg.Namespaces >= 3:
			ns.Name = "monitoring"
			ns.Labels["team"], ns.Labels["env"], ns.Labels["purpose"] = "platform", "prod", "monitoring"
		default:
			team, env := teams[g.rng.IntN(len(teams))], envs[g.rng.IntN(len(envs))]
			ns.Name = team + "-" + env
			if used[ns.Name]++; used[ns.Name] > 1 {
				ns.Name = fmt.Sprintf("%s-%d", ns.Name, used[ns.Name])
			}
			ns.Labels["team"], ns.Labels["env"] = team, env
			g.apps = append(g.apps, &appNamespace{Name: ns.Name, Team: team, Env: env,
				Tiers: map[string]int{}, Names: map[string]bool{}, Labels: ns.Labels})
		}
		ns.Labels[inventory.MetadataNameLabel] = ns.Name
		g.set.Inventory.Namespaces = append(g.set.Inventory.Namespaces, ns)
	}
	if len(g.apps) == 0 && len(g.set.Inventory.Namespaces) > 0 {
		// Too few namespaces for applications of their own: share.
		ns := g.set.Inventory.Namespaces[len(g.set.Inventory.Namespaces)-1]
		g.apps = append(g.apps, &appNamespace{Name: ns.Name, Team: "platform", Env: "prod",
			Tiers: map[string]int{}, Names: map[string]bool{}, Labels: ns.Labels})
	}
	byTeam := map[string][]*appNamespace{}
	for _, a := range g.apps {
		byTeam[a.Team] = append(byTeam[a.Team], a)
	}
	for _, a := range g.apps {
		a.Peers = byTeam[a.Team]
	}
}

// tier is one kind of application component.
type tier struct {
	Name  string
	Kinds []string // workload kinds it comes as, the first most often
	Ports []ir.NamedPort
}

var tiers = []tier{
	{"gateway", []string{"Deployment"}, []ir.NamedPort{port("http", 8080, portset.TCP), port("https", 8443, portset.TCP), port("metrics", 9090, portset.TCP)}},
	{"web", []string{"Deployment", "ReplicaSet"}, []ir.NamedPort{port("http", 8080, portset.TCP), port("metrics", 9090, portset.TCP)}},
	{"app", []string{"Deployment", "ReplicationController", "Pod"}, []ir.NamedPort{port("grpc", 9000, portset.TCP), port("http", 8080, portset.TCP), port("metrics", 9090, portset.TCP)}},
	{"db", []string{"StatefulSet"}, []ir.NamedPort{port("metrics", 9187, portset.TCP), port("postgres", 5432, portset.TCP)}},
	{"cache", []string{"StatefulSet", "Deployment"}, []ir.NamedPort{port("metrics", 9121, portset.TCP), port("redis", 6379, portset.TCP)}},
	{"worker", []string{"Job", "CronJob", "DaemonSet"}, []ir.NamedPort{port("metrics", 9090, portset.TCP), port("stats", 8125, portset.UDP)}},
}

func (g *generator) workloads() {
	n := g.cfg.Workloads
	if n > 0 && len(g.set.Inventory.Namespaces) > 0 {
		g.add(inventory.Endpoint{Namespace: "kube-system", Name: "coredns", Kind: "Deployment",
			Labels: map[string]string{"k8s-app": "kube-dns"},
			Ports:  []ir.NamedPort{port("dns", 53, portset.UDP), port("dns-tcp", 53, portset.TCP), port("metrics", 9153, portset.TCP)}})
		n--
	}
	if n > 0 && g.cfg.Namespaces >= 3 {
		g.add(inventory.Endpoint{Namespace: "monitoring", Name: "prometheus", Kind: "StatefulSet",
			Labels: map[string]string{"app": "prometheus"},
			Ports:  []ir.NamedPort{port("web", 9090, portset.TCP)}})
		n--
	}
	for i := range n {
		a := g.apps[i%len(g.apps)]
		t := tiers[(i/len(g.apps))%len(tiers)]
		name := t.Name
		if a.Tiers[t.Name]++; a.Tiers[t.Name] > 1 {
			name = fmt.Sprintf("%s-%d", t.Name, a.Tiers[t.Name])
		}
		kind := t.Kinds[0]
		if g.rng.IntN(4) == 0 {
			kind = t.Kinds[g.rng.IntN(len(t.Kinds))]
		}
		ports := append([]ir.NamedPort(nil), t.Ports...)
		if g.rng.IntN(5) == 0 {
			// The same port name on another number, so named ports
			// resolve differently per destination.
			ports[0].Port++
		}
		g.add(inventory.Endpoint{Namespace: a.Name, Name: name, Kind: kind,
			Labels: map[string]string{"app": name, "tier": t.Name, "version": fmt.Sprintf("v%d", 1+g.rng.IntN(2))},
			Ports:  manifests.SortPorts(ports)})
	}
}

// add adds e with its pods' IPs when the config asks for them.
func (g *generator) add(e inventory.Endpoint) {
	if g.cfg.PodIPs {
		pods := 1 + g.rng.IntN(3)
		if e.Kind == "Pod" || e.Kind == "Job" {
			pods = 1
		}
		dual := g.rng.IntN(7) == 0
		for range pods {
			c := g.next
			g.next++
			e.IPs = append(e.IPs, netip.AddrFrom4([4]byte{10, byte(c >> 16), byte(c >> 8), byte(c)}))
			if dual {
				e.IPs = append(e.IPs, netip.AddrFrom16([16]byte{0: 0xfd, 1: 0x00, 13: byte(c >> 16), 14: byte(c >> 8), 15: byte(c)}))
			}
		}
		e.IPs = sortAddrs(e.IPs)
	}
	g.set.Inventory.Endpoints = append(g.set.Inventory.Endpoints, e)
}

func sortAddrs(ips []netip.Addr) []netip.Addr {
	slices.SortFunc(ips, netip.Addr.Compare)
	return ips
}

func port(name string, number int32, proto portset.Protocol) ir.NamedPort {
	return ir.NamedPort{Name: name, Port: number, Protocol: proto}
}
