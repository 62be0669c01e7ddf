// Package nftables interprets an emitted nftables ruleset (emitters/nftables)
// into the connectivity matrix of the evaluation model, so the build can
// check that the ruleset loaded on a node allows exactly what the
// NetworkPolicies allow.
//
// It reads the emitted objects, never the IR: the filter base chains of
// the hooks a packet meets on its path through the node (forwarded:
// prerouting, forward, postrouting; to the node: prerouting, input; from
// the node: output, postrouting), each hook's in priority order, rules in
// order, jump/goto/return, verdict maps, sets, and whether the source is
// the node's own address (fib saddr type local). A connection is
// evaluated as its first packet (conntrack state new), for every protocol
// and port at once: ports are carried as portset.Set through the chains,
// never enumerated. Service traffic needs no path of its own: kube-proxy's
// DNAT comes before the hooks the emitter uses, which then see the
// backend pod's address (emitters/nftables, hooks.go).
//
// Host-network endpoints are their node (hosts.go): their addresses may
// be shared between them, must be no verdict map's key, and their traffic
// takes the to-node and from-node paths. Pods the ruleset does not list
// are read at the addresses the inventory gives them (unlisted.go).
//
// Nodes are the inventory's endpoints and the external peers. An endpoint
// is evaluated at each of its pod IPs; a pair of endpoints at each pair of
// their IPs of one family. All must agree (the model has one verdict per
// endpoint), or Interpret fails with ErrInconsistent. The external peers
// are the largest address ranges over which every interval set is
// constant; an external address never matches a set without the interval
// flag, since those hold pod IPs only (Interpret checks that). The caller
// may name the external peers instead (WithExternalPeers, typically the
// NetworkPolicy model's): each is then evaluated on every piece the
// ruleset's networks cut it into, and the pieces must agree.
//
// The model is policy-level, so it also answers for packets that cannot
// exist: an IPv4-only pod and an IPv6 external peer, or an IPv4-only and
// an IPv6-only pod. The interpreter answers them with a virtual address
// for the endpoint lacking the family: the verdict maps send it where its
// IPs all go (they must agree), and it is in a set when one of its IPs is,
// which is how the model matches an endpoint against a block.
package nftables

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"slices"
	"sync"

	"github.com/netpolc/netpolc/internal/netset"

	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/portset"
)

// Errors returned by Interpret, for errors.Is.
var (
	// ErrInvalid marks a ruleset that refers to missing objects, loops, or
	// holds elements its declared kind forbids.
	ErrInvalid = errors.New("invalid nftables ruleset")
	// ErrUnsupported marks a construct the interpreter does not evaluate.
	ErrUnsupported = errors.New("not supported by the nftables interpreter")
	// ErrInconsistent marks a ruleset that treats the pod IPs of one
	// endpoint differently, so it has no endpoint-level matrix.
	ErrInconsistent = errors.New("ruleset treats the pods of one endpoint differently")
	// ErrNoPodIPs marks endpoints without known IPs: a ruleset cannot see
	// them.
	ErrNoPodIPs = errors.New("pod IPs unknown")
)

// interp is one interpretation.
type interp struct {
	sets   map[string]*addrSet
	setIDs []string // sorted set names, for signatures
	maps   map[string]map[netip.Addr]nftapi.Verdict
	mapIDs []string
	chains map[string]*nftapi.Chain
	hooks  map[nftapi.Hook][]*nftapi.Chain // base chains, by priority
	eps    []inventory.Endpoint
	ips    [][]netip.Addr // per endpoint, unmapped, sorted
	local  []bool         // per endpoint: a host-network pod of this node
	// unlisted marks endpoints the ruleset was not built for
	// (WithUnlisted).
	unlisted []bool
	peers    []external
	// staged reads log-and-accept rules as drops (WithStaged).
	staged bool
	// podNets is the ruleset's pod networks (nftapi.PodNetworksSet), nil
	// when it has none.
	podNets *addrSet
}

// worker evaluates packets for some of the sources, with its own caches.
type worker struct {
	*interp
	memo  map[string]result       // see packet
	sigs  map[string]string       // address → signature
	ports map[*nftapi.Rule]result // see rulePorts
}

func (in *interp) worker() *worker {
	return &worker{interp: in, memo: map[string]result{}, sigs: map[string]string{},
		ports: map[*nftapi.Rule]result{}}
}

