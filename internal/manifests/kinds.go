package manifests

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"

	"github.com/netpolc/netpolc/internal/inventory"
)

// jsonTypeError is the type error sigs.k8s.io/json returns (an alias of
// encoding/json's).
type jsonTypeError = json.UnmarshalTypeError

// kindInfo says how to read one kind.
type kindInfo struct {
	// versions are the apiVersions read, the preferred first: the ones
	// Kubernetes served the kind as, whose fields netpolc uses are the
	// same. Another version of one of their groups is an error (a
	// networking.k8s.io/v2 NetworkPolicy is not read as v1); a version of
	// another group is someone else's kind, skipped.
	versions   []string
	namespaced bool
	add        func(*builder, *object)
}

// Versions of the kinds that are older than v1 and have the same fields.
var (
	deploymentVersions  = []string{"apps/v1", "apps/v1beta1", "apps/v1beta2", "extensions/v1beta1"}
	statefulSetVersions = []string{"apps/v1", "apps/v1beta1", "apps/v1beta2"}
	replicaSetVersions  = []string{"apps/v1", "apps/v1beta2", "extensions/v1beta1"} // and DaemonSet's
	cronJobVersions     = []string{"batch/v1", "batch/v1beta1", "batch/v2alpha1"}
)

// kinds are the kinds netpolc reads, by kind.
var kinds = map[string]kindInfo{
	"Pod":                   {versions: []string{"v1"}, namespaced: true, add: (*builder).addPod},
	"Deployment":            {versions: deploymentVersions, namespaced: true, add: addTemplated(templateKeep, func(d *appsv1.Deployment) tmpl { return tmpl{d.ObjectMeta, &d.Spec.Template} })},
	"StatefulSet":           {versions: statefulSetVersions, namespaced: true, add: addTemplated(templateKeep, func(d *appsv1.StatefulSet) tmpl { return tmpl{d.ObjectMeta, &d.Spec.Template} })},
	"DaemonSet":             {versions: replicaSetVersions, namespaced: true, add: addTemplated(templateKeep, func(d *appsv1.DaemonSet) tmpl { return tmpl{d.ObjectMeta, &d.Spec.Template} })},
	"ReplicaSet":            {versions: replicaSetVersions, namespaced: true, add: addTemplated(templateKeep, func(d *appsv1.ReplicaSet) tmpl { return tmpl{d.ObjectMeta, &d.Spec.Template} })},
	"Job":                   {versions: []string{"batch/v1"}, namespaced: true, add: addTemplated(templateKeep, func(d *batchv1.Job) tmpl { return tmpl{d.ObjectMeta, &d.Spec.Template} })},
	"CronJob":               {versions: cronJobVersions, namespaced: true, add: addTemplated(cronJobKeep, func(d *batchv1.CronJob) tmpl { return tmpl{d.ObjectMeta, &d.Spec.JobTemplate.Spec.Template} })},
	"ReplicationController": {versions: []string{"v1"}, namespaced: true, add: addTemplated(templateKeep, func(d *corev1.ReplicationController) tmpl { return tmpl{d.ObjectMeta, d.Spec.Template} })},
	"Namespace":             {versions: []string{"v1"}, add: (*builder).addNamespace},
	"NetworkPolicy":         {versions: []string{"networking.k8s.io/v1", "extensions/v1beta1"}, namespaced: true, add: (*builder).addNetworkPolicy},
	"ClusterNetworkPolicy":  {versions: []string{v1alpha2.GroupVersion.String()}, add: (*builder).addClusterNetworkPolicy},
	"AdminNetworkPolicy":    {versions: []string{v1alpha1.GroupVersion.String()}, add: (*builder).addAdminNetworkPolicy},
	"BaselineAdminNetworkPolicy": {versions: []string{v1alpha1.GroupVersion.String()},
		add: (*builder).addBaselineAdminNetworkPolicy},
	// The edge: Services and the routes of ingress controllers (edge.go).
	"Service":        {versions: []string{"v1"}, namespaced: true, add: (*builder).addService},
	"Ingress":        {versions: []string{"networking.k8s.io/v1"}, namespaced: true, add: (*builder).addIngress},
	"Route":          {versions: []string{"route.openshift.io/v1"}, namespaced: true, add: (*builder).addOCPRoute},
	"HTTPRoute":      {versions: []string{gatewayGroup + "/v1", gatewayGroup + "/v1beta1"}, namespaced: true, add: (*builder).addHTTPRoute},
	"GRPCRoute":      {versions: []string{gatewayGroup + "/v1"}, namespaced: true, add: (*builder).addGRPCRoute},
	"ReferenceGrant": {versions: []string{gatewayGroup + "/v1beta1", gatewayGroup + "/v1"}, namespaced: true, add: (*builder).addReferenceGrant},
}

// tmpl is a workload's metadata and pod template.
type tmpl struct {
	Meta     metav1.ObjectMeta
	Template *corev1.PodTemplateSpec // nil when absent
}

