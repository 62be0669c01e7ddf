package compiler

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/netpolc/netpolc/internal/portset"

	"cuelang.org/go/cue"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// cluster reads cluster-wide settings: where the cluster DNS runs.
func (c *compiler) cluster(v *node) {
	dns := get(v, "dns")
	ns, _ := str(dns, "namespace")
	labels := c.labels(get(dns, "labels"))
	c.out.DNS = ir.Peer{
		Kind:       ir.PeerDNS,
		Namespaces: &metav1.LabelSelector{MatchLabels: map[string]string{inventory.MetadataNameLabel: ns}},
		Pods:       &metav1.LabelSelector{MatchLabels: labels},
		Ref:        ns + "/dns",
	}
	c.elems(get(v, "podCIDRs"), func(_ int, pv *node) {
		s, _ := pv.String()
		if p, ok := c.prefix(s, pv, ir.Origin{}); ok {
			c.out.PodCIDRs = append(c.out.PodCIDRs, p.String())
		}
	})
}

// declarations reads namespaces and their workloads.
func (c *compiler) declarations(v *node) {
	fields(v, func(name string, nsv *node) {
		if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
			c.errorf(nsv, nameHint, "invalid namespace name %q: %s", name, strings.Join(errs, "; "))
		}
		labels := c.labels(get(nsv, "labels"))
		if got, ok := labels[inventory.MetadataNameLabel]; ok && got != name {
			c.errorf(nsv, "remove the label; the API server sets it to the namespace name",
				"label %s is %q but the namespace is %q", inventory.MetadataNameLabel, got, name)
		}
		labels[inventory.MetadataNameLabel] = name
		if prev, dup := c.namespaces[name]; dup {
			c.errorf(nsv, "declare it once; other directories' rules may name its workloads as peers",
				"namespace %q is declared at %s too", name, prev.Origin.Pos.String())
			return
		}
		ns := ir.Namespace{Name: name, Labels: labels, Origin: c.origin(nsv, ir.Origin{})}
		c.out.Namespaces = append(c.out.Namespaces, ns)
		c.namespaces[name] = &c.out.Namespaces[len(c.out.Namespaces)-1]
		fields(get(nsv, "workloads"), func(wname string, wv *node) {
			c.workload(name, wname, wv)
		})
	})
}

// indexDeclarations indexes the declared namespaces, workloads and port
// names, once every directory's declarations are read.
func (c *compiler) indexDeclarations() {
	// Re-point the maps: appends may have moved the slices.
	for i := range c.out.Namespaces {
		c.namespaces[c.out.Namespaces[i].Name] = &c.out.Namespaces[i]
	}
	c.inNamespace = map[string][]int{}
	for i := range c.out.Workloads {
		w := &c.out.Workloads[i]
		c.workloads[w.Namespace+"/"+w.Name] = w
		c.inNamespace[w.Namespace] = append(c.inNamespace[w.Namespace], i)
		for _, np := range w.Ports {
			if c.portNames[np.Name] == nil {
				c.portNames[np.Name] = map[portset.Protocol]bool{}
			}
			c.portNames[np.Name][np.Protocol] = true
		}
	}
	c.duplicateSelectors()
}

// workload reads one workload declaration.
func (c *compiler) workload(ns, name string, v *node) {
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		c.errorf(v, nameHint, "invalid workload name %q: %s", name, strings.Join(errs, "; "))
	} else if reservedSubject(name) {
		c.errorf(v, "rename the workload", "workload name %q is reserved: netpolc names the policies of podSelector and namespace-wide subjects so", name)
	}
	kind, ok := str(v, "kind")
	if !ok {
		kind = defaultKind
	}
	w := ir.Workload{Namespace: ns, Name: name, Kind: kind, Origin: c.origin(v, ir.Origin{})}
	if lv := get(v, "labels"); lv.Exists() {
		w.Labels = c.labels(lv)
		if len(w.Labels) == 0 {
			c.errorf(lv, "give the workload at least one label, or omit labels to use {app: \""+name+"\"}",
				"empty labels would select every pod in the namespace")
		}
	} else {
		w.Labels = map[string]string{"app": name}
	}
	fields(get(v, "ports"), func(pname string, pv *node) {
		if np, ok := c.namedPort(pname, pv); ok {
			w.Ports = append(w.Ports, np)
		}
	})
	sort.Slice(w.Ports, func(i, j int) bool { return w.Ports[i].Name < w.Ports[j].Name })
	c.elems(get(v, "ips"), func(_ int, iv *node) {
		s, _ := iv.String()
		addr, err := netip.ParseAddr(s)
		switch {
		case err != nil || addr.Zone() != "":
			c.errorf(iv, "write a plain IPv4 or IPv6 address such as 10.0.1.7", "invalid pod IP %q", s)
			return
		case addr.Is4In6():
			c.errorf(iv, "write the IPv4 address "+addr.Unmap().String(), "pod IP %q is an IPv4-mapped IPv6 address", s)
			return
		}
		w.IPs = append(w.IPs, addr.String())
	})
	c.out.Workloads = append(c.out.Workloads, w)
}

