package manifests

import (
	"maps"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/internal/inventory"
)

// finish folds pods into the workloads that own them, checks endpoint
// names are unique, adds the namespaces nothing declared and sorts.
func (b *builder) finish() {
	r := newResolver(b.workloads)
	for _, w := range b.workloads {
		// The second test keeps bogus owner cycles from folding a
		// workload into one that is itself folded away.
		if root := r.root(w); root != w && r.root(root) == root {
			root.IPs = append(root.IPs, w.IPs...)
			w.merged = true
		}
	}
	b.groupOrphans(r)
	ids := map[string]*workload{}
	for _, w := range b.workloads {
		if w.merged {
			continue
		}
		if first, dup := ids[w.ID()]; dup {
			b.fail(w.Source, w.Kind+" "+w.ID(), errDuplicate,
				"pods of one workload are one endpoint named namespace/name, so rename one",
				"endpoint %s is also defined by %s at %s", w.ID(), first.Kind, first.Source)
			continue
		}
		ids[w.ID()] = w
		w.IPs = sortAddrs(w.IPs)
		b.set.Inventory.Endpoints = append(b.set.Inventory.Endpoints, w.Endpoint)
	}
	b.addMissingNamespaces()
	b.set.Sort()
	b.resolveEdge()
	b.set.Warnings = append(slices.Sorted(slices.Values(b.channelWarnings)), b.set.samePriorityWarnings()...)
	b.foldOthers()
}

// addMissingNamespaces synthesises the namespaces that endpoints and
// NetworkPolicies are in but no Namespace object declares.
func (b *builder) addMissingNamespaces() {
	inv := &b.set.Inventory
	have := map[string]bool{}
	for _, ns := range inv.Namespaces {
		have[ns.Name] = true
	}
	add := func(name string) {
		if !have[name] {
			have[name] = true
			inv.Namespaces = append(inv.Namespaces, inventory.Namespace{
				Name: name, Labels: map[string]string{inventory.MetadataNameLabel: name},
			})
		}
	}
	for _, e := range inv.Endpoints {
		add(e.Namespace)
	}
	for _, np := range b.set.NetworkPolicies {
		add(np.Namespace)
	}
}

// resolver finds the owners of workloads within the set.
type resolver struct {
	byKey map[string]*workload
}

func newResolver(ws []*workload) *resolver {
	r := &resolver{byKey: map[string]*workload{}}
	for _, w := range ws {
		r.byKey[key(w.Kind, w.Namespace, w.Name)] = w
	}
	return r
}

func key(kind, ns, name string) string { return kind + "\x00" + ns + "\x00" + name }

func (r *resolver) get(kind, ns, name string) *workload { return r.byKey[key(kind, ns, name)] }

// root follows owners up to the outermost one in the set (Pod → ReplicaSet
// → Deployment, Pod → Job → CronJob).
func (r *resolver) root(w *workload) *workload {
	cur := w
	for range 8 { // owner chains are short; this also stops cycles
		p := r.parent(cur)
		if p == nil || p == w {
			break
		}
		cur = p
	}
	return cur
}

// parent returns the workload in the set that owns w, if any. Besides
// owner references it knows the names controllers give what they create:
// a Deployment's ReplicaSets are <deployment>-<pod-template-hash> and their
// pods <replicaset>-<random>; a CronJob's Jobs are <cronjob>-<number>.
func (r *resolver) parent(w *workload) *workload {
	ns, hash := w.Namespace, w.Labels["pod-template-hash"]
	if ref := w.Owner; ref != nil {
		if p := r.get(ref.Kind, ns, ref.Name); p != nil {
			return p
		}
		switch ref.Kind {
		case "ReplicaSet":
			if d, ok := cutSuffix(ref.Name, hash); ok {
				return r.get("Deployment", ns, d)
			}
		case "Job":
			if c, ok := cutSuffix(ref.Name, ""); ok && isDigits(ref.Name[len(c)+1:]) {
				return r.get("CronJob", ns, c)
			}
		}
		return nil
	}
	if w.Kind == "Pod" && hash != "" {
		if i := strings.LastIndex(w.Name, "-"+hash+"-"); i > 0 {
			if p := r.get("ReplicaSet", ns, w.Name[:i+1+len(hash)]); p != nil {
				return p
			}
			return r.get("Deployment", ns, w.Name[:i])
		}
	}
	return nil
}

