package enforcer

import (
	"fmt"

	"github.com/netpolc/netpolc/internal/portset"
)

// Everyone is what an endpoint allows a peer that only "everything" peers
// match (an empty from/to, PeerAll): the ports it accepts from such a peer
// (ingress) and may open to it (egress; the peer declares no named port).
//
// It is the reference for endpoints NetworkPolicy leaves to the
// implementation, such as the node a pod runs on or Cilium's reserved
// identities: the proof fails closed by letting a target allow them no
// more than the intents allow everyone (ARCHITECTURE.md §3).
func (m *Model) Everyone(endpoint string) (ingress, egress portset.Set, err error) {
	i, ok := m.byID[endpoint]
	if !ok {
		return portset.Empty(), portset.Empty(), fmt.Errorf("%w: %s", ErrUnknownEndpoint, endpoint)
	}
	g, other := m.groups[m.epGroup[i]], m.groups[m.otherGroup]
	in := dirQuery{subj: g.subj[dIngress], peer: other.peerBits[dIngress], dstPorts: g.ports}
	out := dirQuery{subj: g.subj[dEgress], peer: other.peerBits[dEgress]}
	return m.evalDir(dIngress, &in, portset.All(), nil), m.evalDir(dEgress, &out, portset.All(), nil), nil
}
