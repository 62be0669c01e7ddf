package nftables_test

import (
	"bytes"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netpolc/netpolc/emitters/nftables"
	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
	"github.com/netpolc/netpolc/internal/flows"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/testkit/conformance"
	"github.com/netpolc/netpolc/internal/testkit/kerneltest"
	"github.com/netpolc/netpolc/internal/testkit/npir"
)

// stagedGroup is the nflog group the kernel tests' staged rulesets log to.
const stagedGroup = 7

// TestKernelStaged runs, for every conformance case, the staged ruleset
// (build --staged) and then the enforcing one in a real kernel, probing
// the whole pod × pod × port × protocol matrix each time:
//   - the staged ruleset lets every probe through;
//   - the packets it logs to nflog (read from the group with a netlink
//     socket in the node's namespace, nfnetlink_log) are exactly the
//     probes the enforcing ruleset drops, each with a prefix of a rule of
//     the staged ruleset;
//   - the connections the staged run leaves in the node's conntrack
//     table (flushed after loading it, through ctnetlink) are every
//     probe, and written as flow CSV and replayed
//     against the same intents (internal/flows), replay calls blocked
//     exactly the probes the enforcing kernel dropped.
func TestKernelStaged(t *testing.T) {
	kerneltest.Require(t)
	start := time.Now()
	inv := confInventory()
	inv.Sort()
	cl := kerneltest.New(t, podSpecs(inv), confPorts)
	var n stagedCounts
	for _, c := range confCases {
		t.Run(c.name, func(t *testing.T) { n.add(runStaged(t, cl, inv, c.p)) })
	}
	t.Logf("%d cases: %d probes per run, %d dropped by the enforcing rulesets, %d logged by the staged ones, %d replayed as blocked, in %v",
		len(confCases), n.probes, n.dropped, n.logged, n.blocked, time.Since(start))
	if n.dropped == 0 || n.logged != n.dropped {
		t.Errorf("dropped %d, logged %d: the test says little", n.dropped, n.logged)
	}
}

// TestKernelStagedNetworkPolicyConformance is TestKernelStaged for the
// NetworkPolicy cases of the conformance suite that the kernel enforces
// (those TestKernelNetworkPolicyConformance runs): every third one, all
// of them with NETPOLC_LONG=1. Staging rewrites every drop the same way,
// and TestKernelStaged already runs each IR case; the sample keeps the
// suite's kernel time down.
func TestKernelStagedNetworkPolicyConformance(t *testing.T) {
	kerneltest.Require(t)
	start := time.Now()
	cl, base := npCluster(t)
	every := 3
	if os.Getenv("NETPOLC_LONG") == "1" {
		every = 1
	}
	var n stagedCounts
	ran, seen := 0, 0
	for _, c := range conformance.Cases() {
		if !c.NetworkPolicyOnly() || !sameAddrs(c.Inventory(), base) {
			continue
		}
		if seen++; (seen-1)%every != 0 {
			continue
		}
		ran++
		t.Run(c.Name, func(t *testing.T) {
			inv := c.Inventory()
			p, err := npir.FromNetworkPolicies(c.NPs, inv)
			if err != nil {
				t.Fatalf("npir: %v", err)
			}
			n.add(runStaged(t, cl, inv, p))
		})
	}
	t.Logf("%d cases: %d probes per run, %d dropped by the enforcing rulesets, %d logged by the staged ones, %d replayed as blocked, in %v",
		ran, n.probes, n.dropped, n.logged, n.blocked, time.Since(start))
	if ran < 60/every || n.dropped == 0 || n.logged != n.dropped {
		t.Errorf("%d cases, dropped %d, logged %d: the test says little", ran, n.dropped, n.logged)
	}
}