// external is an external peer and the pieces the ruleset's networks cut
// it into.
type external struct {
	name   string
	pieces []netset.Range
}

// Option configures Interpret.
type Option func(*options)

type options struct {
	peers    []string
	remote   []string
	unlisted []string
	staged   bool
}

// WithExternalPeers makes Interpret evaluate the given external peers
// ("ip:FIRST-LAST", as enforcer.Model.ExternalPeers lists them) instead
// of the split the ruleset's own networks imply, so the result compares
// with that model's matrix name for name.
func WithExternalPeers(names ...string) Option {
	return func(o *options) { o.peers = append(o.peers, names...) }
}

// WithRemoteHosts reads the given host-network endpoints as pods of
// another node: their traffic reaches this node's pods as forwarded
// packets from their node's address, as the node the ruleset is loaded on
// sees it (a kernel test probing one node). By default every host-network
// endpoint is read as this node's own traffic, which on its node reaches
// every pod: the reading that holds wherever it runs.
func WithRemoteHosts(ids ...string) Option {
	return func(o *options) { o.remote = append(o.remote, ids...) }
}

// WithUnlisted names endpoints of the inventory the ruleset was not built
// for (pods started after it). Nothing ties their addresses together in
// the ruleset, which may treat them differently per family; the
// interpreter reports what any of them gets, the widest reading, instead
// of failing with ErrInconsistent.
func WithUnlisted(ids ...string) Option {
	return func(o *options) { o.unlisted = append(o.unlisted, ids...) }
}

type result struct {
	ports portset.Set
	err   error
}

// Interpret computes the connectivity rs enforces between every ordered
// pair of inv's endpoints, and between them and the external peers, in
// the form of enforcer.Model.Matrix.
func Interpret(rs *nftapi.Ruleset, inv inventory.Inventory, opts ...Option) (*enforcer.Connectivity, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	in, err := newInterp(rs, inv, o)
	if err != nil {
		return nil, err
	}
	out := &enforcer.Connectivity{}
	var nodes []node
	for i, ep := range in.eps {
		out.Endpoints = append(out.Endpoints, enforcer.Endpoint{Name: ep.ID(), Namespace: ep.Namespace, Kind: ep.Kind})
		nodes = append(nodes, node{ep: i})
	}
	for i, p := range in.peers {
		out.Endpoints = append(out.Endpoints, enforcer.Endpoint{Name: p.name, Kind: enforcer.KindExternal})
		nodes = append(nodes, node{ep: -1, peer: i})
	}
	rows := make([][]enforcer.Connection, len(nodes))
	rowErrs := make([][]error, len(nodes))
	workers := min(runtime.GOMAXPROCS(0), len(nodes))
	var wg sync.WaitGroup
	for k := range workers {
		w := in.worker()
		wg.Go(func() {
			for s := k; s < len(nodes); s += workers {
				rows[s], rowErrs[s] = w.row(s, nodes, out.Endpoints)
			}
		})
	}
	wg.Wait()
	var errs []error
	for s := range nodes {
		out.Connections = append(out.Connections, rows[s]...)
		errs = append(errs, rowErrs[s]...)
	}
	if len(errs) > maxErrors {
		errs = append(errs[:maxErrors], fmt.Errorf("and %d more", len(errs)-maxErrors))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	out.Sort()
	return out, nil
}

// maxErrors bounds the connections an error report names.
const maxErrors = 20

// row evaluates every connection from node s.
func (w *worker) row(s int, nodes []node, names []enforcer.Endpoint) ([]enforcer.Connection, []error) {
	var conns []enforcer.Connection
	var errs []error
	src := nodes[s]
	for d, dst := range nodes {
		if s == d || (src.ep < 0 && dst.ep < 0) {
			continue
		}
		ports, err := w.pair(src, dst)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s -> %s: %w", names[s].Name, names[d].Name, err))
			continue
		}
		if !ports.IsEmpty() {
			conns = append(conns, enforcer.Connection{Src: names[s].Name, Dst: names[d].Name, Ports: ports})
		}
	}
	return conns, errs
}

