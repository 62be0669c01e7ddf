package cilium

import (
	"encoding/json"
	"io"
	"log/slog"
	"strings"

	ciliumio "github.com/cilium/cilium/pkg/k8s/apis/cilium.io"
	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	k8sutils "github.com/cilium/cilium/pkg/k8s/utils"
	"github.com/cilium/cilium/pkg/labels"
	"github.com/cilium/cilium/pkg/labelsfilter"
	"github.com/cilium/cilium/pkg/policy/api"
	"github.com/cilium/cilium/pkg/policy/types"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
)

// clusterName is the agent's --cluster-name default; with
// policy-default-local-cluster (on by default,
// pkg/clustermesh/types/option.go) CNP peers are scoped to it, and with
// the option off (anyCluster) they are not. netpolc's reading does not
// scope peers to the cluster: the option's value is not part of its
// configuration, and without the scoping a selector of only negative
// terms also selects the reserved identities, so the reading is the
// wider of the two.
const (
	clusterName = "default"
	anyCluster  = ""
)

// serviceAccount is every pod's service account: netpolc neither emits
// nor reads service-account selectors, but Cilium puts the label on
// every pod identity.
const serviceAccount = "default"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// upstreamRules parses an emitted policy as the agent of a cluster with
// peers scoped to cluster (anyCluster: unscoped) does
// (pkg/k8s/apis/cilium.io/v2/cnp_types.go, Parse: Sanitize gives bare
// keys the "any" source, ParseToCiliumRule adds the policy's namespace
// to its endpointSelector and scopes each peer to the namespace and the
// cluster, pkg/k8s/apis/cilium.io/utils/utils.go).
func upstreamRules(pol ciliumapi.CiliumNetworkPolicy, cluster string) (api.Rules, error) {
	data, err := json.Marshal(pol)
	if err != nil {
		return nil, err
	}
	var cnp ciliumv2.CiliumNetworkPolicy
	if err := json.Unmarshal(data, &cnp); err != nil {
		return nil, err
	}
	return cnp.Parse(quiet, cluster)
}

// configureFilter sets Cilium's (global) identity label filter: the
// default list plus extra.
func configureFilter(extra []string) error {
	return labelsfilter.ParseLabelPrefixCfg(quiet, extra, nil, "")
}

// namespace is what SanitizePodLabels reads of a namespace.
type namespace struct {
	name   string
	labels map[string]string
}

func (n namespace) GetName() string              { return n.name }
func (n namespace) GetLabels() map[string]string { return n.labels }

// podIdentity is the security identity's labels of a pod as the agent
// derives them (pkg/k8s/utils/utils.go, SanitizePodLabels: the pod's
// labels, its namespace's as io.cilium.k8s.namespace.labels.*, the
// namespace, service account and cluster) after the label filter.
func podIdentity(podLabels map[string]string, ns namespace) labels.LabelArray {
	all := k8sutils.SanitizePodLabels(podLabels, ns, serviceAccount, clusterName)
	id, _ := labelsfilter.Filter(labels.Map2Labels(all, labels.LabelSourceK8s))
	return id.LabelArray()
}

// reservedIdentity is a reserved identity's labels, with node labels
// (source node) and the cluster label when withNode (per-node labels,
// pkg/node/manager/manager.go).
func reservedIdentity(reserved []string, withNode bool, node map[string]string) labels.LabelArray {
	l := labels.Labels{}
	for _, r := range reserved {
		l[r] = labels.NewLabel(r, "", labels.LabelSourceReserved)
	}
	if withNode {
		l.MergeLabels(labels.Map2Labels(node, labels.LabelSourceNode))
		l.MergeLabels(labels.Map2Labels(map[string]string{ciliumio.PolicyLabelCluster: clusterName}, labels.LabelSourceK8s))
	}
	return l.LabelArray()
}

// witness is node labels that satisfy what sel requires of a label of
// source any: the labels a node would need for sel to select it. Keys
// Cilium derives for pods (the namespace, its labels, the service
// account) are left out: netpolc's reading assumes no node is labelled
// with them (enforcer/cilium, podOnly).
func witness(sel api.EndpointSelector) map[string]string {
	out := map[string]string{}
	bare := func(k string) (string, bool) {
		k, ok := strings.CutPrefix(k, labels.LabelSourceAny+":")
		podOnly := k == ciliumio.PodNamespaceLabel || strings.HasPrefix(k, ciliumio.PodNamespaceMetaLabels) ||
			strings.HasPrefix(k, "io.cilium.k8s.policy.") && k != ciliumio.PolicyLabelCluster
		return k, ok && !podOnly
	}
	for k, v := range sel.MatchLabels {
		if k, ok := bare(k); ok {
			out[k] = v
		}
	}
	for _, e := range sel.MatchExpressions {
		k, ok := bare(e.Key)
		if !ok {
			continue
		}
		switch e.Operator {
		case "In":
			out[k] = e.Values[0]
		case "Exists":
			out[k] = "x"
		}
	}
	return out
}

// upstreamMatches evaluates a parsed endpoint selector as the policy
// engine does (pkg/policy/types/selector.go).
func upstreamMatches(sel api.EndpointSelector, l labels.LabelArray) bool {
	return types.NewLabelSelector(sel).Matches(l)
}
