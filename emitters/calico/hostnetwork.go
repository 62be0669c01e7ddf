package calico

import (
	"fmt"
	"slices"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
)

// hostNetworkHint says what to do about a host-network pod in a subject
// or peer.
const hostNetworkHint = "Calico makes no workload endpoint of a host-network pod (libcalico-go/lib/backend/k8s/conversion/conversion.go, IsValidCalicoWorkloadEndpoint): it is its node, reached through host endpoints; narrow the selector so that it leaves the pod out"

// hostNetworkPod is the first host-network pod a pod peer selects from a
// subject in namespace ns, "" when none (or no cluster is known).
func (b *builder) hostNetworkPod(ns string, p ir.Peer) string {
	if b.opts.Cluster == nil || p.Kind == ir.PeerAll || p.Pods == nil && p.Namespaces == nil {
		return ""
	}
	if w, ok := b.opts.Cluster.HostNetworkSelected(ns, p); ok {
		return w.Namespace + "/" + w.Name
	}
	return ""
}

// hostNetworkSubject refuses isolating a host-network pod: no Calico
// NetworkPolicy applies to it, so the isolation would not hold (wider),
// approximation or not.
func (b *builder) hostNetworkSubject(iso ir.Isolation) bool {
	s := iso.Subject
	pod := b.hostNetworkPod(s.Namespace, ir.Peer{Kind: ir.PeerPods, Pods: &s.Pods})
	if pod == "" {
		return false
	}
	err := fmt.Errorf("selects host-network pod %s, which no Calico NetworkPolicy isolates: %w", pod, errUnsupported)
	b.errs.Fail(iso.Origin, kit.Lower(iso.Direction)+" isolation", s, kit.Hinted(err, hostNetworkHint))
	return true
}

// hostNetworkPeer refuses a rule whose peer selects a host-network pod,
// which Calico's selectors do not match (narrower), or under
// AllowApproximate keeps it with a warning; it reports whether the rule
// was refused.
func (b *builder) hostNetworkPeer(r ir.Rule, what string) bool {
	pod, why, hint := b.hostNetworkPod(r.Subject.Namespace, r.Peer), "peer selects host-network pod %s, which Calico's selectors do not match: %w", hostNetworkHint
	if pod == "" {
		pod, why = b.hostNetworkNamedDestination(r), "destination host-network pod %s declares the rule's named port, which Calico resolves on workload endpoints only: %w"
		hint = "write the port's number instead of its name (Calico then matches the pod's node address on it)"
	}
	if pod == "" {
		return false
	}
	err := fmt.Errorf(why, pod, errUnsupported)
	if !b.opts.AllowApproximate {
		b.errs.Fail(r.Origin, what, r.Subject, kit.Hinted(err, hint))
		return true
	}
	b.warns = append(b.warns, kit.Warning{Origin: r.Origin, Message: fmt.Sprintf("%s of %s/%s: %v: the rule does not reach it",
		what, r.Subject.Namespace, r.Subject.Name, err)})
	return false
}

// hostNetworkNamedDestination is the first host-network pod an egress
// rule towards addresses (every peer, the world or a CIDR holding the
// pod's address, or any CIDR when its address is unknown) reaches on a
// named port it declares, "" when none: Calico resolves a named port to
// the addresses of the workload endpoints that declare it
// (felix/calc: named-port IP sets), and a host-network pod is no
// workload endpoint, so the rule does not reach it (narrower).
func (b *builder) hostNetworkNamedDestination(r ir.Rule) string {
	c := b.opts.Cluster
	if c == nil || r.Direction != ir.Egress || r.Peer.Kind != ir.PeerAll && r.Peer.Kind != ir.PeerCIDR && r.Peer.Kind != ir.PeerWorld {
		return ""
	}
	inside := map[string]bool{}
	for _, ip := range c.IPsIn(r.Peer.CIDRs) {
		inside[ip.Workload.Namespace+"/"+ip.Workload.Name] = true
	}
	for _, w := range c.Workloads {
		id := w.Namespace + "/" + w.Name
		reached := r.Peer.Kind == ir.PeerAll || len(r.Peer.CIDRs) == 0 || len(w.IPs) == 0 || inside[id]
		if c.HostNetwork(w) && reached && slices.ContainsFunc(r.Ports, func(p ir.Port) bool { return p.Name != "" && declares(w, p.Name) }) {
			return id
		}
	}
	return ""
}

// declares reports whether w declares the named port.
func declares(w ir.Workload, name string) bool {
	return slices.ContainsFunc(w.Ports, func(p ir.NamedPort) bool { return p.Name == name })
}

// nodeReachHint says what to do about a pod the intents close to a
// host-network pod that Calico lets through.
const nodeReachHint = "felix does not police a node's traffic to its own pods (felix/rules/static.go), and a host-network pod's traffic is its node's: " +
	"allow the host-network pods to this subject on every port (a rule without ports), or run them without hostNetwork"

// checkNodeReach refuses, approximation or not, an ingress isolation of a
// pod that the intents do not open on every port to every host-network
// pod: on the pod's node Calico lets a host-network pod through whatever
// the policies say (wider). Which node a pod runs on is not known, so
// every host-network pod counts.
func (b *builder) checkNodeReach(p *ir.Policy) {
	c := b.opts.Cluster
	if c == nil {
		return
	}
	var hosts []ir.Workload
	for _, w := range c.Workloads {
		if c.HostNetwork(w) {
			hosts = append(hosts, w)
		}
	}
	if len(hosts) == 0 {
		return
	}
	for _, iso := range p.Isolations {
		if iso.Direction != ir.Ingress {
			continue
		}
		for _, w := range c.Selected(iso.Subject.Namespace, subjectPeer(iso.Subject)) {
			if c.HostNetwork(w) {
				continue // refused as a subject
			}
			for _, h := range hosts {
				if !admitsEveryPort(c, p.Rules, w, h) {
					err := fmt.Errorf("host-network pod %s/%s reaches %s/%s on every port from its node, which the intents do not allow: %w",
						h.Namespace, h.Name, w.Namespace, w.Name, errUnsupported)
					b.errs.Fail(iso.Origin, "ingress isolation", iso.Subject, kit.Hinted(err, nodeReachHint))
					return
				}
			}
		}
	}
}

// subjectPeer is the pod peer selecting a subject's pods.
func subjectPeer(s ir.Subject) ir.Peer { return ir.Peer{Kind: ir.PeerPods, Pods: &s.Pods} }

// admitsEveryPort reports whether an ingress Allow rule without ports
// selects w as subject and h as peer.
func admitsEveryPort(c *kit.Cluster, rules []ir.Rule, w, h ir.Workload) bool {
	for _, r := range rules {
		if r.Direction != ir.Ingress || r.Action != ir.Allow || len(r.Ports) > 0 ||
			!slices.ContainsFunc(c.Selected(r.Subject.Namespace, subjectPeer(r.Subject)), sameWorkload(w)) {
			continue
		}
		if r.Peer.Kind == ir.PeerAll ||
			r.Peer.Kind == ir.PeerPods && slices.ContainsFunc(c.Selected(r.Subject.Namespace, r.Peer), sameWorkload(h)) {
			return true
		}
	}
	return false
}

// sameWorkload matches w by namespace and name.
func sameWorkload(w ir.Workload) func(ir.Workload) bool {
	return func(x ir.Workload) bool { return x.Namespace == w.Namespace && x.Name == w.Name }
}
