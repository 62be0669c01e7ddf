package gen

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netpolc/netpolc/internal/manifests"
)

// pattern is one kind of NetworkPolicy, made for a namespace.
type pattern struct {
	Name string
	Spec func(g *generator, a *appNamespace) networkingv1.NetworkPolicySpec
}

// patterns are the NetworkPolicies clusters are made of. Every namespace
// starts with the first two (default deny, DNS); the rest are drawn at
// random.
var patterns = []pattern{
	{"default-deny-ingress", func(*generator, *appNamespace) networkingv1.NetworkPolicySpec {
		return networkingv1.NetworkPolicySpec{PolicyTypes: types(networkingv1.PolicyTypeIngress)}
	}},
	{"allow-dns", func(*generator, *appNamespace) networkingv1.NetworkPolicySpec {
		return networkingv1.NetworkPolicySpec{
			PolicyTypes: types(networkingv1.PolicyTypeEgress),
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				To: []networkingv1.NetworkPolicyPeer{{
					NamespaceSelector: sel("kubernetes.io/metadata.name", "kube-system"),
					PodSelector:       sel("k8s-app", "kube-dns"),
				}},
				Ports: ports(num(53, corev1.ProtocolUDP), num(53, corev1.ProtocolTCP)),
			}},
		}
	}},
	{"default-deny-egress", func(*generator, *appNamespace) networkingv1.NetworkPolicySpec {
		return networkingv1.NetworkPolicySpec{PolicyTypes: types(networkingv1.PolicyTypeEgress)}
	}},
	{"default-deny-all", func(*generator, *appNamespace) networkingv1.NetworkPolicySpec {
		return networkingv1.NetworkPolicySpec{PolicyTypes: types(networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress)}
	}},
	{"web-to-app", func(g *generator, _ *appNamespace) networkingv1.NetworkPolicySpec {
		return tierIngress("app", "web", named(g.pick("http", "grpc")))
	}},
	{"app-to-db", func(g *generator, _ *appNamespace) networkingv1.NetworkPolicySpec {
		if g.rng.IntN(2) == 0 {
			return tierIngress("db", "app", num(5432, ""))
		}
		return tierIngress("db", "app", named("postgres"))
	}},
	{"gateway-from-anywhere", func(*generator, *appNamespace) networkingv1.NetworkPolicySpec {
		// from: [] (no from) — every source, on the gateway's ports.
		return networkingv1.NetworkPolicySpec{
			PodSelector: *sel("tier", "gateway"),
			Ingress:     []networkingv1.NetworkPolicyIngressRule{{Ports: ports(named("http"), named("https"))}},
		}
	}},
	{"web-from-gateway", func(*generator, *appNamespace) networkingv1.NetworkPolicySpec {
		return tierIngress("web", "gateway", named("http"))
	}},
	{"allow-monitoring", func(*generator, *appNamespace) networkingv1.NetworkPolicySpec {
		return networkingv1.NetworkPolicySpec{
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{{NamespaceSelector: sel("purpose", "monitoring")}},
				Ports: ports(named("metrics")),
			}},
		}
	}},
	{"allow-team", func(_ *generator, a *appNamespace) networkingv1.NetworkPolicySpec {
		// Namespace AND pod selector in one peer.
		return networkingv1.NetworkPolicySpec{
			PodSelector: *sel("tier", "app"),
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From: []networkingv1.NetworkPolicyPeer{{
					NamespaceSelector: sel("team", a.Team),
					PodSelector:       sel("tier", "app"),
				}},
				Ports: ports(named("grpc")),
			}},
		}
	}},
	{"external-egress", func(*generator, *appNamespace) networkingv1.NetworkPolicySpec {
		return networkingv1.NetworkPolicySpec{
			PodSelector: *sel("tier", "app"),
			PolicyTypes: types(networkingv1.PolicyTypeEgress),
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{
					CIDR: "0.0.0.0/0", Except: []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"},
				}}},
				Ports: ports(num(443, corev1.ProtocolTCP)),
			}},
		}
	}},
	{"partner-ingress", func(*generator, *appNamespace) networkingv1.NetworkPolicySpec {
		return networkingv1.NetworkPolicySpec{
			PodSelector: *sel("tier", "gateway"),
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From: []networkingv1.NetworkPolicyPeer{
					{IPBlock: &networkingv1.IPBlock{CIDR: "203.0.113.0/24", Except: []string{"203.0.113.128/25"}}},
					{IPBlock: &networkingv1.IPBlock{CIDR: "2001:db8::/32"}},
				},
			}},
		}
	}},
	{"port-range", func(*generator, *appNamespace) networkingv1.NetworkPolicySpec {
		return networkingv1.NetworkPolicySpec{
			PodSelector: *sel("tier", "app"),
			PolicyTypes: types(networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress),
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{{PodSelector: sel("tier", "web")}},
				Ports: ports(span(8000, 8100, corev1.ProtocolTCP)),
			}},
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				To:    []networkingv1.NetworkPolicyPeer{{PodSelector: sel("tier", "db")}},
				Ports: ports(span(5000, 5999, ""), num(9000, corev1.ProtocolSCTP)),
			}},
		}
	}},
	{"allow-all-ingress", func(*generator, *appNamespace) networkingv1.NetworkPolicySpec {
		// ingress: [{}] — one empty rule allows everything.
		return networkingv1.NetworkPolicySpec{
			PodSelector: *sel("tier", "web"),
			Ingress:     []networkingv1.NetworkPolicyIngressRule{{}},
		}
	}},
	{"worker-egress-ports", func(*generator, *appNamespace) networkingv1.NetworkPolicySpec {
		// Ports but no "to": any destination on these ports. The named
		// port defaults to TCP while the workers' "stats" is UDP, so it
		// matches nothing: a mistake real policies make.
		return networkingv1.NetworkPolicySpec{
			PodSelector: *sel("tier", "worker"),
			PolicyTypes: types(networkingv1.PolicyTypeEgress),
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				Ports: ports(num(53, corev1.ProtocolUDP), num(443, corev1.ProtocolTCP), named("stats")),
			}},
		}
	}},
	{"not-from-dev", func(*generator, *appNamespace) networkingv1.NetworkPolicySpec {
		return networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"web", "app"}},
			}},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From: []networkingv1.NetworkPolicyPeer{{
					NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
						{Key: "env", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"dev"}},
					}},
					PodSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
						{Key: "app", Operator: metav1.LabelSelectorOpExists},
						{Key: "version", Operator: metav1.LabelSelectorOpDoesNotExist},
					}},
				}},
			}},
		}
	}},
	{"pod-network-egress", func(*generator, *appNamespace) networkingv1.NetworkPolicySpec {
		// An ipBlock over the pod network: implementation-defined upstream.
		return networkingv1.NetworkPolicySpec{
			PodSelector: *sel("tier", "web"),
			PolicyTypes: types(networkingv1.PolicyTypeEgress),
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{
					CIDR: "10.0.0.0/16", Except: []string{"10.0.1.0/24"},
				}}},
			}},
		}
	}},
	{"cache-implicit-types", func(*generator, *appNamespace) networkingv1.NetworkPolicySpec {
		// No policyTypes: egress rules make it isolate egress too.
		return networkingv1.NetworkPolicySpec{
			PodSelector: *sel("tier", "cache"),
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				To: []networkingv1.NetworkPolicyPeer{{PodSelector: sel("tier", "db")}},
			}},
		}
	}},
	{"cross-namespace-app", func(g *generator, a *appNamespace) networkingv1.NetworkPolicySpec {
		peer := a.Peers[g.rng.IntN(len(a.Peers))]
		return networkingv1.NetworkPolicySpec{
			PodSelector: *sel("tier", "db"),
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From: []networkingv1.NetworkPolicyPeer{
					{NamespaceSelector: sel("kubernetes.io/metadata.name", peer.Name), PodSelector: sel("tier", "app")},
					{NamespaceSelector: &metav1.LabelSelector{}}, // every namespace's pods, on metrics only
				},
				Ports: ports(named("postgres"), named("metrics")),
			}},
		}
	}},
}

