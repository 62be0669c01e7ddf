package kerneltest

import (
	"fmt"
	"os/exec"
)

// ProbeFlow is the flow a probe opens: from the source pod's address of
// the destination's family (the first, as the kernel picks the primary
// one), or false when the pod has none.
func (c *Cluster) ProbeFlow(pr Probe) (Flow, bool) {
	for _, a := range c.pods[pr.From].spec.Addrs {
		if a.Addr().Is4() == pr.To.Is4() {
			return Flow{Src: a.Addr(), Dst: pr.To, Proto: pr.Port.Proto, DPort: pr.Port.Num}, true
		}
	}
	return Flow{}, false
}

// Conntrack lists the connections in the node namespace's conntrack
// table (/proc/net/nf_conntrack, read inside that namespace), each by its
// original direction, TCP, UDP and SCTP only: with br_netfilter the node
// tracks every connection it bridges between pods, whatever their state
// (a TCP connection to a closed port stays as CLOSE for seconds, one that
// completed as TIME_WAIT for two minutes, UDP for 30 s).
func (c *Cluster) Conntrack() ([]Flow, error) {
	out, err := exec.Command("ip", "netns", "exec", c.node, "cat", "/proc/net/nf_conntrack").Output()
	if err != nil {
		return nil, fmt.Errorf("read the conntrack table: %w", err)
	}
	return parseConntrack(out)
}