// defaultKind is a workload's kind when the intents do not say (the
// schema's #Workload.kind).
const defaultKind = "Deployment"

// nameHint is the rule for namespace and workload names.
const nameHint = "names are DNS labels: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit"

// reservedSubject reports whether a workload name is one the compiler
// gives to other subjects (see selectorName): a workload of that name
// would share its policies' names.
func reservedSubject(name string) bool {
	if name == "all-pods" {
		return true
	}
	hash, ok := strings.CutPrefix(name, "pods-")
	if !ok || len(hash) != 10 {
		return false
	}
	return strings.Trim(hash, "0123456789abcdef") == ""
}

// namedPort reads `name: 8080` or `name: {port: 53, protocol: "UDP"}`.
func (c *compiler) namedPort(name string, v *node) (ir.NamedPort, bool) {
	if errs := validation.IsValidPortName(name); len(errs) > 0 {
		c.errorf(v, "port names are at most 15 lowercase letters, digits and '-', with at least one letter",
			"invalid port name %q: %s", name, strings.Join(errs, "; "))
		return ir.NamedPort{}, false
	}
	np := ir.NamedPort{Name: name, Protocol: portset.TCP}
	num, _ := v.Default()
	switch k := num.IncompleteKind(); k {
	case cue.IntKind:
	case cue.StructKind:
		proto, ok := c.containerPort(name, num)
		if !ok {
			return ir.NamedPort{}, false
		}
		np.Protocol, num = proto, get(num, "port")
	default:
		c.errorf(v, containerPortHint, "container port %q is %v, not an integer or {port, protocol}", name, k)
		return ir.NamedPort{}, false
	}
	n, err := num.Int64()
	if err != nil || validation.IsValidPortNum(int(n)) != nil {
		c.errorf(num, "container ports are 1-65535", "invalid port number %v", num.val())
		return ir.NamedPort{}, false
	}
	np.Port = int32(n)
	return np, true
}

// containerPortHint is the form of a container port.
const containerPortHint = `a container port is a number (TCP), or {port: N, protocol: "TCP", "UDP" or "SCTP"}`

// containerPort checks the struct form of a container port (the schema
// leaves it to the compiler) and returns its protocol: TCP when omitted.
func (c *compiler) containerPort(name string, v *node) (portset.Protocol, bool) {
	ok := c.onlyFields(v, containerPortFields, containerPortHint, fmt.Sprintf("container port %q", name))
	if !get(v, "port").Exists() {
		c.errorf(v, containerPortHint, "container port %q has no port", name)
		ok = false
	}
	proto, pv, valid := protocolOf(v)
	if !valid {
		c.errorf(pv, containerPortHint, "container port %q: protocol %v is not TCP, UDP or SCTP", name, pv.val())
		ok = false
	}
	return proto, ok
}

// labels reads and validates a label map.
func (c *compiler) labels(v *node) map[string]string {
	out := map[string]string{}
	fields(v, func(k string, lv *node) {
		val, err := lv.String()
		if err != nil {
			c.errorf(lv, "label values are strings", "label %q is not a string", k)
			return
		}
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			c.errorf(lv, "label keys are an optional DNS prefix and a name of at most 63 characters (letters, digits, '-', '_', '.')",
				"invalid label key %q: %s", k, strings.Join(errs, "; "))
		}
		if errs := validation.IsValidLabelValue(val); len(errs) > 0 {
			c.errorf(lv, "label values are at most 63 characters of letters, digits, '-', '_' and '.', starting and ending alphanumeric",
				"invalid label value %q for %q: %s", val, k, strings.Join(errs, "; "))
		}
		out[k] = val
	})
	return out
}

// duplicateSelectors rejects two workloads of one namespace with the same
// labels: every rule naming one would silently also cover the other.
func (c *compiler) duplicateSelectors() {
	seen := map[string]*ir.Workload{}
	for i := range c.out.Workloads {
		w := &c.out.Workloads[i]
		key := w.Namespace + "|" + labelString(w.Labels)
		if first, ok := seen[key]; ok {
			c.diags.Add(w.Origin.Pos, "namespaces."+w.Namespace+".workloads."+w.Name,
				"give each workload labels that select only its own pods",
				"workload %s has the same labels %s as workload %s (%s)", w.Name, labelString(w.Labels), first.Name, first.Origin)
			continue
		}
		seen[key] = w
	}
}

// labelString renders labels as a sorted {k: v, ...} for messages and keys.
func labelString(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %s", k, m[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
