package knp

import (
	"errors"

	v1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	networkinglisters "k8s.io/client-go/listers/networking/v1"
	"k8s.io/client-go/tools/cache"
	"sigs.k8s.io/network-policy-api/apis/v1alpha1"
	policylisters "sigs.k8s.io/network-policy-api/pkg/client/listers/apis/v1alpha1"
)

// The controller is built from exactly what its constructor takes
// (NewController in pkg/networkpolicy/controller.go of v0.8.0): one
// informer and lister per kind, no informer factory and no fake
// clientset. Those two would pull in every API group's informers,
// listers and typed fake clients (188 packages, half the CPU time of the
// module's build beyond the main module's), none of which the controller
// reads: what is left is pkg/networkpolicy's own dependencies.

// kindInformer is what the controller needs of each kind's informer: the
// shared index informer whose store the harness fills and whose
// indexers, transform and event handlers the controller registers, and
// a lister over that store. Instantiated with a kind's lister it
// satisfies that kind's informer interface (coreinformers.PodInformer,
// networkinginformers.NetworkPolicyInformer, the policy-api
// AdminNetworkPolicyInformer, …), which asks for these two methods only.
type kindInformer[L any] struct {
	inf    cache.SharedIndexInformer
	lister L
}

// Informer is the shared index informer of the kind.
func (l kindInformer[L]) Informer() cache.SharedIndexInformer { return l.inf }

// Lister reads the informer's store.
func (l kindInformer[L]) Lister() L { return l.lister }

// informer is any kind's informer, for the harness to fill its store.
type informer interface {
	Informer() cache.SharedIndexInformer
}

// newKindInformer is the informer of example's kind, with the namespace index
// the client-go informer factory gives every informer (listers of
// namespaced kinds list through it), and its lister.
func newKindInformer[L any](example runtime.Object, newL func(cache.Indexer) L) kindInformer[L] {
	inf := cache.NewSharedIndexInformer(noServer(), example, 0,
		cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	return kindInformer[L]{inf: inf, lister: newL(inf.GetIndexer())}
}

// errNoServer is what the stores' ListWatch answers: there is no API
// server behind them.
var errNoServer = errors.New("knp: in-memory store, no API server to list or watch")

// noServer is the ListWatch under every informer. The informers are never
// run (the harness writes their stores directly, as before with the
// factory, which was never started either), so it is never called; were
// one run, its reflector would fail to list and leave the store as the
// harness filled it instead of replacing it with an empty list.
func noServer() *cache.ListWatch {
	return &cache.ListWatch{
		ListFunc:  func(metav1.ListOptions) (runtime.Object, error) { return nil, errNoServer },
		WatchFunc: func(metav1.ListOptions) (watch.Interface, error) { return nil, errNoServer },
	}
}

// stores are the informers the controller reads, one per kind.
type stores struct {
	pods       kindInformer[corelisters.PodLister]
	namespaces kindInformer[corelisters.NamespaceLister]
	nodes      kindInformer[corelisters.NodeLister]
	netpols    kindInformer[networkinglisters.NetworkPolicyLister]
	anps       kindInformer[policylisters.AdminNetworkPolicyLister]
	banps      kindInformer[policylisters.BaselineAdminNetworkPolicyLister]
}

// newStores is one empty informer per kind.
func newStores() stores {
	return stores{
		pods:       newKindInformer(&v1.Pod{}, corelisters.NewPodLister),
		namespaces: newKindInformer(&v1.Namespace{}, corelisters.NewNamespaceLister),
		nodes:      newKindInformer(&v1.Node{}, corelisters.NewNodeLister),
		netpols:    newKindInformer(&networkingv1.NetworkPolicy{}, networkinglisters.NewNetworkPolicyLister),
		anps:       newKindInformer(&v1alpha1.AdminNetworkPolicy{}, policylisters.NewAdminNetworkPolicyLister),
		banps:      newKindInformer(&v1alpha1.BaselineAdminNetworkPolicy{}, policylisters.NewBaselineAdminNetworkPolicyLister),
	}
}

// noEvents is the clientset handed to the controller. In v0.8.0 the
// controller's only use of it is newController's
// client.CoreV1().Events("") for the event broadcaster's sink; the sink
// is written only when an event is recorded, and the controller's
// eventRecorder is never used (pkg/networkpolicy records no event), nor
// is its client field read on the evaluatePacket path. Every other
// method, and the events client itself, is a nil interface: a version
// that starts calling one panics at once instead of going unnoticed.
type noEvents struct{ kubernetes.Interface }

// CoreV1 is the core group client, good only for Events.
func (noEvents) CoreV1() corev1client.CoreV1Interface { return coreEvents{} }

// coreEvents is the core group client of noEvents.
type coreEvents struct{ corev1client.CoreV1Interface }

// Events is the events client the broadcaster's sink would write to: nil,
// never called (see noEvents).
func (coreEvents) Events(string) corev1client.EventInterface { return nil }
