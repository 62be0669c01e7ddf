// Package cilium is a test-only module: it checks netpolc's model of
// Cilium against Cilium's own code (github.com/cilium/cilium v1.20.2,
// the release netpolc assumes by default) used as a library. The
// identity label filter: for every label key of the examples, the
// conformance cases, random intents and a list of tricky keys, with the
// default configuration and with additions of the agent's --labels,
// netpolc's ciliumapi.LabelFilter keeps what pkg/labelsfilter keeps. The
// endpoint selectors: every endpointSelector, fromEndpoints and
// toEndpoints the cilium emitter produces is parsed as the agent parses a
// CiliumNetworkPolicy (pkg/k8s/apis/cilium.io/v2, Parse: namespace and
// cluster scoping) and evaluated with pkg/policy/types on the identity
// labels Cilium gives every endpoint of the interpreter's domain (pods
// through pkg/k8s/utils.SanitizePodLabels and the label filter, the
// reserved identities and the world), and netpolc's reading of the same
// selector (enforcer/cilium.Selection) must agree on each, with peers
// scoped to the cluster (policy-default-local-cluster, Cilium's default)
// and not. Hand-written selectors the emitter does not write, some of
// which reach reserved identities, must agree with the unscoped parse
// and be no narrower than the scoped one. It is a module
// of its own so that the main module does not depend on Cilium (make
// crosscheck, part of make test).
package cilium
