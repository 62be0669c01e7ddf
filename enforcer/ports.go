package enforcer

import (
	"strconv"
	"strings"

	"github.com/netpolc/netpolc/internal/portset"
)

// portSpec is the ports a rule names: fixed numbers and ranges, plus named
// ports that resolve on the destination endpoint.
type portSpec struct {
	fixed portset.Set
	named []namedRef
}

// namedRef is a named port in a rule. NetworkPolicy names carry a protocol
// that must match the container port's; admin named ports match the
// container port whatever its protocol (anyProto).
type namedRef struct {
	name     string
	proto    portset.Protocol
	anyProto bool
}

// dstPort is a named container port of a destination endpoint.
type dstPort struct {
	name  string
	proto portset.Protocol
	port  int32
	set   portset.Set // the port as a set, built once: resolve is hot
}

// allPorts is the spec of a rule without port restrictions.
func allPorts() portSpec { return portSpec{fixed: portset.All()} }

// resolve gives the ports the spec allows towards a destination with the
// given named ports (nil for an external address, where names match
// nothing).
func (ps portSpec) resolve(dst []dstPort) portset.Set { return ps.resolveIn(nil, dst) }

// resolveIn is resolve with its unions built by in (nil: afresh).
func (ps portSpec) resolveIn(in *portset.Interner, dst []dstPort) portset.Set {
	out := ps.fixed
	for _, n := range ps.named {
		for _, d := range dst {
			if d.name == n.name && (n.anyProto || d.proto == n.proto) {
				out = in.Union(out, d.set)
			}
		}
	}
	return out
}

// namedKey lists the port names that matter for named-port resolution, so
// groups whose relevant ports agree resolve identically.
func namedKey(ports []dstPort, relevant map[string]bool) string {
	var b strings.Builder
	for _, p := range ports {
		if relevant[p.name] {
			b.WriteString(p.name + "/" + p.proto.String() + "/")
			b.WriteString(strconv.Itoa(int(p.port)) + ";")
		}
	}
	return b.String()
}
