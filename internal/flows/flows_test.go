package flows

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/portset"
)

// shop is the endpoints the test data's flows resolve to.
func shop() *Resolver {
	ep := func(ns, name string, labels map[string]string, ips ...string) inventory.Endpoint {
		e := inventory.Endpoint{Namespace: ns, Name: name, Kind: "Deployment", Labels: labels}
		for _, ip := range ips {
			e.IPs = append(e.IPs, netip.MustParseAddr(ip))
		}
		return e
	}
	return NewResolver([]inventory.Endpoint{
		ep("shop", "web", map[string]string{"app": "web"}, "10.244.0.5"),
		ep("shop", "app", map[string]string{"app": "app"}),
		ep("shop", "db", map[string]string{"app": "db"}),
		ep("shop", "gateway", map[string]string{"app": "gateway"}),
		ep("kube-system", "coredns", map[string]string{"k8s-app": "kube-dns"}),
	}, nil)
}

func read(t *testing.T, file string) *Set {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd := NewReader(shop())
	if err := rd.Read(file, f); err != nil {
		t.Fatal(err)
	}
	return rd.Set()
}

func conns(s *Set) string {
	var b strings.Builder
	for _, k := range s.Keys() {
		fmt.Fprintf(&b, "%s ×%d\n", k, s.Conns[k])
	}
	return b.String()
}

// TestHubble reads `hubble observe -o json` lines: ends resolve by the
// workload Hubble names, by labels and by the world's address; the reply
// is not a connection; the host has no endpoint (listed, not dropped);
// ICMP and node events are skipped, counted.
func TestHubble(t *testing.T) {
	s := read(t, "testdata/hubble.json")
	want := "shop/app → kube-system/coredns UDP/53 ×1\nshop/gateway → 203.0.113.10 TCP/443 ×1\nshop/web → shop/app TCP/8080 ×1\nshop/web → shop/db TCP/5432 ×1\n"
	if got := conns(s); got != want {
		t.Errorf("connections:\n%s\nwant\n%s", got, want)
	}
	if s.Flows != 5 || s.Replies != 1 || s.UnresolvedCount() != 1 || len(s.Skipped) != 2 {
		t.Errorf("flows %d replies %d unresolved %v skipped %v", s.Flows, s.Replies, s.Unresolved, s.Skipped)
	}
	for why, m := range s.Unresolved {
		if !strings.Contains(why, `Cilium identity "host"`) || m.First.Line != 6 {
			t.Errorf("unresolved %q at %v", why, m.First)
		}
	}
}

// TestCalico reads aggregated Calico flow log records: pods by their
// aggregated name and labels, num_flows as the count, a network
// destination by its address, a host endpoint listed as unresolved.
func TestCalico(t *testing.T) {
	s := read(t, "testdata/calico.json")
	want := "shop/app → shop/db TCP/5432 ×10\nshop/gateway → 198.51.100.7 TCP/443 ×5\nshop/web → shop/app TCP/8080 ×42\n"
	if got := conns(s); got != want {
		t.Errorf("connections:\n%s\nwant\n%s", got, want)
	}
	if s.Flows != 60 || s.UnresolvedCount() != 3 || s.Skipped["Calico flow of a protocol without ports (icmp)"] != 1 {
		t.Errorf("flows %d unresolved %v skipped %v", s.Flows, s.Unresolved, s.Skipped)
	}
}

// TestCSV reads the plain format, header and both port spellings, and
// refuses a bad line naming it.
func TestCSV(t *testing.T) {
	rd := NewReader(shop())
	in := "src,dst,port/proto,count\nshop/web,shop/app,TCP/8080,3\nshop/web,shop/app,8080/TCP\nshop/app,fqdn:api.example.com,443\nshop/app,ip:203.0.113.9,UDP/514,2\n"
	if err := rd.Read("f.csv", strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	want := "shop/app → 203.0.113.9 UDP/514 ×2\nshop/app → fqdn:api.example.com TCP/443 ×1\nshop/web → shop/app TCP/8080 ×4\n"
	if got := conns(rd.Set()); got != want {
		t.Errorf("connections:\n%s\nwant\n%s", got, want)
	}
	for _, bad := range []string{"shop/web,shop/app\n", "shop/web,shop/app,TCP/0\n", "fqdn:x.io,shop/app,80\n", "a,b,c,d,e\n", "shop/web,shop/app,80,-1\n", "{\"x\":1}\n"} {
		err := NewReader(shop()).Read("bad.csv", strings.NewReader("# comment\n"+bad))
		if !errors.Is(err, errInput) || !strings.HasPrefix(err.Error(), "bad.csv:2:1: ") {
			t.Errorf("%q: err = %v, want an input error at bad.csv:2:1", bad, err)
		}
	}
}

// TestStreams reads a million flows of a hundred connections from a
// stream: memory holds the connections, not the flows.
func TestStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("a million records")
	}
	const flows = 1_000_000
	rd := NewReader(shop())
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := rd.Read("gen.csv", &generator{n: flows}); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	s := rd.Set()
	if s.Flows != flows || len(s.Conns) != 100 {
		t.Fatalf("flows %d, connections %d", s.Flows, len(s.Conns))
	}
	if grew := int64(after.HeapInuse) - int64(before.HeapInuse); grew > 32<<20 {
		t.Errorf("the heap grew by %d MiB for %d flows", grew>>20, flows)
	}
}

