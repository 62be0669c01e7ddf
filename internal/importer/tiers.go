package importer

import "strings"

// tiers: chains of two or more workloads, each accepting traffic only
// from the one before; the head accepts a product of peers and ports
// (`entry`), or is the backend of a gateway (entry: that gateway).
func (x *index) tiers(ns string) []instance {
	var out []instance
	for _, k := range x.workloadKeys(ns) {
		head := x.workload[k.subject]
		var entry []peerKey
		var ports []portKey
		var in instance
		if g, ok := x.entryOf[head]; ok {
			entry = []peerKey{x.ownPeer(ns, g)}
			_, ports = x.gatewayPorts(ns, g, head)
		} else {
			if _, _, only := x.onlyFrom(k); only {
				continue
			}
			var ok bool
			if entry, ports, ok = x.product(k); !ok {
				continue
			}
		}
		chain := x.chainFrom(ns, head)
		if len(chain) < 2 || len(ports) == 0 {
			continue
		}
		for _, p := range entry {
			for _, q := range ports {
				in.atoms = append(in.atoms, atom{k, p, q})
			}
		}
		out = append(out, x.tiersInstance(ns, chain, entry, ports, in))
	}
	return out
}

// gatewayPorts are the ports a backend accepts from its gateway (the
// gateway's atoms, taken by the #Gateway already).
func (x *index) gatewayPorts(ns, g, b string) (peerKey, []portKey) {
	p := x.ownPeer(ns, g)
	var ports []portKey
	for _, a := range x.bySubj[isoKey{x.subjectOf(ns, b), ingress}] {
		if a.peer == p && !a.port.All {
			ports = append(ports, a.port)
		}
	}
	return p, ports
}

func (x *index) tiersInstance(ns string, chain []string, entry []peerKey, ports []portKey, in instance) instance {
	in.key = ns + "/tiers-" + chain[0]
	tiers := []string{"{workload: " + str(chain[0]) + ", ports: " + x.portsCUEList(ports) + "}"}
	var egressAtoms []atom
	for i := 1; i < len(chain); i++ {
		_, ps, _ := x.onlyFrom(isoKey{x.subjectOf(ns, chain[i]), ingress})
		hi, he := x.hop(ns, chain[i-1], chain[i], ps)
		in.atoms = append(in.atoms, hi...)
		egressAtoms = append(egressAtoms, he...)
		tiers = append(tiers, "{workload: "+str(chain[i])+", ports: "+x.portsCUEList(ps)+"}")
	}
	in.cue = "templates.#Tiers & {namespace: " + str(ns) + ", tiers: [" + strings.Join(tiers, ", ") + "]"
	if len(entry) != 1 || !entry[0].All {
		in.cue += ", entry: " + x.peersCUEList(ns, entry)
	}
	if x.free(egressAtoms) {
		in.atoms = append(in.atoms, egressAtoms...)
	} else {
		in.cue += ", egress: false"
	}
	in.cue += "}"
	return in
}
