package gatereport

import (
	"strconv"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/gate"
	"github.com/netpolc/netpolc/internal/portset"
)

func ports(t *testing.T, s string) portset.Set {
	t.Helper()
	p, err := portset.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCompact: flows that changed alike fold into sources × destinations.
func TestCompact(t *testing.T) {
	p := ports(t, "TCP/80")
	mk := func(src, dst string) gate.Flow {
		return gate.Flow{Change: gate.Opened, Src: src, Dst: dst, After: p, Origins: []string{"a.cue:1:1"}}
	}
	rows := compact([]gate.Flow{mk("a/x", "b/p"), mk("a/x", "b/q"), mk("a/y", "b/p"), mk("a/y", "b/q"), mk("a/z", "b/p")})
	if len(rows) != 2 || nodeList(rows[0].srcs) != "a/{x, y}" || nodeList(rows[0].dsts) != "b/{p, q}" || rows[0].flows != 4 ||
		nodeList(rows[1].srcs) != "a/z" || rows[1].flows != 1 {
		t.Errorf("rows: %+v", rows)
	}
	if got := nodeList([]string{"n/a", "n/b", "n/c", "n/d", "n/e"}); got != "n/{a, b, c, +2 more}" {
		t.Errorf("long list: %q", got)
	}
}

// TestPlan: the row cap shares the budget between namespaces and counts
// what it leaves out.
func TestPlan(t *testing.T) {
	var gs []group
	for i := range 30 {
		g := group{namespace: string(rune('a' + i)), opened: 10}
		for range 10 {
			g.rows = append(g.rows, row{change: gate.Opened, flows: 1})
		}
		gs = append(gs, g)
	}
	shown, hiddenGroups, hiddenFlows := plan(gs, 60)
	rows := 0
	for _, g := range shown {
		rows += len(g.shown)
		if g.hiddenFlows != 10-len(g.shown) {
			t.Errorf("group %s: %d hidden flows, want %d", g.namespace, g.hiddenFlows, 10-len(g.shown))
		}
	}
	if rows != 60 || len(shown) != 12 || hiddenGroups != 18 || hiddenFlows != 180 {
		t.Errorf("rows %d, groups %d, hidden groups %d, hidden flows %d", rows, len(shown), hiddenGroups, hiddenFlows)
	}
	if shown, _, _ := plan(gs, 0); len(shown) != 30 || len(shown[0].shown) != 10 {
		t.Error("limit 0 must show everything")
	}
}

// TestColor: ANSI colours only when asked for (a terminal).
func TestColor(t *testing.T) {
	d := &gate.Diff{Base: "a", Head: "b", Opened: 1, Flows: []gate.Flow{{Change: gate.Opened, Src: "x/a", Dst: "x/b", Namespace: "x", After: ports(t, "TCP/80"), Origins: []string{"i.cue:1:2"}}}}
	var plain, color strings.Builder
	if err := WriteDiff(&plain, d, RenderOptions{Format: Text}); err != nil {
		t.Fatal(err)
	}
	if err := WriteDiff(&color, d, RenderOptions{Format: Text, Color: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b[") || !strings.Contains(color.String(), "\x1b[32m  + x/a → x/b  TCP/80\x1b[0m") {
		t.Errorf("plain:\n%q\ncolour:\n%q", plain.String(), color.String())
	}
}

// TestNarrowedOrigins: a flow that only lost ports names what allowed the
// lost ports, as "was allowed by".
func TestNarrowedOrigins(t *testing.T) {
	d := &gate.Diff{Base: "a", Head: "b", Changed: 1, Flows: []gate.Flow{{Change: gate.Changed, Src: "x/a", Dst: "x/b", Namespace: "x",
		Before: ports(t, "TCP/80,TCP/81"), After: ports(t, "TCP/80"), Origins: []string{"i.cue:1:2"}}}}
	var b strings.Builder
	if err := WriteDiff(&b, d, RenderOptions{Format: Text}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "~ x/a → x/b  TCP/80-81 ⇒ TCP/80  (was allowed by i.cue:1:2)") {
		t.Errorf("got:\n%s", b.String())
	}
}

// TestDisplayName: diffs print external ranges as CIDRs (or, past four
// CIDRs or holes, as a range), workloads as is.
func TestDisplayName(t *testing.T) {
	for in, want := range map[string]string{
		"ip:0.0.0.0-255.255.255.255":   "0.0.0.0/0",
		"ip:203.0.113.0-203.0.113.255": "203.0.113.0/24",
		"ip:0.0.0.0-203.0.112.255":     "0.0.0.0-203.0.112.255",
		"shop/web":                     "shop/web",
	} {
		if got := nodeList([]string{in}); got != want {
			t.Errorf("%s: got %q, want %q", in, got, want)
		}
	}
}

// TestCompactExternalRanges: external ranges that changed alike with the
// same other end are one row named by their union: both families whole
// are the world, disjoint blocks their CIDRs; a DNS name stays a row of
// its own, and a union of many ranges is cut.
func TestCompactExternalRanges(t *testing.T) {
	p := ports(t, "TCP/443")
	to := func(dst string) gate.Flow {
		return gate.Flow{Change: gate.Closed, Src: "shop/app", Dst: dst, Before: p, Origins: []string{"a.cue:1:1"}}
	}
	from := func(src string) gate.Flow {
		return gate.Flow{Change: gate.Opened, Src: src, Dst: "shop/web", After: p, Origins: []string{"a.cue:2:1"}}
	}
	rows := compact([]gate.Flow{
		to("ip:0.0.0.0-255.255.255.255"), to("ip:::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), to("fqdn:api.example.com"),
		from("ip:10.0.0.0-10.255.255.255"), from("ip:192.168.0.0-192.168.255.255"),
	})
	var got []string
	for _, r := range rows {
		got = append(got, nodeList(r.srcs)+" → "+nodeList(r.dsts))
	}
	want := []string{"shop/app → world", "shop/app → fqdn:api.example.com", "10.0.0.0/8, 192.168.0.0/16 → shop/web"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var many []string
	for i := range 200 {
		many = append(many, "ip:10.0."+strconv.Itoa(i)+".0-10.0."+strconv.Itoa(i)+".127")
	}
	if name := nodeList(many); len(name) > 170 || !strings.HasSuffix(name, ", …") {
		t.Errorf("a union of 200 ranges: %q", name)
	}
}
