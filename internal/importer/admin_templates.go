package importer

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/inventory"
)

// The platform templates are recognised where one object (two for
// #ClusterMonitoring) is exactly one: its tier, subject, actions, peers
// and ports as the template expands them (templates/platform.cue). Each
// template is recognised once, since its intents have fixed names.

// flatRule is an admin rule as its action, peer keys and port key.
type flatRule struct {
	action string
	peers  []string
	ports  string
}

// flat is an object's rules of one direction in that form.
func flat(o adminObj, d int) []flatRule {
	var out []flatRule
	for _, r := range o.rules[d] {
		fr := flatRule{action: map[string]string{"Accept": "Allow"}[r.action], ports: "*"}
		if fr.action == "" {
			fr.action = r.action
		}
		for _, p := range r.peers {
			fr.peers = append(fr.peers, adminPeerKeys(p)...)
		}
		if r.ports != nil {
			var ps []string
			for _, p := range *r.ports {
				ps = append(ps, fmt.Sprintf("%s/%d-%d/%s", p.proto, p.start, p.end, p.named))
			}
			slices.Sort(ps)
			fr.ports = strings.Join(ps, ",")
		}
		out = append(out, fr)
	}
	return out
}

func adminPeerKeys(p adminPeer) []string {
	n := 0
	for _, set := range []bool{p.namespaces != nil, p.pods != nil, p.nodes, len(p.networks) > 0, len(p.domainNames) > 0} {
		if set {
			n++
		}
	}
	if n != 1 {
		return []string{"invalid"}
	}
	var out []string
	if p.namespaces != nil {
		out = append(out, "ns:"+selKey(p.namespaces))
	}
	if p.pods != nil {
		out = append(out, "pods:"+selKey(&p.pods[0])+"|"+selKey(&p.pods[1]))
	}
	if p.nodes {
		out = append(out, "nodes")
	}
	for _, n := range p.networks {
		out = append(out, "net:"+n)
	}
	for _, n := range p.domainNames {
		out = append(out, "dom:"+n)
	}
	return out
}

// only reports whether every rule has the action and ports, and their
// peers together are exactly want.
func only(rules []flatRule, action, ports string, want ...string) bool {
	got := map[string]bool{}
	for _, r := range rules {
		if r.action != action || r.ports != ports {
			return false
		}
		for _, p := range r.peers {
			got[p] = true
		}
	}
	return len(rules) > 0 && slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(slices.Values(want)))
}

// everyPod reports whether an object's subject is every pod.
func everyPod(o adminObj) bool {
	return o.subjectNS != nil && o.subjectPods == nil && empty(o.subjectNS) ||
		o.subjectNS == nil && o.subjectPods != nil && empty(&o.subjectPods[0]) && empty(&o.subjectPods[1])
}

func priorityField(p, def int32) string {
	if p == def {
		return ""
	}
	return fmt.Sprintf("priority: %d", p)
}

func templateCUE(name string, fields ...string) string {
	var set []string
	for _, f := range fields {
		if f != "" {
			set = append(set, f)
		}
	}
	if len(set) == 0 {
		return "templates." + name
	}
	return "templates." + name + " & {" + strings.Join(set, ", ") + "}"
}

func denyCloudMetadata(o adminObj) (string, bool) {
	ok := o.tier == "admin" && everyPod(o) && len(o.rules[ingress]) == 0 &&
		only(flat(o, egress), "Deny", "*", "net:169.254.169.254/32", "net:fd00:ec2::254/128")
	return templateCUE("#DenyCloudMetadata", priorityField(o.priority, 10)), ok
}

func clusterAllowDNS(o adminObj) (string, bool) {
	dns := "pods:" + selKey(labelSelector(map[string]string{inventory.MetadataNameLabel: "kube-system"})) + "|" +
		selKey(labelSelector(map[string]string{"k8s-app": "kube-dns"}))
	ok := o.tier == "admin" && everyPod(o) && len(o.rules[ingress]) == 0 &&
		only(flat(o, egress), "Allow", "TCP/53-0/,UDP/53-0/", dns)
	return templateCUE("#ClusterAllowDNS", priorityField(o.priority, 20)), ok
}

// clusterDefaultDeny: baseline, every namespace but a NotIn list, deny
// from every pod and (or) to everything.
func clusterDefaultDeny(o adminObj) (string, bool) {
	except, ok := notIn(o)
	in, eg := flat(o, ingress), flat(o, egress)
	ok = ok && o.tier == "baseline" && len(in)+len(eg) > 0 &&
		(len(in) == 0 || only(in, "Deny", "*", "ns:")) &&
		(len(eg) == 0 || only(eg, "Deny", "*", "ns:", "net:0.0.0.0/0", "net:::/0"))
	dir := ""
	switch {
	case len(eg) == 0:
		dir = `direction: "ingress"`
	case len(in) == 0:
		dir = `direction: "egress"`
	}
	ex := "except: []"
	if len(except) > 0 {
		ex = "except: [" + strings.Join(except, ", ") + "]"
	}
	if slices.Equal(except, []string{str("kube-system")}) {
		ex = ""
	}
	return templateCUE("#ClusterDefaultDeny", ex, dir, priorityField(o.priority, 1000)), ok
}

// notIn is the namespaces a subject leaves out: every namespace (none),
// or a NotIn expression on the name label.
func notIn(o adminObj) ([]string, bool) {
	if o.subjectNS == nil || o.subjectPods != nil {
		return nil, false
	}
	s := o.subjectNS
	if empty(s) {
		return nil, true
	}
	if len(s.MatchLabels) > 0 || len(s.MatchExpressions) != 1 {
		return nil, false
	}
	e := s.MatchExpressions[0]
	if e.Key != inventory.MetadataNameLabel || e.Operator != metav1.LabelSelectorOpNotIn || len(e.Values) == 0 {
		return nil, false
	}
	var out []string
	for _, v := range e.Values {
		if !dnsName.MatchString(v) {
			return nil, false
		}
		out = append(out, str(v))
	}
	return out, true
}
