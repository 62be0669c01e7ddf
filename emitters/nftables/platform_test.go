package nftables_test

import (
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/emitters/nftables"
	"github.com/netpolc/netpolc/enforcer"
	readnft "github.com/netpolc/netpolc/enforcer/nftables"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
	"github.com/netpolc/netpolc/internal/testkit/randir"
)

// platformInventory is the inventory of a platform example, every
// workload given an address in order.
func platformInventory(p *ir.Policy) inventory.Inventory {
	inv := enforcer.IntentsInventory(p)
	for i := range inv.Endpoints {
		if len(inv.Endpoints[i].IPs) == 0 {
			inv.Endpoints[i].IPs = []netip.Addr{netip.AddrFrom4([4]byte{10, 245, byte(i / 250), byte(i%250 + 1)})}
		}
	}
	return inv
}

// TestGoldenPlatformExamples renders every platform example (admin,
// teams' and baseline rules in order in each pod's chains), proves the
// ruleset equal to the model of the intents, tiers included, and keeps it
// in testdata/examples/<example>.nft.
func TestGoldenPlatformExamples(t *testing.T) {
	exs, err := randir.PlatformExamples()
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) == 0 {
		t.Fatal("no platform example")
	}
	for name, p := range exs {
		t.Run(name, func(t *testing.T) {
			checkGolden(t, p, platformInventory(p), filepath.Join("testdata", "examples", name+".nft"))
		})
	}
}

// TestPlatformPassChain: a Pass of the admin tier goes to the pod's
// second chain, the teams' part, so the admin rules after it are skipped.
func TestPlatformPassChain(t *testing.T) {
	exs, err := randir.PlatformExamples()
	if err != nil {
		t.Fatal(err)
	}
	p := exs["platform"]
	rs, err := nftables.Build(p, platformInventory(p))
	if err != nil {
		t.Fatal(err)
	}
	text := rs.String()
	if !strings.Contains(text, "goto egress-teams.") || !strings.Contains(text, "chain egress-teams.") {
		t.Errorf("no Pass to a second chain in:\n%s", text)
	}
}

// TestPlatformProperty: random platform layers over random teams'
// policies (randir), with deny rules of the IR, with a host-network pod
// (the nodes admitted by a first admin intent), and with the pod networks
// declared, build exactly equal to the model, tiers included, or are
// refused with kit.ErrUnsupported; with the pod networks, a pod the
// ruleset does not list gets nothing the intents do not give it.
func TestPlatformProperty(t *testing.T) {
	built := map[string]int{}
	for seed := range randir.Seeds(t) {
		p, inv := randir.Generate(seed, 1+int(seed%8))
		inv = randir.WithIPs(inv)
		base := randir.WithCluster(p, seed)
		for what, v := range map[string]struct {
			p   *ir.Policy
			inv inventory.Inventory
		}{
			"platform":          {base, inv},
			"with deny rules":   {withIRDenies(base, seed), inv},
			"with a host pod":   {withNodesAdmitted(base), withHostPod(inv, seed)},
			"with pod networks": {withPlatformPodNets(base, inv), inv},
		} {
			name := fmt.Sprintf("seed %d %s", seed, what)
			for _, approx := range []bool{false, true} {
				if checkPlatformBuild(t, name, v.p, v.inv, approx) {
					built[fmt.Sprintf("%s approximate=%v", what, approx)]++
				}
			}
			if len(v.p.PodCIDRs) > 0 {
				checkUnlisted(t, name, v.p, v.inv, int(seed))
			}
		}
	}
	t.Logf("built: %v", built)
	for _, what := range []string{"platform", "with deny rules", "with a host pod", "with pod networks"} {
		if n := built[what+" approximate=false"]; n < int(randir.Seeds(t))/5 {
			t.Errorf("%s: only %d cases built exactly: the property says little", what, n)
		}
	}
}

