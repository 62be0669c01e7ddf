package render

import (
	"fmt"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// TestSummaryMergesExternalRanges: the addresses reaching a workload on
// the same ports are one flow, named by their union, however the rest of
// the intents carve them up (the shop: the app's egress makes
// 203.0.113.0/25 a peer of its own, the world reaches the gateway).
func TestSummaryMergesExternalRanges(t *testing.T) {
	ranges := []string{"ip:0.0.0.0-203.0.112.255", "ip:203.0.113.0-203.0.113.127", "ip:203.0.113.128-255.255.255.255"}
	shop := func() *enforcer.Connectivity {
		c := &enforcer.Connectivity{Endpoints: []enforcer.Endpoint{
			{Name: "shop/app", Namespace: "shop", Kind: "Deployment"},
			{Name: "shop/gateway", Namespace: "shop", Kind: "Deployment"},
		}}
		for _, r := range ranges {
			c.Endpoints = append(c.Endpoints, enforcer.Endpoint{Name: r, Kind: enforcer.KindExternal})
		}
		c.Endpoints = append(c.Endpoints, enforcer.Endpoint{Name: "fqdn:api.example.com", Kind: enforcer.KindExternal})
		return c
	}
	p := &ir.Policy{Namespaces: []ir.Namespace{{Name: "shop"}}, Workloads: []ir.Workload{{Namespace: "shop", Name: "app"}, {Namespace: "shop", Name: "gateway"}}}
	for _, tc := range []struct {
		name  string
		conns []enforcer.Connection
		want  string
	}{{
		name: "the world, carved up by the app's egress",
		conns: []enforcer.Connection{
			{Src: ranges[0], Dst: "shop/gateway", Ports: mustPorts(t, "TCP/8443")},
			{Src: ranges[1], Dst: "shop/gateway", Ports: mustPorts(t, "TCP/8443")},
			{Src: ranges[2], Dst: "shop/gateway", Ports: mustPorts(t, "TCP/8443")},
			{Src: "shop/app", Dst: ranges[1], Ports: portset.All()},
		},
		want: "2 flow(s) to or from outside the cluster's known pods:\n" +
			"  shop/app → 203.0.113.0/25: all\n" +
			"  world → shop/gateway: TCP/8443\n",
	}, {
		name: "part of the world, on two port sets, and a name",
		conns: []enforcer.Connection{
			{Src: ranges[0], Dst: "shop/gateway", Ports: mustPorts(t, "TCP/8443")},
			{Src: ranges[2], Dst: "shop/gateway", Ports: mustPorts(t, "TCP/8443")},
			{Src: ranges[1], Dst: "shop/gateway", Ports: mustPorts(t, "TCP/80,TCP/8443")},
			{Src: "shop/app", Dst: ranges[1], Ports: mustPorts(t, "TCP/443")},
			{Src: "shop/app", Dst: ranges[2], Ports: mustPorts(t, "TCP/443")},
			{Src: "shop/app", Dst: "fqdn:api.example.com", Ports: mustPorts(t, "TCP/443")},
		},
		want: "4 flow(s) to or from outside the cluster's known pods:\n" +
			"  shop/app → 203.0.113.0-255.255.255.255: TCP/443\n" +
			"  shop/app → fqdn:api.example.com: TCP/443\n" +
			"  0.0.0.0/0 except 203.0.113.0/25 → shop/gateway: TCP/8443\n" +
			"  203.0.113.0/25 → shop/gateway: TCP/80,TCP/8443\n",
	}} {
		c := shop()
		c.Connections = tc.conns
		c.Sort()
		var b strings.Builder
		Summarize(p, mustStream(t, c)).Print(&b)
		if !strings.HasSuffix(b.String(), tc.want) {
			t.Errorf("%s: summary:\n%s\nwant it to end:\n%s", tc.name, b.String(), tc.want)
		}
	}
}

// TestSummaryPlatformOpen: with a platform layer, workloads no team
// policy isolates are not called open: the platform may deny for them.
func TestSummaryPlatformOpen(t *testing.T) {
	var b strings.Builder
	Summary{Workloads: 2, Open: []string{"shop/web"}, Baseline: 1}.Print(&b)
	if !strings.Contains(b.String(), "isolated by no team policy (the platform layer decides for them): shop/web") || strings.Contains(b.String(), "not isolated at all") {
		t.Errorf("summary:\n%s", b.String())
	}
	b.Reset()
	Summary{Workloads: 2, Open: []string{"shop/web"}}.Print(&b)
	if !strings.Contains(b.String(), "not isolated at all: shop/web") {
		t.Errorf("summary without a platform layer:\n%s", b.String())
	}
}

// TestSummaryFoldsManyFlows: past a screenful, the flows print as rows
// by namespace and ports (external peers one side), at most a screenful
// of them; the open workloads are cut to a count.
func TestSummaryFoldsManyFlows(t *testing.T) {
	c := &enforcer.Connectivity{}
	p := &ir.Policy{}
	for ns := range 70 {
		name := fmt.Sprintf("ns%02d", ns)
		p.Namespaces = append(p.Namespaces, ir.Namespace{Name: name})
		for w := range 5 {
			ep := enforcer.Endpoint{Name: fmt.Sprintf("%s/w%d", name, w), Namespace: name, Kind: "Deployment"}
			c.Endpoints = append(c.Endpoints, ep)
			p.Workloads = append(p.Workloads, ir.Workload{Namespace: name, Name: fmt.Sprintf("w%d", w)})
			c.Connections = append(c.Connections, enforcer.Connection{Src: ep.Name, Dst: "ip:0.0.0.0-255.255.255.255", Ports: mustPorts(t, "TCP/443")})
		}
	}
	c.Endpoints = append(c.Endpoints, enforcer.Endpoint{Name: "ip:0.0.0.0-255.255.255.255", Kind: enforcer.KindExternal})
	c.Sort()
	var b strings.Builder
	Summarize(p, mustStream(t, c)).Print(&b)
	out := b.String()
	for _, want := range []string{
		", +330 more\n",
		"350 flow(s) to or from outside the cluster's known pods, in 70 row(s) by namespace and ports:\n",
		"\n  ns00/{w0, w1, w2, +2 more} → world: TCP/443 (5)\n",
		"\n  ns59/{w0, w1, w2, +2 more} → world: TCP/443 (5)\n  … 10 more row(s): `netpolc matrix` shows them, --full pair by pair\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ns60/") || strings.Count(out, "\n") != 1+1+foldAbove+1 {
		t.Errorf("summary of %d lines:\n%s", strings.Count(out, "\n"), out)
	}
}

// TestSummaryCutName: a peer named by many ranges is cut after the
// last range that fits.
func TestSummaryCutName(t *testing.T) {
	var ranges []string
	for i := range 100 {
		ranges = append(ranges, fmt.Sprintf("10.0.%d.0-10.0.%d.127", i, i))
	}
	got := CutName(strings.Join(ranges, ", "))
	if len(got) > maxNameBytes+len(", …") || !strings.HasSuffix(got, "127, …") || !strings.HasPrefix(got, "10.0.0.0-10.0.0.127, 10.0.1.0") {
		t.Errorf("CutName: %q", got)
	}
	if CutName("world") != "world" {
		t.Error("a short name is cut")
	}
}

func mustStream(t *testing.T, c *enforcer.Connectivity) *enforcer.Stream {
	t.Helper()
	s, err := enforcer.StreamOf(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