// cutSuffix removes "-suffix" from name, or the last "-..." part when
// suffix is empty.
func cutSuffix(name, suffix string) (string, bool) {
	if suffix != "" {
		return strings.CutSuffix(name, "-"+suffix)
	}
	i := strings.LastIndexByte(name, '-')
	if i <= 0 || i == len(name)-1 {
		return "", false
	}
	return name[:i], true
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// groupOrphans makes one endpoint of the pods of a controller that is not
// in the set (as in `kubectl get pods -o yaml`), named after the
// controller: the Deployment for a ReplicaSet's pods. Pods are grouped
// only when their labels and ports are identical, so the group is exactly
// equivalent to its pods; pods that differ (a StatefulSet's, which carry
// their own name as a label) stay endpoints of their own.
func (b *builder) groupOrphans(r *resolver) {
	groups := map[string][]*workload{}
	for _, w := range b.workloads {
		if w.Kind == "Pod" && !w.merged && w.Owner != nil && r.parent(w) == nil {
			kind, name := ownerName(w)
			k := key(kind, w.Namespace, name)
			groups[k] = append(groups[k], w)
		}
	}
	taken := map[string]bool{}
	var grouped []*workload
	for _, w := range b.workloads {
		if !w.merged {
			taken[w.ID()] = true
		}
	}
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		pods := groups[k]
		kind, name := ownerName(pods[0])
		g := &workload{Endpoint: pods[0].Endpoint}
		g.Kind, g.Name, g.IPs = kind, name, nil
		if taken[g.ID()] || !sameShape(pods) {
			continue
		}
		taken[g.ID()] = true
		for _, p := range pods {
			g.IPs = append(g.IPs, p.IPs...)
			p.merged = true
		}
		b.workloads = append(b.workloads, g)
		grouped = append(grouped, g)
	}
	b.noteGroups(grouped)
}

// noteGroups says which controllers' pods became one endpoint: one note
// each for a few, one summary note naming the first few for more (a
// cluster dump has thousands of ReplicaSets).
func (b *builder) noteGroups(groups []*workload) {
	if len(groups) <= maxGroupNotes {
		for _, g := range groups {
			b.note(g.Source, "pods of %s %s (not in the input) are one endpoint %s", g.Kind, g.ID(), g.ID())
		}
		return
	}
	names := make([]string, maxGroupNotes)
	for i, g := range groups[:maxGroupNotes] {
		names[i] = g.Kind + " " + g.ID()
	}
	b.note(groups[0].Source, "the pods of each of %d controllers not in the input are one endpoint named after it (%s and %d more)",
		len(groups), strings.Join(names, ", "), len(groups)-maxGroupNotes)
}

// maxGroupNotes is how many grouped controllers get a note of their own.
const maxGroupNotes = 3

// ownerName names the workload behind a pod's controller.
func ownerName(w *workload) (kind, name string) {
	if w.Owner.Kind == "ReplicaSet" {
		if d, ok := cutSuffix(w.Owner.Name, w.Labels["pod-template-hash"]); ok && w.Labels["pod-template-hash"] != "" {
			return "Deployment", d
		}
	}
	return w.Owner.Kind, w.Owner.Name
}

func sameShape(pods []*workload) bool {
	for _, p := range pods[1:] {
		if !maps.Equal(p.Labels, pods[0].Labels) || !slices.Equal(p.Ports, pods[0].Ports) || p.HostNetwork != pods[0].HostNetwork {
			return false
		}
	}
	return true
}