// newInterp indexes the ruleset and the inventory and checks the
// ruleset's references and element kinds.
func newInterp(rs *nftapi.Ruleset, inv inventory.Inventory, o options) (*interp, error) {
	in := &interp{sets: map[string]*addrSet{}, maps: map[string]map[netip.Addr]nftapi.Verdict{},
		chains: map[string]*nftapi.Chain{}, hooks: map[nftapi.Hook][]*nftapi.Chain{}}
	kinds, err := in.endpoints(inv, o.remote, o.unlisted)
	if err != nil {
		return nil, err
	}
	var all []*addrSet
	for i := range rs.Sets {
		s, err := newAddrSet(&rs.Sets[i])
		if err != nil {
			return nil, err
		}
		if err := checkSet(s, kinds); err != nil {
			return nil, err
		}
		in.sets[s.name] = s
		in.setIDs = append(in.setIDs, s.name)
		all = append(all, s)
	}
	if s := in.sets[nftapi.PodNetworksSet]; s != nil && s.interval {
		in.podNets = s
	}
	for _, m := range rs.Maps {
		elems := map[netip.Addr]nftapi.Verdict{}
		for _, e := range m.Elements {
			if err := checkMapKey(m.Name, e.Key.Unmap(), kinds); err != nil {
				return nil, err
			}
			elems[e.Key.Unmap()] = e.Verdict
		}
		in.maps[m.Name] = elems
		in.mapIDs = append(in.mapIDs, m.Name)
	}
	slices.Sort(in.setIDs)
	slices.Sort(in.mapIDs)
	if err := in.indexChains(rs); err != nil {
		return nil, err
	}
	in.staged = o.staged
	if err := checkStaged(rs, o.staged); err != nil {
		return nil, err
	}
	own := externalPeers(all)
	if o.peers == nil {
		for _, sp := range own {
			in.peers = append(in.peers, external{name: sp.String(), pieces: []netset.Range{sp}})
		}
		return in, nil
	}
	for _, name := range o.peers {
		sp, err := parsePeer(name)
		if err != nil {
			return nil, err
		}
		in.peers = append(in.peers, in.external(name, cut(sp, own)))
	}
	return in, nil
}

// checkSet: a set without the interval flag holds addresses of the
// inventory's endpoints only.
func checkSet(s *addrSet, kinds map[netip.Addr]ipKind) error {
	if s.interval {
		return nil
	}
	for _, sp := range s.spans {
		if kinds[sp.First] == notListed {
			return fmt.Errorf("%w: set %s holds %s, which is no pod's IP (only interval sets hold networks)", ErrInvalid, s.name, sp.First)
		}
	}
	return nil
}

// checkMapKey: a verdict map dispatches pod IPs only; a host-network
// pod's address is its node's, and a pod chain for it would hold all of
// the node's traffic to the pod's policy.
func checkMapKey(m string, k netip.Addr, kinds map[netip.Addr]ipKind) error {
	switch kinds[k] {
	case podAddr:
		return nil
	case hostAddr:
		return fmt.Errorf("%w: map %s has key %s, a host-network pod's address, which is its node's", ErrInvalid, m, k)
	}
	return fmt.Errorf("%w: map %s has key %s, which is no pod's IP", ErrInvalid, m, k)
}

// parsePeer reads an external peer name, "ip:FIRST-LAST".
func parsePeer(name string) (netset.Range, error) {
	r, ok := netset.ParseName(name)
	if !ok {
		return netset.Range{}, fmt.Errorf("bad external peer name %q (want ip:FIRST-LAST)", name)
	}
	return netset.Range{First: r.First.Unmap(), Last: r.Last.Unmap()}, nil
}

