package gen

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stypes "k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/manifests"
)

// yamlOf renders s as multi-document YAML that manifests.Parse reads back to
// s (positions and notes aside): Namespaces, then every endpoint as its
// workload kind (with one owned Pod per known IP), then the policies.
func yamlOf(s *manifests.Set) ([]byte, error) {
	docs, err := documents(s)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	for _, d := range docs {
		buf.WriteString("---\n")
		buf.Write(d.Data)
	}
	return buf.Bytes(), nil
}

// WriteYAML writes s into dir as manifests.Load reads it: one file per
// namespace (<namespace>.yaml, with its Namespace, workloads and
// NetworkPolicies) and cluster-policies.yaml for the cluster-scoped ones.
func WriteYAML(s *manifests.Set, dir string) error {
	docs, err := documents(s)
	if err != nil {
		return err
	}
	files := map[string]*bytes.Buffer{}
	var order []string
	for _, d := range docs {
		if files[d.File] == nil {
			files[d.File] = &bytes.Buffer{}
			order = append(order, d.File)
		}
		files[d.File].WriteString("---\n")
		files[d.File].Write(d.Data)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range order {
		if err := os.WriteFile(filepath.Join(dir, f), files[f].Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// document is one rendered object and the file WriteYAML puts it in.
type document struct {
	File string
	Data []byte
}

func documents(s *manifests.Set) ([]document, error) {
	var docs []document
	var err error
	add := func(file string, obj any) {
		if err == nil {
			var data []byte
			data, err = yaml.Marshal(obj)
			docs = append(docs, document{File: file, Data: data})
		}
	}
	for _, ns := range s.Inventory.Namespaces {
		add(ns.Name+".yaml", &corev1.Namespace{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: ns.Name, Labels: ns.Labels},
		})
	}
	for _, e := range s.Inventory.Endpoints {
		objs, oerr := endpointObjects(e)
		if oerr != nil {
			return nil, oerr
		}
		for _, o := range objs {
			add(e.Namespace+".yaml", o)
		}
	}
	for _, p := range s.NetworkPolicies {
		add(p.Namespace+".yaml", &p.NetworkPolicy)
	}
	for _, p := range s.ClusterNetworkPolicies {
		add("cluster-policies.yaml", &p.ClusterNetworkPolicy)
	}
	for _, p := range s.AdminNetworkPolicies {
		add("cluster-policies.yaml", &p.AdminNetworkPolicy)
	}
	for _, p := range s.BaselineAdminNetworkPolicies {
		add("cluster-policies.yaml", &p.BaselineAdminNetworkPolicy)
	}
	return docs, err
}

// apiVersions of the workload kinds.
var apiVersions = map[string]string{
	"Pod": "v1", "ReplicationController": "v1",
	"Deployment": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1", "ReplicaSet": "apps/v1",
	"Job": "batch/v1", "CronJob": "batch/v1",
}

// endpointObjects renders e as its workload and, for each known IP, a pod
// the workload owns (a bare Pod carries its IPs itself).
func endpointObjects(e inventory.Endpoint) ([]any, error) {
	apiVersion, ok := apiVersions[e.Kind]
	if !ok {
		return nil, fmt.Errorf("endpoint %s: cannot render kind %q", e.ID(), e.Kind)
	}
	meta := metav1.ObjectMeta{Name: e.Name, Namespace: e.Namespace}
	tm := metav1.TypeMeta{APIVersion: apiVersion, Kind: e.Kind}
	t := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: e.Labels}, Spec: podSpec(e)}
	selector := &metav1.LabelSelector{MatchLabels: e.Labels}
	var w any
	switch e.Kind {
	case "Pod":
		meta.Labels = e.Labels
		return []any{&corev1.Pod{TypeMeta: tm, ObjectMeta: meta, Spec: t.Spec, Status: podStatus(e.IPs)}}, nil
	case "Deployment":
		w = &appsv1.Deployment{TypeMeta: tm, ObjectMeta: meta, Spec: appsv1.DeploymentSpec{Selector: selector, Template: t}}
	case "StatefulSet":
		w = &appsv1.StatefulSet{TypeMeta: tm, ObjectMeta: meta, Spec: appsv1.StatefulSetSpec{Selector: selector, Template: t, ServiceName: e.Name}}
	case "DaemonSet":
		w = &appsv1.DaemonSet{TypeMeta: tm, ObjectMeta: meta, Spec: appsv1.DaemonSetSpec{Selector: selector, Template: t}}
	case "ReplicaSet":
		w = &appsv1.ReplicaSet{TypeMeta: tm, ObjectMeta: meta, Spec: appsv1.ReplicaSetSpec{Selector: selector, Template: t}}
	case "ReplicationController":
		w = &corev1.ReplicationController{TypeMeta: tm, ObjectMeta: meta, Spec: corev1.ReplicationControllerSpec{Selector: e.Labels, Template: &t}}
	case "Job":
		t.Spec.RestartPolicy = corev1.RestartPolicyNever
		w = &batchv1.Job{TypeMeta: tm, ObjectMeta: meta, Spec: batchv1.JobSpec{Template: t}}
	case "CronJob":
		t.Spec.RestartPolicy = corev1.RestartPolicyNever
		w = &batchv1.CronJob{TypeMeta: tm, ObjectMeta: meta, Spec: batchv1.CronJobSpec{
			Schedule: "*/15 * * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: t}},
		}}
	}
	objs := []any{w}
	controller := true
	for i := range e.IPs {
		pod := &corev1.Pod{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			ObjectMeta: metav1.ObjectMeta{
				Name: fmt.Sprintf("%s-r%d", e.Name, i), Namespace: e.Namespace, Labels: e.Labels,
				OwnerReferences: []metav1.OwnerReference{{
					APIVersion: apiVersion, Kind: e.Kind, Name: e.Name, Controller: &controller,
					UID: k8stypes.UID(e.Kind + "." + e.Namespace + "." + e.Name),
				}},
			},
			Spec:   t.Spec,
			Status: podStatus(e.IPs[i : i+1]),
		}
		objs = append(objs, pod)
	}
	return objs, nil
}

func podSpec(e inventory.Endpoint) corev1.PodSpec {
	c := corev1.Container{Name: "main", Image: "registry.example/" + e.Name + ":1"}
	for _, p := range e.Ports {
		c.Ports = append(c.Ports, corev1.ContainerPort{Name: p.Name, ContainerPort: p.Port, Protocol: corev1.Protocol(p.Protocol.String())})
	}
	return corev1.PodSpec{Containers: []corev1.Container{c}}
}

func podStatus(ips []netip.Addr) corev1.PodStatus {
	st := corev1.PodStatus{Phase: corev1.PodRunning}
	for _, ip := range ips {
		st.PodIPs = append(st.PodIPs, corev1.PodIP{IP: ip.String()})
	}
	if len(ips) > 0 {
		st.PodIP = ips[0].String()
	}
	return st
}
