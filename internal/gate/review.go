package gate

import (
	"encoding/json"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/explain"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// Tiers of a flow's change, as reviewers read them.
const (
	TierAdmin      = "admin"      // the platform's admin tier decides it
	TierNamespaced = "namespaced" // the teams' policies (or nothing) decide it
	TierBaseline   = "baseline"   // the platform's baseline tier decides it
)

// review annotates a diff for reviewers: each flow's tier and owner, and
// the namespaces a change to the platform layer affects without naming
// them.
func (d *Diff) review(base, head *Side) {
	for i := range d.Flows {
		f := &d.Flows[i]
		f.Tier = tierOf(base, head, f)
		f.Owner = ownerOf(base, head, f.Namespace)
		if f.Owner != "" {
			d.Owned = true
		}
	}
	named, changed := platformChange(base, head)
	if !changed {
		return
	}
	d.PlatformChanged = true
	for _, f := range d.Flows {
		if f.Tier == TierNamespaced {
			continue
		}
		for _, ns := range platformEnds(base, head, f) {
			if !named[ns] && !slices.Contains(d.Unnamed, ns) {
				d.Unnamed = append(d.Unnamed, ns)
			}
		}
	}
	slices.Sort(d.Unnamed)
}

// platformEnds are the namespaces of the ends of a flow whose direction a
// platform tier decides on either side: the source's for egress, the
// destination's for ingress (the namespaces the tier's subject covers).
func platformEnds(base, head *Side, f Flow) []string {
	var out []string
	for _, s := range []*Side{head, base} {
		if s == nil || s.Model == nil {
			continue
		}
		eg, in := explain.Layers(s.Model, f.Src, f.Dst, changedPorts(f))
		for _, e := range []struct {
			node  string
			layer enforcer.Layer
		}{{f.Src, eg}, {f.Dst, in}} {
			if e.layer != enforcer.LayerAdmin && e.layer != enforcer.LayerBaseline {
				continue
			}
			if ns, ok := podNamespace(e.node); ok && !slices.Contains(out, ns) {
				out = append(out, ns)
			}
		}
	}
	return out
}

// tierOf is the tier that decides a flow's change: the admin tier when it
// decides either side, else the teams' policies when they decide the head,
// else the baseline tier when it decides either side.
func tierOf(base, head *Side, f *Flow) string {
	ports := changedPorts(*f)
	h, b := deciding(head, f.Src, f.Dst, ports), deciding(base, f.Src, f.Dst, ports)
	switch {
	case h == enforcer.LayerAdmin || b == enforcer.LayerAdmin:
		return TierAdmin
	case h == enforcer.LayerNetworkPolicy:
		return TierNamespaced
	case h == enforcer.LayerBaseline || b == enforcer.LayerBaseline:
		return TierBaseline
	}
	return TierNamespaced
}

// changedPorts are the ports whose verdict changed: what the flow gained,
// else what it lost.
func changedPorts(f Flow) portset.Set {
	switch {
	case f.Change == Closed:
		return f.Before
	case f.Change == Changed && f.After.Subtract(f.Before).IsEmpty():
		return f.Before.Subtract(f.After)
	case f.Change == Changed:
		return f.After.Subtract(f.Before)
	}
	return f.After
}

func deciding(s *Side, src, dst string, ports portset.Set) enforcer.Layer {
	if s == nil || s.Model == nil {
		return enforcer.LayerNone
	}
	return explain.Deciding(s.Model, src, dst, ports)
}

// ownerOf is the owner of a namespace on the head side, else the base's
// ("" without owners).
func ownerOf(base, head *Side, ns string) string {
	for _, s := range []*Side{head, base} {
		if s != nil && s.Owners != nil {
			if o := s.Owners.Owner(ns); o != "" {
				return o
			}
		}
	}
	return ""
}

// podNamespace is the namespace of a workload node ("shop/web").
func podNamespace(node string) (string, bool) {
	if strings.HasPrefix(node, "ip:") || strings.HasPrefix(node, "fqdn:") || strings.HasPrefix(node, "{") {
		return "", false
	}
	ns, _, ok := strings.Cut(node, "/")
	return ns, ok
}

// platformChange reports whether the cluster-wide intents differ between
// the sides (origins aside: moving a line changes nothing) and which
// namespaces the changed ones name, on either side.
func platformChange(base, head *Side) (map[string]bool, bool) {
	b, h := clusterPolicies(base), clusterPolicies(head)
	named := map[string]bool{}
	changed := false
	for _, m := range []map[string]ir.ClusterPolicy{b, h} {
		for k, p := range m {
			if fingerprint(b[k]) != fingerprint(h[k]) {
				changed = true
				namesOf(p, named)
			}
		}
	}
	return named, changed
}

func clusterPolicies(s *Side) map[string]ir.ClusterPolicy {
	out := map[string]ir.ClusterPolicy{}
	if s == nil || s.Compiled == nil {
		return out
	}
	for _, p := range s.Compiled.Policy.Cluster {
		out[string(p.Tier)+"/"+p.Name] = p
	}
	return out
}

// fingerprint is a policy without its origins.
func fingerprint(p ir.ClusterPolicy) string {
	p.Origin = ir.Origin{}
	p.Rules = slices.Clone(p.Rules)
	for i := range p.Rules {
		p.Rules[i].Origin = ir.Origin{}
	}
	data, _ := json.Marshal(p)
	return string(data)
}

// namesOf adds the namespaces a cluster-wide intent names: in its subject
// and its peers, by name or by the kubernetes.io/metadata.name label.
func namesOf(p ir.ClusterPolicy, out map[string]bool) {
	for _, n := range p.Subject.NamespaceNames {
		out[n] = true
	}
	selectorNames(&p.Subject.Namespaces, out)
	for _, r := range p.Rules {
		selectorNames(r.Peer.Namespaces, out)
		if ns, ok := podNamespace(r.Peer.Ref); ok && r.Peer.Kind == ir.PeerWorkload {
			out[ns] = true
		}
	}
}

func selectorNames(sel *metav1.LabelSelector, out map[string]bool) {
	if sel == nil {
		return
	}
	if n, ok := sel.MatchLabels[inventory.MetadataNameLabel]; ok {
		out[n] = true
	}
	for _, e := range sel.MatchExpressions {
		if e.Key == inventory.MetadataNameLabel {
			for _, v := range e.Values {
				out[v] = true
			}
		}
	}
}