// indexChains finds the chains and checks every jump, goto and map
// reference.
func (in *interp) indexChains(rs *nftapi.Ruleset) error {
	for i := range rs.Chains {
		c := &rs.Chains[i]
		if _, dup := in.chains[c.Name]; dup {
			return fmt.Errorf("%w: chain %s declared twice", ErrInvalid, c.Name)
		}
		in.chains[c.Name] = c
		if c.Base != nil {
			if c.Base.Type != "filter" {
				return fmt.Errorf("%w: chain %s of type %s (only filter chains are evaluated)", ErrUnsupported, c.Name, c.Base.Type)
			}
			in.hooks[c.Base.Hook] = append(in.hooks[c.Base.Hook], c)
		}
	}
	for _, cs := range in.hooks {
		slices.SortStableFunc(cs, func(a, b *nftapi.Chain) int { return a.Base.Priority - b.Base.Priority })
	}
	check := func(where string, v nftapi.Verdict) error {
		switch v.Kind {
		case nftapi.Jump, nftapi.Goto:
			if t := in.chains[v.Chain]; t == nil || t.Base != nil {
				return fmt.Errorf("%w: %s: %s to %q, which is no regular chain", ErrInvalid, where, v.Kind, v.Chain)
			}
		case nftapi.VMap:
			if _, ok := in.maps[v.Map]; !ok {
				return fmt.Errorf("%w: %s: no map %q", ErrInvalid, where, v.Map)
			}
		}
		return nil
	}
	for _, c := range rs.Chains {
		for i, r := range c.Rules {
			if err := check(fmt.Sprintf("chain %s rule %d", c.Name, i), r.Verdict); err != nil {
				return err
			}
			for _, m := range r.Matches {
				if a, ok := m.(nftapi.AddrIn); ok && in.sets[a.Set] == nil {
					return fmt.Errorf("%w: chain %s rule %d: no set %q", ErrInvalid, c.Name, i, a.Set)
				}
			}
		}
	}
	for name, m := range in.maps {
		for k, v := range m {
			if v.Kind == nftapi.VMap {
				return fmt.Errorf("%w: map %s: element %s is itself a map lookup", ErrInvalid, name, k)
			}
			if err := check("map "+name, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// node is an endpoint (ep ≥ 0) or an external peer.
type node struct {
	ep   int
	peer int
}

// addr is one end of a packet: a pod IP, an external peer (any address
// of it that is no pod's), or an endpoint without an IP of the packet's
// family (virtual).
type addr struct {
	ip      netip.Addr
	peer    *netset.Range
	virtual int // endpoint index, when neither ip nor peer is set
}

// pair evaluates every packet that stands for a connection from src to
// dst; they must agree.
func (in *worker) pair(src, dst node) (portset.Set, error) {
	type variant struct{ s, d addr }
	var vs []variant
	switch {
	case src.ep >= 0 && dst.ep >= 0:
		for _, s := range in.ips[src.ep] {
			for _, d := range in.ips[dst.ep] {
				if s.Is4() == d.Is4() {
					vs = append(vs, variant{addr{ip: s}, addr{ip: d}})
				}
			}
		}
		if len(vs) == 0 {
			// No packet can pass between them; the policy-level answer
			// comes from each side's chains with the other side virtual.
			vs = append(vs, variant{addr{ip: in.ips[src.ep][0]}, addr{virtual: dst.ep}},
				variant{addr{virtual: src.ep}, addr{ip: in.ips[dst.ep][0]}})
		}
	case src.ep >= 0:
		for i := range in.peers[dst.peer].pieces {
			piece := &in.peers[dst.peer].pieces[i]
			for _, s := range in.epAddrs(src.ep, piece) {
				vs = append(vs, variant{s, addr{peer: piece}})
			}
		}
	default:
		for i := range in.peers[src.peer].pieces {
			piece := &in.peers[src.peer].pieces[i]
			for _, d := range in.epAddrs(dst.ep, piece) {
				vs = append(vs, variant{addr{peer: piece}, d})
			}
		}
	}
	var first portset.Set
	var firstV variant
	p := pathOf(src.ep >= 0 && in.local[src.ep], dst.ep >= 0 && in.local[dst.ep])
	union := (src.ep >= 0 && in.unlisted[src.ep]) || (dst.ep >= 0 && in.unlisted[dst.ep])
	for i, v := range vs {
		got, err := in.packet(v.s, v.d, p)
		if err != nil {
			return portset.Set{}, err
		}
		switch {
		case i == 0:
			first, firstV = got, v
		case union:
			first = first.Union(got)
		case !got.Equal(first):
			return portset.Set{}, fmt.Errorf("%w: %s -> %s allows %s, %s -> %s allows %s", ErrInconsistent,
				firstV.s, firstV.d, first, v.s, v.d, got)
		}
	}
	return first, nil
}

// epAddrs are an endpoint's IPs of the peer's family, or its virtual
// address when it has none.
func (in *interp) epAddrs(ep int, p *netset.Range) []addr {
	var out []addr
	for _, ip := range in.ips[ep] {
		if ip.Is4() == p.First.Is4() {
			out = append(out, addr{ip: ip})
		}
	}
	if len(out) == 0 {
		out = []addr{{virtual: ep}}
	}
	return out
}

func (a addr) String() string {
	switch {
	case a.ip.IsValid():
		return a.ip.String()
	case a.peer != nil:
		return a.peer.String()
	}
	return fmt.Sprintf("<endpoint #%d, which has no address of this family>", a.virtual)
}
