package cilium

import (
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
)

// Cilium gives everything that is not a pod a reserved identity
// (pkg/labels/labels.go, pkg/policy/api/entity.go, cilium v1.18.2): the
// world (addresses outside the cluster), the node itself (host), other
// nodes (remote-node), and health, init, unmanaged, ingress and
// kube-apiserver endpoints. An endpoint selector whose requirements all
// hold on such an identity's labels selects it — a NotIn or DoesNotExist
// holds on a label it lacks — and so does an entity naming it.
//
// The reading keeps these identities in the proof's domain: the world as
// the model's external addresses, the others as the endpoints Reserved
// lists (NetworkPolicy leaves them to the implementation: the proof lets
// the policies allow them only what the intents allow everyone), and
// host-network pods, which Cilium sees as the node they run on (host from
// their own node, remote-node from others), as inventory endpoints that
// only those peers match.

// Reserved nodes: the values of markerKey on the endpoints standing for
// reserved identities and on host-network pods.
const (
	nodeHost          = ciliumapi.EntityHost
	nodeRemoteNode    = ciliumapi.EntityRemoteNode
	nodeKubeAPIServer = ciliumapi.EntityKubeAPIServer
	nodeHealth        = ciliumapi.EntityHealth
	nodeInit          = ciliumapi.EntityInit
	nodeUnmanaged     = ciliumapi.EntityUnmanaged
	nodeIngress       = ciliumapi.EntityIngress
	nodeHostNetwork   = "host-network"
)

// markerKey labels the endpoints of reserved identities (and host-network
// pods) in the reading's inventory; every pod selector of the reading
// requires it absent, so only the peers that Cilium lets select such an
// identity match them.
const markerKey = "netpolc.dev/cilium-reserved"

// reservedNamespace holds the endpoints that stand for reserved identities.
const reservedNamespace = "cilium-reserved"

// kindReserved is the Kind of those endpoints.
const kindReserved = "CiliumReservedIdentity"

// form is one label set an identity can have: its reserved labels and
// whether it may carry labels of its node too (which netpolc does not
// know, so a requirement on them may hold).
type form struct {
	reserved  []string
	nodeLabel bool
}

// forms are the label sets each reserved node may have. kube-apiserver
// runs on a node (then it is host or remote-node too) or outside the
// cluster (then it is world: the model's external addresses stand for
// that form).
var forms = map[string][]form{
	nodeHost:          {{[]string{"host"}, true}},
	nodeRemoteNode:    {{[]string{"remote-node"}, true}},
	nodeKubeAPIServer: {{[]string{"kube-apiserver"}, false}, {[]string{"kube-apiserver", "host"}, true}, {[]string{"kube-apiserver", "remote-node"}, true}},
	nodeHealth:        {{[]string{"health"}, false}},
	nodeInit:          {{[]string{"init"}, false}},
	nodeUnmanaged:     {{[]string{"unmanaged"}, false}},
	nodeIngress:       {{[]string{"ingress"}, false}},
	nodeHostNetwork:   {{[]string{"host"}, true}, {[]string{"remote-node"}, true}},
}

// worldForms are the world's label sets.
var worldForms = []form{{[]string{"world"}, false}, {[]string{"world-ipv4"}, false}, {[]string{"world-ipv6"}, false}}

// reservedNodes are the reserved endpoints of every reading, sorted.
var reservedNodes = []string{nodeHealth, nodeHost, nodeIngress, nodeInit, nodeKubeAPIServer, nodeRemoteNode, nodeUnmanaged}

// clusterNodes are what the entity "cluster" selects besides pods.
var clusterNodes = append(slices.Clone(reservedNodes), nodeHostNetwork)

// truth is a requirement's value on a label set.
type truth uint8

const (
	holds truth = iota
	fails
	unknown
)

// reservedMatches lists the reserved nodes a Cilium endpoint selector (as
// Cilium completes it) selects, and whether it selects the world.
func reservedMatches(sel metav1.LabelSelector) (nodes []string, world bool) {
	for _, n := range append(slices.Clone(reservedNodes), nodeHostNetwork) {
		if slices.ContainsFunc(forms[n], func(f form) bool { return f.selectedBy(sel) }) {
			nodes = append(nodes, n)
		}
	}
	slices.Sort(nodes)
	return nodes, slices.ContainsFunc(worldForms, func(f form) bool { return f.selectedBy(sel) })
}

// selectedBy reports whether a selector may select the label set: no
// requirement fails on it.
func (f form) selectedBy(sel metav1.LabelSelector) bool {
	for k, v := range sel.MatchLabels {
		if f.eval(k, metav1.LabelSelectorOpIn, []string{v}) == fails {
			return false
		}
	}
	for _, e := range sel.MatchExpressions {
		if f.eval(e.Key, e.Operator, e.Values) == fails {
			return false
		}
	}
	return true
}

// eval evaluates one requirement on the label set (pkg/labels: a key
// without source is of source any, which matches every source; reserved
// labels have the value "").
func (f form) eval(key string, op metav1.LabelSelectorOperator, values []string) truth {
	src, name := ciliumapi.SourceAny, key
	if s, rest, ok := strings.Cut(key, ":"); ok {
		src, name = s, rest
	}
	present := (src == ciliumapi.SourceReserved || src == ciliumapi.SourceAny) && slices.Contains(f.reserved, name)
	if !present && f.nodeLabel && (src == ciliumapi.SourceK8s || src == ciliumapi.SourceAny) && !podOnly(name) {
		return unknown
	}
	var ok bool
	switch op {
	case metav1.LabelSelectorOpIn:
		ok = present && slices.Contains(values, "")
	case metav1.LabelSelectorOpNotIn:
		ok = !present || !slices.Contains(values, "")
	case metav1.LabelSelectorOpExists:
		ok = present
	case metav1.LabelSelectorOpDoesNotExist:
		ok = !present
	default:
		return unknown
	}
	if ok {
		return holds
	}
	return fails
}

// podOnly reports whether a k8s label key is one Cilium derives for pods
// only (their namespace, its labels, their service account and cluster),
// which no node carries.
func podOnly(key string) bool {
	return key == namespaceKey || strings.HasPrefix(key, namespaceLabelsPrefix) || strings.HasPrefix(key, "io.cilium.k8s.policy.")
}
