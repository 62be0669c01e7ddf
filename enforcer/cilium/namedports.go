package cilium

import (
	"slices"
	"strconv"
	"strings"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/internal/inventory"
)

// Egress named ports by release. From 1.20 Cilium resolves an egress
// port name on the destination identities the rule selects
// (cilium/cilium#44429, #45760), as NetworkPolicy does on destination
// pods; the reading keeps the name for the model to resolve per
// destination. Before, it resolved the name against the named ports of
// every endpoint of the cluster (pkg/policy NamedPortMultiMap,
// GetNamedPort): one number when all endpoints declaring the name agree,
// and none — the port is left out of the policy — when they disagree or
// none declares it. The reading then does the same over the inventory,
// which it takes to be every endpoint of the cluster; host-network pods
// are not Cilium endpoints, so their ports do not count.

// namedPort is a port name with its protocol.
type namedPort struct{ name, protocol string }

// perDestination reports whether the cluster resolves egress named ports
// per destination.
func (c Config) perDestination() bool {
	v := c.Version
	if v == (ciliumapi.Version{}) {
		v = ciliumapi.DefaultVersion
	}
	return c.NamedPortsPerDestination || v.EgressNamedPortsPerDestination()
}

// clusterPorts lists the numbers the inventory's endpoints give each port
// name, sorted and distinct.
func clusterPorts(inv inventory.Inventory) map[namedPort][]int32 {
	out := map[namedPort][]int32{}
	for _, ep := range inv.Endpoints {
		if ep.HostNetwork {
			continue
		}
		for _, p := range ep.Ports {
			k := namedPort{p.Name, p.Protocol.String()}
			if !slices.Contains(out[k], p.Port) {
				out[k] = append(out[k], p.Port)
				slices.Sort(out[k])
			}
		}
	}
	return out
}

// resolveEgress resolves the egress named ports of toPorts cluster-wide
// (when c.clusterPorts is set): a name becomes its one number, or is left
// out. none is true when a rule that had ports is left with none: it then
// allows nothing (no ports at all would mean every port).
func (c Config) resolveEgress(toPorts []ciliumapi.PortRule) (out []ciliumapi.PortRule, none bool) {
	if c.clusterPorts == nil {
		return toPorts, false
	}
	for _, pr := range toPorts {
		if len(pr.Ports) == 0 {
			out = append(out, pr)
			continue
		}
		var ports []ciliumapi.PortProtocol
		for _, p := range pr.Ports {
			if _, err := strconv.Atoi(p.Port); err == nil {
				ports = append(ports, p)
				continue
			}
			nums := c.clusterPorts[namedPort{p.Port, strings.ToUpper(p.Protocol)}]
			if len(nums) == 1 {
				ports = append(ports, ciliumapi.PortProtocol{Port: strconv.Itoa(int(nums[0])), Protocol: p.Protocol})
			}
		}
		if len(ports) > 0 {
			pr.Ports = ports
			out = append(out, pr)
		}
	}
	return out, len(toPorts) > 0 && len(out) == 0
}
