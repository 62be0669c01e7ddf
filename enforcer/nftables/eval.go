package nftables

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
	"github.com/netpolc/netpolc/internal/portset"
)

// maxDepth bounds jumps, as the kernel does, and catches loops.
const maxDepth = 16

// packet evaluates the first packet from s to d along path p: the
// protocols and ports every base chain of its hooks accepts, hook after
// hook. Results are memoised by what the ruleset can see of the two
// addresses.
func (in *worker) packet(s, d addr, p path) (portset.Set, error) {
	key := in.signature(s) + "|" + in.signature(d) + "|" + strconv.Itoa(int(p))
	if r, ok := in.memo[key]; ok {
		return r.ports, r.err
	}
	pk := &pkt{saddr: s, daddr: d, local: p.localSource()}
	ports := portset.All()
	var err error
	for _, h := range pathHooks[p] {
		for _, c := range in.hooks[h] {
			var f flow
			if f, err = in.chain(c, pk, ports, 0); err != nil {
				break
			}
			ports = f.accept
			if c.Base.Policy == nftapi.Accept {
				ports = ports.Union(f.ret)
			}
		}
		if err != nil {
			break
		}
	}
	if err != nil {
		ports = portset.Set{}
	}
	in.memo[key] = result{ports, err}
	return ports, err
}

// signature lists what sets and maps say about an address (cached).
func (in *worker) signature(a addr) string {
	id := a.String()
	if sig, ok := in.sigs[id]; ok {
		return sig
	}
	sig := in.newSignature(a)
	in.sigs[id] = sig
	return sig
}

func (in *worker) newSignature(a addr) string {
	var b strings.Builder
	switch {
	case a.ip.IsValid():
		b.WriteString("i")
		for _, id := range in.setIDs {
			b.WriteString(strconv.FormatBool(in.sets[id].contains(a.ip))[:1])
		}
		for _, id := range in.mapIDs {
			v, ok := in.maps[id][a.ip]
			b.WriteString(fmt.Sprintf("|%v/%v", ok, v))
		}
	case a.peer != nil:
		b.WriteString("p")
		for _, id := range in.setIDs {
			c := 0
			if s := in.sets[id]; s.interval {
				c = s.covers(*a.peer)
			}
			b.WriteString(strconv.Itoa(c + 1))
		}
	default:
		b.WriteString("v" + strconv.Itoa(a.virtual)) // unique: not worth sharing
	}
	return b.String()
}

// pkt is a packet: its addresses, and whether its source is the node's
// own (it comes from the node itself).
type pkt struct {
	saddr, daddr addr
	local        bool
}

func (p *pkt) field(f nftapi.AddrField) (addr, error) {
	switch f {
	case nftapi.SAddr:
		return p.saddr, nil
	case nftapi.DAddr:
		return p.daddr, nil
	}
	return addr{}, fmt.Errorf("%w: address field %q", ErrUnsupported, f)
}

// flow is how a chain disposes of the ports that entered it.
type flow struct{ accept, drop, ret portset.Set }

// chain runs ports through a chain. What no rule decides returns (a base
// chain's caller applies its policy).
func (in *worker) chain(c *nftapi.Chain, p *pkt, ports portset.Set, depth int) (flow, error) {
	if depth > maxDepth {
		return flow{}, fmt.Errorf("%w: chain %s: jumps nest deeper than %d (a loop?)", ErrInvalid, c.Name, maxDepth)
	}
	var out flow
	pending := ports
	for i := range c.Rules {
		if pending.IsEmpty() {
			break
		}
		r := &c.Rules[i]
		m, err := in.match(r, p)
		if err != nil {
			return flow{}, fmt.Errorf("chain %s rule %d: %w", c.Name, i, err)
		}
		hit := pending.Intersect(m)
		if hit.IsEmpty() {
			continue
		}
		v := r.Verdict
		if in.staged && r.Log != nil {
			v = nftapi.Verdict{Kind: nftapi.Drop} // what the staged rule stands for (checkStaged)
		}
		if v.Kind == nftapi.VMap {
			var found bool
			if v, found, err = in.lookup(v, p); err != nil {
				return flow{}, fmt.Errorf("chain %s rule %d: %w", c.Name, i, err)
			}
			if !found {
				continue
			}
		}
		sub, err := in.verdict(v, p, hit, depth)
		if err != nil {
			return flow{}, err
		}
		out.accept = out.accept.Union(sub.accept)
		out.drop = out.drop.Union(sub.drop)
		out.ret = out.ret.Union(sub.ret)
		// Ports a jumped-to chain returns go on with the next rule.
		pending = pending.Subtract(hit).Union(sub.cont)
	}
	out.ret = out.ret.Union(pending)
	return out, nil
}

// outcome is a verdict's effect on the ports it applies to; cont goes on
// with the next rule of the current chain.
type outcome struct{ accept, drop, ret, cont portset.Set }

