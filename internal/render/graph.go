package render

import (
	"strconv"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/portset"
)

// graph is the matrix as dot, mermaid and html draw it: workloads grouped
// by namespace; unless expanded, the external peers one "world" node and
// the DNS servers' many identical DNS edges one edge per source namespace
// (drawn from the namespace's box).
type graph struct {
	nodes  []gnode
	groups [][]int // runs of nodes sharing a namespace, external last
	edges  []gedge
	fromNS map[string]bool // namespaces with an edge from all of them
}

type gnode struct {
	name, namespace string
	external, dns   bool
}

// gedge is one drawn edge; from a whole namespace when fromNS is set.
type gedge struct {
	src, dst int
	fromNS   string
	lines    []string // the label, one entry a line
}

// dnsPorts are the ports a collapsed DNS edge may carry.
var dnsPorts = portset.Port(portset.UDP, 53).Union(portset.Port(portset.TCP, 53))

// isDNS reports whether a workload is the cluster's DNS: kube-system's
// kube-dns or coredns.
func isDNS(namespace, name string) bool {
	return namespace == "kube-system" && strings.Contains(strings.TrimPrefix(name, "kube-system/"), "dns")
}

// buildGraph draws view v; expand keeps every external peer and DNS edge.
func buildGraph(v *view, expand bool) *graph {
	g := &graph{}
	of := make([]int, v.Nodes()) // view node → graph node
	world := -1
	for n, ep := range v.Endpoints {
		ext := ep.Kind == enforcer.KindExternal
		if ext && !expand {
			if world < 0 {
				world = len(g.nodes)
				g.nodes = append(g.nodes, gnode{name: "world", external: true})
			}
			of[n] = world
			continue
		}
		of[n] = len(g.nodes)
		g.nodes = append(g.nodes, gnode{name: ep.Name, namespace: ep.Namespace, external: ext, dns: !expand && isDNS(ep.Namespace, ep.Name)})
	}
	for i, nd := range g.nodes {
		if i == 0 || nd.namespace != g.nodes[i-1].namespace || nd.external != g.nodes[i-1].external {
			g.groups = append(g.groups, nil)
		}
		g.groups[len(g.groups)-1] = append(g.groups[len(g.groups)-1], i)
	}
	g.edges = collectEdges(v, of, world, g)
	g.fromNS = map[string]bool{}
	for _, e := range g.edges {
		if e.fromNS != "" {
			g.fromNS[e.fromNS] = true
		}
	}
	return g
}

// part is one view pair folded into a drawn edge.
type part struct {
	peer  string // the external peer's name, for edges to or from world
	ports portset.Set
}

// collectEdges folds the view's pairs into drawn edges.
func collectEdges(v *view, of []int, world int, g *graph) []gedge {
	type key struct{ src, dst int }
	parts := map[key][]part{}
	var order []key
	cur := v.cursor()
	for n := range v.Nodes() {
		for _, t := range cur.Targets(n) {
			k := key{of[n], of[t.Node]}
			if _, ok := parts[k]; !ok {
				order = append(order, k)
			}
			peer := ""
			if k.src == world {
				peer = v.Endpoints[n].Name
			} else if k.dst == world {
				peer = v.Endpoints[t.Node].Name
			}
			parts[k] = append(parts[k], part{peer, v.PortSets[t.Ports]})
		}
	}
	externals := 0
	for _, ep := range v.Endpoints {
		if ep.Kind == enforcer.KindExternal {
			externals++
		}
	}
	var edges []gedge
	for _, k := range order {
		edges = append(edges, gedge{src: k.src, dst: k.dst, lines: edgeLines(parts[k], externals, k.src == world)})
	}
	return collapseDNS(g, edges)
}

// edgeLines labels an edge: its ports, or, for a world edge whose peers
// differ, one line per peer ("TCP/443 to 203.0.113.0/25").
func edgeLines(ps []part, externals int, fromWorld bool) []string {
	same := true
	for _, p := range ps[1:] {
		same = same && p.ports.Equal(ps[0].ports)
	}
	if ps[0].peer == "" || same && len(ps) == externals {
		return []string{ps[0].ports.String()}
	}
	lines := make([]string, len(ps))
	for i, p := range ps {
		if fromWorld {
			lines[i] = "from " + p.peer + ": " + p.ports.String()
		} else {
			lines[i] = p.ports.String() + " to " + p.peer
		}
	}
	return lines
}

// collapseDNS replaces the DNS edges of a namespace whose every workload
// has the same one (DNS ports only) with one edge from the namespace.
func collapseDNS(g *graph, edges []gedge) []gedge {
	type key struct {
		ns    string
		dst   int
		label string
	}
	count := map[key]int{}
	size := map[string]int{}
	for _, nd := range g.nodes {
		if !nd.external {
			size[nd.namespace]++
		}
	}
	keyOf := func(e gedge) (key, bool) {
		s, d := g.nodes[e.src], g.nodes[e.dst]
		if !d.dns || s.external || s.dns || len(e.lines) != 1 {
			return key{}, false
		}
		p, err := portset.Parse(e.lines[0])
		return key{s.namespace, e.dst, e.lines[0]}, err == nil && p.Subtract(dnsPorts).IsEmpty()
	}
	for _, e := range edges {
		if k, ok := keyOf(e); ok {
			count[k]++
		}
	}
	var out []gedge
	done := map[key]bool{}
	for _, e := range edges {
		k, ok := keyOf(e)
		if !ok || count[k] < 2 || count[k] != size[k.ns] {
			out = append(out, e)
			continue
		}
		if !done[k] {
			done[k] = true
			out = append(out, gedge{src: e.src, dst: e.dst, fromNS: k.ns, lines: []string{e.lines[0] + " (all " + strconv.Itoa(count[k]) + ")"}})
		}
	}
	return out
}
