// Package ir is the one intermediate representation between the intent
// language and every output target. The compiler produces it; emitters and
// the evaluation model only read it, so all targets share one meaning.
//
// The IR is deliberately NetworkPolicy-shaped: isolation is per subject and
// direction, and rules are flat allows from a subject to one peer on a port
// set. Every rule and isolation carries the Origin of the intent that
// produced it so findings can point back at the CUE line.
package ir

import (
	"fmt"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/portset"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Direction is the direction of traffic relative to a subject pod.
type Direction string

// The two directions a subject can be isolated in.
const (
	Ingress Direction = "Ingress"
	Egress  Direction = "Egress"
)

// Origin is the position of the intent that produced an IR element.
type Origin struct {
	// Pos is the intent's file:line:col; the file is relative to the git
	// work tree root when there is one, else as the user named it.
	diag.Pos
	// Via names the template that expanded into this element, if any
	// (for example "templates.#Tiers" or "#MyTemplate").
	Via string
	// Path is the CUE path of the intent in its file (for example
	// `use."deny-backend"` or `policies.web.ingress[0]`): unlike the line,
	// it stays the same when unrelated lines are added or removed.
	Path string
}

// String renders the origin as file:line:col, followed by the template:
// the form for what netpolc prints live (explain, diff, errors).
func (o Origin) String() string {
	if o.File == "" {
		return "<builtin>"
	}
	s := fmt.Sprintf("%s:%d:%d", o.File, o.Line, o.Col)
	if o.Via != "" {
		s += " (" + o.Via + ")"
	}
	return s
}

// Stable renders the origin as file and CUE path, followed by the
// template: the form written into generated files, so that they change
// only when what they enforce, or where it comes from, changes (a line
// number would rewrite every file below an edit). An origin without a
// path renders as String does.
func (o Origin) Stable() string {
	if o.File == "" || o.Path == "" {
		return o.String()
	}
	s := o.File + " " + o.Path
	if o.Via != "" {
		s += " (" + o.Via + ")"
	}
	return s
}

// Namespace is a namespace the intents declare.
type Namespace struct {
	Name string
	// Labels are the Namespace object's labels, always including
	// kubernetes.io/metadata.name.
	Labels map[string]string
	Origin Origin
}

// NamedPort is a container port with a name, as a workload declares it.
type NamedPort struct {
	Name     string
	Port     int32
	Protocol portset.Protocol
}

// Workload is a set of pods that the intents declare (a Deployment etc.).
type Workload struct {
	Namespace string
	Name      string
	Kind      string            // Deployment, StatefulSet, DaemonSet, ... or Pod
	Labels    map[string]string // pod template labels; the workload's selector
	Ports     []NamedPort       // sorted by name
	IPs       []string          // known pod IPs, if declared
	Origin    Origin
}

// Subject selects the pods a rule or isolation applies to.
type Subject struct {
	Namespace string
	// Pods selects pods in Namespace; an empty selector selects every pod.
	Pods metav1.LabelSelector
	// Name is a stable, DNS-1123 label naming the subject in emitted
	// object names: the workload name, "all-pods", or a derived name.
	Name string
}

// PeerKind tells what a Peer denotes, so targets that have a native notion
// (Cilium entities, DNS-aware rules) can use it; the selector or CIDR fields
// always carry the exact NetworkPolicy meaning.
type PeerKind string

// Peer kinds.
const (
	// PeerAll is every source or destination (NetworkPolicy: empty from/to).
	PeerAll PeerKind = "all"
	// PeerPods is pods chosen by namespace and pod selectors (AND).
	PeerPods PeerKind = "pods"
	// PeerWorkload is PeerPods naming one declared workload.
	PeerWorkload PeerKind = "workload"
	// PeerDNS is PeerPods naming the cluster DNS pods.
	PeerDNS PeerKind = "dns"
	// PeerCIDR is an IP block with optional holes.
	PeerCIDR PeerKind = "cidr"
	// PeerWorld is every IP address (0.0.0.0/0 and ::/0).
	PeerWorld PeerKind = "world"
	// PeerFQDN is a DNS name; only some targets can express it.
	PeerFQDN PeerKind = "fqdn"
)

// Peer is the other end of a rule.
type Peer struct {
	Kind PeerKind
	// Namespaces selects namespaces for pod peers. Nil means the subject's
	// own namespace; an empty selector means every namespace.
	Namespaces *metav1.LabelSelector
	// Pods selects pods within the selected namespaces; nil or empty means
	// every pod there.
	Pods *metav1.LabelSelector
	// CIDRs are the blocks of a CIDR or world peer (world: 0.0.0.0/0, ::/0).
	// Each element becomes one ipBlock.
	CIDRs []IPBlock
	// FQDN is the name of an FQDN peer.
	FQDN string
	// Ref names a workload ("ns/name") for PeerWorkload, for messages and
	// for targets that name peers.
	Ref string
}

// IPBlock is a CIDR with holes carved out of it.
type IPBlock struct {
	CIDR   string
	Except []string
}

// Port is one port specification of a rule. At most one of Number or Name
// is set; neither means every port of Protocol. End > 0 makes Number..End a
// range. Protocol is always set.
type Port struct {
	Protocol portset.Protocol
	Number   int32
	End      int32
	Name     string
}

// Action is what a rule does. NetworkPolicy only has Allow; admin targets
// also have Deny and Pass.
type Action string

// Actions.
const (
	Allow Action = "Allow"
	Deny  Action = "Deny"
	Pass  Action = "Pass"
)

// Rule allows (or denies) traffic between a subject and one peer. Ports
// empty means every port and protocol.
type Rule struct {
	Subject   Subject
	Direction Direction
	Peer      Peer
	Ports     []Port
	Action    Action
	Origin    Origin
}

// Isolation makes a subject's pods deny by default in one direction. Every
// subject with a rule in a direction also has an Isolation in it.
type Isolation struct {
	Subject   Subject
	Direction Direction
	Origin    Origin
}

// Policy is the whole compiled intent set.
type Policy struct {
	Namespaces []Namespace // sorted by name
	Workloads  []Workload  // sorted by namespace, name
	Isolations []Isolation // sorted by subject, direction
	Rules      []Rule      // sorted; deterministic
	// Cluster are the platform layer's cluster-wide policies, sorted by
	// tier (admin first), priority and name.
	Cluster []ClusterPolicy
	// DNS is the cluster DNS peer the intents use (kube-dns by default).
	DNS Peer
	// PodCIDRs are the cluster's pod networks, when declared.
	PodCIDRs []string
	// Guardrails are the intents' connectivity rules that must always
	// hold, sorted by name; Expectations their connectivity assertions.
	Guardrails   []Guardrail
	Expectations []Expectation
	// Closes are the observed connections the intents mean to block
	// (`closes`), in the order of the files.
	Closes []Closing
}
