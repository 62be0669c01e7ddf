package cilium

import (
	"fmt"
	"slices"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/settings"
)

// Config is what the reading depends on of the cluster's Cilium
// configuration. The zero value is Cilium's defaults.
type Config struct {
	// Labels is the identity label filter (nil: Cilium's default,
	// the default prefixes of ciliumapi).
	Labels *ciliumapi.LabelFilter
	// Version is the cluster's Cilium release (zero: the default).
	Version ciliumapi.Version
	// NamedPortsPerDestination declares that the cluster's Cilium
	// resolves egress named ports per destination whatever its release.
	NamedPortsPerDestination bool
	// clusterPorts, when set, are the numbers every endpoint of the
	// cluster gives each egress port name (releases that resolve them
	// cluster-wide).
	clusterPorts map[namedPort][]int32
	// namespaces, set by Read, are the inventory's namespaces, over which
	// isolating clusterwide policies expand (nil: not known).
	namespaces []inventory.Namespace
}

// defaultFilter is Cilium's default identity label filter.
var defaultFilter = func() *ciliumapi.LabelFilter {
	f, err := ciliumapi.NewLabelFilter(nil)
	if err != nil {
		panic(err) // the default list is constant
	}
	return f
}()

func (c Config) labels() *ciliumapi.LabelFilter {
	if c.Labels == nil {
		return defaultFilter
	}
	return c.Labels
}

// configFrom reads the target settings (enforcer.InterpretInput.Settings:
// "NAME=VALUE" keys for string-valued options, as kit.Settings writes
// them).
func configFrom(s settings.Settings) (Config, error) {
	v, err := ciliumapi.ParseVersion(s.Value(ciliumapi.SettingVersion, ""))
	if err != nil {
		return Config{}, fmt.Errorf("%w: %s: %v", enforcer.ErrInvalid, ciliumapi.SettingVersion, err)
	}
	f, err := v.LabelFilter(s.Values(ciliumapi.SettingIdentityLabels))
	if err != nil {
		return Config{}, fmt.Errorf("%w: %s: %v", enforcer.ErrInvalid, ciliumapi.SettingIdentityLabels, err)
	}
	return Config{Labels: f, Version: v, NamedPortsPerDestination: s[optionNamedPortsPerDestination]}, nil
}

// optionNamedPortsPerDestination is the emitter's boolean option saying
// the cluster resolves egress named ports per destination.
const optionNamedPortsPerDestination = "cilium-named-ports-per-destination"

// Read interprets policies over an inventory as a cluster configured
// with c runs them: the policies, the inventory as Cilium identifies its
// endpoints (host-network pods are the node: their labels select nothing
// and CIDRs never match their IPs) and the endpoints of the reserved
// identities.
func (c Config) Read(pols []ciliumapi.CiliumNetworkPolicy, inv inventory.Inventory) (*enforcer.Reading, error) {
	if !c.perDestination() {
		c.clusterPorts = clusterPorts(inv)
	}
	c.namespaces = append([]inventory.Namespace{}, inv.Namespaces...)
	if err := externalOverlap(pols, inv); err != nil {
		return nil, err
	}
	ps, err := c.Interpret(pols)
	if err != nil {
		return nil, err
	}
	seen := inv
	seen.Endpoints = slices.Clone(inv.Endpoints)
	for i, ep := range seen.Endpoints {
		if ep.HostNetwork {
			seen.Endpoints[i].Labels = map[string]string{markerKey: nodeHostNetwork}
			seen.Endpoints[i].IPs = nil
		}
	}
	return &enforcer.Reading{Policies: ps, Inventory: &seen, Reserved: reservedEndpoints()}, nil
}

// reservedEndpoints are the endpoints standing for Cilium's reserved
// identities other than the world, in reservedNamespace.
func reservedEndpoints() []inventory.Endpoint {
	out := make([]inventory.Endpoint, len(reservedNodes))
	for i, n := range reservedNodes {
		out[i] = inventory.Endpoint{Namespace: reservedNamespace, Name: n, Kind: kindReserved,
			Labels: map[string]string{markerKey: n}}
	}
	return out
}

// Interpreter reads a []ciliumapi.CiliumNetworkPolicy, the emitter's objects.
type Interpreter struct{}

var _ enforcer.Interpreter = Interpreter{}

// Interpret reads the policies as the cluster the settings describe runs
// them, over the build's inventory.
func (Interpreter) Interpret(objects any, in enforcer.InterpretInput) (*enforcer.Reading, error) {
	pols, ok := objects.([]ciliumapi.CiliumNetworkPolicy)
	if !ok {
		return nil, fmt.Errorf("cilium interpreter: got %T, want []CiliumNetworkPolicy", objects)
	}
	c, err := configFrom(in.Settings)
	if err != nil {
		return nil, err
	}
	return c.Read(pols, in.Inventory)
}
