package gate

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/netset"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/output"
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

func matrix(t *testing.T, externals []string, conns ...string) *enforcer.Connectivity {
	t.Helper()
	c := &enforcer.Connectivity{Endpoints: []enforcer.Endpoint{{Name: "shop/web", Namespace: "shop"}}}
	for _, e := range externals {
		c.Endpoints = append(c.Endpoints, enforcer.Endpoint{Name: e, Kind: enforcer.KindExternal})
	}
	for _, s := range conns { // "src dst ports"
		f := strings.Fields(s)
		c.Connections = append(c.Connections, enforcer.Connection{Src: f[0], Dst: f[1], Ports: ports(t, f[2])})
	}
	c.Sort()
	return c
}

func flowLines(d *Diff) []string {
	var out []string
	for _, f := range d.Flows {
		out = append(out, string(f.Change)+" "+f.Src+" "+f.Dst+" "+f.Before.String()+" "+f.After.String())
	}
	return out
}

// TestRefine: a range split differently on each side is compared piece by
// piece; only the piece that really changed is reported, and unchanged
// neighbours are not.
func TestRefine(t *testing.T) {
	base := matrix(t, []string{"ip:0.0.0.0-255.255.255.255"}, "shop/web ip:0.0.0.0-255.255.255.255 TCP/443")
	head := matrix(t, []string{"ip:0.0.0.0-10.255.255.255", "ip:11.0.0.0-11.255.255.255", "ip:12.0.0.0-255.255.255.255"},
		"shop/web ip:0.0.0.0-10.255.255.255 TCP/443",
		"shop/web ip:11.0.0.0-11.255.255.255 TCP/80,TCP/443",
		"shop/web ip:12.0.0.0-255.255.255.255 TCP/443")
	d, err := Compare(&Side{Name: "base", Matrix: base}, &Side{Name: "head", Matrix: head})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"changed shop/web ip:11.0.0.0-11.255.255.255 TCP/443 TCP/80,TCP/443"}
	if got := flowLines(d); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// Closing the whole range shows one merged flow, not three pieces.
	d, err = Compare(&Side{Name: "head", Matrix: head}, &Side{Name: "none", Matrix: matrix(t, []string{"ip:0.0.0.0-127.255.255.255", "ip:128.0.0.0-255.255.255.255"})})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{
		"closed shop/web ip:0.0.0.0-10.255.255.255 TCP/443 none",
		"closed shop/web ip:11.0.0.0-11.255.255.255 TCP/80,TCP/443 none",
		"closed shop/web ip:12.0.0.0-255.255.255.255 TCP/443 none",
	}
	if got := flowLines(d); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestCompact: flows that changed alike fold into sources × destinations.
func TestCompact(t *testing.T) {
	p := ports(t, "TCP/80")
	mk := func(src, dst string) Flow {
		return Flow{Change: Opened, Src: src, Dst: dst, After: p, Origins: []string{"a.cue:1:1"}}
	}
	rows := compact([]Flow{mk("a/x", "b/p"), mk("a/x", "b/q"), mk("a/y", "b/p"), mk("a/y", "b/q"), mk("a/z", "b/p")})
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
			g.rows = append(g.rows, row{change: Opened, flows: 1})
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

// TestRecordMatchesOutput: the record verify expects is byte for byte the
// one `netpolc build` (package output) leaves.
func TestRecordMatchesOutput(t *testing.T) {
	files := []kit.File{
		{Path: "networkpolicy/shop/b.yaml", Data: []byte("b\n")},
		{Path: "kustomization.yaml", Data: []byte("k\n")},
		{Path: "networkpolicy/kustomization.yaml", Data: []byte("nk\n")},
	}
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := output.Write(dir, files); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, output.RecordFile))
	if err != nil {
		t.Fatal(err)
	}
	if want := recordOf(files); string(got) != string(want) {
		t.Errorf("record:\n%s\nwant:\n%s", got, want)
	}
	if paths := parseRecord(got); len(paths) != 3 || !paths["networkpolicy/shop/b.yaml"] {
		t.Errorf("parsed record: %v", paths)
	}
}

// TestSplitAndMerge: pieces split at foreign boundaries merge back.
func TestSplitAndMerge(t *testing.T) {
	r, _ := netset.ParseName("ip:10.0.0.0-10.0.0.255")
	cuts := []addr{mustAddr(t, "10.0.0.0"), mustAddr(t, "10.0.0.128"), mustAddr(t, "10.0.1.0")}
	if got := piecesOf(r, cuts); !slices.Equal(got, []string{"ip:10.0.0.0-10.0.0.127", "ip:10.0.0.128-10.0.0.255"}) {
		t.Errorf("pieces: %v", got)
	}
	p := ports(t, "TCP/1")
	merged := mergeRanges([]Flow{
		{Change: Opened, Src: "a/b", Dst: "ip:10.0.0.128-10.0.0.255", After: p},
		{Change: Opened, Src: "a/b", Dst: "ip:10.0.0.0-10.0.0.127", After: p},
		{Change: Opened, Src: "a/b", Dst: "ip:10.0.2.0-10.0.2.255", After: p},
	})
	var names []string
	for _, f := range merged {
		names = append(names, f.Dst)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"ip:10.0.0.0-10.0.0.255", "ip:10.0.2.0-10.0.2.255"}) {
		t.Errorf("merged: %v", names)
	}
}

type addr = netip.Addr

func mustAddr(t *testing.T, s string) netip.Addr {
	t.Helper()
	a, err := netip.ParseAddr(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestColor: ANSI colours only when asked for (a terminal).
func TestColor(t *testing.T) {
	d := &Diff{Base: "a", Head: "b", Opened: 1, Flows: []Flow{{Change: Opened, Src: "x/a", Dst: "x/b", Namespace: "x", After: ports(t, "TCP/80"), Origins: []string{"i.cue:1:2"}}}}
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
	d := &Diff{Base: "a", Head: "b", Changed: 1, Flows: []Flow{{Change: Changed, Src: "x/a", Dst: "x/b", Namespace: "x",
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
