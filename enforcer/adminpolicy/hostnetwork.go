package adminpolicy

import (
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
)

// Host-network pods are not admin-API pods: upstream excludes them from
// subjects and from namespaces and pods peers (network-policy-api
// apis/v1alpha2/clusternetworkpolicy_types.go and apis/v1alpha1: "Note
// that host-networked pods are not included"), while networks peers match
// their traffic by address (their node's). The reading gives them a
// marker label in its inventory and requires its absence in every
// subject and namespaces or pods peer, keeping their IPs for networks; the
// reference reads them as ordinary pods, so the proof fails where the
// difference lets a flow through.

// hostNetworkKey marks host-network endpoints in the reading's inventory.
// No real pod may carry it (Interpret refuses an inventory where one does).
const hostNetworkKey = "adminpolicy.netpolc.dev/host-network"

// notHostNetwork is the requirement every admin pod selection gets.
var notHostNetwork = metav1.LabelSelectorRequirement{Key: hostNetworkKey, Operator: metav1.LabelSelectorOpDoesNotExist}

// seenInventory is the inventory as the admin API sees it: host-network
// endpoints carry the marker.
func seenInventory(inv inventory.Inventory) (inventory.Inventory, error) {
	seen := inv
	seen.Endpoints = slices.Clone(inv.Endpoints)
	for i, ep := range seen.Endpoints {
		if _, ok := ep.Labels[hostNetworkKey]; ok {
			return inventory.Inventory{}, fmt.Errorf("%w: adminpolicy interpreter: endpoint %s has the label %s, which the reading reserves for host-network pods",
				enforcer.ErrInvalid, ep.ID(), hostNetworkKey)
		}
		if ep.HostNetwork {
			l := map[string]string{hostNetworkKey: "true"}
			for k, v := range ep.Labels {
				l[k] = v
			}
			seen.Endpoints[i].Labels = l
		}
	}
	return seen, nil
}

// podsOnly narrows a pod selector to pods that are not host-network.
func podsOnly(sel metav1.LabelSelector) metav1.LabelSelector {
	out := *sel.DeepCopy()
	out.MatchExpressions = append(out.MatchExpressions, notHostNetwork)
	return out
}

// withoutHostNetwork2 returns a copy of c whose subject and namespaces and
// pods peers select no host-network pod.
func withoutHostNetwork2(c v1alpha2.ClusterNetworkPolicy) v1alpha2.ClusterNetworkPolicy {
	c = *c.DeepCopy()
	if sub := &c.Spec.Subject; (sub.Namespaces != nil) != (sub.Pods != nil) {
		sub.Namespaces, sub.Pods = nil, namespacedPods2(sub.Namespaces, sub.Pods)
	}
	for i := range c.Spec.Egress {
		for j := range c.Spec.Egress[i].To {
			p := &c.Spec.Egress[i].To[j]
			if (p.Namespaces != nil) != (p.Pods != nil) {
				p.Namespaces, p.Pods = nil, namespacedPods2(p.Namespaces, p.Pods)
			}
		}
	}
	for i := range c.Spec.Ingress {
		for j := range c.Spec.Ingress[i].From {
			p := &c.Spec.Ingress[i].From[j]
			if (p.Namespaces != nil) != (p.Pods != nil) {
				p.Namespaces, p.Pods = nil, namespacedPods2(p.Namespaces, p.Pods)
			}
		}
	}
	return c
}

// namespacedPods2 is a namespaces selector, or else a pods one, as a pods
// selection without host-network pods (callers leave a selection setting
// both or neither, which is invalid, for the model to refuse).
func namespacedPods2(ns *metav1.LabelSelector, pods *v1alpha2.NamespacedPod) *v1alpha2.NamespacedPod {
	if ns != nil {
		return &v1alpha2.NamespacedPod{NamespaceSelector: *ns, PodSelector: podsOnly(metav1.LabelSelector{})}
	}
	return &v1alpha2.NamespacedPod{NamespaceSelector: pods.NamespaceSelector, PodSelector: podsOnly(pods.PodSelector)}
}

