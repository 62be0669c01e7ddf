package cilium

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/emitters/kit"

	"github.com/netpolc/netpolc/internal/ir"
)

// maxPorts is the most ports a PortRule may list (the CRD's maxItems).
const maxPorts = 40

// ports validates the ports of rule b.rules[i] and returns them as Cilium
// ports, sorted and deduplicated, with the key identifying the set ("" for
// every port). keep is false when approximation dropped every port of a
// rule that had some: the rule then allows nothing and is left out (an
// empty port list would mean every port).
func (b *builder) ports(i int) (out []ciliumapi.PortProtocol, key string, keep bool, errs []error) {
	r := b.rules[i]
	ports := slices.Clone(r.Ports)
	for i := range ports {
		if ports[i].End == ports[i].Number {
			ports[i].End = 0
		}
	}
	slices.SortFunc(ports, func(a, b ir.Port) int {
		return cmp.Or(cmp.Compare(a.Protocol, b.Protocol), cmp.Compare(a.Number, b.Number),
			cmp.Compare(a.End, b.End), cmp.Compare(a.Name, b.Name))
	})
	ports = slices.Compact(ports)
	var keys []string
	for _, p := range ports {
		if err := kit.CheckPort(p); err != nil {
			errs = append(errs, err)
			continue
		}
		if p.Name != "" && r.Direction == ir.Egress && !b.perDestination() {
			if why := b.egressNamedPort(r, p); why != "" {
				if err := b.approximate(i, fmt.Sprintf("port %s/%s left out", p.Protocol, p.Name), why, namedPortFix); err != nil {
					errs = append(errs, err)
				}
				continue
			}
		}
		out = append(out, port(p))
		keys = append(keys, fmt.Sprintf("%s/%05d-%05d/%s", p.Protocol, p.Number, p.End, p.Name))
	}
	if len(errs) > 0 {
		return nil, "", false, errs
	}
	return out, strings.Join(keys, ","), len(ports) == 0 || len(out) > 0, nil
}

// perDestination reports whether the cluster's Cilium resolves egress
// named ports per destination (the option says so, or the release does).
func (b *builder) perDestination() bool {
	return b.opts.EgressNamedPortsPerDestination || b.version().EgressNamedPortsPerDestination()
}

// version is the cluster's Cilium release.
func (b *builder) version() ciliumapi.Version {
	if b.opts.Version == (ciliumapi.Version{}) {
		return ciliumapi.DefaultVersion
	}
	return b.opts.Version
}

// namedPortFix is what else the user can do about an egress named port
// Cilium would resolve cluster-wide.
var namedPortFix = "use a numeric port; or pass --" + ciliumapi.SettingVersion + "=1.20 (or later) if the cluster runs it, or --" +
	optionNamedPortsPerDestination + " if the cluster's Cilium resolves egress named ports per destination"

// port converts one validated IR port.
func port(p ir.Port) ciliumapi.PortProtocol {
	switch {
	case p.Name != "":
		return ciliumapi.PortProtocol{Port: p.Name, Protocol: p.Protocol.String()}
	case p.Number == 0:
		return ciliumapi.PortProtocol{Port: "0", Protocol: p.Protocol.String()} // every port of the protocol
	}
	return ciliumapi.PortProtocol{Port: strconv.Itoa(int(p.Number)), EndPort: p.End, Protocol: p.Protocol.String()}
}

// egressNamedPort explains why Cilium may not resolve an egress named port
// as NetworkPolicy does, or returns "". Before 1.20 Cilium resolves an
// egress port name against every pod of the cluster: one number for all
// destinations, none (the rule ignored) when pods disagree. That equals
// NetworkPolicy's per-destination resolution when every declared workload
// with the name agrees on number and protocol and every destination the
// rule selects declares it, or when no workload declares the name at all.
func (b *builder) egressNamedPort(r ir.Rule, p ir.Port) string {
	numbers := b.cl.PortNumbers(p.Name)
	if len(numbers) == 0 {
		return ""
	}
	if len(numbers) > 1 {
		return fmt.Sprintf("egress named port %q: declared workloads give it different numbers or protocols, which Cilium resolves cluster-wide", p.Name)
	}
	for np := range numbers {
		if np.Protocol != p.Protocol {
			return fmt.Sprintf("egress named port %s/%s: declared workloads give it protocol %s", p.Protocol, p.Name, np.Protocol)
		}
	}
	switch r.Peer.Kind {
	case ir.PeerPods, ir.PeerWorkload, ir.PeerDNS:
	default:
		return fmt.Sprintf("egress named port %q towards a %s peer: Cilium resolves it to a number for addresses outside the cluster too", p.Name, r.Peer.Kind)
	}
	for _, w := range b.cl.Selected(r.Subject.Namespace, r.Peer) {
		if !kit.Declares(w, p.Name, p.Protocol) {
			return fmt.Sprintf("egress named port %q: destination %s/%s does not declare it, and Cilium resolves the name cluster-wide", p.Name, w.Namespace, w.Name)
		}
	}
	return ""
}

// portRules packs ports into PortRules of at most maxPorts each; none for
// every port.
func portRules(ports []ciliumapi.PortProtocol) []ciliumapi.PortRule {
	var out []ciliumapi.PortRule
	for chunk := range slices.Chunk(ports, maxPorts) {
		out = append(out, ciliumapi.PortRule{Ports: chunk})
	}
	return out
}