// checkPlatformBuild builds p over inv and holds the ruleset to the model,
// per address and per endpoint as the build's proof does
// (proof.ProveObjects): equal, or with approx never wider and narrower
// only with a warning; false when the build refused p.
func checkPlatformBuild(t *testing.T, name string, p *ir.Policy, inv inventory.Inventory, approx bool) bool {
	t.Helper()
	res, err := nftables.BuildResult(p, inv, approx)
	if errors.Is(err, kit.ErrUnsupported) {
		return false
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	ref, err := proof.NewReference(p, inv)
	if err != nil {
		t.Fatal(err)
	}
	perAddr, err := ref.PerAddress()
	if err != nil {
		t.Fatal(err)
	}
	d, err := proof.ProveObjects(readnft.Interpreter{}, "nftables", res.Ruleset, enforcer.InterpretInput{PodCIDRs: p.PodCIDRs}, ref, perAddr, approx)
	switch {
	case err != nil:
		t.Fatalf("%s approximate=%v: %v\n%s", name, approx, err, res.Ruleset)
	case d != nil && !d.Empty() && len(res.Narrowed) == 0:
		t.Fatalf("%s approximate=%v: differs from the model without a warning: %+v\n%s", name, approx, d, res.Ruleset)
	}
	return true
}

// withIRDenies adds deny rules to p (admin-tier denies of the IR, which
// the compiler does not make): a copy of some of its rules as Deny of a
// subject of its own, and makes its first admin intent's priority 0 on
// odd seeds, so that the IR's denies come after it in the model's order.
func withIRDenies(p *ir.Policy, seed int64) *ir.Policy {
	q := *p
	q.Rules = slices.Clone(p.Rules)
	for i, r := range p.Rules {
		if i%2 == int(seed%2) {
			r.Action, r.Subject.Name = ir.Deny, fmt.Sprintf("deny-%d", i)
			r.Origin.Line += 5000
			q.Rules = append(q.Rules, r)
		}
	}
	q.Cluster = slices.Clone(p.Cluster)
	if seed%2 == 1 && len(q.Cluster) > 0 && q.Cluster[0].Tier == ir.TierAdmin {
		q.Cluster[0].Priority = 0
	}
	return &q
}

// hostPodIP is the address withHostPod gives its host-network pod: its
// node's, outside randir's pod addresses and pod networks.
var hostPodIP = netip.MustParseAddr("10.251.0.1")

// withHostPod adds a host-network pod to inv, at hostPodIP: on odd
// seeds one of its endpoints, chosen by seed, on even seeds an agent in a
// namespace of its own (which no team's policy selects).
func withHostPod(inv inventory.Inventory, seed int64) inventory.Inventory {
	inv.Endpoints = slices.Clone(inv.Endpoints)
	if seed%2 == 1 {
		k := int(seed) % len(inv.Endpoints)
		inv.Endpoints[k].HostNetwork = true
		inv.Endpoints[k].IPs = []netip.Addr{hostPodIP}
		return inv
	}
	inv.Namespaces = append(slices.Clone(inv.Namespaces), inventory.Namespace{Name: "node-agents",
		Labels: map[string]string{inventory.MetadataNameLabel: "node-agents"}})
	inv.Endpoints = append(inv.Endpoints, inventory.Endpoint{Namespace: "node-agents", Name: "agent", Kind: "DaemonSet",
		Labels: map[string]string{"app": "agent"}, IPs: []netip.Addr{hostPodIP}, HostNetwork: true})
	inv.Sort()
	return inv
}

// withNodesAdmitted lets the nodes reach every pod first: a node reaches
// its pods whatever the ruleset says, so the intents must allow it for
// the ruleset to be exact.
func withNodesAdmitted(p *ir.Policy) *ir.Policy {
	q := *p
	nodes := ir.ClusterPolicy{Tier: ir.TierAdmin, Name: "a-nodes", Priority: 0, Origin: at(9000), Rules: []ir.ClusterRule{{
		Direction: ir.Ingress, Action: ir.Allow, Origin: at(9001),
		Peer: ir.Peer{Kind: ir.PeerCIDR, CIDRs: []ir.IPBlock{{CIDR: "10.251.0.0/16"}}}}}}
	q.Cluster = append([]ir.ClusterPolicy{nodes}, p.Cluster...)
	return &q
}

// withPlatformPodNets declares pod networks holding every pod of inv:
// the /24 or /64 of each of its addresses.
func withPlatformPodNets(p *ir.Policy, inv inventory.Inventory) *ir.Policy {
	q := *p
	q.PodCIDRs = nil
	for _, ep := range inv.Endpoints {
		for _, ip := range ep.IPs {
			bits := 24
			if ip.Is6() {
				bits = 64
			}
			q.PodCIDRs = append(q.PodCIDRs, netip.PrefixFrom(ip, bits).Masked().String())
		}
	}
	slices.Sort(q.PodCIDRs)
	q.PodCIDRs = slices.Compact(q.PodCIDRs)
	return &q
}

// checkUnlisted builds p without one endpoint of inv (chosen by k) and
// requires the ruleset, read over all of inv with that endpoint as a pod
// it does not list, to be never wider than the intents, and exact
// elsewhere unless a rule was narrowed.
func checkUnlisted(t *testing.T, name string, p *ir.Policy, inv inventory.Inventory, k int) {
	t.Helper()
	k %= len(inv.Endpoints)
	listed := inv
	listed.Endpoints = slices.Delete(slices.Clone(inv.Endpoints), k, k+1)
	res, err := nftables.BuildResult(p, listed, true)
	if errors.Is(err, kit.ErrUnsupported) {
		return
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	ref, err := proof.NewReference(p, inv)
	if err != nil {
		t.Fatal(err)
	}
	// Per address, as the ruleset decides: the unlisted pod's pieces are
	// all unlisted.
	m, split := ref.Model, inv
	if perAddr, err := ref.PerAddress(); err != nil {
		t.Fatal(err)
	} else if perAddr != nil {
		m, split = perAddr.Model, perAddr.Inventory
	}
	id := inv.Endpoints[k].ID()
	isUnlisted := func(e string) bool { return proof.PieceOf(e, id) }
	got, err := readnft.Interpret(res.Ruleset, split, readnft.WithExternalPeers(m.ExternalPeers()...), readnft.WithUnlisted(proof.Pieces(split, id)...))
	if err != nil {
		t.Fatalf("%s: Interpret: %v", name, err)
	}
	d := enforcer.Diff(m.Matrix(), got)
	if d.Wider() {
		t.Fatalf("%s, %s unlisted: wider than the intents: %+v\n%s", name, id, d, res.Ruleset)
	}
	for _, c := range append(d.Closed, d.Changed...) {
		if !isUnlisted(c.Src) && !isUnlisted(c.Dst) && len(res.Narrowed) == 0 {
			t.Fatalf("%s: %s -> %s changed without a warning: %+v", name, c.Src, c.Dst, d)
		}
	}
}

// admin is an admin intent of the conformance cluster selecting pods
// sel of namespace ns (every pod of every namespace when ns is "").
func admin(name string, priority int32, ns string, sel *metav1.LabelSelector, rules ...ir.ClusterRule) ir.ClusterPolicy {
	cp := ir.ClusterPolicy{Tier: ir.TierAdmin, Name: name, Priority: priority, Origin: at(int(200 + priority)), Rules: rules}
	if ns != "" {
		cp.Subject.Namespaces = *labels(inventory.MetadataNameLabel, ns)
	}
	if sel != nil {
		cp.Subject.Pods = *sel
	}
	return cp
}

func clusterRule(d ir.Direction, a ir.Action, p ir.Peer, line int) ir.ClusterRule {
	return ir.ClusterRule{Direction: d, Action: a, Peer: p, Origin: at(line)}
}

// TestPlatformIRDenyOrder: the IR's deny rules are admin-tier denies of
// priority 0 after the admin intents of priority 0 in the model's order;
// the ruleset keeps it: an admin Allow at priority 0 decides before them,
// one at priority 5 after them.
func TestPlatformIRDenyOrder(t *testing.T) {
	p := policy(nil, deny(xa, out, cidr("192.0.2.0/24"), 10), deny(xa, out, cidr("198.51.100.0/24"), 11))
	p.Cluster = []ir.ClusterPolicy{
		admin("first", 0, "", nil, clusterRule(out, ir.Allow, cidr("192.0.2.0/24"), 20)),
		admin("later", 5, "", nil, clusterRule(out, ir.Allow, cidr("198.51.100.0/24"), 21)),
	}
	inv := confInventory()
	m := reference(t, p, inv)
	checkInterpreted(t, p, inv, m)
	matrix := m.Matrix()
	if !matrix.Ports("x/a", "ip:192.0.2.0-192.0.2.255").Contains(portset.TCP, 80) ||
		matrix.Ports("x/a", "ip:198.51.100.0-198.51.100.255").Contains(portset.TCP, 80) {
		t.Fatalf("the model does not order the IR's denies between priorities 0 and 5: %v", matrix.Connections)
	}
}

// TestPlatformUnlistedPass: a Pass towards pods hands their traffic to the
// teams' policies; a pod the ruleset does not list is in no set, so the
// Pass misses it and a later admin Allow would let it through. With the
// pod networks declared, such a pod is dropped on the far side instead,
// though no ingress is restricted.
func TestPlatformUnlistedPass(t *testing.T) {
	xb := subject("x", "b")
	p := withPodCIDRs(policy(isolate(xb, out)))
	p.Cluster = []ir.ClusterPolicy{
		admin("pass-to-a", 1, "x", labels("pod", "b"), clusterRule(out, ir.Pass, pods(labels(inventory.MetadataNameLabel, "x"), labels("pod", "a")), 20)),
		admin("allow-all", 2, "x", labels("pod", "b"), clusterRule(out, ir.Allow, everyone, 21)),
	}
	inv := confInventory()
	checkInterpreted(t, p, inv, reference(t, p, inv))
	rs, err := nftables.Build(p, inv)
	if err != nil {
		t.Fatal(err)
	}
	got, err := readnft.Interpret(rs, withReplica(inv))
	if err != nil {
		t.Fatal(err)
	}
	if ports := got.Ports("x/b", "x/a-new"); !ports.IsEmpty() {
		t.Errorf("x/b reaches the unlisted replica of x/a on %s: the Pass missed it\n%s", ports, rs)
	}
}

// TestPlatformHostNetwork: with host-network pods, the platform layer
// builds where the model denies them nothing the ruleset lets through
// (an Allow or Pass selecting them, the nodes admitted first), and is
// refused, at the rule's line with the reason, where it would: a Deny
// selecting them, a Deny or Pass whose peer selects them (never narrowed),
// and a pod the tiers do not open to the nodes.
func TestPlatformHostNetwork(t *testing.T) {
	inv := hostInventory()
	nodes := admin("a-nodes", 0, "", nil, clusterRule(in, ir.Allow, nodeBlock, 30))
	agents := pods(labels(inventory.MetadataNameLabel, "kube-system"), labels("pod", "agent"))
	for name, c := range map[string]struct {
		cluster []ir.ClusterPolicy
		want    []string // nil: built and proven
	}{
		"an Allow and a Pass selecting them": {[]ir.ClusterPolicy{nodes,
			admin("p", 1, "", nil, clusterRule(out, ir.Allow, cidr("192.0.2.0/24"), 31), clusterRule(out, ir.Pass, everyone, 32))}, nil},
		"a Deny selecting them": {[]ir.ClusterPolicy{nodes, admin("p", 1, "", nil, clusterRule(out, ir.Deny, cidr("169.254.169.254/32"), 31))},
			[]string{"intents/conf.cue:31:3", `Deny egress rule of admin intent "p"`, "kube-system/agent", "cannot deny theirs", "leave host-network pods out of the subject"}},
		"a Deny towards them": {[]ir.ClusterPolicy{nodes, admin("p", 1, "x", nil, clusterRule(out, ir.Deny, agents, 31))},
			[]string{"intents/conf.cue:31:3", "the peer selects host-network pod(s) kube-system/agent, kube-system/agent-remote", "--allow-approximate does not apply"}},
		"a Pass from them": {[]ir.ClusterPolicy{nodes, admin("p", 1, "x", nil, clusterRule(in, ir.Pass, agents, 31))},
			[]string{"intents/conf.cue:31:3", `Pass ingress rule of admin intent "p"`, "cannot match them by selector"}},
		"the nodes denied by the baseline": {[]ir.ClusterPolicy{{Tier: ir.TierBaseline, Name: "b", Priority: 1, Origin: at(40),
			Subject: ir.ClusterSubject{Namespaces: *labels(inventory.MetadataNameLabel, "x")}, Rules: []ir.ClusterRule{clusterRule(in, ir.Deny, everyone, 41)}}},
			[]string{"intents/conf.cue:41:3", "reach x/a from its node on every port, but the intents allow them less", "an admin Allow before its other rules"}},
	} {
		p := &ir.Policy{Cluster: c.cluster}
		for _, approx := range []bool{false, true} {
			res, err := nftables.BuildResult(p, inv, approx)
			if c.want == nil {
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if !checkPlatformBuild(t, name, p, inv, approx) || len(res.Narrowed) > 0 {
					t.Errorf("%s approximate=%v: not built exactly (narrowed %v)", name, approx, res.Narrowed)
				}
				continue
			}
			if !errors.Is(err, nftables.ErrHostNetwork) {
				t.Fatalf("%s approximate=%v: err = %v, want ErrHostNetwork", name, approx, err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s approximate=%v: %v\nwant it to say %q", name, approx, err, w)
				}
			}
		}
	}
}
