package importer

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/inventory"
)

// nsNamed is the namespace a selector names: {name: F} or name In [F].
func nsNamed(s *metav1.LabelSelector) (string, bool) {
	if n, ok := nameOf(s); ok {
		return n, true
	}
	if len(s.MatchLabels) > 0 || len(s.MatchExpressions) != 1 {
		return "", false
	}
	e := s.MatchExpressions[0]
	if e.Key != inventory.MetadataNameLabel || e.Operator != metav1.LabelSelectorOpIn || len(e.Values) != 1 {
		return "", false
	}
	return e.Values[0], true
}

// scrape is what #ClusterMonitoring's ingress intent is: every pod
// accepts a named port from pods of a namespace by name.
type scrape struct {
	from, scraper, port string
	sel                 metav1.LabelSelector
}

func monitoringIngress(o adminObj) (scrape, bool) {
	rules := o.rules[ingress]
	if o.tier != "admin" || !everyPod(o) || len(o.rules[egress]) > 0 || len(rules) != 1 {
		return scrape{}, false
	}
	r := rules[0]
	if r.action != "Accept" && r.action != "Allow" || len(r.peers) != 1 || r.peers[0].pods == nil ||
		r.peers[0].namespaces != nil || r.ports == nil || len(*r.ports) != 1 || (*r.ports)[0].named == "" {
		return scrape{}, false
	}
	from, ok := nsNamed(&r.peers[0].pods[0])
	return scrape{from: from, scraper: selKey(&r.peers[0].pods[1]), port: (*r.ports)[0].named, sel: r.peers[0].pods[1]}, ok && dnsName.MatchString(from)
}

// monitoringEgress reports whether o is the scrapers' egress to every
// pod on the port.
func monitoringEgress(o adminObj, s scrape) bool {
	if o.tier != "admin" || o.subjectPods == nil || o.subjectNS != nil || len(o.rules[ingress]) > 0 {
		return false
	}
	from, ok := nsNamed(&o.subjectPods[0])
	return ok && from == s.from && selKey(&o.subjectPods[1]) == s.scraper &&
		only(flat(o, egress), "Allow", "/0-0/"+s.port, "ns:") && len(o.rules[egress]) == 1
}

// clusterMonitoring finds #ClusterMonitoring: an ingress object, and
// the egress one when no other admin object is decided between the two
// (the template gives both one priority, which then orders nothing
// differently: one has ingress rules only, the other egress only).
func clusterMonitoring(objs []adminObj, taken map[int]bool, protos map[string][]string) (cue string, used []int) {
	for i, o := range objs {
		s, ok := monitoringIngress(o)
		if !ok || taken[i] {
			continue
		}
		port, ok := scrapePort(s.port, protos)
		if !ok {
			continue
		}
		fields := []string{"", "", port, "egress: false", priorityField(o.priority, 30)}
		if s.from != "monitoring" {
			fields[0] = "from: " + str(s.from)
		}
		if s.scraper != "" {
			fields[1] = "scraper: " + selectorCUE(&s.sel)
		}
		used = []int{i}
		for j, e := range objs {
			if !taken[j] && j != i && monitoringEgress(e, s) && adjacent(objs, i, j) {
				fields[3] = ""
				used = append(used, j)
				break
			}
		}
		return templateCUE("#ClusterMonitoring", fields...), used
	}
	return "", nil
}

// scrapePort is the template's port field for a named port the
// workloads declare with one protocol ("" for the default "metrics").
func scrapePort(name string, protos map[string][]string) (string, bool) {
	ps := protos[name]
	switch {
	case len(ps) != 1:
		return "", false
	case ps[0] == "TCP" && name == "metrics":
		return "", true
	case ps[0] == "TCP":
		return "port: " + str(name), true
	}
	return "port: " + str(ps[0]+"/"+name), true
}

// adjacent reports whether no other admin-tier object has a priority
// between (or equal to) those of objects i and j.
func adjacent(objs []adminObj, i, j int) bool {
	lo, hi := min(objs[i].priority, objs[j].priority), max(objs[i].priority, objs[j].priority)
	for k, o := range objs {
		if k != i && k != j && o.tier == "admin" && o.priority >= lo && o.priority <= hi {
			return false
		}
	}
	return true
}
