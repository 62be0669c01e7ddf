package kerneltest

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// Route makes the node the pods' gateway to dst, as a node running
// kube-proxy is for Service addresses: every pod namespace routes dst via
// the node's address via (a Node pod's, on the bridge), the node routes it
// out of its bridge (so that its own connections have a route before its
// output DNAT), and the node forwards. Redirects are off: a node that
// forwards a packet back out of the bridge it came from would otherwise
// tell the pod to reach the backend directly.
func (c *Cluster) Route(dst netip.Prefix, via netip.Addr) {
	c.t.Helper()
	family, fwd := "-4", "echo 1 > /proc/sys/net/ipv4/ip_forward && echo 0 > /proc/sys/net/ipv4/conf/all/send_redirects && echo 0 > /proc/sys/net/ipv4/conf/br0/send_redirects"
	noRedirects := "echo 0 > /proc/sys/net/ipv4/conf/all/accept_redirects && echo 0 > /proc/sys/net/ipv4/conf/eth0/accept_redirects"
	if dst.Addr().Is6() {
		family, fwd = "-6", "echo 1 > /proc/sys/net/ipv6/conf/all/forwarding"
		noRedirects = "echo 0 > /proc/sys/net/ipv6/conf/all/accept_redirects && echo 0 > /proc/sys/net/ipv6/conf/eth0/accept_redirects"
	}
	c.run("ip", "netns", "exec", c.node, "sh", "-c", fwd)
	c.ip(c.node, family, "route", "add", dst.String(), "dev", "br0")
	for _, p := range c.pods {
		if p.ns == c.node {
			continue
		}
		c.run("ip", "netns", "exec", p.ns, "sh", "-c", noRedirects)
		c.ip(p.ns, family, "route", "add", dst.String(), "via", via.String(), "dev", "eth0")
	}
}

// AddNodeAddr gives the node an address of its own on its loopback, as a
// CNI gateway's or tunnel's address is: the node uses it, no pod has it.
func (c *Cluster) AddNodeAddr(a netip.Prefix) {
	c.t.Helper()
	c.addAddrs(c.node, "lo", []netip.Prefix{a})
}

// Check runs the probes (every disagreement once more, as Verify does) and
// fails t unless each is allowed exactly when want says so, listing the
// ones that are not. It returns the number of probes.
func (c *Cluster) Check(t testing.TB, probes []Probe, want func(Probe) bool) int {
	t.Helper()
	got := c.settle(probes, func(i int) bool { return want(probes[i]) })
	var bad []string
	for i, pr := range probes {
		if got[i].Allowed() != want(pr) || got[i] == Failed {
			bad = append(bad, fmt.Sprintf("  %s -> %s %s: %c, want allowed=%v",
				c.pods[pr.From].spec.Name, pr.To, pr.Port, got[i].char(), want(pr)))
		}
	}
	if len(bad) > 0 {
		t.Errorf("%d of %d probes disagree ('.' reachable, 'c' closed, 'X' dropped, '!' failed):\n%s",
			len(bad), len(probes), strings.Join(bad, "\n"))
	}
	return len(probes)
}

// settle probes, then probes once more, from a fresh source port and with
// a long wait, every probe that disagreed with want: a loaded machine can
// be slow to answer, and a flow a previous ruleset allowed can linger in
// conntrack. A rule that is really wrong disagrees again.
func (c *Cluster) settle(probes []Probe, want func(i int) bool) []Outcome {
	got := c.Probe(probes, probeTimeout)
	var retry []int
	for i := range probes {
		if got[i].Allowed() != want(i) || got[i] == Failed {
			retry = append(retry, i)
		}
	}
	if len(retry) == 0 {
		return got
	}
	again := make([]Probe, len(retry))
	for j, i := range retry {
		again[j] = probes[i]
	}
	for j, o := range c.Probe(again, retryTimeout) {
		got[retry[j]] = o
	}
	return got
}

// Ports are the ports the listeners serve (New leaves out SCTP where the
// kernel has none).
func (c *Cluster) Ports() []Port { return slices.Clone(c.ports) }