func (in *worker) verdict(v nftapi.Verdict, p *pkt, hit portset.Set, depth int) (outcome, error) {
	switch v.Kind {
	case nftapi.Accept:
		return outcome{accept: hit}, nil
	case nftapi.Drop:
		return outcome{drop: hit}, nil
	case nftapi.Return:
		return outcome{ret: hit}, nil
	case "":
		return outcome{cont: hit}, nil
	case nftapi.Jump, nftapi.Goto:
		f, err := in.chain(in.chains[v.Chain], p, hit, depth+1)
		if err != nil {
			return outcome{}, err
		}
		if v.Kind == nftapi.Jump {
			return outcome{accept: f.accept, drop: f.drop, cont: f.ret}, nil
		}
		return outcome{accept: f.accept, drop: f.drop, ret: f.ret}, nil
	}
	return outcome{}, fmt.Errorf("%w: verdict %q", ErrUnsupported, v.Kind)
}

// match returns the ports a rule matches for this packet (empty when an
// address condition fails).
func (in *worker) match(r *nftapi.Rule, p *pkt) (portset.Set, error) {
	ports, err := in.rulePorts(r)
	if err != nil || ports.IsEmpty() {
		return portset.Set{}, err
	}
	for _, m := range r.Matches {
		if _, ok := m.(nftapi.LocalSAddr); ok && !p.local {
			return portset.Set{}, nil
		}
		if m, ok := m.(nftapi.AddrIn); ok {
			a, err := p.field(m.Field)
			if err != nil {
				return portset.Set{}, err
			}
			if ok, err := in.member(a, in.sets[m.Set]); err != nil || !ok {
				return portset.Set{}, err
			}
		}
	}
	return ports, nil
}

// rulePorts is what a rule's packet-independent matches leave of every
// port and protocol, computed once per rule.
func (in *worker) rulePorts(r *nftapi.Rule) (portset.Set, error) {
	if got, ok := in.ports[r]; ok {
		return got.ports, got.err
	}
	ports, err := portset.All(), error(nil)
	for _, m := range r.Matches {
		switch m := m.(type) {
		case nftapi.CtState:
			if !slices.Contains(m.States, "new") {
				ports = portset.Set{} // a connection's first packet is new
			}
		case nftapi.AddrIn, nftapi.LocalSAddr:
		case nftapi.L4Proto:
			var s portset.Set
			for _, proto := range m.Protocols {
				s = s.Union(portset.AllPorts(proto))
			}
			ports = ports.Intersect(s)
		case nftapi.DPort:
			var s portset.Set
			for _, proto := range portset.Protocols {
				for _, rg := range m.Ranges {
					s = s.Union(portset.PortRange(proto, int32(rg.First), int32(rg.Last)))
				}
			}
			ports = ports.Intersect(s)
		case nftapi.ICMPv6Type:
			ports = portset.Set{} // ICMPv6 is none of TCP, UDP, SCTP
		default:
			err = fmt.Errorf("%w: match %T", ErrUnsupported, m)
		}
	}
	in.ports[r] = result{ports, err}
	return ports, err
}

// member reports whether an address is in a set.
func (in *interp) member(a addr, s *addrSet) (bool, error) {
	switch {
	case a.ip.IsValid():
		return s.contains(a.ip), nil
	case a.peer != nil:
		if !s.interval {
			return false, nil // holds pod IPs only
		}
		switch s.covers(*a.peer) {
		case 1:
			return true, nil
		case 0:
			return false, nil
		}
		return false, fmt.Errorf("%w: set %s holds part of external peer %s", ErrInconsistent, s.name, a.peer)
	}
	return slices.ContainsFunc(in.ips[a.virtual], s.contains), nil // virtual: any of its IPs
}

// lookup finds a map's verdict for the packet's address. An external
// address is in no map (maps hold pod IPs only); an endpoint without an
// IP of the family gets the verdict its IPs share.
func (in *interp) lookup(v nftapi.Verdict, p *pkt) (nftapi.Verdict, bool, error) {
	a, err := p.field(v.Key)
	if err != nil {
		return nftapi.Verdict{}, false, err
	}
	m := in.maps[v.Map]
	switch {
	case a.ip.IsValid():
		got, ok := m[a.ip]
		return got, ok, nil
	case a.peer != nil:
		return nftapi.Verdict{}, false, nil
	}
	var got []nftapi.Verdict
	for _, ip := range in.ips[a.virtual] {
		if w, ok := m[ip]; ok {
			got = append(got, w)
		}
	}
	switch {
	case len(got) == 0:
		return nftapi.Verdict{}, false, nil
	case len(got) == len(in.ips[a.virtual]) && !slices.ContainsFunc(got, func(w nftapi.Verdict) bool { return w != got[0] }):
		return got[0], true, nil
	}
	return nftapi.Verdict{}, false, fmt.Errorf("%w: map %s sends the IPs of %s to different verdicts",
		ErrInconsistent, v.Map, in.eps[a.virtual].ID())
}
