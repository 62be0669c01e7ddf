// Package knp runs kube-network-policies (sigs.k8s.io/kube-network-policies,
// the SIG Network reference enforcer) as a library: its controller, fed
// from in-memory informer stores instead of an API server, decides
// packets for NetworkPolicy and the v1alpha1 admin API
// (AdminNetworkPolicy, BaselineAdminNetworkPolicy). The differential
// tests compare its verdicts with netpolc's model.
package knp

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"reflect"
	"unsafe"

	v1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kube-network-policies/pkg/networkpolicy"
	"sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/portset"
)

// NodeName is the node every pod of the inventory runs on.
const NodeName = "node-1"

// Objects are the policies the engine enforces.
type Objects struct {
	NetworkPolicies []networkingv1.NetworkPolicy
	ANPs            []v1alpha1.AdminNetworkPolicy
	BANPs           []v1alpha1.BaselineAdminNetworkPolicy
}

// Engine is one kube-network-policies controller over a fixed cluster.
type Engine struct {
	c *networkpolicy.Controller
}

// New builds the controller over inv (one pod per endpoint IP; endpoints
// without IPs cannot send or receive a packet and are left out) and objs,
// the NetworkPolicies defaulted as the API server defaults them.
func New(inv inventory.Inventory, objs Objects) (*Engine, error) {
	st := newStores()
	// No API server: the clientset is noEvents (see there why it is never
	// called) and the policy-api clientset nil, as v0.8.0 only stores it
	// (Controller.npaClient is never read).
	c, err := networkpolicy.NewController(noEvents{}, st.netpols, st.namespaces, st.pods, st.nodes,
		nil, st.anps, st.banps,
		networkpolicy.Config{AdminNetworkPolicy: true, BaselineAdminNetworkPolicy: true, NodeName: NodeName})
	if err != nil {
		return nil, err
	}
	ensureNRI(c)
	add := func(inf informer, obj any) {
		if err == nil {
			err = inf.Informer().GetIndexer().Add(obj)
		}
	}
	add(st.nodes, &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: NodeName}})
	for _, ns := range inv.Namespaces {
		add(st.namespaces, &v1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns.Name, Labels: ns.Labels}})
	}
	for _, ep := range inv.Endpoints {
		for i := range ep.IPs {
			add(st.pods, podOf(ep, i))
		}
	}
	for i := range objs.NetworkPolicies {
		add(st.netpols, Defaulted(objs.NetworkPolicies[i]))
	}
	for i := range objs.ANPs {
		add(st.anps, &objs.ANPs[i])
	}
	for i := range objs.BANPs {
		add(st.banps, &objs.BANPs[i])
	}
	if err != nil {
		return nil, err
	}
	return &Engine{c: c}, nil
}

// ensureNRI gives the controller an empty NRI plugin when the container
// runtime's socket is absent: getPodAssignedToIP consults it for every
// address no pod has and would dereference nil. An empty plugin knows no
// pod, as a node whose runtime has told it nothing.
func ensureNRI(c *networkpolicy.Controller) {
	f := reflect.ValueOf(c).Elem().FieldByName("nriPlugin")
	if f.IsNil() {
		f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
		f.Set(reflect.New(f.Type().Elem()))
	}
}

// podOf is the i-th pod of an endpoint: its labels, its named container
// ports, the i-th IP, running on NodeName.
func podOf(ep inventory.Endpoint, i int) *v1.Pod {
	var ports []v1.ContainerPort
	for _, p := range ep.Ports {
		ports = append(ports, v1.ContainerPort{Name: p.Name, ContainerPort: p.Port, Protocol: v1.Protocol(p.Protocol.String())})
	}
	ip := ep.IPs[i].String()
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ep.Namespace, Name: fmt.Sprintf("%s-%d", ep.Name, i), Labels: ep.Labels},
		Spec: v1.PodSpec{NodeName: NodeName, HostNetwork: ep.HostNetwork,
			Containers: []v1.Container{{Name: "c", Ports: ports}}},
		Status: v1.PodStatus{Phase: v1.PodRunning, PodIP: ip, PodIPs: []v1.PodIP{{IP: ip}}},
	}
}

// Defaulted is np as the API server stores it and an informer hands it
// out: policyTypes [Ingress] plus Egress when egress rules exist, when
// unset; protocol TCP on every port without one
// (pkg/apis/networking/v1/defaults.go in Kubernetes); an empty rule list
// is gone after the JSON round trip (omitempty), so it arrives as nil.
func Defaulted(np networkingv1.NetworkPolicy) *networkingv1.NetworkPolicy {
	np = *np.DeepCopy()
	if len(np.Spec.Ingress) == 0 {
		np.Spec.Ingress = nil
	}
	if len(np.Spec.Egress) == 0 {
		np.Spec.Egress = nil
	}
	if len(np.Spec.PolicyTypes) == 0 {
		np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		if len(np.Spec.Egress) > 0 {
			np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		}
	}
	tcp := v1.ProtocolTCP
	for i := range np.Spec.Ingress {
		for j := range np.Spec.Ingress[i].Ports {
			if np.Spec.Ingress[i].Ports[j].Protocol == nil {
				np.Spec.Ingress[i].Ports[j].Protocol = &tcp
			}
		}
	}
	for i := range np.Spec.Egress {
		for j := range np.Spec.Egress[i].Ports {
			if np.Spec.Egress[i].Ports[j].Protocol == nil {
				np.Spec.Egress[i].Ports[j].Protocol = &tcp
			}
		}
	}
	return &np
}

// Allowed is the engine's verdict on the first packet from src to dst on
// proto/port (source port 40000).
func (e *Engine) Allowed(src, dst netip.Addr, proto portset.Protocol, port int32) bool {
	family := v1.IPv4Protocol
	if dst.Is6() {
		family = v1.IPv6Protocol
	}
	p := packet{family: family, srcIP: net.IP(src.AsSlice()), dstIP: net.IP(dst.AsSlice()),
		proto: v1.Protocol(proto.String()), srcPort: 40000, dstPort: int(port)}
	return evaluatePacket(e.c, context.Background(), p)
}