func (g *generator) policies() {
	for i := range g.cfg.Policies {
		a := g.apps[i%len(g.apps)]
		k := i / len(g.apps)
		p := patterns[min(k, 1)]
		if k >= 2 {
			p = patterns[2+g.rng.IntN(len(patterns)-2)]
		}
		name := p.Name
		for n := 2; a.Names[name]; n++ {
			name = fmt.Sprintf("%s-%d", p.Name, n)
		}
		a.Names[name] = true
		np := networkingv1.NetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: a.Name},
			Spec:       p.Spec(g, a),
		}
		g.set.NetworkPolicies = append(g.set.NetworkPolicies, manifests.NetworkPolicy{NetworkPolicy: np})
	}
}

func (g *generator) pick(s ...string) string { return s[g.rng.IntN(len(s))] }

// tierIngress lets tier from reach tier to on port.
func tierIngress(to, from string, port networkingv1.NetworkPolicyPort) networkingv1.NetworkPolicySpec {
	return networkingv1.NetworkPolicySpec{
		PodSelector: *sel("tier", to),
		PolicyTypes: types(networkingv1.PolicyTypeIngress),
		Ingress: []networkingv1.NetworkPolicyIngressRule{{
			From:  []networkingv1.NetworkPolicyPeer{{PodSelector: sel("tier", from)}},
			Ports: ports(port),
		}},
	}
}

// sel is a matchLabels selector of key/value pairs; no pairs select all.
func sel(kv ...string) *metav1.LabelSelector {
	if len(kv) == 0 {
		return &metav1.LabelSelector{}
	}
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return &metav1.LabelSelector{MatchLabels: m}
}

func types(t ...networkingv1.PolicyType) []networkingv1.PolicyType { return t }

func ports(p ...networkingv1.NetworkPolicyPort) []networkingv1.NetworkPolicyPort { return p }

// num is a numbered port; an empty protocol is left out (TCP by default).
func num(n int32, proto corev1.Protocol) networkingv1.NetworkPolicyPort {
	v := intstr.FromInt32(n)
	return networkingv1.NetworkPolicyPort{Port: &v, Protocol: protocol(proto)}
}

func span(n, end int32, proto corev1.Protocol) networkingv1.NetworkPolicyPort {
	p := num(n, proto)
	p.EndPort = &end
	return p
}

func named(name string) networkingv1.NetworkPolicyPort {
	v := intstr.FromString(name)
	return networkingv1.NetworkPolicyPort{Port: &v}
}

func protocol(p corev1.Protocol) *corev1.Protocol {
	if p == "" {
		return nil
	}
	return &p
}
