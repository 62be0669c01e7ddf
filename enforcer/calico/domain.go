package calico

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
)

// The endpoints Calico's dataplane tells apart, as the interpreter
// evaluates the policies over them (the proof's domain):
//
//   - a pod is a workload endpoint labelled with its own labels, its
//     namespace's labels under "pcns." (plus pcns.projectcalico.org/name),
//     projectcalico.org/namespace and projectcalico.org/orchestrator=k8s
//     (workloadLabels);
//   - a host-network pod is no workload endpoint
//     (libcalico-go/lib/backend/k8s/conversion/conversion.go,
//     IsValidCalicoWorkloadEndpoint): it is its node, which no namespaced
//     policy selects and no selector matches by the pod's labels; it keeps
//     its name and addresses, loses its named ports, and reaches every
//     pod's ingress (hostnet.go);
//   - host endpoints and global network sets carry whatever labels the
//     cluster gives them but none of Calico's own (no namespace, no
//     "pcns."): one endpoint of kind kindGlobal per label set that some
//     rule's selector could match, plus an unlabelled one (the node);
//   - namespaced network sets carry projectcalico.org/namespace and
//     inherit their namespace's labels
//     (libcalico-go/lib/backend/syncersv1/updateprocessors/
//     networksetprocessor.go), and any other labels: likewise, per
//     namespace, kind kindNetworkSet.
//
// Those endpoints (enforcer.Reading.Reserved) are never subjects and stand
// for addresses the intents never name: the proof bounds their flows by
// what the intents allow everyone (enforcer.Model.Everyone). Assumed: clusters do not put Calico's own labels
// (projectcalico.org/…, pcns.…, pcsa.…) on host endpoints or network sets,
// nor profiles on host endpoints; one endpoint per label set that some
// selector matches stands for every endpoint of the kind, since the
// policies only ever add allows for matched endpoints.

// Kinds of the target's own endpoints, and the view namespaces they live
// in (not valid Kubernetes namespace names, so no policy selects them).
const (
	kindGlobal       = "HostEndpoint or GlobalNetworkSet"
	kindNetworkSet   = "NetworkSet"
	globalNamespace  = "calico:global"
	networkSetPrefix = "calico:networkset:"
)

// Calico's label prefixes for inherited namespace and service-account
// labels (libcalico-go/lib/backend/k8s/conversion/constants.go).
const (
	namespaceLabelPrefix      = "pcns."
	serviceAccountLabelPrefix = "pcsa."
	labelNamespace            = calicoapi.NamespaceLabel
)

// reserved reports whether Calico alone sets a label.
func reserved(key string) bool {
	return strings.HasPrefix(key, "projectcalico.org/") || strings.HasPrefix(key, namespaceLabelPrefix) ||
		strings.HasPrefix(key, serviceAccountLabelPrefix)
}

// workloadLabels are a pod's labels as Calico evaluates selectors on its
// workload endpoint: its own win over those inherited from the namespace
// (felix/labelindex/label_inheritance_index.go).
func workloadLabels(ep inventory.Endpoint, ns inventory.Namespace) map[string]string {
	out := map[string]string{}
	for k, v := range ns.Labels {
		out[namespaceLabelPrefix+k] = v
	}
	out[namespaceLabelPrefix+calicoapi.NamespaceNameLabel] = ns.Name
	maps.Copy(out, ep.Labels)
	out[labelNamespace] = ep.Namespace
	out[calicoapi.OrchestratorLabel] = calicoapi.OrchestratorKubernetes
	return out
}

// read fills a reading's domain (enforcer.Reading): the inventory as
// Calico sees it (Inventory), the host endpoints and network sets its
// selectors could match (Reserved), and, when the intents declare pod
// CIDRs and some pod's IP is unknown, the same inventory with such pods at
// every address of the pod CIDRs that some net of the policies tells apart (Placed: nets
// match pods by address).
func read(r *enforcer.Reading, in enforcer.InterpretInput, peers []metav1.LabelSelector) error {
	inv := in.Inventory
	seen := inventory.Inventory{Namespaces: slices.Clone(inv.Namespaces)}
	for _, ep := range inv.Endpoints {
		v := ep
		if ep.HostNetwork {
			v.Labels, v.Ports = map[string]string{hostNetworkLabel: "true"}, nil
		} else {
			v.Labels = workloadLabels(ep, inv.Namespace(ep.Namespace))
		}
		seen.Endpoints = append(seen.Endpoints, v)
	}
	r.Inventory, r.Reserved = &seen, extras(inv, peers)
	placed, err := enforcer.PlaceUnknownPods(seen, in.PodCIDRs, r.Policies)
	r.Placed = placed
	return err
}

// extras are the host endpoints, global network sets and network sets
// of every namespace: one per label set some peer selector matches, plus
// one with only the labels Calico gives the kind.
func extras(inv inventory.Inventory, peers []metav1.LabelSelector) []inventory.Endpoint {
	var out []inventory.Endpoint
	add := func(ns, name, kind string, fixed map[string]string) {
		seen := map[string]bool{}
		emit := func(l map[string]string) {
			key := fmt.Sprint(l)
			if !seen[key] {
				seen[key] = true
				out = append(out, inventory.Endpoint{Namespace: ns, Name: fmt.Sprintf("%s-%d", name, len(seen)-1), Kind: kind, Labels: l})
			}
		}
		emit(maps.Clone(fixed))
		for _, p := range peers {
			if l, ok := witness(p, fixed); ok {
				emit(l)
			}
		}
	}
	add(globalNamespace, "endpoint", kindGlobal, map[string]string{})
	for _, ns := range namespaces(inv) {
		fixed := map[string]string{labelNamespace: ns.Name, namespaceLabelPrefix + calicoapi.NamespaceNameLabel: ns.Name}
		for k, v := range ns.Labels {
			fixed[namespaceLabelPrefix+k] = v
		}
		add(networkSetPrefix+ns.Name, "set", kindNetworkSet, fixed)
	}
	return out
}

// namespaces are the inventory's namespaces and those of its endpoints,
// sorted by name.
func namespaces(inv inventory.Inventory) []inventory.Namespace {
	names := map[string]bool{}
	for _, ns := range inv.Namespaces {
		names[ns.Name] = true
	}
	for _, ep := range inv.Endpoints {
		names[ep.Namespace] = true
	}
	var out []inventory.Namespace
	for _, n := range slices.Sorted(maps.Keys(names)) {
		out = append(out, inv.Namespace(n))
	}
	return out
}
