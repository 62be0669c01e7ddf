package nftables_test

import (
	"bytes"
	"errors"
	"flag"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/kit"

	"github.com/netpolc/netpolc/internal/portset"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/netpolc/netpolc/emitters/nftables"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/testkit/kerneltest"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenCases are IR inputs, over the conformance cluster, whose output is
// kept in testdata/<name>.nft.
var goldenCases = map[string]*ir.Policy{
	"isolation-only": policy(isolate(xAll, in, out)),
	"pods-and-ports": policy(isolate(xa, in, out),
		allow(xa, in, localPods(labels("pod", "b")), 10, tcp(80), udp(80), span(tcp(8000), 8100)),
		allow(xa, in, pods(labels("ns", "y"), nil), 11, named("serve-81-tcp")),
		allow(xa, out, everyone, 12, ir.Port{Protocol: portset.SCTP, Number: 80})),
	"named-egress": policy(isolate(xAll, out), allow(xAll, out, pods(labels(), nil), 10, named("web"))),
	"cidr-except": policy(isolate(xa, out),
		allow(xa, out, cidr("10.244.0.0/16", "10.244.2.0/24", "10.244.3.0/24"), 10, tcp(443)),
		allow(xa, out, ir.Peer{Kind: ir.PeerWorld}, 11, udp(53))),
	"deny": policy(nil, deny(subject("y", "b"), in, pods(labels("ns", "x"), nil), 10, tcp(80))),
}

func render(t *testing.T, p *ir.Policy, inv inventory.Inventory) []byte {
	t.Helper()
	rs, err := nftables.Build(p, inv)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	files := nftables.Files(rs)
	if len(files) != 1 || files[0].Path != "nftables/netpolc.nft" {
		t.Fatalf("Files: got %d files, first %q", len(files), files[0].Path)
	}
	return files[0].Data
}

func TestGolden(t *testing.T) {
	inv := confInventory()
	for name, p := range goldenCases {
		t.Run(name, func(t *testing.T) {
			checkGolden(t, p, inv, filepath.Join("testdata", name+".nft"))
		})
	}
}

// TestGoldenExamples renders every example (templates and the shop), its
// workloads given addresses in order, proves the ruleset equivalent and
// keeps it in testdata/examples/<example>.nft.
func TestGoldenExamples(t *testing.T) {
	exs, err := randir.Examples()
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range exs {
		t.Run(name, func(t *testing.T) {
			inv := enforcer.IntentsInventory(p)
			for i := range inv.Endpoints {
				if len(inv.Endpoints[i].IPs) == 0 {
					inv.Endpoints[i].IPs = []netip.Addr{netip.AddrFrom4([4]byte{10, 245, byte(i / 250), byte(i%250 + 1)})}
				}
			}
			if slices.ContainsFunc(p.Rules, func(r ir.Rule) bool { return r.Peer.Kind == ir.PeerFQDN }) {
				// nftables matches addresses: DNS names are refused,
				// naming the targets that can express them.
				if _, err := nftables.BuildResult(p, inv, false); !errors.Is(err, nftables.ErrUnsupported) || !strings.Contains(err.Error(), "cilium (toFQDNs)") {
					t.Errorf("FQDN example: err = %v, want a refusal naming cilium", err)
				}
				// --allow-approximate: each FQDN rule left out, one warning
				// each, and no address in their place.
				res, err := nftables.BuildResult(p, inv, true)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Narrowed) != 2 || !strings.Contains(res.Narrowed[0].String(), "left out") {
					t.Errorf("narrowed = %v, want one warning per FQDN rule", res.Narrowed)
				}
				if got := string(nftables.Files(res.Ruleset)[0].Data); strings.Contains(got, "443") {
					t.Errorf("the ruleset opens port 443 somewhere:\n%s", got)
				}
				return
			}
			checkGolden(t, p, inv, filepath.Join("testdata", "examples", name+".nft"))
		})
	}
}

// checkGolden proves a rendering equivalent and compares it with a golden
// file (rewritten under -update).
func checkGolden(t *testing.T, p *ir.Policy, inv inventory.Inventory, path string) {
	t.Helper()
	checkInterpreted(t, p, inv, reference(t, p, inv))
	compareGolden(t, path, render(t, p, inv))
}

// compareGolden compares got with the golden file at path (rewritten
// under -update).
func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n%s", path, diff.Diff(path, want, "got", got))
	}
}

// TestNftCheck has nft parse and validate every emitted ruleset against
// the kernel (nft -c: nothing is changed), in a throwaway namespace.
func TestNftCheck(t *testing.T) {
	inv := confInventory()
	rulesets := map[string]string{}
	for name, p := range goldenCases {
		rulesets["golden "+name] = string(render(t, p, inv))
	}
	for _, c := range confCases {
		rulesets["conformance "+c.name] = string(render(t, c.p, inv))
	}
	kerneltest.CheckSyntax(t, rulesets)
}

