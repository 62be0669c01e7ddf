package calico

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// worldBlocks are the blocks of a world peer that lists none itself.
var worldBlocks = []ir.IPBlock{{CIDR: "0.0.0.0/0"}, {CIDR: "::/0"}}

// calicoRules translates an IR rule into Calico rules with action: one
// per protocol and peer entity.
func calicoRules(r ir.Rule, action ir.Action) ([]calicoapi.Rule, error) {
	entities, err := peerEntities(r.Peer)
	if err != nil {
		return nil, err
	}
	protos, err := protocolPorts(r.Ports)
	if err != nil {
		return nil, err
	}
	var out []calicoapi.Rule
	for _, pp := range protos {
		for _, e := range entities {
			rule := calicoapi.Rule{Action: string(action), Protocol: pp.protocol}
			peer := e
			if r.Direction == ir.Ingress {
				rule.Source = nonEmpty(&peer)
				rule.Destination = nonEmpty(&calicoapi.EntityRule{Ports: pp.ports})
			} else {
				peer.Ports = pp.ports
				rule.Destination = nonEmpty(&peer)
			}
			out = append(out, rule)
		}
	}
	return out, nil
}

// nonEmpty returns e, or nil when it matches everything.
func nonEmpty(e *calicoapi.EntityRule) *calicoapi.EntityRule {
	if e == nil || (len(e.Nets) == 0 && len(e.NotNets) == 0 && e.Selector == "" && e.NamespaceSelector == "" && len(e.Ports) == 0) {
		return nil
	}
	return e
}

// peerEntities translates a peer into the entities any of which it
// matches; one entity with no field is everything.
func peerEntities(p ir.Peer) ([]calicoapi.EntityRule, error) {
	switch p.Kind {
	case ir.PeerAll:
		return []calicoapi.EntityRule{{}}, nil
	case ir.PeerPods, ir.PeerWorkload, ir.PeerDNS:
		if err := kit.CheckSelector("peer.podSelector", p.Pods); err != nil {
			return nil, err
		}
		if err := kit.CheckSelector("peer.namespaceSelector", p.Namespaces); err != nil {
			return nil, err
		}
		var e calicoapi.EntityRule
		if p.Namespaces != nil {
			e.NamespaceSelector = namespaceSelector(p.Namespaces)
		}
		e.Selector = podSelector(p.Pods)
		return []calicoapi.EntityRule{e}, nil
	case ir.PeerCIDR, ir.PeerWorld:
		blocks := p.CIDRs
		if p.Kind == ir.PeerWorld && len(blocks) == 0 {
			blocks = worldBlocks
		}
		if len(blocks) == 0 {
			return nil, fmt.Errorf("%w %s peer: no CIDR", kit.ErrInvalid, p.Kind)
		}
		return netEntities(blocks)
	case ir.PeerFQDN:
		// Build refuses (or leaves out) FQDN rules before translating.
		return nil, kit.Hinted(fmt.Errorf("FQDN peer %q: %w", p.FQDN, errUnsupported), fqdnHint)
	}
	return nil, fmt.Errorf("%w peer kind %q", kit.ErrInvalid, p.Kind)
}

// netEntities turns blocks into nets: blocks without holes share one
// entity per address family; a block with holes gets its own, with the
// holes as notNets (which apply to every net of an entity).
func netEntities(blocks []ir.IPBlock) ([]calicoapi.EntityRule, error) {
	var plain [2][]string
	var out []calicoapi.EntityRule
	for _, b := range blocks {
		cidr, err := kit.ParsePrefix("cidr", b.CIDR)
		if err != nil {
			return nil, err
		}
		fam := 0
		if cidr.Addr().Is6() {
			fam = 1
		}
		except := slices.Clone(b.Except)
		slices.Sort(except)
		except = slices.Compact(except)
		for _, s := range except {
			hole, err := kit.ParsePrefix("except", s)
			if err != nil {
				return nil, err
			}
			if hole.Addr().Is4() != cidr.Addr().Is4() || hole.Bits() <= cidr.Bits() || !cidr.Contains(hole.Addr()) {
				return nil, fmt.Errorf("%w except %q: must lie strictly inside cidr %q", kit.ErrInvalid, s, b.CIDR)
			}
		}
		if len(except) == 0 {
			plain[fam] = append(plain[fam], b.CIDR)
			continue
		}
		out = append(out, calicoapi.EntityRule{Nets: []string{b.CIDR}, NotNets: except})
	}
	for _, nets := range plain {
		if len(nets) > 0 {
			slices.Sort(nets)
			out = append(out, calicoapi.EntityRule{Nets: slices.Compact(nets)})
		}
	}
	return out, nil
}

