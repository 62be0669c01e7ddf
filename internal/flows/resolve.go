package flows

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/netpolc/netpolc/internal/inventory"
)

// Resolver maps flow ends to the model's endpoint names.
type Resolver struct {
	byID    map[string]bool
	byIP    map[netip.Addr]string
	byNS    map[string][]inventory.Endpoint
	hasFQDN map[string]bool
}

// NewResolver resolves against the endpoints of a model (its workloads,
// with their labels and known pod IPs) and the DNS names it knows.
func NewResolver(endpoints []inventory.Endpoint, fqdns []string) *Resolver {
	r := &Resolver{byID: map[string]bool{}, byIP: map[netip.Addr]string{}, byNS: map[string][]inventory.Endpoint{}, hasFQDN: map[string]bool{}}
	for _, ep := range endpoints {
		r.byID[ep.ID()] = true
		r.byNS[ep.Namespace] = append(r.byNS[ep.Namespace], ep)
		for _, ip := range ep.IPs {
			r.byIP[ip.Unmap()] = ep.ID()
		}
	}
	for _, f := range fqdns {
		r.hasFQDN[strings.TrimPrefix(f, "fqdn:")] = true
	}
	return r
}

// Resolve returns the model's name for p, or why it has none. A pod end
// resolves, in order, by the workload the source names, by its address,
// by the one workload of its namespace whose pod labels it carries, and
// by the one workload whose name prefixes its pod name (ReplicaSet and
// StatefulSet pods are named after their workload); an end outside the
// cluster by its address. Host, node and other non-pod identities have no
// endpoint: the model evaluates pods and addresses outside the cluster.
func (r *Resolver) Resolve(p Peer) (string, error) {
	switch {
	case p.FQDN != "":
		return "fqdn:" + p.FQDN, nil
	case p.Reserved != "" && p.Reserved != "world":
		return "", fmt.Errorf("Cilium identity %q is no pod and no address outside the cluster", p.Reserved)
	case p.Namespace == "" && p.IP.IsValid():
		if id, ok := r.byIP[p.IP.Unmap()]; ok {
			return id, nil
		}
		return p.IP.Unmap().String(), nil
	case p.Namespace == "":
		return "", fmt.Errorf("%s", p.describe())
	}
	if p.Workload != "" && r.byID[p.Namespace+"/"+p.Workload] {
		return p.Namespace + "/" + p.Workload, nil
	}
	if id, ok := r.byIP[p.IP.Unmap()]; ok && p.IP.IsValid() && strings.HasPrefix(id, p.Namespace+"/") {
		return id, nil
	}
	if id := r.byLabels(p); id != "" {
		return id, nil
	}
	if id := r.byName(p); id != "" {
		return id, nil
	}
	return "", fmt.Errorf("%s matches no workload of the inventory", p.describe())
}

// byLabels is the one workload of p's namespace whose pod labels p
// carries ("" when none or several).
func (r *Resolver) byLabels(p Peer) string {
	if len(p.Labels) == 0 {
		return ""
	}
	found := ""
	for _, ep := range r.byNS[p.Namespace] {
		if len(ep.Labels) == 0 || !contains(p.Labels, ep.Labels) {
			continue
		}
		if found != "" {
			return ""
		}
		found = ep.ID()
	}
	return found
}

// byName is the workload of p's namespace whose name, followed by "-",
// is the longest prefix of p's pod name ("" when none).
func (r *Resolver) byName(p Peer) string {
	name := strings.TrimSuffix(p.Pod, "*")
	best := ""
	for _, ep := range r.byNS[p.Namespace] {
		if strings.HasPrefix(name, ep.Name+"-") && len(ep.Name) > len(best) {
			best = ep.Name
		}
	}
	if best == "" {
		return ""
	}
	return p.Namespace + "/" + best
}

// contains reports whether labels holds every pair of want.
func contains(labels, want map[string]string) bool {
	for k, v := range want {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}
