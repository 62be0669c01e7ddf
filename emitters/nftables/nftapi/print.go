package nftapi

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/netpolc/netpolc/internal/netset"

	"github.com/netpolc/netpolc/internal/portset"
)

// Family is an address family as nft spells its payload expressions.
type Family string

// The two address families.
const (
	IPv4 Family = "ip"
	IPv6 Family = "ip6"
)

// families lists both, in print order.
var families = []Family{IPv4, IPv6}

// familyOf is the family of an address.
func familyOf(a netip.Addr) Family {
	if a.Unmap().Is4() {
		return IPv4
	}
	return IPv6
}

// suffix is the name suffix of a family's half of a Set or Map.
func (f Family) suffix() string {
	if f == IPv4 {
		return "-v4"
	}
	return "-v6"
}

func (f Family) keyType() string {
	if f == IPv4 {
		return "ipv4_addr"
	}
	return "ipv6_addr"
}

// familyName is the nft name of a family's half of a Set or Map.
func familyName(name string, f Family) string { return name + f.suffix() }

// String prints the ruleset as one `nft -f` transaction: it creates the
// table if missing, deletes it, and adds it again with everything in it,
// so loading it is atomic and can be repeated.
func (rs *Ruleset) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "table inet %s\ndelete table inet %s\ntable inet %s {\n", rs.Table, rs.Table, rs.Table)
	if rs.Comment != "" {
		fmt.Fprintf(&b, "\tcomment %s\n", quote(rs.Comment))
	}
	p := printer{rs: rs, fams: rs.families(), b: &b}
	for i := range rs.Sets {
		p.set(&rs.Sets[i])
	}
	for i := range rs.Maps {
		p.vmap(&rs.Maps[i])
	}
	for i := range rs.Chains {
		p.chain(&rs.Chains[i])
	}
	b.WriteString("}\n")
	return b.String()
}

type printer struct {
	rs   *Ruleset
	fams map[string]map[Family]bool // set or map name → families it holds
	b    *strings.Builder
}

// families records which address families each Set and Map holds.
func (rs *Ruleset) families() map[string]map[Family]bool {
	out := map[string]map[Family]bool{}
	for _, s := range rs.Sets {
		out["set:"+s.Name] = map[Family]bool{}
		for _, e := range s.Elements {
			out["set:"+s.Name][familyOf(e.From)] = true
		}
	}
	for _, m := range rs.Maps {
		out["map:"+m.Name] = map[Family]bool{}
		for _, e := range m.Elements {
			out["map:"+m.Name][familyOf(e.Key)] = true
		}
	}
	return out
}

func (p *printer) set(s *Set) {
	for _, f := range families {
		if !p.fams["set:"+s.Name][f] {
			continue
		}
		fmt.Fprintf(p.b, "\tset %s {\n\t\ttype %s\n", familyName(s.Name, f), f.keyType())
		if s.Interval {
			p.b.WriteString("\t\tflags interval\n")
		}
		if s.Comment != "" {
			fmt.Fprintf(p.b, "\t\tcomment %s\n", quote(s.Comment))
		}
		p.b.WriteString("\t\telements = {\n")
		for _, e := range s.Elements {
			if familyOf(e.From) == f {
				fmt.Fprintf(p.b, "\t\t\t%s%s,\n", element(e.From, e.To), commentSuffix(e.Comment))
			}
		}
		p.b.WriteString("\t\t}\n\t}\n")
	}
}

func (p *printer) vmap(m *Map) {
	for _, f := range families {
		if !p.fams["map:"+m.Name][f] {
			continue
		}
		fmt.Fprintf(p.b, "\tmap %s {\n\t\ttype %s : verdict\n", familyName(m.Name, f), f.keyType())
		if m.Comment != "" {
			fmt.Fprintf(p.b, "\t\tcomment %s\n", quote(m.Comment))
		}
		p.b.WriteString("\t\telements = {\n")
		for _, e := range m.Elements {
			if familyOf(e.Key) == f {
				fmt.Fprintf(p.b, "\t\t\t%s%s : %s,\n", e.Key.Unmap(), commentSuffix(e.Comment), verdict(e.Verdict, ""))
			}
		}
		p.b.WriteString("\t\t}\n\t}\n")
	}
}

func (p *printer) chain(c *Chain) {
	fmt.Fprintf(p.b, "\tchain %s {\n", c.Name)
	if c.Base != nil {
		fmt.Fprintf(p.b, "\t\ttype %s hook %s priority %s; policy %s;\n",
			c.Base.Type, c.Base.Hook, priority(c.Base.Priority), c.Base.Policy)
	}
	if c.Comment != "" {
		fmt.Fprintf(p.b, "\t\tcomment %s\n", quote(c.Comment))
	}
	for i := range c.Rules {
		for _, line := range p.rule(&c.Rules[i]) {
			fmt.Fprintf(p.b, "\t\t%s\n", line)
		}
	}
	p.b.WriteString("\t}\n")
}