// generator streams CSV lines without holding them.
type generator struct {
	n, i int
	buf  bytes.Buffer
}

func (g *generator) Read(p []byte) (int, error) {
	for g.buf.Len() < len(p) && g.i < g.n {
		fmt.Fprintf(&g.buf, "shop/web,shop/app,TCP/%d\n", 8000+g.i%100)
		g.i++
	}
	if g.buf.Len() == 0 {
		return 0, io.EOF
	}
	return g.buf.Read(p)
}

// FuzzRead: any input reads or fails with a positioned input error, and
// every flow read is counted once: as a connection or as unresolved.
func FuzzRead(f *testing.F) {
	for _, file := range []string{"testdata/hubble.json", "testdata/calico.json"} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("src,dst,port\nshop/web,shop/app,TCP/8080,3\nshop/app,fqdn:x.io,443\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rd := NewReader(shop())
		err := rd.Read("fuzz", bytes.NewReader(data))
		if err != nil && !errors.Is(err, errInput) {
			t.Fatalf("not an input error: %v", err)
		}
		s := rd.Set()
		var sum int64
		for k, n := range s.Conns {
			if n < 1 || k.Port < 1 || k.Port > 65535 || (k.Protocol != portset.TCP && k.Protocol != portset.UDP && k.Protocol != portset.SCTP) {
				t.Fatalf("bad connection %v ×%d", k, n)
			}
			sum += n
		}
		if sum+s.UnresolvedCount() != s.Flows {
			t.Fatalf("%d flows, %d in connections, %d unresolved", s.Flows, sum, s.UnresolvedCount())
		}
		for k, n := range s.Conns {
			if sp := s.Seen[k]; sp == nil || sp.Untimed > n || sp.Last.Before(sp.First) {
				t.Fatalf("%v ×%d seen %+v", k, n, sp)
			}
		}
		// Read for a change, every record is counted once, at both sides.
		cr := NewCompareReader(shop(), shop())
		if err := cr.Read("fuzz", bytes.NewReader(data)); err != nil {
			return
		}
		var both int64
		for k, m := range cr.Set().Both {
			if k.Base != k.Head {
				t.Fatalf("the same resolver at both sides disagrees: %+v", k)
			}
			both += m.Count
		}
		if both != cr.Set().Flows || cr.Set().Flows != s.Flows {
			t.Fatalf("compare reader: %d in records of %d flows, single reader %d", both, cr.Set().Flows, s.Flows)
		}
	})
}

// TestSeen: each connection's first and last seen come from Hubble's
// time and Calico's interval; CSV records have none and are counted as
// untimed; a time that does not read stops the input at its line.
func TestSeen(t *testing.T) {
	h := read(t, "testdata/hubble.json")
	sp := h.Seen[Key{Src: "shop/web", Dst: "shop/app", Protocol: portset.TCP, Port: 8080}]
	if sp == nil || sp.First.Format(time.RFC3339Nano) != "2026-11-30T10:00:00.123456789Z" || !sp.Last.Equal(sp.First) || sp.Untimed != 0 {
		t.Errorf("hubble span: %+v", sp)
	}
	c := read(t, "testdata/calico.json")
	sp = c.Seen[Key{Src: "shop/web", Dst: "shop/app", Protocol: portset.TCP, Port: 8080}]
	if sp == nil || sp.First.Format(time.RFC3339) != "2025-11-30T10:00:00Z" || sp.Last.Format(time.RFC3339) != "2025-11-30T10:05:00Z" {
		t.Errorf("calico span: %+v", sp)
	}
	rd := NewReader(shop())
	if err := rd.Read("a.csv", strings.NewReader("shop/web,shop/app,TCP/8080,4\n")); err != nil {
		t.Fatal(err)
	}
	k := Key{Src: "shop/web", Dst: "shop/app", Protocol: portset.TCP, Port: 8080}
	if sp := rd.Set().Seen[k]; sp == nil || !sp.First.IsZero() || sp.Untimed != 4 {
		t.Errorf("csv span: %+v", sp)
	}
	for _, bad := range []string{
		`{"flow":{"time":"yesterday","l4":{"TCP":{"destination_port":80}},"source":{"namespace":"shop","pod_name":"web-1"},"destination":{"namespace":"shop","pod_name":"app-1"}}}`,
		`{"start_time":1764497100,"end_time":1764496800,"source_namespace":"shop","source_name_aggr":"web-*","source_type":"wep","dest_namespace":"shop","dest_name_aggr":"app-*","dest_type":"wep","dest_port":8080,"proto":"tcp"}`,
	} {
		err := NewReader(shop()).Read("bad.json", strings.NewReader(bad))
		if err == nil || !strings.Contains(err.Error(), "bad.json:1:1") {
			t.Errorf("a bad time must stop the input at its line: %v", err)
		}
	}
}
