package adminpolicy

import (
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// otherProtocol returns a workload among ws that declares a port called
// name with a protocol other than proto, or false.
func otherProtocol(ws []ir.Workload, name string, proto portset.Protocol) (ir.Workload, bool) {
	for _, w := range ws {
		for _, p := range w.Ports {
			if p.Name == name && p.Protocol != proto {
				return w, true
			}
		}
	}
	return ir.Workload{}, false
}
