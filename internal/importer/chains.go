package importer

import (
	"slices"
	"strings"
)

// #Gateway and #Tiers are chains of workloads of one namespace: W
// accepts traffic only from V (all W's untaken ingress atoms have the
// workload V as peer, on explicit ports), and the head of a chain accepts
// a product of peers and ports (`from`/`entry` × ports).

// ownPeer is the peer key of workload w of ns, from a policy in ns.
func (x *index) ownPeer(ns, w string) peerKey {
	return peerKey{Own: true, Pod: x.subjectOf(ns, w).sel}
}

// onlyFrom is the workload all of k's untaken ingress atoms come from,
// and their ports.
func (x *index) onlyFrom(k isoKey) (string, []portKey, bool) {
	as := x.unused(k)
	if len(as) == 0 {
		return "", nil, false
	}
	var from string
	var ports []portKey
	for _, a := range as {
		w, ok := x.workloadPeer(k.ns, a.peer)
		if !ok || strings.Contains(w, "/") || a.port.All || from != "" && w != from {
			return "", nil, false
		}
		from = w
		ports = append(ports, a.port)
	}
	return from, ports, true
}

// product is k's untaken ingress atoms as peers × ports (explicit ports).
func (x *index) product(k isoKey) ([]peerKey, []portKey, bool) {
	as := x.unused(k)
	var peers []peerKey
	var ports []portKey
	for _, a := range as {
		if a.port.All {
			return nil, nil, false
		}
		if !slices.Contains(peers, a.peer) {
			peers = append(peers, a.peer)
		}
		if !slices.Contains(ports, a.port) {
			ports = append(ports, a.port)
		}
	}
	return peers, ports, len(as) > 0 && len(as) == len(peers)*len(ports)
}

// workloadKeys are the ingress-isolated workload subjects of ns.
func (x *index) workloadKeys(ns string) []isoKey {
	var out []isoKey
	for _, k := range x.subjects(ns, ingress) {
		if k.sel != "" {
			out = append(out, k)
		}
	}
	return out
}

// succ is the workloads that accept traffic only from w, by name.
func (x *index) succ(ns, w string) []string {
	var out []string
	for _, k := range x.workloadKeys(ns) {
		if v, _, ok := x.onlyFrom(k); ok && v == w {
			out = append(out, x.workload[k.subject])
		}
	}
	return out
}

// chainFrom follows unique successors from w (w first).
func (x *index) chainFrom(ns, w string) []string {
	chain := []string{w}
	for {
		next := x.succ(ns, chain[len(chain)-1])
		if len(next) != 1 || slices.Contains(chain, next[0]) {
			return chain
		}
		chain = append(chain, next[0])
	}
}

// hop is the atoms of "to accepts from `from` on ports" and, for egress,
// "from may send to `to` on ports".
func (x *index) hop(ns, from, to string, ports []portKey) (in, out []atom) {
	ik := isoKey{x.subjectOf(ns, to), ingress}
	ek := isoKey{x.subjectOf(ns, from), egress}
	for _, p := range ports {
		in = append(in, atom{ik, x.ownPeer(ns, from), p})
		out = append(out, atom{ek, x.ownPeer(ns, to), p})
	}
	return in, out
}

// gateways: a workload that accepts a product of peers and ports and has
// two or more backends (or one that heads a chain of three: the shape of
// a gateway in front of tiers).
func (x *index) gateways(ns string) []instance {
	var out []instance
	for _, k := range x.workloadKeys(ns) {
		g := x.workload[k.subject]
		if _, _, only := x.onlyFrom(k); only {
			continue
		}
		from, ports, ok := x.product(k)
		backends := x.succ(ns, g)
		if !ok || len(backends) == 0 || len(backends) == 1 && len(x.chainFrom(ns, backends[0])) < 3 {
			continue
		}
		in := instance{key: ns + "/gateway"}
		if g != "gateway" {
			in.key += "-" + g
		}
		for _, p := range from {
			for _, q := range ports {
				in.atoms = append(in.atoms, atom{k, p, q})
			}
		}
		var bs []string
		var egressAtoms []atom
		for _, b := range backends {
			_, bp, _ := x.onlyFrom(isoKey{x.subjectOf(ns, b), ingress})
			hi, he := x.hop(ns, g, b, bp)
			in.atoms = append(in.atoms, hi...)
			egressAtoms = append(egressAtoms, he...)
			bs = append(bs, "{workload: "+str(b)+", ports: "+x.portsCUEList(bp)+"}")
			x.entryOf[b] = g
		}
		in.cue = "templates.#Gateway & {namespace: " + str(ns) + ", gateway: " + str(g) + ", ports: " + x.portsCUEList(ports)
		if len(from) != 1 || !from[0].All {
			in.cue += ", from: " + x.peersCUEList(ns, from)
		}
		in.cue += ", backends: [" + strings.Join(bs, ", ") + "]"
		if x.free(egressAtoms) {
			in.atoms = append(in.atoms, egressAtoms...)
		} else {
			in.cue += ", egress: false"
		}
		in.cue += "}"
		out = append(out, in)
	}
	return out
}
