// Package enforcer is netpolc's evaluation model: the reference semantics of
// Kubernetes NetworkPolicy and of the admin policy APIs
// (policy.networking.k8s.io ClusterNetworkPolicy v1alpha2,
// AdminNetworkPolicy and BaselineAdminNetworkPolicy v1alpha1) over an
// inventory of endpoints.
//
// Callers normalise their policies into a Policies value
// (FromNetworkPolicies, FromClusterNetworkPolicies,
// FromAdminNetworkPolicies, FromBaselineAdminNetworkPolicies, FromIR,
// FromFQDNEgress), build
// a Model with New, and then ask for a Verdict on one connection, the whole
// connectivity Matrix, or the Diff of two matrices.
//
// Evaluation, per direction (egress at the source, ingress at the
// destination; a connection needs both, replies are implied):
//
//  1. Admin tier — ClusterNetworkPolicy tier Admin and AdminNetworkPolicy,
//     by priority (lower first; ties by name, then kind), rules in order.
//     The first matching rule decides: Accept/Allow allows, Deny denies,
//     Pass hands the traffic to the next tier.
//  2. NetworkPolicy tier — if any NetworkPolicy selects the pod in this
//     direction, the union of their rules is final.
//  3. Baseline tier — ClusterNetworkPolicy tier Baseline by priority, then
//     the BaselineAdminNetworkPolicy; the first matching rule decides (Pass
//     goes on to the default).
//  4. Default — allowed.
//
// Semantics decisions (ARCHITECTURE.md §3): connections are policy-level (a port
// counts whether or not the destination listens on it); named ports resolve
// on the destination endpoint by name and protocol and never match an
// external address; an ipBlock or admin network also matches an endpoint
// when it contains at least one of the endpoint's known pod IPs, and
// endpoints with unknown IPs are matched by selectors only. Endpoints with
// several pods are one endpoint, so a block that covers only some of their
// IPs counts as covering the endpoint; enforcers decide per address, so the
// build's proof also evaluates such endpoints split per address range
// (enforcer/proof.Reference.PerAddress).
//
// Ingress controllers (WithEdge) are extra sources of the matrix that reach
// only the ports their routes lead to; an unknown controller is matched
// fail closed (edge.go).
//
// DNS names (IR FQDN peers, admin domainNames, Cilium toFQDNs) are
// external endpoints of their own, "fqdn:NAME", destinations only
// (fqdn.go): the model cannot know what a name resolves to, so an ipBlock
// never matches a name and a name rule never matches an address; only a
// rule whose blocks hold every IPv4 and IPv6 address also reaches every
// name.
//
// For scale the model never evaluates pod pairs one by one: endpoints are
// grouped by what policies can see of them (namespace, labels, the named
// ports rules refer to, the ipBlock atoms their IPs fall in), and the matrix
// is computed per equivalence class of those groups.
package enforcer