// protoPorts is one protocol's ports; no protocol and no ports is every
// port of every protocol, a protocol without ports every port of it.
type protoPorts struct {
	protocol string
	ports    []intstr.IntOrString
}

// protocolPorts validates ports and splits them by protocol, sorted.
func protocolPorts(ports []ir.Port) ([]protoPorts, error) {
	if len(ports) == 0 {
		return []protoPorts{{}}, nil
	}
	byProto := map[portset.Protocol][]intstr.IntOrString{}
	whole := map[portset.Protocol]bool{}
	for _, p := range ports {
		v, all, err := calicoPort(p)
		if err != nil {
			return nil, err
		}
		if all {
			whole[p.Protocol] = true
			continue
		}
		byProto[p.Protocol] = append(byProto[p.Protocol], v)
	}
	var out []protoPorts
	for _, proto := range []portset.Protocol{portset.SCTP, portset.TCP, portset.UDP} {
		switch {
		case whole[proto]:
			out = append(out, protoPorts{protocol: proto.String()})
		case len(byProto[proto]) > 0:
			vs := byProto[proto]
			slices.SortFunc(vs, func(a, b intstr.IntOrString) int { return cmp.Compare(portKey(a), portKey(b)) })
			vs = slices.CompactFunc(vs, func(a, b intstr.IntOrString) bool { return portKey(a) == portKey(b) })
			out = append(out, protoPorts{protocol: proto.String(), ports: vs})
		}
	}
	return out, nil
}

// calicoPort converts one port: a number, "first:last", or a name; all is
// true for a protocol-only port.
func calicoPort(p ir.Port) (v intstr.IntOrString, all bool, err error) {
	switch p.Protocol {
	case portset.TCP, portset.UDP, portset.SCTP:
	default:
		return v, false, fmt.Errorf("%w protocol %q: must be TCP, UDP or SCTP", kit.ErrInvalid, p.Protocol)
	}
	end := p.End
	if end == p.Number {
		end = 0
	}
	switch {
	case p.Name != "" && (p.Number != 0 || end != 0):
		return v, false, fmt.Errorf("%w port %q: a named port has no number or endPort", kit.ErrInvalid, p.Name)
	case p.Name != "":
		if msgs := validation.IsValidPortName(p.Name); len(msgs) > 0 {
			return v, false, fmt.Errorf("%w port %s: %s", kit.ErrInvalid, p.Name, strings.Join(msgs, "; "))
		}
		return intstr.FromString(p.Name), false, nil
	case p.Number == 0 && end == 0:
		return v, true, nil
	case p.Number < 1 || p.Number > 65535 || end < 0 || end > 65535:
		return v, false, fmt.Errorf("%w invalid port %d-%d: must be between 1 and 65535", kit.ErrInvalid, p.Number, end)
	case end != 0 && end < p.Number:
		return v, false, fmt.Errorf("%w endPort %d: must not be below port %d", kit.ErrInvalid, end, p.Number)
	case end != 0:
		return intstr.FromString(strconv.Itoa(int(p.Number)) + ":" + strconv.Itoa(int(end))), false, nil
	}
	return intstr.FromInt32(p.Number), false, nil
}

// portKey orders ports: numbers and ranges by their first port, then names.
func portKey(v intstr.IntOrString) string {
	if v.Type == intstr.Int {
		return fmt.Sprintf("0%05d", v.IntVal)
	}
	if first, last, ok := strings.Cut(v.StrVal, ":"); ok {
		a, _ := strconv.Atoi(first)
		b, _ := strconv.Atoi(last)
		return fmt.Sprintf("0%05d:%05d", a, b)
	}
	return "1" + v.StrVal
}
