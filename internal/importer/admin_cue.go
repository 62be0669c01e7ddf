package importer

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/manifests"
)

// platform is the admin objects as intents: the entries of each tier,
// notes, and what the intent language cannot say exactly (errors: an
// object is imported exactly or not at all).
type platform struct {
	// uses are the platform templates recognised, count the objects.
	uses            []string
	count           int
	admin, baseline []string
	notes           []string
	errs            []error
}

// readAdmin reads every admin-API object into the shared shape. A
// BaselineAdminNetworkPolicy is decided after every baseline
// ClusterNetworkPolicy: the intents' last baseline priority, 1000, says
// the same unless one of those has it (bad reports that).
func readAdmin(set *manifests.Set) (objs []adminObj, bad int) {
	for _, p := range set.ClusterNetworkPolicies {
		objs = append(objs, fromCNP(p))
	}
	for _, p := range set.AdminNetworkPolicies {
		objs = append(objs, fromANP(p))
	}
	for _, p := range set.BaselineAdminNetworkPolicies {
		objs = append(objs, fromBANP(p))
	}
	last := int32(-1)
	for _, o := range objs {
		if o.tier == "baseline" && !o.banp {
			last = max(last, o.priority)
		}
	}
	for i := range objs {
		if objs[i].banp {
			objs[i].priority = 1000
		}
	}
	if last >= 1000 {
		bad = 1000
	}
	return objs, bad
}

// platformCUE converts every admin-API object: the platform templates
// where an object is one (with recognise), platform intents for the rest.
func platformCUE(set *manifests.Set, protos map[string][]string, recognise bool) platform {
	objs, bad := readAdmin(set)
	var out platform
	entries := make([]string, len(objs))
	for i, o := range objs {
		w := &adminWriter{o: o, protos: protos}
		if o.banp && bad == 1000 {
			w.fail("spec", "a Baseline ClusterNetworkPolicy has priority 1000, so no baseline priority is left after it for the BaselineAdminNetworkPolicy")
		}
		entries[i] = w.entry(o)
		out.errs, out.notes = append(out.errs, w.errs...), append(out.notes, w.notes...)
	}
	if len(out.errs) > 0 {
		return out
	}
	names := map[string]bool{}
	taken := map[int]bool{}
	if recognise {
		out.uses, taken = recognisePlatform(objs, protos, names)
	}
	for i, o := range objs {
		if taken[i] {
			continue
		}
		key := intentName(o.tier, o.name, names)
		text := fmt.Sprintf("\t// %s %s (%s)\n\t%s: %s\n", o.kind, o.name, o.src, str(key), entries[i])
		if o.tier == "admin" {
			out.admin = append(out.admin, text)
		} else {
			out.baseline = append(out.baseline, text)
		}
	}
	out.count = len(objs)
	return out
}

// recognisePlatform finds the platform templates, each once; names gets
// the intent names their expansions take.
func recognisePlatform(objs []adminObj, protos map[string][]string, names map[string]bool) ([]string, map[int]bool) {
	taken := map[int]bool{}
	var uses []string
	add := func(key, cue string, idx []int, intents ...string) {
		var b strings.Builder
		for _, i := range idx {
			taken[i] = true
			fmt.Fprintf(&b, "\t// %s %s (%s)\n", objs[i].kind, objs[i].name, objs[i].src)
		}
		uses = append(uses, b.String()+"\t"+str(key)+": "+cue+"\n")
		for _, n := range intents {
			names[n] = true
		}
	}
	for _, t := range []struct {
		key, intent string
		find        func(adminObj) (string, bool)
	}{
		{"platform/deny-cloud-metadata", "admin/deny-cloud-metadata", denyCloudMetadata},
		{"platform/allow-dns", "admin/allow-dns", clusterAllowDNS},
		{"platform/default-deny", "baseline/default-deny", clusterDefaultDeny},
	} {
		for i, o := range objs {
			if cue, ok := t.find(o); ok && !taken[i] {
				add(t.key, cue, []int{i}, t.intent)
				break
			}
		}
	}
	if cue, idx := clusterMonitoring(objs, taken, protos); len(idx) > 0 {
		add("platform/monitoring", cue, idx, "admin/monitoring-ingress", "admin/monitoring-egress")
	}
	return uses, taken
}