// rule prints a rule once, or once per family when it reads an address
// set or map: the family halves that are empty are left out, since a rule
// on an empty set never matches.
func (p *printer) rule(r *Rule) []string {
	var deps []string
	for _, m := range r.Matches {
		if a, ok := m.(AddrIn); ok {
			deps = append(deps, "set:"+a.Set)
		}
	}
	if r.Verdict.Kind == VMap {
		deps = append(deps, "map:"+r.Verdict.Map)
	}
	if len(deps) == 0 {
		return []string{r.Line("")}
	}
	var out []string
	for _, f := range families {
		ok := true
		for _, d := range deps {
			ok = ok && p.fams[d][f]
		}
		if ok {
			out = append(out, r.Line(f))
		}
	}
	return out
}

// Line prints the rule as one line of its chain for family f ("" when it
// reads no address set or map): String prints it once per family it
// applies to, and the emitter compares rules by their line.
func (r *Rule) Line(f Family) string {
	var parts []string
	for _, m := range r.Matches {
		parts = append(parts, matchString(m, f))
	}
	if r.Log != nil {
		parts = append(parts, "log prefix "+quote(r.Log.Prefix)+" group "+strconv.Itoa(int(r.Log.Group)))
	}
	parts = append(parts, verdict(r.Verdict, f))
	if r.Comment != "" {
		parts = append(parts, "comment "+quote(r.Comment))
	}
	return strings.Join(parts, " ")
}

func matchString(m Match, f Family) string {
	switch m := m.(type) {
	case CtState:
		return "ct state " + strings.Join(m.States, ",")
	case AddrIn:
		return fmt.Sprintf("%s %s @%s", f, m.Field, familyName(m.Set, f))
	case LocalSAddr:
		return "fib saddr type local"
	case L4Proto:
		names := make([]string, len(m.Protocols))
		for i, p := range m.Protocols {
			names[i] = ProtocolName(p)
		}
		return "meta l4proto " + list(names)
	case DPort:
		ports := make([]string, len(m.Ranges))
		for i, r := range m.Ranges {
			ports[i] = strconv.Itoa(int(r.First))
			if r.Last != r.First {
				ports[i] += "-" + strconv.Itoa(int(r.Last))
			}
		}
		return "th dport " + list(ports)
	case ICMPv6Type:
		return "icmpv6 type " + list(m.Types)
	}
	panic(fmt.Sprintf("nftapi: unknown match %T", m))
}

// ProtocolName is the nft name of a protocol.
func ProtocolName(p portset.Protocol) string { return strings.ToLower(p.String()) }

func verdict(v Verdict, f Family) string {
	switch v.Kind {
	case Jump, Goto:
		return string(v.Kind) + " " + v.Chain
	case VMap:
		return fmt.Sprintf("%s %s vmap @%s", f, v.Key, familyName(v.Map, f))
	}
	return string(v.Kind)
}

// list prints one value bare and several as an anonymous set.
func list(items []string) string {
	if len(items) == 1 {
		return items[0]
	}
	return "{ " + strings.Join(items, ", ") + " }"
}

// element prints an address, a prefix when the range is exactly one, or a
// range.
func element(from, to netip.Addr) string {
	from, to = from.Unmap(), to.Unmap()
	if from == to {
		return from.String()
	}
	if p, ok := asPrefix(from, to); ok {
		return p.String()
	}
	return from.String() + "-" + to.String()
}

// asPrefix reports whether from..to is exactly one prefix.
func asPrefix(from, to netip.Addr) (netip.Prefix, bool) {
	if ps := (netset.Range{First: from, Last: to}).Prefixes(); len(ps) == 1 {
		return ps[0], true
	}
	return netip.Prefix{}, false
}

func priority(n int) string {
	if n == 0 {
		return "filter"
	}
	return strconv.Itoa(n)
}

func commentSuffix(c string) string {
	if c == "" {
		return ""
	}
	return " comment " + quote(c)
}

// maxComment is the longest comment the kernel stores.
const maxComment = 127

// quote makes s an nft string: no double quotes or line breaks (nft has no
// escapes) and at most maxComment bytes, cut at a rune boundary.
func quote(s string) string {
	s = strings.NewReplacer(`"`, "'", "\n", " ", "\r", " ", "\t", " ").Replace(s)
	if len(s) > maxComment {
		cut := maxComment - 3
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return `"` + s + `"`
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
