// Package inventory holds the workloads and namespaces that connectivity is
// evaluated over, whether they come from the intents' own declarations or
// from Kubernetes manifests. It is a leaf package of plain data.
package inventory

import (
	"net/netip"
	"sort"

	"github.com/netpolc/netpolc/internal/diag"

	"github.com/netpolc/netpolc/internal/ir"
)

// Namespace is a namespace with its labels. Labels always include
// kubernetes.io/metadata.name, as the API server sets it.
type Namespace struct {
	Name   string
	Labels map[string]string
	Source diag.Pos
}

// Endpoint is one workload: all pods of a Deployment (etc.) or one bare
// Pod. Pods of one workload share labels and ports, so they are evaluated as
// one endpoint.
type Endpoint struct {
	Namespace string
	Name      string
	Kind      string
	Labels    map[string]string
	Ports     []ir.NamedPort // named container ports (unnamed ones are irrelevant to policy)
	IPs       []netip.Addr   // known pod IPs; empty when unknown
	// HostNetwork marks pods that share their node's network namespace
	// (spec.hostNetwork). NetworkPolicy leaves them to the implementation
	// and the admin API excludes them; Cilium and Calico see them as the
	// node. Each target's interpreter gives them its own treatment, so the
	// proof fails where the targets would disagree with the intents.
	HostNetwork bool
	Source      diag.Pos
}

// ID is the endpoint's name as the connectivity output spells it:
// "namespace/name".
func (e Endpoint) ID() string { return e.Namespace + "/" + e.Name }

// MetadataNameLabel is the label the API server puts on every namespace.
const MetadataNameLabel = "kubernetes.io/metadata.name"

// Inventory is a set of namespaces and endpoints.
type Inventory struct {
	Namespaces []Namespace
	Endpoints  []Endpoint
}

// Sort orders namespaces by name and endpoints by ID, for deterministic
// output.
func (inv *Inventory) Sort() {
	sort.Slice(inv.Namespaces, func(i, j int) bool { return inv.Namespaces[i].Name < inv.Namespaces[j].Name })
	sort.Slice(inv.Endpoints, func(i, j int) bool { return inv.Endpoints[i].ID() < inv.Endpoints[j].ID() })
}

// Namespace returns the namespace called name, synthesising one with only
// the metadata-name label when the inventory has no Namespace object for it.
func (inv *Inventory) Namespace(name string) Namespace {
	for _, ns := range inv.Namespaces {
		if ns.Name == name {
			return ns
		}
	}
	return Namespace{Name: name, Labels: map[string]string{MetadataNameLabel: name}}
}