// block is the `platform` fields of the two tiers.
func (p platform) block() string {
	var b strings.Builder
	writeBlock(&b, "platform: admin", p.admin)
	writeBlock(&b, "platform: baseline", p.baseline)
	return b.String()
}

var notLabel = regexp.MustCompile(`[^a-z0-9-]+`)

// intentName is a DNS label for an object's name (intent names are
// labels, object names may have dots), unique in its tier.
func intentName(tier, name string, seen map[string]bool) string {
	n := strings.Trim(notLabel.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if len(n) > 55 {
		n = strings.TrimRight(n[:55], "-")
	}
	if n == "" {
		n = "imported"
	}
	base := n
	for i := 2; seen[tier+"/"+n]; i++ {
		n = fmt.Sprintf("%s-%d", base, i)
	}
	seen[tier+"/"+n] = true
	return n
}

// adminWriter writes one object, collecting what it cannot express.
type adminWriter struct {
	o      adminObj
	protos map[string][]string
	errs   []error
	notes  []string
}

func (w *adminWriter) fail(field, msg string) {
	w.errs = append(w.errs, &diag.Diagnostic{Severity: diag.Error, Pos: w.o.src,
		Msg:  fmt.Sprintf("import: %s %s: %s: %s", w.o.kind, w.o.name, field, msg),
		Hint: "the import refuses what the intents cannot say exactly (never a wider or narrower policy): change the object, or leave it out of --manifests and keep applying it as it is"})
}

// entry is the object as a #ClusterIntent.
func (w *adminWriter) entry(o adminObj) string {
	parts := []string{fmt.Sprintf("priority: %d", o.priority)}
	if s := w.subject(o); s != "" {
		parts = append(parts, "subject: "+s)
	}
	for d, field := range []string{"ingress", "egress"} {
		var rules []string
		for i, r := range o.rules[d] {
			if s, ok := w.rule(fmt.Sprintf("spec.%s[%d]", field, i), d, r); ok {
				rules = append(rules, s)
			}
		}
		if len(rules) > 0 {
			parts = append(parts, field+": [\n\t\t\t"+strings.Join(rules, ",\n\t\t\t")+",\n\t\t]")
		}
	}
	return "{\n\t\t" + strings.Join(parts, "\n\t\t") + "\n\t}"
}

func (w *adminWriter) subject(o adminObj) string {
	switch {
	case o.subjectNS != nil && o.subjectPods != nil:
		w.fail("spec.subject", "sets both namespaces and pods")
	case o.subjectPods != nil:
		var parts []string
		if !empty(&o.subjectPods[0]) {
			parts = append(parts, "namespaceSelector: "+selectorCUE(&o.subjectPods[0]))
		}
		if !empty(&o.subjectPods[1]) {
			parts = append(parts, "podSelector: "+selectorCUE(&o.subjectPods[1]))
		}
		if len(parts) > 0 {
			return "{" + strings.Join(parts, ", ") + "}"
		}
	case o.subjectNS != nil:
		if !empty(o.subjectNS) {
			return "{namespaceSelector: " + selectorCUE(o.subjectNS) + "}"
		}
	default:
		w.fail("spec.subject", "sets neither namespaces nor pods")
	}
	return ""
}

func empty(s *metav1.LabelSelector) bool { return len(s.MatchLabels)+len(s.MatchExpressions) == 0 }

// rule is one rule as a #ClusterIngressRule/#ClusterEgressRule; ok is
// false when it is refused or matches nothing (a named port no workload
// declares), which changes no verdict in a first-match tier.
func (w *adminWriter) rule(field string, d int, r adminRule) (string, bool) {
	action := map[string]string{"Accept": "Allow", "Allow": "Allow", "Deny": "Deny", "Pass": "Pass"}[r.action]
	switch {
	case action == "":
		w.fail(field+".action", fmt.Sprintf("unknown action %q", r.action))
		return "", false
	case action == "Pass" && w.o.tier == "baseline":
		w.fail(field+".action", "Pass in the baseline tier, where the intents have Allow and Deny only (a baseline Pass goes on to the default allow: write Allow, or leave the rule out)")
		return "", false
	}
	peerField := map[int]string{ingress: ".from", egress: ".to"}[d]
	peers := w.peers(field+peerField, r.peers)
	ports, ok := w.ports(field, r.ports)
	if peers == nil || !ok {
		return "", false
	}
	s := "{action: " + str(action) + ", " + peerField[1:] + ": [" + strings.Join(peers, ", ") + "]"
	if ports != nil {
		s += ", ports: [" + strings.Join(ports, ", ") + "]"
	}
	return s + "}", true
}

// ports is a rule's ports (nil: every port); ok false when refused or
// left empty.
func (w *adminWriter) ports(field string, ps *[]adminPort) ([]string, bool) {
	if ps == nil {
		return nil, true
	}
	field += ".ports"
	if w.o.kind == "ClusterNetworkPolicy" {
		field = strings.TrimSuffix(field, ".ports") + ".protocols"
	}
	if len(*ps) == 0 {
		w.fail(field, "an empty list is invalid (the CRD requires an entry); omit it for every port")
		return nil, false
	}
	out := []string{}
	for i, p := range *ps {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case p.named != "":
			// A named port of the admin API matches the name with any
			// protocol: one entry per protocol the workloads declare it
			// with is the same over the input's workloads.
			protos := slices.Sorted(slices.Values(w.protos[p.named]))
			if len(protos) == 0 {
				w.notes = append(w.notes, fmt.Sprintf("%s: %s %s %s names the port %q, which no workload of the input declares: it matches nothing, and is imported without it", w.o.src, w.o.kind, w.o.name, f, p.named))
			}
			for _, pr := range protos {
				out = append(out, str(pr+"/"+p.named))
			}
		case p.proto != "TCP" && p.proto != "UDP" && p.proto != "SCTP":
			w.fail(f, fmt.Sprintf("protocol %q (TCP, UDP or SCTP) or an entry that sets no field", p.proto))
			return nil, false
		case p.start == 0:
			out = append(out, str(p.proto))
		case p.end > p.start:
			out = append(out, str(fmt.Sprintf("%s/%d-%d", p.proto, p.start, p.end)))
		default:
			out = append(out, str(fmt.Sprintf("%s/%d", p.proto, p.start)))
		}
	}
	return out, len(out) > 0
}