// The fields of workloads that are read (the rest is checked, not kept):
// the owner, and the pods' labels, named ports (of containers and of
// sidecars: init containers that keep running), host networking and, of
// a Pod, phase and IPs.
var (
	podKeep      = keepPaths(append(podFields("metadata", "spec"), "status.phase", "status.podIP", "status.podIPs")...)
	templateKeep = keepPaths(podFields("spec.template.metadata", "spec.template.spec")...)
	cronJobKeep  = keepPaths(podFields("spec.jobTemplate.spec.template.metadata", "spec.jobTemplate.spec.template.spec")...)
)

// podFields are the paths of the fields read of a pod whose metadata and
// spec are at meta and spec; the owner is always the object's own.
func podFields(meta, spec string) []string {
	return []string{"metadata.ownerReferences", meta + ".labels", spec + ".hostNetwork",
		spec + ".containers.ports", spec + ".initContainers.ports", spec + ".initContainers.restartPolicy"}
}

// addTemplated returns the reader of a workload kind T whose pods come from
// the template get returns; k keeps the fields it reads.
func addTemplated[T any](k *keep, get func(*T) tmpl) func(*builder, *object) {
	return func(b *builder, o *object) {
		var obj T
		if !b.decodeKeep(o, &obj, k, false) {
			return
		}
		t := get(&obj)
		w := newWorkload(o, t.Meta)
		if t.Template != nil {
			w.Labels = labelsOf(t.Template.Labels)
			w.Ports = namedPorts(&t.Template.Spec)
			w.HostNetwork = t.Template.Spec.HostNetwork
		}
		b.workloads = append(b.workloads, w)
	}
}

func (b *builder) addPod(o *object) {
	var p corev1.Pod
	if !b.decodeKeep(o, &p, podKeep, false) {
		return
	}
	w := newWorkload(o, p.ObjectMeta)
	w.Labels = labelsOf(p.Labels)
	w.Ports = namedPorts(&p.Spec)
	w.HostNetwork = p.Spec.HostNetwork
	// A finished pod's IP is free for another pod to take.
	if p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
		w.IPs = b.podIPs(o, &p.Status)
	}
	b.workloads = append(b.workloads, w)
}

// podIPs parses status.podIP and status.podIPs.
func (b *builder) podIPs(o *object, st *corev1.PodStatus) []netip.Addr {
	var ips []netip.Addr
	add := func(s, path string) {
		if s == "" {
			return
		}
		ip, err := netip.ParseAddr(s)
		if err != nil {
			src := o.source()
			if hits := b.x.lookupPath(o.Node, path); len(hits) > 0 {
				src = sourceOf(o.File, hits[0].Value)
			}
			b.fail(src, objectPath(o.label(), path), errInvalid, "", "%q is not an IP address", s)
			return
		}
		ips = append(ips, ip.Unmap())
	}
	add(st.PodIP, "status.podIP")
	for i, ip := range st.PodIPs {
		add(ip.IP, fmt.Sprintf("status.podIPs[%d].ip", i))
	}
	return sortAddrs(ips)
}

func (b *builder) addNamespace(o *object) {
	var ns corev1.Namespace
	if !b.decode(o, &ns, false) {
		return
	}
	labels := maps.Clone(ns.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[inventory.MetadataNameLabel] = ns.Name // as the API server sets it
	b.set.Inventory.Namespaces = append(b.set.Inventory.Namespaces,
		inventory.Namespace{Name: ns.Name, Labels: labels, Source: o.source()})
}

func (b *builder) addNetworkPolicy(o *object) {
	var np networkingv1.NetworkPolicy
	if b.decode(o, &np, true) && b.checkNetworkPolicy(o, &np) {
		np.Namespace = o.Namespace
		b.set.NetworkPolicies = append(b.set.NetworkPolicies, NetworkPolicy{np, o.source()})
	}
}

func (b *builder) addClusterNetworkPolicy(o *object) {
	var p v1alpha2.ClusterNetworkPolicy
	if b.decode(o, &p, true) && b.checkAdmin(o) {
		b.set.ClusterNetworkPolicies = append(b.set.ClusterNetworkPolicies, ClusterNetworkPolicy{p, o.source()})
	}
}

func (b *builder) addAdminNetworkPolicy(o *object) {
	var p v1alpha1.AdminNetworkPolicy
	if b.decode(o, &p, true) && b.checkAdmin(o) {
		b.set.AdminNetworkPolicies = append(b.set.AdminNetworkPolicies, AdminNetworkPolicy{p, o.source()})
	}
}

func (b *builder) addBaselineAdminNetworkPolicy(o *object) {
	var p v1alpha1.BaselineAdminNetworkPolicy
	if b.decode(o, &p, true) && b.checkAdmin(o) {
		b.set.BaselineAdminNetworkPolicies = append(b.set.BaselineAdminNetworkPolicies, BaselineAdminNetworkPolicy{p, o.source()})
	}
}