// TestDeterministic: the order of the IR and of the inventory does not
// change a byte of the output.
func TestDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	inv := confInventory()
	for name, p := range goldenCases {
		want := render(t, p, inv)
		for range 10 {
			q := *p
			q.Rules = append([]ir.Rule(nil), p.Rules...)
			q.Isolations = append([]ir.Isolation(nil), p.Isolations...)
			r.Shuffle(len(q.Rules), func(i, j int) { q.Rules[i], q.Rules[j] = q.Rules[j], q.Rules[i] })
			r.Shuffle(len(q.Isolations), func(i, j int) { q.Isolations[i], q.Isolations[j] = q.Isolations[j], q.Isolations[i] })
			sinv := inv
			sinv.Endpoints = append([]inventory.Endpoint(nil), inv.Endpoints...)
			r.Shuffle(len(sinv.Endpoints), func(i, j int) { sinv.Endpoints[i], sinv.Endpoints[j] = sinv.Endpoints[j], sinv.Endpoints[i] })
			if got := render(t, &q, sinv); !bytes.Equal(got, want) {
				t.Fatalf("%s: shuffled input changed the output:\n%s", name, diff.Diff("want", want, "got", got))
			}
		}
	}
}

// buildErrorCase is an input Build must refuse, the cause the error
// wraps and what its text says.
type buildErrorCase struct {
	name  string
	p     *ir.Policy
	inv   func(*inventory.Inventory)
	is    error
	wants []string
}

var buildErrorCases = []buildErrorCase{
	{
		name: "pods without IPs are named",
		p:    policy(isolate(xa, in)),
		inv: func(inv *inventory.Inventory) {
			inv.Endpoints[1].IPs = nil
			inv.Endpoints[4].IPs = nil
		},
		is:    nftables.ErrNoPodIPs,
		wants: []string{"nftables: pod IPs unknown for x/b, y/b", "\n    hint: ", "status.podIPs) via --inventory"},
	},
	{
		name:  "two endpoints share an IP",
		p:     policy(nil),
		inv:   func(inv *inventory.Inventory) { inv.Endpoints[1].IPs = inv.Endpoints[0].IPs },
		is:    kit.ErrInvalid,
		wants: []string{"10.244.1.1 is both x/a and x/b"},
	},
	{
		name:  "FQDN peer",
		p:     policy(isolate(xa, out), allow(xa, out, ir.Peer{Kind: ir.PeerFQDN, FQDN: "api.example.com"}, 7)),
		is:    nftables.ErrUnsupported,
		wants: []string{"intents/conf.cue:7:3: nftables: egress rule of x/a", `FQDN peer "api.example.com"`},
	},
	{
		name:  "pass rule",
		p:     policy(isolate(xa, in), ir.Rule{Subject: xa, Direction: in, Peer: everyone, Action: ir.Pass, Origin: at(9)}),
		is:    nftables.ErrUnsupported,
		wants: []string{"intents/conf.cue:9:3", `action "Pass"`},
	},
	{
		name:  "bad CIDR and port",
		p:     policy(isolate(xa, in), allow(xa, in, cidr("10.0.0.1/8"), 4, span(tcp(90), 80))),
		is:    kit.ErrInvalid,
		wants: []string{"host bits set", "port range 90-80"},
	},
	{
		name:  "except outside the cidr",
		p:     policy(isolate(xa, in), allow(xa, in, cidr("10.0.0.0/16", "10.1.0.0/24"), 4)),
		is:    kit.ErrInvalid,
		wants: []string{"must lie strictly inside"},
	},
	{
		name:  "bad direction",
		p:     policy(nil, ir.Rule{Subject: xa, Direction: "up", Peer: everyone, Origin: at(5)}),
		is:    kit.ErrInvalid,
		wants: []string{`intents/conf.cue:5:3: nftables: up rule of x/a: invalid direction "up"`},
	},
}

func TestBuildErrors(t *testing.T) {
	inv := confInventory()
	for _, tc := range buildErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			inv := inv
			inv.Endpoints = append([]inventory.Endpoint(nil), inv.Endpoints...)
			if tc.inv != nil {
				tc.inv(&inv)
			}
			rs, err := nftables.Build(tc.p, inv)
			if err == nil {
				t.Fatalf("no error; ruleset:\n%s", rs)
			}
			if rs != nil {
				t.Error("a ruleset came back with the error")
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestLongNames keeps nft identifiers valid whatever the workload names.
func TestLongNames(t *testing.T) {
	long := strings.Repeat("w", 250)
	inv := inventory.Inventory{Endpoints: []inventory.Endpoint{
		{Namespace: "x", Name: long, Kind: "Deployment", IPs: []netip.Addr{netip.MustParseAddr("10.0.0.1")}},
		{Namespace: "x", Name: long + "x", Kind: "Deployment", IPs: []netip.Addr{netip.MustParseAddr("10.0.0.2")},
			Labels: map[string]string{"a": "b"}},
	}}
	p := policy(isolate(subject("x", ""), in), allow(subject("x", ""), in, localPods(labels("a", "b")), 3))
	rs, err := nftables.Build(p, inv)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, c := range rs.Chains {
		if len(c.Name) > 240 || names[c.Name] {
			t.Errorf("chain name %q too long or repeated", c.Name)
		}
		names[c.Name] = true
	}
	kerneltest.CheckSyntax(t, map[string]string{"long names": rs.String()})
}