// peers is a rule's peers; nil when refused.
func (w *adminWriter) peers(field string, ps []adminPeer) []string {
	if len(ps) == 0 {
		w.fail(field, "an empty list is invalid (the CRD requires a peer)")
		return nil
	}
	var out []string
	ok := true
	for j, p := range ps {
		s, good := w.peer(fmt.Sprintf("%s[%d]", field, j), p)
		out, ok = append(out, s...), ok && good
	}
	if !ok {
		return nil
	}
	return out
}

func (w *adminWriter) peer(field string, p adminPeer) ([]string, bool) {
	n := 0
	for _, set := range []bool{p.namespaces != nil, p.pods != nil, p.nodes, len(p.networks) > 0, len(p.domainNames) > 0} {
		if set {
			n++
		}
	}
	switch {
	case n != 1:
		w.fail(field, "a peer sets exactly one of namespaces, pods, nodes, networks and domainNames")
	case p.nodes:
		w.fail(field+".nodes", "nodes peers select the nodes' addresses, which the intent language has no peer for")
	case p.namespaces != nil:
		return []string{"{namespaceSelector: " + selectorCUE(p.namespaces) + "}"}, true
	case p.pods != nil:
		return []string{"{namespaceSelector: " + selectorCUE(&p.pods[0]) + ", podSelector: " + selectorCUE(&p.pods[1]) + "}"}, true
	case len(p.networks) > 0:
		return w.networks(field+".networks", p.networks)
	default:
		return w.domains(field+".domainNames", p.domainNames)
	}
	return nil, false
}

func (w *adminWriter) networks(field string, cidrs []string) ([]string, bool) {
	var out []string
	for i, c := range cidrs {
		pfx, err := netip.ParsePrefix(c)
		if err != nil || pfx.Masked() != pfx || pfx.Addr().Is4In6() {
			w.fail(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("%q is not a canonical CIDR, which the intent language requires", c))
			return nil, false
		}
		out = append(out, "{cidr: "+str(c)+"}")
	}
	return out, true
}

func (w *adminWriter) domains(field string, names []string) ([]string, bool) {
	var out []string
	for i, n := range names {
		if strings.HasPrefix(n, "*.") {
			// Upstream's "*." matches one or more labels, the intents'
			// exactly one: either reading would change what is allowed.
			w.fail(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("the wildcard %q matches one or more labels in the admin API and exactly one in the intent language", n))
			return nil, false
		}
		out = append(out, "{fqdn: "+str(n)+"}")
	}
	return out, true
}