// TestKernelStagedExamples is TestKernelStaged for examples/shop and
// examples/platform (admin Deny and Pass rules, the baseline), every
// workload one pod with an IPv4 and an IPv6 address; the flows captured
// from conntrack are kept in testdata/kernel-flows/<example>.csv (go test
// -update rewrites them).
func TestKernelStagedExamples(t *testing.T) {
	kerneltest.Require(t)
	for _, ex := range []string{"shop", "platform"} {
		t.Run(ex, func(t *testing.T) {
			p, inv, ports := exampleSetup(t, "../../examples/"+ex)
			cl := kerneltest.New(t, podSpecs(inv), ports)
			c := runStaged(t, cl, inv, p)
			t.Logf("%d probes, %d dropped by the enforcing ruleset, %d logged by the staged one, %d replayed as blocked", c.probes, c.dropped, c.logged, c.blocked)
			if c.dropped == 0 {
				t.Error("the enforcing ruleset dropped nothing: the test says little")
			}
			// The capture is deterministic (sorted connections, no
			// source ports): kept as test data of internal/flows' CSV.
			compareGolden(t, filepath.Join("testdata", "kernel-flows", ex+".csv"), c.csv)
		})
	}
}

type stagedCounts struct {
	probes, dropped, logged, blocked int
	csv                              []byte // the staged run's conntrack entries as flow CSV
}

func (s *stagedCounts) add(o stagedCounts) {
	s.probes += o.probes
	s.dropped += o.dropped
	s.logged += o.logged
	s.blocked += o.blocked
}

// runStaged is one case of TestKernelStaged.
func runStaged(t *testing.T, cl *kerneltest.Cluster, inv inventory.Inventory, p *ir.Policy) stagedCounts {
	t.Helper()
	m := reference(t, p, inv)
	enf := checkInterpreted(t, p, inv, m)
	st := emitStaged(t, p, inv, nftables.OptionNflogGroup, fmt.Sprint(stagedGroup))

	load(t, cl, st)
	if err := cl.FlushConntrack(); err != nil {
		kerneltest.Unavailable(t, "conntrack cannot be flushed (ctnetlink)", err)
	}
	lg, err := cl.ListenNFLog(stagedGroup)
	if err != nil {
		kerneltest.Unavailable(t, "nflog cannot be read (nfnetlink_log)", err)
	}
	probes, _ := cl.VerifyOutcomes(t, func(int, int, kerneltest.Port, bool) bool { return true })
	time.Sleep(100 * time.Millisecond) // nflog flushes each packet within 10 ms
	logged, err := lg.Stop()
	if err != nil {
		t.Fatal(err)
	}
	after, err := cl.Conntrack()
	if err != nil {
		t.Fatal(err)
	}

	load(t, cl, enf)
	v := newAddrView(t, p, inv, m)
	_, got := cl.VerifyOutcomes(t, v.allows)
	dropped := map[kerneltest.Flow]bool{}
	for i, pr := range probes {
		if got[i] == kerneltest.Dropped {
			f, _ := cl.ProbeFlow(pr)
			dropped[f] = true
		}
	}
	c := stagedCounts{probes: len(probes), dropped: len(dropped)}
	c.logged = checkLogged(t, st, logged, dropped)
	c.blocked, c.csv = checkReplay(t, cl, v, probes, after, dropped)
	if t.Failed() {
		t.Logf("staged ruleset:\n%s", st)
	}
	return c
}

func load(t *testing.T, cl *kerneltest.Cluster, rs *nftapi.Ruleset) {
	t.Helper()
	if err := cl.Load(rs.String()); err != nil {
		t.Fatalf("%v\n%s", err, rs)
	}
}

// checkLogged requires the logged probe packets, as flows, to be exactly
// the dropped ones, each logged under a prefix of the staged ruleset.
func checkLogged(t *testing.T, st *nftapi.Ruleset, logged []kerneltest.Logged, dropped map[kerneltest.Flow]bool) int {
	t.Helper()
	prefixes := map[string]bool{}
	for _, ch := range st.Chains {
		for _, r := range ch.Rules {
			if r.Log != nil {
				prefixes[r.Log.Prefix] = true
			}
		}
	}
	got := map[kerneltest.Flow]bool{}
	for _, l := range logged {
		if !prefixes[l.Prefix] {
			t.Errorf("logged %s with prefix %q, which no rule of the staged ruleset has", l.Flow, l.Prefix)
		}
		got[l.Flow.Key()] = true
	}
	compareFlows(t, "logged by the staged ruleset", got, "dropped by the enforcing one", dropped)
	return len(got)
}

