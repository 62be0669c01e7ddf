package explain

import (
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/portset"
)

// Deciding is the tier that decided a connection from src to dst on the
// first port of ports (the port Origins probes): for a denied one, the
// layer of the direction that denied it (egress first); for an allowed
// one, the earliest layer that decided either direction (admin before
// the namespaced policies before baseline). LayerDefault when no tier
// decided (nothing isolates either end), LayerNone when it cannot be
// evaluated.
func Deciding(m *enforcer.Model, src, dst string, ports portset.Set) enforcer.Layer {
	proto, port, ok := probe(ports)
	if !ok || m == nil {
		return enforcer.LayerNone
	}
	v, err := m.Verdict(src, dst, proto, port)
	if err != nil {
		return enforcer.LayerNone
	}
	dirs := []enforcer.DirectionVerdict{v.Egress, v.Ingress}
	if !v.Allowed {
		for _, d := range dirs {
			if !d.Allowed && d.Layer != enforcer.LayerNone {
				return d.Layer
			}
		}
		return enforcer.LayerNone
	}
	best := enforcer.LayerDefault
	for _, d := range dirs {
		if layerRank(d.Layer) < layerRank(best) {
			best = d.Layer
		}
	}
	return best
}

// layerRank orders layers by when they decide.
func layerRank(l enforcer.Layer) int {
	switch l {
	case enforcer.LayerAdmin:
		return 0
	case enforcer.LayerNetworkPolicy:
		return 1
	case enforcer.LayerBaseline:
		return 2
	}
	return 3
}

// Layers are the layers that decided each direction of a connection on
// the first port of ports: egress at src, ingress at dst (LayerNone when
// it cannot be evaluated).
func Layers(m *enforcer.Model, src, dst string, ports portset.Set) (egress, ingress enforcer.Layer) {
	proto, port, ok := probe(ports)
	if !ok || m == nil {
		return enforcer.LayerNone, enforcer.LayerNone
	}
	v, err := m.Verdict(src, dst, proto, port)
	if err != nil {
		return enforcer.LayerNone, enforcer.LayerNone
	}
	return v.Egress.Layer, v.Ingress.Layer
}
