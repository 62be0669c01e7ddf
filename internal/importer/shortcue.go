package importer

import (
	"fmt"
	"slices"
	"strings"
)

// The short forms a person writes in templates: {workload: "web"},
// {namespace: "monitoring"}, "http", "TCP/443". Each means exactly the
// key it is written for (the compiler reads {workload: W} as W's pod
// labels, {namespace: N} as its name label, a named port with the
// protocol the workloads declare it with).

// portCUE is a port key in the intent language's short form.
func (x *index) portCUE(k portKey) string {
	switch {
	case k.Name != "" && k.Proto == "TCP" && slices.Equal(x.protos[k.Name], []string{"TCP"}):
		return str(k.Name)
	case k.Name != "":
		return str(k.Proto + "/" + k.Name)
	case k.Port == 0:
		return str(k.Proto)
	case k.End != 0:
		return str(fmt.Sprintf("%s/%d-%d", k.Proto, k.Port, k.End))
	case k.Proto == "TCP":
		return fmt.Sprint(k.Port)
	}
	return str(fmt.Sprintf("%s/%d", k.Proto, k.Port))
}

// portsCUEList is a list of port keys (none of them All).
func (x *index) portsCUEList(ks []portKey) string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = x.portCUE(k)
	}
	return "[" + strings.Join(out, ", ") + "]"
}

// workloadPeer is the workload a peer of a policy in ns selects exactly
// ("web" in ns, "other/web" elsewhere).
func (x *index) workloadPeer(ns string, k peerKey) (string, bool) {
	switch {
	case k.Pod == "" || k.NSSel != "" || k.CIDR != "" || k.All:
		return "", false
	case k.Own:
		w, ok := x.workload[subject{ns, k.Pod}]
		return w, ok
	}
	w, ok := x.workload[subject{k.NSName, k.Pod}]
	return k.NSName + "/" + w, ok
}

// peerCUE is a peer key as an intent peer.
func (x *index) peerCUE(ns string, k peerKey) string {
	if w, ok := x.workloadPeer(ns, k); ok {
		return "{workload: " + str(w) + "}"
	}
	var parts []string
	switch {
	case k.All:
		return "{all: true}"
	case k.CIDR != "":
		parts = append(parts, "cidr: "+str(k.CIDR))
		if k.Except != "" {
			ex := strings.Split(k.Except, ",")
			for i := range ex {
				ex[i] = str(ex[i])
			}
			parts = append(parts, "except: ["+strings.Join(ex, ", ")+"]")
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case k.Own && k.Pod == "":
		return "{namespace: " + str(ns) + "}"
	case k.NSName != "":
		parts = append(parts, "namespace: "+str(k.NSName))
	case k.NSSel != "":
		s := x.sels[strings.TrimPrefix(k.NSSel, "{}")]
		parts = append(parts, "namespaceSelector: "+selectorCUE(&s))
	}
	if k.Pod != "" {
		s := x.sels[k.Pod]
		parts = append(parts, "podSelector: "+selectorCUE(&s))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// peersCUEList is a list of peer keys.
func (x *index) peersCUEList(ns string, ks []peerKey) string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = x.peerCUE(ns, k)
	}
	return "[" + strings.Join(out, ", ") + "]"
}

// subjectOf is the subject of a workload of ns.
func (x *index) subjectOf(ns, w string) subject {
	return subject{ns, selKey(labelSelector(x.labels[[2]string{ns, w}]))}
}
