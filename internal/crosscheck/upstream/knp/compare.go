package knp

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/enforcer/proof"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/portset"
)

// Outside addresses no policy names, probed besides the model's external
// ranges.
var outside = []netip.Addr{netip.MustParseAddr("192.0.2.77"), netip.MustParseAddr("2001:db8:ffff::77")}

// Disagreement is one packet the engine and the model decide differently.
type Disagreement struct {
	Src, Dst      netip.Addr
	Proto         portset.Protocol
	Port          int32
	Engine, Model bool
}

func (d Disagreement) String() string {
	return fmt.Sprintf("%s -> %s %s/%d: kube-network-policies allowed=%v, netpolc model allowed=%v",
		d.Src, d.Dst, d.Proto, d.Port, d.Engine, d.Model)
}

// Result counts the packets compared and lists the disagreements.
// PerAddress are the disagreements the model cannot represent: the
// engine decides per address, the model per endpoint (all pods and IPs
// of a workload are one endpoint, ARCHITECTURE.md §3), and another IP of
// the same source and destination endpoints gets the model's verdict
// from the engine (a dual-stack pod with one address inside a CIDR and
// one outside). Where the model is wider this is imprecision; where it is
// narrower (an except or a deny network covering one address) the
// cluster allows what the proof says it denies. They are counted apart, not hidden: the README lists
// them as an open defect of the model. Split are the disagreements of the
// proof's per-address reading (the model over the inventory with every
// endpoint whose addresses the policies' blocks tell apart split,
// proof.SplitAddresses): the reading the build holds every target to,
// which must agree with the engine on every packet.
type Result struct {
	Packets       int
	Disagreements []Disagreement
	PerAddress    []Disagreement
	Split         []Disagreement
}

// Compare decides every probe packet with the engine (objs) and with
// netpolc's model (pols, its reading of the same objects) over inv:
// between every two pod IPs of one family, and between every pod IP and
// the first address of each external range the model distinguishes plus
// two outside addresses, in both directions, on every port of ports.
func Compare(inv inventory.Inventory, objs Objects, pols enforcer.Policies, ports map[portset.Protocol][]int32) (Result, error) {
	var res Result
	eng, err := New(inv, objs)
	if err != nil {
		return res, err
	}
	m, err := enforcer.New(inv, pols)
	if err != nil {
		return res, err
	}
	split, err := perAddressModel(m, inv, pols)
	if err != nil {
		return res, err
	}
	pods, ext := addresses(inv, m)
	check := func(src, dst netip.Addr) error {
		for _, proto := range portset.Protocols {
			for _, port := range ports[proto] {
				v, err := m.Verdict(src.String(), dst.String(), proto, port)
				if err != nil {
					return err
				}
				sv := v
				if split != m {
					if sv, err = split.Verdict(src.String(), dst.String(), proto, port); err != nil {
						return err
					}
				}
				res.Packets++
				got := eng.Allowed(src, dst, proto, port)
				if got != sv.Allowed {
					res.Split = append(res.Split, Disagreement{src, dst, proto, port, got, sv.Allowed})
				}
				if got != v.Allowed {
					d := Disagreement{src, dst, proto, port, got, v.Allowed}
					if perAddress(eng, inv, d) {
						res.PerAddress = append(res.PerAddress, d)
					} else {
						res.Disagreements = append(res.Disagreements, d)
					}
				}
			}
		}
		return nil
	}
	for _, s := range pods {
		for _, d := range pods {
			if s.Is4() == d.Is4() {
				if err := check(s, d); err != nil {
					return res, err
				}
			}
		}
		for _, e := range ext {
			if err := check(s, e); err != nil {
				return res, err
			}
			if err := check(e, s); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

// perAddressModel is the proof's per-address reading of pols: the model
// over inv with every endpoint whose addresses m's blocks tell apart split
// (proof.SplitAddresses), or m itself when none is.
func perAddressModel(m *enforcer.Model, inv inventory.Inventory, pols enforcer.Policies) (*enforcer.Model, error) {
	sinv, ok := proof.SplitAddresses(m, inv)
	if !ok {
		return m, nil
	}
	return enforcer.New(sinv, pols)
}

// addresses lists the pod IPs of inv and the external addresses to probe:
// the first of each range the model distinguishes that is no pod's IP,
// and the outside ones.
func addresses(inv inventory.Inventory, m *enforcer.Model) (pods, ext []netip.Addr) {
	for _, ep := range inv.Endpoints {
		pods = append(pods, ep.IPs...)
	}
	for _, name := range m.ExternalPeers() {
		a, err := netip.ParseAddr(firstOf(name))
		if err == nil && !slices.Contains(pods, a) {
			ext = append(ext, a)
		}
	}
	return pods, append(ext, outside...)
}

// firstOf takes FIRST out of "ip:FIRST-LAST".
func firstOf(name string) string {
	s := name[len("ip:"):]
	for i := range len(s) {
		if s[i] == '-' {
			return s[:i]
		}
	}
	return s
}

// perAddress reports whether the engine gives d's model verdict to
// another pair of addresses between the same two endpoints (an address
// no endpoint has stands for itself). Pairs of different families count:
// a dual-stack source whose IPv6 address is in an ipBlock is, for the
// model, an endpoint the block matches, also towards an IPv4-only pod.
func perAddress(eng *Engine, inv inventory.Inventory, d Disagreement) bool {
	for _, s := range ipsOf(inv, d.Src) {
		for _, t := range ipsOf(inv, d.Dst) {
			if (s != d.Src || t != d.Dst) && eng.Allowed(s, t, d.Proto, d.Port) == d.Model {
				return true
			}
		}
	}
	return false
}

// ipsOf lists the IPs of the endpoint that has a, or a alone.
func ipsOf(inv inventory.Inventory, a netip.Addr) []netip.Addr {
	for _, ep := range inv.Endpoints {
		if slices.Contains(ep.IPs, a) {
			return ep.IPs
		}
	}
	return []netip.Addr{a}
}