// withoutHostNetwork1 is withoutHostNetwork2 for v1alpha1.
func withoutHostNetwork1(a v1alpha1.AdminNetworkPolicy) v1alpha1.AdminNetworkPolicy {
	a = *a.DeepCopy()
	if sub := &a.Spec.Subject; (sub.Namespaces != nil) != (sub.Pods != nil) {
		sub.Namespaces, sub.Pods = nil, namespacedPods1(sub.Namespaces, sub.Pods)
	}
	for i := range a.Spec.Egress {
		for j := range a.Spec.Egress[i].To {
			p := &a.Spec.Egress[i].To[j]
			if (p.Namespaces != nil) != (p.Pods != nil) {
				p.Namespaces, p.Pods = nil, namespacedPods1(p.Namespaces, p.Pods)
			}
		}
	}
	for i := range a.Spec.Ingress {
		for j := range a.Spec.Ingress[i].From {
			p := &a.Spec.Ingress[i].From[j]
			if (p.Namespaces != nil) != (p.Pods != nil) {
				p.Namespaces, p.Pods = nil, namespacedPods1(p.Namespaces, p.Pods)
			}
		}
	}
	return a
}

// namespacedPods1 is namespacedPods2 for v1alpha1.
func namespacedPods1(ns *metav1.LabelSelector, pods *v1alpha1.NamespacedPod) *v1alpha1.NamespacedPod {
	if ns != nil {
		return &v1alpha1.NamespacedPod{NamespaceSelector: *ns, PodSelector: podsOnly(metav1.LabelSelector{})}
	}
	return &v1alpha1.NamespacedPod{NamespaceSelector: pods.NamespaceSelector, PodSelector: podsOnly(pods.PodSelector)}
}

// asSeen returns the objects as the admin API applies them.
func asSeen(objs *adminapi.Objects) *adminapi.Objects {
	out := &adminapi.Objects{}
	for _, c := range objs.ClusterNetworkPolicies {
		out.ClusterNetworkPolicies = append(out.ClusterNetworkPolicies, withoutHostNetwork2(c))
	}
	for _, a := range objs.AdminNetworkPolicies {
		out.AdminNetworkPolicies = append(out.AdminNetworkPolicies, withoutHostNetwork1(a))
	}
	if objs.BaselineAdminNetworkPolicy != nil {
		b := withoutHostNetworkBANP(*objs.BaselineAdminNetworkPolicy)
		out.BaselineAdminNetworkPolicy = &b
	}
	return out
}

// withoutHostNetworkBANP is withoutHostNetwork1 for the
// BaselineAdminNetworkPolicy.
func withoutHostNetworkBANP(b v1alpha1.BaselineAdminNetworkPolicy) v1alpha1.BaselineAdminNetworkPolicy {
	b = *b.DeepCopy()
	if sub := &b.Spec.Subject; (sub.Namespaces != nil) != (sub.Pods != nil) {
		sub.Namespaces, sub.Pods = nil, namespacedPods1(sub.Namespaces, sub.Pods)
	}
	for i := range b.Spec.Egress {
		for j := range b.Spec.Egress[i].To {
			p := &b.Spec.Egress[i].To[j]
			if (p.Namespaces != nil) != (p.Pods != nil) {
				p.Namespaces, p.Pods = nil, namespacedPods1(p.Namespaces, p.Pods)
			}
		}
	}
	for i := range b.Spec.Ingress {
		for j := range b.Spec.Ingress[i].From {
			p := &b.Spec.Ingress[i].From[j]
			if (p.Namespaces != nil) != (p.Pods != nil) {
				p.Namespaces, p.Pods = nil, namespacedPods1(p.Namespaces, p.Pods)
			}
		}
	}
	return b
}
