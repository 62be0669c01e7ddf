package nftables_test

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/internal/ir"
)

// confCase is a policy set over the conformance cluster, mirroring a case
// of enforcer's conformance suite, written as IR.
type confCase struct {
	name string
	p    *ir.Policy
}

var (
	in   = ir.Ingress
	out  = ir.Egress
	xa   = subject("x", "a")
	xAll = subject("x", "")
	yAll = subject("y", "")
)

func policy(isos []ir.Isolation, rules ...ir.Rule) *ir.Policy {
	return &ir.Policy{Isolations: isos, Rules: rules}
}

func join(lists ...[]ir.Isolation) []ir.Isolation {
	var out []ir.Isolation
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

var confCases = []confCase{
	{"no policies", policy(nil)},
	{"deny all ingress in x", policy(isolate(xAll, in))},
	{"deny all egress in x", policy(isolate(xAll, out))},
	{"deny all both directions in x", policy(isolate(xAll, in, out))},
	{"allow all ingress unions with deny all", policy(isolate(xAll, in), allow(xAll, in, everyone, 10))},
	{"deny ingress to x/a only", policy(isolate(xa, in))},
	{"x/a ingress from local pod b", policy(isolate(xa, in), allow(xa, in, localPods(labels("pod", "b")), 10))},
	{"egress from x/a only to x/b", policy(isolate(xa, out), allow(xa, out, localPods(labels("pod", "b")), 10))},
	{"egress from x/a only to namespace z", policy(isolate(xa, out), allow(xa, out, pods(labels("ns", "z"), nil), 10))},
	{"egress allowed but ingress denied blocks", policy(join(isolate(xa, out), isolate(yAll, in)),
		allow(xa, out, pods(labels("ns", "y"), labels("pod", "b")), 10))},
	{"namespaceSelector and podSelector ANDed", policy(isolate(xa, in),
		allow(xa, in, pods(labels("ns", "y"), labels("pod", "b")), 10))},
	{"matchExpressions NotIn on pods", policy(isolate(xa, in),
		allow(xa, in, localPods(expr("pod", metav1.LabelSelectorOpNotIn, "b")), 10))},
	{"matchExpressions In on namespaces", policy(isolate(xa, in),
		allow(xa, in, pods(expr("ns", metav1.LabelSelectorOpIn, "y", "z"), nil), 10))},
	{"ingress on TCP/80 only", policy(isolate(xa, in), allow(xa, in, everyone, 10, tcp(80)))},
	{"ingress on every UDP port", policy(isolate(xa, in), allow(xa, in, everyone, 10, span(udp(1), 65535)))},
	{"ingress on TCP 80-81", policy(isolate(xa, in), allow(xa, in, everyone, 10, span(tcp(80), 81)))},
	{"named TCP port", policy(isolate(xa, in), allow(xa, in, everyone, 10, named("serve-81-tcp")))},
	{"named UDP port", policy(isolate(xa, in), allow(xa, in, everyone, 10, namedUDP("serve-81-udp")))},
	{"named port with protocol mismatch", policy(isolate(xa, in), allow(xa, in, everyone, 10, namedUDP("serve-80-tcp")))},
	{"egress named port resolves per destination", policy(isolate(xAll, out),
		allow(xAll, out, pods(labels(), nil), 10, named("web")))},
	{"egress and ingress ports intersect", policy(join(isolate(xa, out), isolate(yAll, in)),
		allow(xa, out, everyone, 10, span(tcp(80), 81), udp(80)),
		allow(yAll, in, everyone, 11, tcp(81), udp(80), udp(81)))},
	{"ingress ipBlock matches pods by known IP", policy(isolate(xa, in), allow(xa, in, cidr("10.244.2.0/24"), 10))},
	{"ipBlock except carves a hole", policy(isolate(xa, in), allow(xa, in, cidr("10.244.0.0/16", "10.244.2.0/24"), 10))},
	{"egress ipBlock /32 reaches one pod", policy(isolate(xa, out), allow(xa, out, cidr("10.244.3.2/32"), 10, tcp(80)))},
	{"IPv6 ipBlock covers dual-stack pods", policy(isolate(xAll, in),
		allow(xAll, in, cidr("fd00:244::/64", "fd00:244::3:0/112"), 10, tcp(81), udp(81)))},
	{"egress to the world", policy(isolate(xAll, out), allow(xAll, out, ir.Peer{Kind: ir.PeerWorld}, 10, tcp(80)))},
	{"deny rule overrides allow (IR model)", policy(isolate(xAll, in),
		allow(xAll, in, everyone, 10),
		deny(xAll, in, pods(labels("ns", "y"), nil), 11, tcp(80)),
		deny(subject("z", "b"), out, everyone, 12, udp(81)))},
}

// TestConformanceInterpreted checks every case without a kernel: the
// interpreted ruleset equals the reference model.
func TestConformanceInterpreted(t *testing.T) {
	if len(confCases) < 15 {
		t.Fatalf("only %d cases", len(confCases))
	}
	inv := confInventory()
	for _, c := range confCases {
		t.Run(c.name, func(t *testing.T) {
			checkInterpreted(t, c.p, inv, reference(t, c.p, inv))
		})
	}
}
