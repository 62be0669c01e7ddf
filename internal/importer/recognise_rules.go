package importer

import (
	"fmt"
	"slices"
	"strings"
)

// monitoring: ingress on one port from pods of a namespace named by name,
// when it looks like scraping (the namespace is "monitoring" or the port
// is named "metrics"): one #Monitoring for every pod of the namespace,
// one listing the workloads for the rest.
func (x *index) monitoring(ns string) []instance {
	type scrape struct {
		peer peerKey
		port portKey
	}
	var order []scrape
	byScrape := map[scrape][]isoKey{}
	for _, k := range x.subjects(ns, ingress) {
		for _, a := range x.unused(k) {
			if a.peer.NSName == "" && !a.peer.Own || a.port.All || a.peer.NSName != "monitoring" && a.port.Name != "metrics" {
				continue
			}
			s := scrape{a.peer, a.port}
			if byScrape[s] == nil {
				order = append(order, s)
			}
			byScrape[s] = append(byScrape[s], k)
		}
	}
	var out []instance
	for _, s := range order {
		from := s.peer.NSName
		if s.peer.Own {
			from = ns
		}
		base := "templates.#Monitoring & {namespace: " + str(ns)
		if from != "monitoring" {
			base += ", from: " + str(from)
		}
		if s.peer.Pod != "" {
			sel := x.sels[s.peer.Pod]
			base += ", scraper: " + selectorCUE(&sel)
		}
		if p := x.portCUE(s.port); p != `"metrics"` {
			base += ", port: " + p
		}
		var ws []string
		wl := instance{key: ns + "/monitoring"}
		for _, k := range byScrape[s] {
			a := atom{k, s.peer, s.port}
			if k.sel == "" {
				out = append(out, instance{key: ns + "/monitoring", cue: base + "}", atoms: []atom{a}})
				continue
			}
			ws = append(ws, str(x.workload[k.subject]))
			wl.atoms = append(wl.atoms, a)
		}
		if len(ws) > 0 {
			wl.cue = base + ", workloads: [" + strings.Join(ws, ", ") + "]}"
			out = append(out, wl)
		}
	}
	return out
}

// externalEgress: egress to ipBlocks, one #ExternalEgress per subject and
// set of ports.
func (x *index) externalEgress(ns string) []instance {
	var out []instance
	for _, k := range x.subjects(ns, egress) {
		var peers []peerKey
		ports := map[peerKey][]portKey{}
		for _, a := range x.unused(k) {
			if a.peer.CIDR == "" {
				continue
			}
			if ports[a.peer] == nil {
				peers = append(peers, a.peer)
			}
			ports[a.peer] = append(ports[a.peer], a.port)
		}
		var groups []string
		byPorts := map[string][]peerKey{}
		for _, p := range peers {
			ps := ports[p]
			if len(ps) > 1 && slices.ContainsFunc(ps, func(q portKey) bool { return q.All }) {
				continue // every port and some: left as a plain policy
			}
			g := fmt.Sprint(ps)
			if byPorts[g] == nil {
				groups = append(groups, g)
			}
			byPorts[g] = append(byPorts[g], p)
		}
		for _, g := range groups {
			out = append(out, x.externalInstance(k, byPorts[g], ports[byPorts[g][0]]))
		}
	}
	return out
}

func (x *index) externalInstance(k isoKey, peers []peerKey, ports []portKey) instance {
	in := instance{key: x.keyOf(k, "external-egress")}
	cidrs := make([]string, len(peers))
	for i, p := range peers {
		cidrs[i] = x.peerCUE(k.ns, p)
		for _, q := range ports {
			in.atoms = append(in.atoms, atom{k, p, q})
		}
	}
	in.cue = "templates.#ExternalEgress & {namespace: " + str(k.ns) + x.workloadField(k) + ", cidrs: [" + strings.Join(cidrs, ", ") + "]"
	if !ports[0].All {
		in.cue += ", ports: " + x.portsCUEList(ports)
	}
	in.cue += "}"
	return in
}
