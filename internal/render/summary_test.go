package render

import (
	"strings"
	"testing"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// TestSummaryMergesExternalRanges: the shop's world reaching the gateway
// is one line per peer of identical connectivity, named as CIDRs.
func TestSummaryMergesExternalRanges(t *testing.T) {
	c := &enforcer.Connectivity{
		Endpoints: []enforcer.Endpoint{
			{Name: "shop/app", Namespace: "shop", Kind: "Deployment"},
			{Name: "shop/gateway", Namespace: "shop", Kind: "Deployment"},
			{Name: "ip:0.0.0.0-203.0.112.255", Kind: enforcer.KindExternal},
			{Name: "ip:203.0.113.0-203.0.113.127", Kind: enforcer.KindExternal},
			{Name: "ip:203.0.113.128-255.255.255.255", Kind: enforcer.KindExternal},
		},
	}
	for _, r := range []string{"ip:0.0.0.0-203.0.112.255", "ip:203.0.113.0-203.0.113.127", "ip:203.0.113.128-255.255.255.255"} {
		c.Connections = append(c.Connections, enforcer.Connection{Src: r, Dst: "shop/gateway", Ports: mustPorts(t, "TCP/8443")})
	}
	c.Connections = append(c.Connections, enforcer.Connection{Src: "shop/app", Dst: "ip:203.0.113.0-203.0.113.127", Ports: portset.All()})
	c.Sort()
	p := &ir.Policy{Namespaces: []ir.Namespace{{Name: "shop"}}, Workloads: []ir.Workload{{Namespace: "shop", Name: "app"}, {Namespace: "shop", Name: "gateway"}}}
	var b strings.Builder
	Summarize(p, c).Print(&b)
	want := "3 flow(s) to or from outside the cluster's known pods:\n" +
		"  shop/app → 203.0.113.0/25: all\n" +
		"  0.0.0.0/0 except 203.0.113.0/25 → shop/gateway: TCP/8443\n" +
		"  203.0.113.0/25 → shop/gateway: TCP/8443\n"
	if !strings.HasSuffix(b.String(), want) {
		t.Errorf("summary:\n%s\nwant it to end:\n%s", b.String(), want)
	}
	// With the same connectivity, the three ranges are the world.
	c.Connections = c.Connections[1:]
	b.Reset()
	Summarize(p, c).Print(&b)
	if !strings.HasSuffix(b.String(), "1 flow(s) to or from outside the cluster's known pods:\n  world → shop/gateway: TCP/8443\n") {
		t.Errorf("summary:\n%s", b.String())
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
