package cilium

import (
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/cilium/cilium/pkg/labels"
	"github.com/cilium/cilium/pkg/labelsfilter"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
)

// trickyKeys are label keys around the edges of Cilium's default filter:
// the excluded Kubernetes keys, keys sharing a prefix with an include or
// an exclude, and the keys Cilium derives itself.
var trickyKeys = []string{
	"pod-template-hash", "pod-template-generation", "controller-revision-hash", "controller-uid",
	"statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index",
	"batch.kubernetes.io/job-completion-index", "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-name",
	"job-name", "kubernetes.io/metadata.name", "kubernetes.io/hostname", "kubernetes.io/os",
	"node.kubernetes.io/instance-type", "beta.kubernetes.io/arch", "failure-domain.beta.kubernetes.io/zone",
	"topology.kubernetes.io/zone", "topology.kubernetes.io/region", "k8s.io/foo", "k8s.io",
	"sigs.k8s.io/foo", "x-k8s.io/foo", "io.kubernetes.foo", "io.kubernetes.pod.namespace",
	"io.kubernetes.pod.namespacex", "io.cilium.k8s.namespace.labels", "io.cilium.k8s.namespace.labels.team",
	"io.cilium.k8s.policy.serviceaccount", "io.cilium.k8s.policy.cluster", "io.cilium.k8s.policy.name",
	"io.cilium/app", "app.kubernetes.io/name", "app.kubernetes.io/part-of", "app.kubernetes.io",
	"app.kubernetes.iox/name", "annotation.foo", "annotations", "etcd_node", "etcd_node_x", "kubernetes.iox",
	"example.com/kubernetes.io", "app", "team", "teams", "tier", "env", "k8s-app", "name", "version",
	"security.istio.io/tlsMode", "service.istio.io/canonical-name", "eks.amazonaws.com/component",
}

// filterConfigs are additions to the default filter (the agent's
// --labels values; cilium-identity-labels in netpolc), each compared.
var filterConfigs = [][]string{
	nil,
	{"k8s:!team"},
	{"k8s:team"},
	{"k8s:app", "k8s:tier", "k8s:team", "k8s:env", "k8s:k8s-app"},
	{"k8s:!app.kubernetes.io"},
	{"k8s:topology.kubernetes.io"},
	{"k8s:kubernetes.io/metadata.name"},
	{"k8s:!io.cilium.k8s.namespace.labels.team"},
	{"k8s:io.cilium.k8s.namespace.labels.team"},
	{"!pod-template-hash", "any:team", "reserved:team"},
	{"k8s:!.*"},
	{"k8s:t.*", "k8s:!te"},
}

// TestLabelFilterAgreesWithCilium compares netpolc's identity label
// filter (ciliumapi, Cilium's default release) with pkg/labelsfilter, for
// every pod and namespace label key the test inputs use and the tricky
// keys, under each configuration.
func TestLabelFilterAgreesWithCilium(t *testing.T) {
	upstreamOn(t)
	if ciliumapi.DefaultVersion != (ciliumapi.Version{Major: 1, Minor: 20}) {
		t.Fatalf("netpolc's default Cilium is %s; this module checks it against v1.20.2: move both together", ciliumapi.DefaultVersion)
	}
	keys := labelKeys(t)
	evaluations, disagreements := 0, 0
	for _, extra := range filterConfigs {
		mine, err := ciliumapi.DefaultVersion.LabelFilter(extra)
		if err != nil {
			t.Fatalf("%q: netpolc: %v", extra, err)
		}
		if err := labelsfilter.ParseLabelPrefixCfg(slog.New(slog.NewTextHandler(io.Discard, nil)), extra, nil, ""); err != nil {
			t.Fatalf("%q: labelsfilter: %v", extra, err)
		}
		for _, k := range keys {
			evaluations++
			if got, want := mine.KeepsPodLabel(k), upstreamKeeps(k); got != want {
				disagreements++
				t.Errorf("--labels %q, pod label %q: netpolc keeps %v, labelsfilter %v", extra, k, got, want)
			}
			evaluations++
			if got, want := mine.KeepsNamespaceLabel(k), upstreamKeeps(ciliumapi.NamespaceLabelsPrefix+k); got != want {
				disagreements++
				t.Errorf("--labels %q, namespace label %q: netpolc keeps %v, labelsfilter %v", extra, k, got, want)
			}
		}
	}
	t.Logf("label filter: %d keys under %d configurations, %d decisions compared, %d disagreements",
		len(keys), len(filterConfigs), evaluations, disagreements)
}

// upstreamKeeps reports whether labelsfilter, as last configured, keeps
// the k8s label key in an identity.
func upstreamKeeps(key string) bool {
	id, _ := labelsfilter.Filter(labels.Labels{key: labels.NewLabel(key, "v", labels.LabelSourceK8s)})
	_, ok := id[key]
	return ok
}

// labelKeys are the pod and namespace label keys of every test input
// and the tricky keys, sorted and distinct.
func labelKeys(t *testing.T) []string {
	t.Helper()
	keys := slices.Clone(trickyKeys)
	for _, c := range cases(t) {
		for _, ns := range c.inv.Namespaces {
			for k := range ns.Labels {
				keys = append(keys, k)
			}
		}
		for _, ep := range c.inv.Endpoints {
			for k := range ep.Labels {
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if len(keys) < len(trickyKeys)+2 {
		t.Fatalf("only %d label keys", len(keys))
	}
	return keys
}