// checkReplay requires the staged run's conntrack entries to be every
// probe, writes them as flow CSV (ip:SRC,ip:DST,PROTO/PORT), replays the
// file against the model per address (v: a pod whose addresses the
// intents' blocks tell apart is one endpoint per piece, as the build's
// proof reads it) and requires replay to block exactly the connections of
// the dropped probes, with nothing unresolved.
func checkReplay(t *testing.T, cl *kerneltest.Cluster, v addrView, probes []kerneltest.Probe, captured []kerneltest.Flow, dropped map[kerneltest.Flow]bool) (int, []byte) {
	t.Helper()
	seen, all := map[kerneltest.Flow]bool{}, map[kerneltest.Flow]bool{}
	for _, f := range captured {
		seen[f.Key()] = true
	}
	for _, pr := range probes {
		f, _ := cl.ProbeFlow(pr)
		all[f] = true
	}
	for f := range seen {
		if !all[f] {
			delete(seen, f) // not a probe's (none is expected: only probes run)
			t.Logf("conntrack holds %s, no probe's", f)
		}
	}
	compareFlows(t, "in conntrack after the staged run", seen, "probed", all)
	csv := flowsCSV(seen)
	rd := flows.NewReader(flows.NewResolver(v.inv.Endpoints, nil))
	if err := rd.Read("conntrack.csv", bytes.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	rep := flows.Replay(v.model, rd.Set())
	if rep.Unresolved != 0 {
		t.Errorf("replay: %d flows unresolved: %v", rep.Unresolved, rep.Misses)
	}
	blocked := map[flows.Key]bool{}
	for _, pair := range rep.Pairs {
		for _, b := range pair.Conns {
			blocked[b.Key] = true
		}
	}
	byIP := map[netip.Addr]string{}
	for _, ep := range v.inv.Endpoints {
		for _, ip := range ep.IPs {
			byIP[ip] = ep.ID()
		}
	}
	want := map[flows.Key]bool{}
	for f := range dropped {
		want[flows.Key{Src: byIP[f.Src], Dst: byIP[f.Dst], Protocol: f.Proto, Port: f.DPort}] = true
	}
	if !maps.Equal(blocked, want) {
		t.Errorf("replay of the captured flows blocks %v,\nthe enforcing kernel dropped %v\n%s", keys(blocked), keys(want), csv)
	}
	return len(blocked), csv
}

// flowsCSV writes flows in internal/flows' CSV format, sorted.
func flowsCSV(fs map[kerneltest.Flow]bool) []byte {
	var lines []string
	for f := range fs {
		lines = append(lines, fmt.Sprintf("ip:%s,ip:%s,%s/%d", f.Src, f.Dst, f.Proto, f.DPort))
	}
	slices.Sort(lines)
	return []byte("src,dst,port/proto\n" + strings.Join(lines, "\n") + "\n")
}

func keys[K comparable](m map[K]bool) []string {
	var out []string
	for k := range m {
		out = append(out, fmt.Sprint(k))
	}
	slices.Sort(out)
	return out
}

// compareFlows fails t unless two sets of flows are equal, listing the
// differences.
func compareFlows(t *testing.T, gotName string, got map[kerneltest.Flow]bool, wantName string, want map[kerneltest.Flow]bool) {
	t.Helper()
	var extra, missing []string
	for f := range got {
		if !want[f] {
			extra = append(extra, f.String())
		}
	}
	for f := range want {
		if !got[f] {
			missing = append(missing, f.String())
		}
	}
	slices.Sort(extra)
	slices.Sort(missing)
	if len(extra)+len(missing) > 0 {
		t.Errorf("%d flows %s, %d %s:\n  only %s: %v\n  only %s: %v", len(got), gotName, len(want), wantName, gotName, extra, wantName, missing)
	}
}
