package knp

import (
	"context"
	"net"
	_ "unsafe" // go:linkname: the engine's packet verdict is unexported

	v1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kube-network-policies/pkg/networkpolicy"
)

// packet mirrors the unexported packet type of kube-network-policies
// v0.8.0 (pkg/networkpolicy/packet.go), field for field, so that
// evaluatePacket can be called with it. A version bump that changes that
// struct must change this one (TestEngineSanity fails otherwise: every
// verdict would be garbage).
type packet struct {
	id      uint32
	family  v1.IPFamily
	srcIP   net.IP
	dstIP   net.IP
	proto   v1.Protocol
	srcPort int
	dstPort int
	payload []byte
}

// evaluatePacket is (*Controller).evaluatePacket of kube-network-policies
// v0.8.0 (pkg/networkpolicy/controller.go): the verdict its nfqueue
// handler applies to the first packet of a connection, admin policies,
// NetworkPolicies and baseline admin policies in that order.
//
//go:linkname evaluatePacket sigs.k8s.io/kube-network-policies/pkg/networkpolicy.(*Controller).evaluatePacket
func evaluatePacket(c *networkpolicy.Controller, ctx context.Context, p packet) bool
