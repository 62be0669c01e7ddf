package cilium

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
)

// Config is what the reading depends on of the cluster's Cilium
// configuration. The zero value is Cilium's defaults.
type Config struct {
	// Labels is the identity label filter (nil: Cilium's default,
	// ciliumapi.DefaultLabelPrefixes).
	Labels *ciliumapi.LabelFilter
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

// ConfigFrom reads the target settings (enforcer.InterpretInput.Settings:
// "NAME=VALUE" keys for string-valued options, as kit.Settings writes
// them).
func ConfigFrom(settings map[string]bool) (Config, error) {
	var extra []string
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		if v, ok := strings.CutPrefix(k, ciliumapi.SettingIdentityLabels+"="); ok && settings[k] {
			extra = append(extra, v)
		}
	}
	if len(extra) == 0 {
		return Config{}, nil
	}
	f, err := ciliumapi.NewLabelFilter(extra)
	if err != nil {
		return Config{}, fmt.Errorf("%w: %s: %v", enforcer.ErrInvalid, ciliumapi.SettingIdentityLabels, err)
	}
	return Config{Labels: f}, nil
}

// Read interprets policies over an inventory as a cluster configured
// with c runs them: the policies, the inventory as Cilium identifies its
// endpoints (host-network pods are the node: their labels select nothing
// and CIDRs never match their IPs) and the endpoints of the reserved
// identities.
func (c Config) Read(pols []ciliumapi.CiliumNetworkPolicy, inv inventory.Inventory) (*enforcer.Reading, error) {
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
	return &enforcer.Reading{Policies: ps, Inventory: &seen, Reserved: ReservedEndpoints()}, nil
}

// ReservedEndpoints are the endpoints standing for Cilium's reserved
// identities other than the world, in ReservedNamespace.
func ReservedEndpoints() []inventory.Endpoint {
	out := make([]inventory.Endpoint, len(reservedNodes))
	for i, n := range reservedNodes {
		out[i] = inventory.Endpoint{Namespace: ReservedNamespace, Name: n, Kind: KindReserved,
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
	c, err := ConfigFrom(in.Settings)
	if err != nil {
		return nil, err
	}
	return c.Read(pols, in.Inventory)
}
